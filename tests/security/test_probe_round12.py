"""What the twelfth probe found, each through the interface it was found on.

- Round 11 made the files a researcher is offered come from the signed manifest on disk (the one
  the export sealed by its SHA-256), because the database's copy of the manifest is not sealed. The
  API's export document still served that unsealed copy as "manifest", and the measured k and
  suppression rate (API and research page) from columns no seal covers either: a database writer
  could have the API hand a researcher a manifest that was never released (other checksums, another
  k, notes of its own) and both faces claim a k the export never had. They now come from the
  sealed manifest on disk; an export whose manifest on disk is not the sealed one is a 409, as its
  files already were.
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import update

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Export, ExportStatus
from intake.services import api_tokens, exports
from tests.web.api.conftest import CSV

RELEASED = {"export_id": "x", "measured": {"k": 7, "suppression_rate": 0.02},
            "files": {"persons.csv": {"sha256": hashlib.sha256(CSV).hexdigest(), "bytes": len(CSV)}}}


def _released_with_token(app, make_user, tmp_path):  # noqa: ANN001, ANN202
    """A released export as build() leaves it (manifest on disk, its digest sealed), and a token of
    its researcher."""
    export_dir = tmp_path / "exports"
    app.config["INTAKE_EXPORT_DIR"] = str(export_dir)
    researcher = make_user("researcher")
    raw = json.dumps(RELEASED).encode()
    with app.app_context():
        token = api_tokens.create(db.session, get_vault(), user_id=researcher.id, actor="test").token
        export = Export(status=ExportStatus.RELEASED.value, measured_k=7, suppression_rate=0.02, manifest=RELEASED,
                        manifest_signature=b"\x01" * 64, manifest_sha256=hashlib.sha256(raw).hexdigest(),
                        recipient_account_id=researcher.id)
        exports._seal(get_vault(), export)  # noqa: SLF001 - as build() leaves a released export
        db.session.add(export)
        db.session.commit()
        folder = export_dir / str(export.id)
        folder.mkdir(parents=True)
        (folder / exports.MANIFEST).write_bytes(raw)
        (folder / "persons.csv").write_bytes(CSV)
        return export.id, token, researcher


def _rewrite_row(app, export_id) -> None:  # noqa: ANN001
    """What a database writer can change without touching the export's seal."""
    forged = {**RELEASED, "measured": {"k": 1, "suppression_rate": 0.5},
              "files": {"persons.csv": {"sha256": "0" * 64, "bytes": 1}}, "note": "k 1 was approved"}
    with app.app_context():
        db.session.execute(update(Export).where(Export.id == export_id).values(
            manifest=forged, measured_k=1, suppression_rate=0.5))
        db.session.commit()


def test_the_api_serves_the_released_manifest_not_the_database_s_copy(app, make_user, tmp_path):
    export_id, token, _ = _released_with_token(app, make_user, tmp_path)
    _rewrite_row(app, export_id)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    detail = client.get(f"/api/v1/exports/{export_id}", headers=headers)
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["manifest"] == RELEASED
    assert (body["measured_k"], body["suppression_rate"]) == (7, 0.02)
    [listed] = client.get("/api/v1/exports", headers=headers).get_json()["exports"]
    assert (listed["measured_k"], listed["suppression_rate"]) == (7, 0.02)


def test_the_research_page_shows_the_released_k_not_the_database_s(app, make_user, sign_in, tmp_path):
    export_id, _, researcher = _released_with_token(app, make_user, tmp_path)
    _rewrite_row(app, export_id)
    client = app.test_client()
    sign_in(client, researcher)
    page = client.get("/research/").get_data(as_text=True)
    assert 'Measured k</dt><dd><bdi dir="ltr">7</bdi>' in page
    assert 'Suppressed</dt><dd><bdi dir="ltr">2.0 %</bdi>' in page


def test_an_export_whose_manifest_on_disk_changed_is_not_described_by_the_api(app, make_user, tmp_path):
    export_id, token, _ = _released_with_token(app, make_user, tmp_path)
    manifest = tmp_path / "exports" / str(export_id) / exports.MANIFEST
    manifest.write_text(json.dumps({**RELEASED, "measured": {"k": 1}}), encoding="utf-8")
    detail = app.test_client().get(f"/api/v1/exports/{export_id}", headers={"Authorization": f"Bearer {token}"})
    assert detail.status_code == 409 and detail.mimetype == "application/problem+json"
    assert "measured" not in detail.get_data(as_text=True)

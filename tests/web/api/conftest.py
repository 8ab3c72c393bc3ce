"""Fixtures of the researcher API: a researcher with a token, exports released and not.

An export is made as `services/exports.build` leaves one (signed manifest on disk, its digest and
state sealed), without building the anonymised table: that is the exports work's own tests' part."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

import pytest

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Export, ExportStatus
from intake.services import api_tokens, export_states, exports

CSV = b"pseudonym,age_band\nA1,30-39\n"


@dataclass
class ApiWorld:
    token: str
    token_id: object
    researcher: object
    released: object
    hidden: object

    def headers(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}


def make_export(app, status: ExportStatus, export_dir: Path, account: object = None, *,
                manifest: dict | None = None) -> object:
    """An export in `status` received by `account`, its files on disk; `manifest`: the one released
    (its figures also in the row), else a minimal one."""
    manifest = manifest or {"export_id": "x", "files": {"persons.csv": {"sha256": hashlib.sha256(CSV).hexdigest(),
                                                                       "bytes": len(CSV)}}}
    measured = manifest.get("measured", {"k": 5, "suppression_rate": 0.01})
    manifest_bytes = json.dumps(manifest).encode()
    with app.app_context():
        export = Export(status=status.value, measured_k=measured["k"], suppression_rate=measured["suppression_rate"],
                        manifest=manifest,
                        manifest_signature=b"\x01" * 64, manifest_sha256=hashlib.sha256(manifest_bytes).hexdigest(),
                        recipient_account_id=account)
        export_states.seal(get_vault(), export)  # noqa: SLF001 - as build() leaves a released export
        db.session.add(export)
        db.session.commit()
        folder = export_dir / str(export.id)
        folder.mkdir(parents=True)
        (folder / exports.MANIFEST).write_bytes(manifest_bytes)
        (folder / "persons.csv").write_bytes(CSV)
        (folder / "secret.txt").write_bytes(b"not in the manifest")
        return export.id


@pytest.fixture
def api_world(app, make_user, tmp_path) -> ApiWorld:
    export_dir = tmp_path / "exports"
    app.config["INTAKE_EXPORT_DIR"] = str(export_dir)
    researcher = make_user("researcher")
    with app.app_context():
        new = api_tokens.create(db.session, get_vault(), user_id=researcher.id, actor="test", label="laptop")
    return ApiWorld(new.token, new.id, researcher, make_export(app, ExportStatus.RELEASED, export_dir, researcher.id),
                    make_export(app, ExportStatus.BUILT, export_dir, researcher.id))

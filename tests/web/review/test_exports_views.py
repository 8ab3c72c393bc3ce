"""Export and statistics pages: reviewers propose and approve (not their own), researchers see and
download released exports (audited, never cached), statistics with small cells hidden, and the
public face's statistics page, which shows only a snapshot whose signature verifies."""

from __future__ import annotations

import json
import re

from cryptography.hazmat.primitives import serialization
from sqlalchemy import select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, Export, ExportStatus
from intake.services import export_states, exports, statistics, take_in
from tests.unit.test_exports_store import family, relative
from tests.web_fixtures import csrf_token


def store(app, persons: int, *, per_family: int = 10) -> None:
    for first in range(0, persons, per_family):
        family(app, [relative(i) for i in range(first, min(first + per_family, persons))])
    with app.app_context():
        assert take_in.take_in(db.session, get_vault())[1] == 0


def post(client, url: str, page: str, **data):
    return client.post(url, data={"csrf_token": csrf_token(client.get(page).data), **data})


def test_reviewers_propose_and_only_another_approves(app, make_user, sign_in):
    first, second, researcher = make_user("reviewer"), make_user("reviewer"), make_user("researcher")
    one, two = app.test_client(), app.test_client()
    sign_in(one, first)
    sign_in(two, second)
    response = post(one, "/review/exports/propose", "/review/exports", recipient="A research group",
                    account=str(researcher.id), purpose="patterns of detention")
    assert response.status_code == 302
    with app.app_context():
        export = db.session.scalars(select(Export)).one()
        export_id = export.id
    page = one.get("/review/exports").get_data(as_text=True)
    assert "A research group" in page and f"/review/exports/{export_id}/approve" not in page
    assert f"<bdi>{researcher.username}</bdi>" in page  # the approver sees who will receive it
    assert "awaiting another reviewer" in page
    refused = post(one, f"/review/exports/{export_id}/approve", "/review/exports")
    assert refused.status_code == 302
    assert "other than the reviewer who proposed it" in one.get("/review/exports").get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Export, export_id).status == ExportStatus.REQUESTED.value
    assert f"/review/exports/{export_id}/approve" in two.get("/review/exports").get_data(as_text=True)
    post(two, f"/review/exports/{export_id}/approve", "/review/exports")
    with app.app_context():
        assert db.session.get(Export, export_id).status == ExportStatus.APPROVED.value
    assert "awaiting the build job" in two.get("/review/exports").get_data(as_text=True)
    empty = post(one, "/review/exports/propose", "/review/exports", recipient="", account=str(researcher.id),
                 purpose="trends in sentencing")
    assert empty.status_code == 422  # the page again, with what was typed
    page = empty.get_data(as_text=True)
    assert "trends in sentencing</textarea>" in page and f'<option selected value="{researcher.id}">' in page
    for account in ("", str(first.id), "not-an-id"):  # no account, a reviewer's, nonsense: refused, said why
        refused = post(one, "/review/exports/propose", "/review/exports", recipient="Group B", account=account,
                       purpose="trends in sentencing")
        assert refused.status_code == 422
        page = refused.get_data(as_text=True)
        assert "choose the active researcher account that receives the export" in page
        assert 'value="Group B"' in page and "trends in sentencing</textarea>" in page
    with app.app_context():
        assert db.session.query(Export).count() == 1


def test_researchers_download_released_files_audited_and_not_cached(app, make_user, sign_in, tmp_path):
    app.config["INTAKE_EXPORT_DIR"] = str(tmp_path / "exports")
    proposer, approver, researcher = make_user("reviewer"), make_user("admin"), make_user("researcher")
    store(app, 120)
    with app.app_context():
        vault = get_vault()
        export = exports.propose(db.session, vault, actor=proposer.id, recipient="r", purpose="p",
                                 recipient_account=researcher.id)
        exports.approve(db.session, vault, export.id, actor=approver.id)
        export_id = exports.build(db.session, vault, export.id).id
        statistics.refresh(db.session, vault)
    client = app.test_client()
    sign_in(client, researcher)
    page = client.get("/research/").get_data(as_text=True)
    assert str(export_id) in page and "persons.parquet" in page and "standalone_verify.py" in page
    with client.head(f"/research/exports/{export_id}/persons.csv") as response:  # recorded as nothing
        assert response.status_code == 200
    response = client.get(f"/research/exports/{export_id}/persons.csv")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert response.data.startswith(b"person,gender")
    response.close()
    assert client.get(f"/research/exports/{export_id}/..%2Fmanifest.json").status_code == 404
    assert client.get(f"/research/exports/{export_id}/keystore.json").status_code == 404
    with app.app_context():
        downloads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "export.downloaded")).all()
        assert [(e.actor, e.object_id, e.details) for e in downloads] == [
            (str(researcher.id), str(export_id), {"file": "persons.csv"})]
    stats = client.get("/research/statistics").get_data(as_text=True)
    assert "<svg" in stats and "<script" not in stats and "Persons by home prefecture" in stats
    assert "What the counts cannot say" in stats
    # Small cells: 120 persons spread over few categories; every count shown is 0, >= 5, "<5" or "5+".
    shown = re.findall(r'<td><bdi dir="ltr">([^<]*)</bdi></td></tr>', stats)
    assert shown and all(v in ("0", "&lt;5", "5+") or int(v) >= 5 for v in shown)
    reviewer = app.test_client()
    sign_in(reviewer, proposer)
    assert "Persons by gender" in reviewer.get("/review/statistics").get_data(as_text=True)
    assert reviewer.get(f"/research/exports/{export_id}/persons.csv").status_code in (403, 404)


def test_the_public_page_shows_only_a_snapshot_signed_by_the_configured_key(app, make_user, tmp_path):
    store(app, 30)
    snapshot, key_file = tmp_path / "public-statistics.json", tmp_path / "export-key.pem"
    app.config.update(INTAKE_STATISTICS_SNAPSHOT=str(snapshot), INTAKE_STATISTICS_PUBLIC_KEY=str(key_file))
    client = app.test_client()
    assert "No statistics have been published yet" in client.get("/statistics").get_data(as_text=True)
    with app.app_context():
        vault = get_vault()
        _, signer = vault.current_export_signer()
        key_file.write_bytes(signer.public_key().public_bytes(serialization.Encoding.PEM,
                                                              serialization.PublicFormat.SubjectPublicKeyInfo))
        statistics.publish(db.session, vault, epsilon="0.5", budget="1.0", path=snapshot)
    page = client.get("/statistics").get_data(as_text=True)
    assert "Persons by home prefecture" in page and "What the counts cannot say" in page
    svgs = re.findall(r"<svg.*?</svg>", page, flags=re.S)
    assert len(svgs) == 6 and not any("<script" in svg or re.search(r"href=\"[^#]", svg) for svg in svgs)
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    document["tables"][0]["counts"][0] += 1000  # altered after signing
    snapshot.write_text(json.dumps(document), encoding="utf-8")
    assert "No statistics have been published yet" in client.get("/statistics").get_data(as_text=True)


def test_with_no_researcher_account_the_page_says_who_creates_one_first(app, make_user, sign_in):
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    page = client.get("/review/exports").get_data(as_text=True)
    assert "no researcher account exists yet: an admin creates one first" in page
    assert 'action="/review/exports/propose"' not in page
    researcher = make_user("researcher")
    page = client.get("/review/exports").get_data(as_text=True)
    assert 'action="/review/exports/propose"' in page and f">{researcher.username}</option>" in page


def test_an_export_sealed_before_its_model_was_offers_no_approve_button_but_the_way_forward(app, make_user, sign_in):
    """Requested or approved under an older seal domain, an export is refused approval and building
    (services/exports.py): the page says so, in the reader's language, and offers the proposal again
    (the form filled with its recipient, account and purpose), never a button that is refused."""
    from intake.services import integrity

    proposer, reviewer, researcher = make_user("reviewer"), make_user("reviewer"), make_user("researcher")
    with app.app_context():
        vault = get_vault()
        old = exports.propose(db.session, vault, actor=proposer.id, recipient="Group Q", purpose="old purpose",
                              recipient_account=researcher.id)
        integrity.seal_row(vault, export_states.UNSEALED_MODEL_EXPORT, old)
        db.session.commit()
        old_id = old.id
    client = app.test_client()
    sign_in(client, reviewer)
    page = client.get("/review/exports").get_data(as_text=True)
    assert f"/review/exports/{old_id}/approve" not in page
    assert "Proposed before its privacy model was sealed with it" in page
    again = re.search(rf'<a href="(/review/exports\?again={old_id}#propose)">([^<]+)</a>', page)
    assert again and again.group(2) == "Propose it again"
    form = client.get(again.group(1)).get_data(as_text=True)
    assert 'id="propose"' in form and 'value="Group Q"' in form and "old purpose</textarea>" in form
    assert f'<option selected value="{researcher.id}">' in form
    for junk in ("not-an-id", "00000000-0000-0000-0000-000000000000", "x" * 500):  # an empty form, no 500
        answer = client.get(f"/review/exports?again={junk}")
        assert answer.status_code == 200 and 'value="Group Q"' not in answer.get_data(as_text=True)
    uyghur = client.get("/review/exports?lang=ug").get_data(as_text=True)
    assert "Proposed before its privacy model" not in uyghur and "Propose it again" not in uyghur
    assert f"/review/exports?again={old_id}#propose" in uyghur
    with app.app_context():
        assert db.session.get(Export, old_id).status == ExportStatus.REQUESTED.value

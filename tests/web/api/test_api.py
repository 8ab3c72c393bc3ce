"""The researcher API: tokens (hashed, sealed, revocable, expiring), released exports only, audited
downloads, problem documents for every refusal."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import select, update

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import ApiToken, AuditEvent, Export
from intake.services import api_tokens
from intake.services.errors import Conflict
from tests.web.api.conftest import CSV
from tests.web_fixtures import audit_head, audit_since


def _problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"]
    return body


def test_a_token_lists_and_opens_released_exports_only(app, api_world):
    client = app.test_client()
    listed = client.get("/api/v1/exports", headers=api_world.headers())
    assert listed.status_code == 200 and listed.mimetype == "application/json"
    assert [e["id"] for e in listed.get_json()["exports"]] == [str(api_world.released)]
    assert listed.get_json()["exports"][0]["files"] == ["manifest.json", "persons.csv", "standalone_verify.py"]
    assert listed.headers["Cache-Control"] == "no-store"
    detail = client.get(f"/api/v1/exports/{api_world.released}", headers=api_world.headers())
    assert detail.status_code == 200 and detail.get_json()["manifest"]["files"]["persons.csv"]["bytes"] == len(CSV)
    assert detail.get_json()["manifest_signature"]
    _problem(client.get(f"/api/v1/exports/{api_world.hidden}", headers=api_world.headers()), 404)
    _problem(client.get(f"/api/v1/exports/{uuid.uuid4()}", headers=api_world.headers()), 404)


def test_a_download_is_audited_and_never_cached(app, api_world):
    client = app.test_client()
    head = audit_head(app)
    # A HEAD sends no file: no download is recorded (an outside probe found one recorded for each).
    url = f"/api/v1/exports/{api_world.released}/files/persons.csv"
    with client.head(url, headers=api_world.headers()) as response:
        assert response.status_code == 200
    assert audit_since(app, head) == []
    with client.get(url, headers=api_world.headers()) as response:
        assert response.status_code == 200 and response.data == CSV
        assert response.headers["Cache-Control"] == "no-store"
        assert "attachment" in response.headers["Content-Disposition"]
    entries = audit_since(app, head)
    assert [(e["action"], e["actor"], e["object_id"]) for e in entries] == [
        ("export.downloaded", str(api_world.researcher.id), str(api_world.released))]
    # Only what the manifest lists, only of released exports; nothing outside the export's folder.
    for url in (f"/api/v1/exports/{api_world.released}/files/secret.txt",
                f"/api/v1/exports/{api_world.hidden}/files/persons.csv",
                f"/api/v1/exports/{api_world.released}/files/..%2F..%2Fkeys%2Fkeystore.json"):
        _problem(client.get(url, headers=api_world.headers()), 404)
    assert len(audit_since(app, head)) == 1


@pytest.mark.parametrize("header", [None, "Bearer ", "Bearer itk_not-a-real-token", "Basic dXNlcjpwYXNz",
                                    "Bearer " + "itk_" + "x" * 500])
def test_without_a_valid_token_every_endpoint_answers_401(app, api_world, header):
    client = app.test_client()
    for url in ("/api/v1/exports", f"/api/v1/exports/{api_world.released}",
                f"/api/v1/exports/{api_world.released}/files/persons.csv"):
        response = client.get(url, headers={"Authorization": header} if header else {})
        _problem(response, 401)
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/openapi.json").status_code == 200  # the description is open


def test_a_signed_in_session_opens_nothing(app, api_world, sign_in):
    client = app.test_client()
    sign_in(client, api_world.researcher)
    assert client.get("/research/").status_code == 200
    _problem(client.get("/api/v1/exports"), 401)


def test_revoked_expired_and_tampered_tokens_are_refused(app, api_world, make_user, monkeypatch):
    client = app.test_client()
    ok = client.get("/api/v1/exports", headers=api_world.headers())
    assert ok.status_code == 200
    with app.app_context():
        assert db.session.get(ApiToken, api_world.token_id).last_used_at is not None
        vault = get_vault()
        expiring = api_tokens.create(db.session, vault, user_id=api_world.researcher.id, actor="t", days=1)
        tampered = api_tokens.create(db.session, vault, user_id=api_world.researcher.id, actor="t", days=1)
        # Someone with database access extends a token by a year: its seal no longer matches.
        db.session.execute(update(ApiToken).where(ApiToken.id == tampered.id).values(
            expires_at=tampered.expires_at + dt.timedelta(days=365)))
        db.session.commit()
        api_tokens.revoke(db.session, vault, api_world.token_id, actor="test")
        lines = {line.id: line.state for line in api_tokens.listing(db.session, vault)}
        assert lines[api_world.token_id] == "revoked" and lines[tampered.id] == "failed verification"
    _problem(client.get("/api/v1/exports", headers=api_world.headers()), 401)
    _problem(client.get("/api/v1/exports", headers=api_world.headers(tampered.token)), 401)
    assert client.get("/api/v1/exports", headers=api_world.headers(expiring.token)).status_code == 200
    later = api_tokens.utcnow() + dt.timedelta(days=2)
    monkeypatch.setattr(api_tokens, "utcnow", lambda: later)
    _problem(client.get("/api/v1/exports", headers=api_world.headers(expiring.token)), 401)


def test_tokens_are_for_researchers_kept_as_hashes_and_end_with_the_account(app, api_world, make_user):
    reviewer = make_user("reviewer")
    with app.app_context():
        vault = get_vault()
        with pytest.raises(Conflict):
            api_tokens.create(db.session, vault, user_id=reviewer.id, actor="test")
        stored = db.session.scalars(select(ApiToken)).one()
        assert stored.token_hash != api_world.token.encode() and len(stored.token_hash) == 32
        assert api_world.token.encode() not in repr(db.session.execute(select(ApiToken.__table__)).all()).encode()
        from intake.services import accounts

        accounts.disable(db.session, vault, api_world.researcher.id, actor="test")
    _problem(app.test_client().get("/api/v1/exports", headers=api_world.headers()), 401)


def test_a_new_set_up_link_revokes_the_accounts_tokens(app, api_world):
    # A link is reissued when the account may be in other hands: a token those hands made must end.
    from intake.services import accounts

    assert app.test_client().get("/api/v1/exports", headers=api_world.headers()).status_code == 200
    with app.app_context():
        accounts.reissue(db.session, get_vault(), api_world.researcher.id, actor="test", hours=48)
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "user.invite")).one()
        assert entry.details["tokens_revoked"] == 1
    _problem(app.test_client().get("/api/v1/exports", headers=api_world.headers()), 401)


def test_the_token_commands(app, api_world):
    runner = app.test_cli_runner()
    with app.app_context():
        username = db.session.get(type(api_world.researcher), api_world.researcher.id).username
    created = runner.invoke(args=["api", "token", "create", "--user", username, "--days", "30", "--label", "R"])
    assert created.exit_code == 0, created.output
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("itk_")
    assert app.test_client().get("/api/v1/exports", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listed = runner.invoke(args=["api", "token", "list"])
    assert listed.exit_code == 0 and token not in listed.output and listed.output.count("active") == 2
    token_id = next(line.split("\t")[0] for line in listed.output.splitlines() if line.endswith("\tR"))
    assert runner.invoke(args=["api", "token", "revoke", token_id]).exit_code == 0
    _problem(app.test_client().get("/api/v1/exports", headers={"Authorization": f"Bearer {token}"}), 401)
    refused = runner.invoke(args=["api", "token", "create", "--user", "nobody"])
    assert refused.exit_code == 1 and "Traceback" not in refused.output


def test_a_tampered_or_damaged_export_is_not_served(app, api_world, tmp_path):
    client = app.test_client()
    folder = tmp_path / "exports" / str(api_world.released)
    (folder / "manifest.json").write_bytes(b'{"files": {}}')  # not the manifest that was released
    _problem(client.get(f"/api/v1/exports/{api_world.released}/files/persons.csv", headers=api_world.headers()), 409)
    with app.app_context():
        # Someone with database access releases the unreleased export: its seal no longer matches.
        db.session.execute(update(Export).where(Export.id == api_world.hidden).values(status="released"))
        db.session.commit()
    listed = client.get("/api/v1/exports", headers=api_world.headers()).get_json()["exports"]
    assert str(api_world.hidden) not in [e["id"] for e in listed]
    _problem(client.get(f"/api/v1/exports/{api_world.hidden}", headers=api_world.headers()), 404)


def test_a_flood_of_bad_tokens_is_slowed_down(app, api_world):
    app.config["INTAKE_API_AUTH_FAILURE_LIMIT"] = "3/minute"
    client = app.test_client()
    assert client.get("/api/v1/exports", headers=api_world.headers()).status_code == 200  # not counted
    for _ in range(3):
        _problem(client.get("/api/v1/exports", headers=api_world.headers("itk_guess")), 401)
    _problem(client.get("/api/v1/exports", headers=api_world.headers("itk_guess")), 429)
    _problem(client.get("/api/v1/exports", headers=api_world.headers()), 429)  # the address waits

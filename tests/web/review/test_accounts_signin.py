"""Signing in: password then code, identical refusals, lockout, rate limit, TOTP replay, recovery codes,
session fixation, idle and absolute timeouts, sign-out by POST only, locked keys. CSRF on."""

from __future__ import annotations

import base64
import re
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.crypto.passphrase import PROFILES
from intake.crypto.vault import Vault
from intake.extensions import db
from intake.keyring import get_vault, set_vault
from intake.models import AuditEvent, Role, User
from intake.models.session import AuthSession
from intake.services import signin, users
from tests.web_fixtures import PASSWORD, audit_head, audit_since, csrf_token, current_code


def password_step(client, username, password=PASSWORD):
    page = client.get("/review/sign-in")
    return client.post("/review/sign-in", data={"csrf_token": csrf_token(page.data), "username": username,
                                                "password": password})


def code_step(client, code):
    page = client.get("/review/sign-in/code")
    assert page.status_code == 200, page.status_code
    return client.post("/review/sign-in/code", data={"csrf_token": csrf_token(page.data), "code": code})


def sign_out(client):
    token = csrf_token(client.get("/review/sign-in/code" if client.get("/review/").status_code == 302
                                  else "/review/").data)
    return client.post("/review/sign-out", data={"csrf_token": token})


def without_token(html: bytes) -> str:
    return re.sub(r'value="[^"]*"', "", html.decode())


def test_password_then_code_signs_in_and_regenerates_the_session(app, make_user, credentials):
    user = make_user("reviewer")
    creds = credentials[user.id]
    client = app.test_client()
    client.get("/review/sign-in")
    with client.session_transaction() as sess:  # an attacker plants a session before sign-in
        sess["sid"] = "planted-by-attacker"
        sess["marker"] = "planted"
        planted_csrf = sess["csrf_token"]
    before_cookie = client.get_cookie("session").value

    response = password_step(client, creds.username)
    assert response.status_code == 302 and response.location.endswith("/review/sign-in/code")
    with client.session_transaction() as sess:
        pending_sid = sess["sid"]
        assert "marker" not in sess and sess.get("csrf_token") != planted_csrf
    pending_cookie = client.get_cookie("session").value
    assert pending_cookie != before_cookie and pending_sid != "planted-by-attacker"
    # Half signed in reaches nothing but the code page.
    assert client.get("/review/").status_code == 302
    assert client.get("/admin/users").status_code == 302

    before = audit_head(app)
    response = code_step(client, current_code(creds.totp_secret, 1))
    assert response.status_code == 302 and response.location.endswith("/review/")
    with client.session_transaction() as sess:
        assert sess["sid"] != pending_sid
    assert client.get_cookie("session").value not in (before_cookie, pending_cookie)
    assert client.get("/review/").status_code == 200
    [entry] = audit_since(app, before)
    assert (entry["action"], entry["actor"], entry["details"]["method"]) == ("auth.login", str(user.id), "totp")
    with app.app_context():
        rows = db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).all()
        assert [r.second_factor for r in rows] == [True]  # the pending session is gone
        assert db.session.get(User, user.id).last_login_at is not None

    stale = app.test_client()  # the pending cookie, replayed, is worth nothing now
    stale.set_cookie("session", pending_cookie)
    assert stale.get("/review/").status_code == 302
    assert stale.get("/review/sign-in/code").location.endswith("/review/sign-in")


def test_unknown_user_and_wrong_password_are_refused_alike(app, make_user, credentials, monkeypatch):
    user = make_user("reviewer")
    checked = []
    real = signin.verify_password
    monkeypatch.setattr(signin, "verify_password", lambda pw, h: checked.append(h) or real(pw, h))
    before = audit_head(app)
    unknown = password_step(app.test_client(), "no-such-person", "some wrong password")
    wrong = password_step(app.test_client(), credentials[user.id].username, "some wrong password")
    assert unknown.status_code == wrong.status_code == 200
    assert without_token(unknown.data) == without_token(wrong.data)
    assert str(signin.REFUSED) in unknown.get_data(as_text=True)
    assert len(checked) == 2 and all(h and h.startswith("$argon2id$") for h in checked)  # a dummy hash too
    first, second = audit_since(app, before)
    assert (first["action"], first["actor"], first["object_id"]) == ("auth.login_failed", "anonymous", None)
    assert (second["action"], second["actor"], second["object_id"]) == ("auth.login_failed", str(user.id),
                                                                        str(user.id))
    assert "no-such-person" not in repr(first) and "wrong" not in repr(first) + repr(second)


def test_lockout_after_repeated_failures_grows_and_ends(app, make_user, credentials, fake_clock):
    app.config["INTAKE_SIGN_IN_LIMIT"] = "100 per minute"  # the per-address limit is tested below
    user = make_user("reviewer")
    creds = credentials[user.id]
    client = app.test_client()
    before = audit_head(app)
    for _ in range(5):
        assert str(signin.REFUSED) in password_step(client, creds.username, "wrong password!").get_data(as_text=True)
    with app.app_context():
        locked = db.session.get(User, user.id)
        assert locked.failed_logins == 5 and locked.locked_until is not None
    refused = password_step(client, creds.username)  # the right password, but locked
    assert refused.status_code == 200 and str(signin.REFUSED) in refused.get_data(as_text=True)
    entries = audit_since(app, before)
    assert [e["details"]["reason"] for e in entries] == ["password"] * 5 + ["locked"]
    assert all(e["action"] == "auth.login_failed" and e["actor"] == str(user.id) for e in entries)

    fake_clock.advance(seconds=61)
    password_step(client, creds.username, "wrong again!!")  # a sixth failure: locked twice as long
    fake_clock.advance(seconds=61)
    assert str(signin.REFUSED) in password_step(client, creds.username).get_data(as_text=True)
    fake_clock.advance(seconds=60)
    assert password_step(client, creds.username).location.endswith("/review/sign-in/code")
    # A wrong code counts toward the same lock: the 7th failure locks for 4 minutes.
    before = audit_head(app)
    for _ in range(2):
        assert str(signin.CODE_REFUSED) in code_step(client, "000000").get_data(as_text=True)
    assert [e["details"]["reason"] for e in audit_since(app, before)] == ["invalid", "locked"]
    with app.app_context():
        assert db.session.get(User, user.id).failed_logins == 7
    response = code_step(client, current_code(creds.totp_secret, 1))
    assert str(signin.CODE_REFUSED) in response.get_data(as_text=True)  # the right code, but locked again
    fake_clock.advance(seconds=241)
    assert code_step(client, current_code(creds.totp_secret, 1)).status_code == 302
    with app.app_context():
        user_row = db.session.get(User, user.id)
        assert user_row.failed_logins == 0 and user_row.locked_until is None


def test_sign_in_posts_are_rate_limited_per_address(app):
    client = app.test_client()
    statuses = [password_step(client, "someone", "wrong password!").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_a_totp_code_is_good_once(app, make_user, credentials, sign_in):
    user = make_user("reviewer")
    creds = credentials[user.id]
    client = app.test_client()
    assert password_step(client, creds.username).status_code == 302
    code = current_code(creds.totp_secret, 1)
    assert code_step(client, code).status_code == 302
    assert sign_out(client).status_code == 302

    before = audit_head(app)
    assert password_step(client, creds.username).status_code == 302
    replay = code_step(client, code)
    assert replay.status_code == 200 and str(signin.CODE_REFUSED) in replay.get_data(as_text=True)
    older = code_step(client, current_code(creds.totp_secret, 0))  # inside the window, but before the last used
    assert older.status_code == 200
    assert [(e["action"], e["details"]["reason"]) for e in audit_since(app, before)] == [
        ("auth.totp_failed", "replay"), ("auth.totp_failed", "replay")]
    assert client.get("/review/").status_code == 302


def test_a_recovery_code_works_once(app, make_user, credentials):
    user = make_user("reviewer")
    creds = credentials[user.id]
    code = creds.recovery_codes[3]
    client = app.test_client()
    password_step(client, creds.username)
    before = audit_head(app)
    assert code_step(client, code.upper().replace("-", " ")).status_code == 302  # typed loosely
    [entry] = audit_since(app, before)
    assert entry["details"] == {"method": "recovery", "recovery_codes_left": 9}
    sign_out(client)
    password_step(client, creds.username)
    again = code_step(client, code)
    assert again.status_code == 200 and str(signin.CODE_REFUSED) in again.get_data(as_text=True)
    assert code_step(client, creds.recovery_codes[4]).status_code == 302
    with app.app_context():
        assert len(db.session.get(User, user.id).recovery_code_hashes) == 8


def test_idle_timeout(app, make_user, sign_in, fake_clock):
    user = make_user("reviewer")
    client = app.test_client()
    sign_in(client, user)
    for _ in range(3):  # activity keeps it alive well past one idle period
        fake_clock.advance(minutes=29)
        assert client.get("/review/").status_code == 200
    fake_clock.advance(minutes=31)
    response = client.get("/review/")
    assert response.status_code == 302 and response.location.endswith("/review/sign-in")
    with app.app_context():
        assert db.session.scalars(select(AuthSession).where(AuthSession.user_id == user.id)).all() == []


def test_absolute_timeout(app, make_user, sign_in, fake_clock):
    user = make_user("reviewer")
    client = app.test_client()
    sign_in(client, user)
    for _ in range(int(12 * 60 / 25)):
        fake_clock.advance(minutes=25)
        assert client.get("/review/").status_code == 200
    fake_clock.advance(minutes=25)
    assert client.get("/review/").status_code == 302


def test_half_signed_in_session_expires(app, make_user, credentials, fake_clock):
    user = make_user("reviewer")
    client = app.test_client()
    password_step(client, credentials[user.id].username)
    fake_clock.advance(minutes=6)
    assert client.get("/review/sign-in/code").location.endswith("/review/sign-in")


def test_sign_out_is_post_only_and_ends_the_session_on_the_server(app, make_user, sign_in):
    user = make_user("reviewer")
    client = app.test_client()
    sign_in(client, user)
    assert client.get("/review/sign-out").status_code == 405
    assert client.post("/review/sign-out").status_code == 400  # no CSRF token
    assert client.get("/review/").status_code == 200
    copied = client.get_cookie("session").value
    before = audit_head(app)
    response = client.post("/review/sign-out", data={"csrf_token": csrf_token(client.get("/review/").data)})
    assert response.status_code == 302 and response.location.endswith("/review/sign-in")
    [entry] = audit_since(app, before)
    assert (entry["action"], entry["actor"]) == ("auth.logout", str(user.id))
    assert client.get("/review/").status_code == 302
    thief = app.test_client()  # a copy of the cookie taken before sign-out
    thief.set_cookie("session", copied)
    assert thief.get("/review/").status_code == 302


def test_an_account_without_a_second_factor_enrols_at_first_sign_in(app):
    with app.app_context():
        user = users.create_user(db.session, get_vault(), username="devadmin", role=Role.ADMIN,
                                 password=PASSWORD, kdf=PROFILES["test"]["password"])
        user_id = user.id
    client = app.test_client()
    response = password_step(client, "devadmin")
    assert response.location.endswith("/review/sign-in/enrol")
    assert client.get("/review/sign-in/code").location.endswith("/review/sign-in/enrol")
    page = client.get("/review/sign-in/enrol").get_data(as_text=True)
    key = re.search(r'class="manual-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    before = audit_head(app)
    response = client.post("/review/sign-in/enrol", data={"csrf_token": csrf_token(page),
                                                           "code": current_code(secret)})
    assert response.status_code == 200 and len(re.findall(r"<li><code>", response.get_data(as_text=True))) == 10
    assert [e["action"] for e in audit_since(app, before)] == ["user.totp_enrolled", "auth.login"]
    assert client.get("/admin/users").status_code == 200
    with app.app_context():
        assert db.session.get(User, user_id).totp_secret == secret


def signed_csrf(app, client) -> str:
    """A valid CSRF token for a client whose pages offer no form (everything is locked)."""
    from flask import session
    from flask_wtf.csrf import generate_csrf

    with client.session_transaction() as sess:
        sess["csrf_token"] = "r" * 40
    with app.test_request_context():
        session["csrf_token"] = "r" * 40
        return generate_csrf()


def locked_vault(app):
    return Vault.from_keystore(Path(app.config["INTAKE_KEYSTORE"]), "review")


def test_with_keys_locked_sign_in_is_refused_clearly(make_app):
    locked = make_app("both", INTAKE_KEY_PASSPHRASE="not the passphrase")
    client = locked.test_client()
    page = client.get("/review/sign-in")
    assert page.status_code == 200 and signin.LOCKED_SERVICE in page.get_data(as_text=True)
    assert b'name="password"' not in page.data  # no sign-in form is offered
    response = client.post("/review/sign-in", data={"csrf_token": signed_csrf(locked, client), "username": "a",
                                                    "password": "b" * 12})
    assert response.status_code == 503 and signin.LOCKED_SERVICE in response.get_data(as_text=True)
    index = client.get("/review/")
    assert index.status_code == 200 and b"an operator must unlock it" in index.data
    assert b"passphrase" not in index.data  # the operator's detail is for signed-in eyes only
    assert client.get("/review/setup/" + "a" * 43).status_code == 503
    with locked.app_context():
        assert db.session.scalar(select(AuditEvent.seq).limit(1)) is None


def test_a_session_that_outlives_an_unlock_sees_the_lock_not_content(app, make_user, sign_in):
    admin = make_user("admin")
    client = app.test_client()
    sign_in(client, admin)
    set_vault(app, locked_vault(app), "the review keys are locked: no passphrase was given")
    index = client.get("/review/")
    assert index.status_code == 200 and b"an operator must unlock it" in index.data
    assert b"no passphrase was given" in index.data
    assert client.get("/admin/users").status_code == 200
    audit_page = client.get("/admin/audit")
    assert audit_page.status_code == 200 and b"Chain verified" in audit_page.data
    before = audit_head(app)
    invite = client.post("/admin/users/invite", data={"csrf_token": csrf_token(client.get("/admin/users").data),
                                                      "username": "newbie", "role": "reviewer"})
    assert invite.status_code == 400 and signin.LOCKED_SERVICE in invite.get_data(as_text=True)
    out = client.post("/review/sign-out", data={"csrf_token": csrf_token(client.get("/admin/users").data)})
    assert out.status_code == 302 and client.get("/admin/users").status_code == 302
    assert audit_since(app, before) == []  # nothing could be signed, nothing was done


@pytest.mark.parametrize("field", ["username", "password"])
def test_empty_fields_do_not_crash(app, field):
    client = app.test_client()
    page = client.get("/review/sign-in")
    data = {"csrf_token": csrf_token(page.data), "username": "x", "password": "y"}
    data[field] = ""
    assert client.post("/review/sign-in", data=data).status_code == 200

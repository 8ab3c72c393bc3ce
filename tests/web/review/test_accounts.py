"""Accounts: `flask users create` and its one-time set-up link, the password rules, TOTP enrolment with
recovery codes, and the admin pages (invite, disable, enable, new link). CSRF is on throughout."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import AuditEvent, User
from intake.models.session import AuthSession
from intake.services import accounts, clock, totp, users
from intake.keyring import get_vault
from tests.web_fixtures import PASSWORD, audit_head, audit_since, csrf_token

LINK = re.compile(r"(https?://[^\s<]+/review/setup/([A-Za-z0-9_\-]+))")
GOOD_PASSWORD = "violet anchor meadow 1987"


def secret_from_page(html: str) -> bytes:
    key = re.search(r'class="manual-key">([A-Z2-7 ]+)<', html).group(1).replace(" ", "")
    return base64.b32decode(key + "=" * (-len(key) % 8))


def test_cli_create_prints_a_one_time_link_and_the_setup_page_enrols(app, fake_clock):
    before = audit_head(app)
    result = app.test_cli_runner().invoke(args=["users", "create", "--role", "admin", "Alice.Admin"])
    assert result.exit_code == 0, result.output
    link, token = LINK.search(result.output).groups()
    assert link.startswith("http://127.0.0.1:5000/review/setup/")
    assert len(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))) == 32
    [entry] = audit_since(app, before)
    assert entry["action"] == "user.create" and entry["actor"] == "cli"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "alice.admin"))
        assert user.role == "admin" and user.password_hash is None and user.totp_secret_sealed is None
        assert user.setup_token_hash == hashlib.sha256(token.encode()).digest()  # only the hash is kept
        assert entry["object_id"] == str(user.id) and "alice" not in repr(entry).lower()

    client = app.test_client()
    path = link.removeprefix("http://127.0.0.1:5000")
    page = client.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<svg" in html and "<script" not in html and "<img" not in html
    secret = secret_from_page(html)
    assert len(secret) == 20

    now = totp.counter_at(clock.timestamp())
    refusals = {
        "short": dict(password="short pass"),
        "common": dict(password="Password1234"),
        "username": dict(password="my name is alice.admin ok"),
        "differ": dict(confirm=GOOD_PASSWORD + "!"),
        "code": dict(code=totp.code_for(secret, now + 5)),
    }
    for why, kwargs in refusals.items():
        token_html = client.get(path).get_data(as_text=True)
        data = {"csrf_token": csrf_token(token_html), "password": kwargs.get("password", GOOD_PASSWORD),
                "confirm": kwargs.get("confirm", kwargs.get("password", GOOD_PASSWORD)),
                "code": kwargs.get("code", totp.code_for(secret, now))}
        response = client.post(path, data=data)
        assert response.status_code == 200 and 'role="alert"' in response.get_data(as_text=True), why
        assert audit_since(app, before)[1:] == [], why
    with app.app_context():
        assert db.session.scalar(select(User.password_hash).where(User.username == "alice.admin")) is None

    response = client.post(path, data={"csrf_token": csrf_token(client.get(path).data), "password": GOOD_PASSWORD,
                                       "confirm": GOOD_PASSWORD, "code": totp.code_for(secret, now)})
    html = response.get_data(as_text=True)
    codes = re.findall(r"<code>([a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4})</code>", html)
    assert response.status_code == 200 and len(set(codes)) == 10
    [entry] = audit_since(app, before)[1:]
    assert entry["action"] == "user.password_set"
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "alice.admin"))
        assert user.setup_token_hash is None and user.totp_secret == secret and user.totp_last_counter == now
        assert sorted(user.recovery_code_hashes) == sorted(totp.hash_recovery_code(c) for c in codes)
        assert secret not in user.totp_secret_sealed  # sealed, not stored in clear
    assert client.get(path).status_code == 404  # the link works once

    # The new account signs in with its password and the next code (the enrolment code is spent).
    fake_clock.advance(seconds=30)
    signer = app.test_client()
    page = signer.get("/review/sign-in")
    response = signer.post("/review/sign-in", data={"csrf_token": csrf_token(page.data), "username": "alice.admin",
                                                    "password": GOOD_PASSWORD})
    assert response.location.endswith("/review/sign-in/code")
    page = signer.get("/review/sign-in/code")
    response = signer.post("/review/sign-in/code", data={"csrf_token": csrf_token(page.data),
                                                         "code": totp.code_for(secret, now + 1)})
    assert response.status_code == 302 and response.location.endswith("/review/")
    assert signer.get("/admin/users").status_code == 200


def test_setup_link_expires(app, fake_clock):
    with app.app_context():
        invitation = accounts.invite(db.session, get_vault(), username="late", role="reviewer", actor="cli",
                                     hours=48)
    client = app.test_client()
    fake_clock.advance(hours=47)
    assert client.get(f"/review/setup/{invitation.token}").status_code == 200
    fake_clock.advance(hours=2)
    response = client.get(f"/review/setup/{invitation.token}")
    assert response.status_code == 404 and b"not valid" in response.data
    assert client.get("/review/setup/" + "A" * 43).status_code == 404


def test_password_rules():
    assert len(users.common_passwords()) >= 10_000
    assert users.password_problem("eleven char", "bob")  # too short
    assert users.password_problem("qwertyuiop123", "bob")  # common
    assert users.password_problem("QwertyUiop123", "bob")  # common, whatever the case
    assert users.password_problem("this is bob's password", "bob")  # the username
    assert users.password_problem("x" * 300, "bob")
    assert users.password_problem("violet anchor meadow", "bob") is None


def test_the_common_list_says_where_it_comes_from():
    from importlib import resources

    head = resources.files("intake.data").joinpath("common-passwords.txt").read_text().splitlines()[:4]
    assert head[0].startswith("# ") and "Source:" in head[1]


def admin_client(app, make_user, sign_in):
    admin = make_user("admin")
    client = app.test_client()
    sign_in(client, admin)
    return client, admin


def post_action(client, url, **data):
    token = csrf_token(client.get("/admin/users").data)
    return client.post(url, data={"csrf_token": token, **data})


def test_admin_invites_and_the_link_is_shown_once(app, make_user, sign_in):
    client, admin = admin_client(app, make_user, sign_in)
    before = audit_head(app)
    response = post_action(client, "/admin/users/invite", username="rita", role="researcher")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    link, token = LINK.search(html).groups()
    [entry] = audit_since(app, before)
    assert (entry["action"], entry["actor"], entry["details"]["role"]) == ("user.invite", str(admin.id), "researcher")
    assert token not in client.get("/admin/users").get_data(as_text=True)  # shown once
    again = post_action(client, "/admin/users/invite", username="rita", role="reviewer")
    assert again.status_code == 409 and audit_since(app, before)[1:] == []
    bad = post_action(client, "/admin/users/invite", username="no spaces allowed", role="reviewer")
    assert bad.status_code == 400 and audit_since(app, before)[1:] == []
    with app.app_context():
        assert db.session.scalar(select(User.role).where(User.username == "rita")) == "researcher"


def test_disabling_ends_the_accounts_sessions_at_once(app, make_user, sign_in):
    client, admin = admin_client(app, make_user, sign_in)
    reviewer = make_user("reviewer")
    victim = app.test_client()
    sign_in(victim, reviewer)
    assert victim.get("/review/").status_code == 200

    before = audit_head(app)
    response = post_action(client, f"/admin/users/{reviewer.id}/disable")
    assert response.status_code == 302
    [entry] = audit_since(app, before)
    assert (entry["action"], entry["object_id"], entry["actor"]) == ("user.disable", str(reviewer.id), str(admin.id))
    with app.app_context():
        user = db.session.get(User, reviewer.id)
        assert not user.is_active and user.session_epoch == reviewer.session_epoch + 1
        assert db.session.scalars(select(AuthSession).where(AuthSession.user_id == reviewer.id)).all() == []
    response = victim.get("/review/")
    assert response.status_code == 302 and response.location.endswith("/review/sign-in")
    with pytest.raises(AssertionError, match="password step refused"):
        sign_in(app.test_client(), reviewer)

    before = audit_head(app)
    assert post_action(client, f"/admin/users/{reviewer.id}/enable").status_code == 302
    assert [e["action"] for e in audit_since(app, before)] == ["user.enable"]
    sign_in(victim, reviewer)
    assert victim.get("/review/").status_code == 200


def test_admins_cannot_disable_themselves_or_the_last_admin(app, make_user, sign_in):
    client, admin = admin_client(app, make_user, sign_in)
    before = audit_head(app)
    assert post_action(client, f"/admin/users/{admin.id}/disable").status_code == 409
    assert post_action(client, f"/admin/users/{admin.id}/setup-link").status_code == 409
    with app.app_context():
        with pytest.raises(Exception, match="last active admin"):
            accounts.disable(db.session, get_vault(), admin.id, actor="cli")
        db.session.rollback()
    assert audit_since(app, before) == []
    assert post_action(client, "/admin/users/00000000-0000-0000-0000-000000000000/disable").status_code == 404


def test_a_new_setup_link_wipes_the_credentials(app, make_user, sign_in):
    client, _ = admin_client(app, make_user, sign_in)
    reviewer = make_user("reviewer")
    victim = app.test_client()
    sign_in(victim, reviewer)
    before = audit_head(app)
    response = post_action(client, f"/admin/users/{reviewer.id}/setup-link")
    assert response.status_code == 200 and LINK.search(response.get_data(as_text=True))
    [entry] = audit_since(app, before)
    assert entry["action"] == "user.invite" and entry["details"]["reset"] is True
    assert victim.get("/review/").status_code == 302
    with app.app_context():
        user = db.session.get(User, reviewer.id)
        assert user.password_hash is None and user.totp_secret_sealed is None and user.recovery_code_hashes == []
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.seq > before)) is not None


def test_cli_disable_enable_and_list(app, make_user):
    reviewer = make_user("reviewer", username="rev.cli")
    runner = app.test_cli_runner()
    before = audit_head(app)
    assert runner.invoke(args=["users", "disable", "rev.cli"]).exit_code == 0
    assert "rev.cli\treviewer\tdisabled" in runner.invoke(args=["users", "list"]).output
    assert runner.invoke(args=["users", "enable", "rev.cli"]).exit_code == 0
    assert [e["action"] for e in audit_since(app, before)] == ["user.disable", "user.enable"]
    assert all(e["object_id"] == str(reviewer.id) for e in audit_since(app, before))
    missing = runner.invoke(args=["users", "disable", "nobody"])
    assert missing.exit_code != 0 and "Traceback" not in missing.output
    assert runner.invoke(args=["users", "create", "--role", "reviewer", "rev.cli"]).exit_code != 0


def test_make_user_passwords_meet_the_rules():
    assert users.password_problem(PASSWORD, "reviewer1") is None

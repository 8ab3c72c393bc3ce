"""The audit log page (admins only: newest first, paginated, chain verified, a banner when broken) and
one audit entry per audited account action, with ids only."""

from __future__ import annotations

import base64
import re

from sqlalchemy import text

from intake.extensions import db
from intake.keyring import get_vault
from intake.services import audit
from tests.web_fixtures import audit_head, audit_since, csrf_token, current_code


def admin_client(app, make_user, sign_in):
    admin = make_user("admin")
    client = app.test_client()
    sign_in(client, admin)
    return client, admin


def seqs(html: str) -> list[int]:
    return [int(n) for n in re.findall(r"<tr>\s*<td>(\d+)</td>", html)]


def test_the_audit_page_is_newest_first_paginated_and_verified(app, make_user, sign_in):
    client, _ = admin_client(app, make_user, sign_in)
    with app.app_context():
        for n in range(60):
            audit.record(db.session, get_vault(), actor="system", action="test.entry", details={"n": n})
        db.session.commit()
    head = audit_head(app)
    first = client.get("/admin/audit").get_data(as_text=True)
    assert "Chain verified" in first and "NOT intact" not in first
    assert seqs(first) == list(range(head, head - 50, -1))
    second = client.get("/admin/audit?page=2").get_data(as_text=True)
    assert seqs(second) == list(range(head - 50, 0, -1))
    assert seqs(client.get("/admin/audit?page=99").get_data(as_text=True)) == seqs(second)  # clamped
    assert client.get("/admin/audit?page=-3").status_code == 200


def test_a_broken_chain_shows_a_banner(app, make_user, sign_in):
    client, _ = admin_client(app, make_user, sign_in)
    with app.app_context():
        db.session.execute(text("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 1"))
        db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "NOT intact" in html and 'Entry <bdi dir="ltr">1</bdi>:' in html and "Chain verified" not in html


def test_every_audited_account_action_leaves_exactly_one_entry(app, make_user, sign_in, credentials):
    admin_http, admin = admin_client(app, make_user, sign_in)
    user = make_user("reviewer")
    creds = credentials[user.id]
    client = app.test_client()

    def one(action, do, actor=None):
        before = audit_head(app)
        do()
        entries = audit_since(app, before)
        assert [e["action"] for e in entries] == [action], (action, entries)
        assert actor is None or entries[0]["actor"] == actor, (action, entries[0])
        assert creds.username not in repr(entries) and creds.password not in repr(entries)
        return entries[0]

    def password(name, pw):
        page = client.get("/review/sign-in")
        return client.post("/review/sign-in", data={"csrf_token": csrf_token(page.data), "username": name,
                                                    "password": pw})

    def code(value):
        page = client.get("/review/sign-in/code")
        return client.post("/review/sign-in/code", data={"csrf_token": csrf_token(page.data), "code": value})

    def admin_post(url, **data):
        return admin_http.post(url, data={"csrf_token": csrf_token(admin_http.get("/admin/users").data), **data})

    one("auth.login_failed", lambda: password("nobody-here", "wrong password"), "anonymous")
    one("auth.login_failed", lambda: password(creds.username, "wrong password"), str(user.id))
    password(creds.username, creds.password)
    one("auth.totp_failed", lambda: code("000000"), str(user.id))
    one("auth.login", lambda: code(current_code(creds.totp_secret, 1)), str(user.id))
    one("auth.logout", lambda: client.post("/review/sign-out",
                                           data={"csrf_token": csrf_token(client.get("/review/").data)}), str(user.id))
    one("user.invite", lambda: admin_post("/admin/users/invite", username="invited", role="reviewer"), str(admin.id))
    one("user.disable", lambda: admin_post(f"/admin/users/{user.id}/disable"), str(admin.id))
    one("user.enable", lambda: admin_post(f"/admin/users/{user.id}/enable"), str(admin.id))
    one("user.create", lambda: app.test_cli_runner().invoke(args=["users", "create", "--role", "researcher",
                                                                  "from-cli"]), "cli")
    # password set: through the set-up link of a fresh invitation
    link = re.search(r"/review/setup/([A-Za-z0-9_\-]+)",
                     admin_post("/admin/users/invite", username="newcomer", role="reviewer").get_data(as_text=True))
    page = client.get(link.group(0)).get_data(as_text=True)
    key = re.search(r'class="manual-key">([A-Z2-7 ]+)<', page).group(1).replace(" ", "")
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    entry = one("user.password_set", lambda: client.post(link.group(0), data={
        "csrf_token": csrf_token(page), "password": "violet anchor meadow 1987",
        "confirm": "violet anchor meadow 1987", "code": current_code(secret)}))
    assert entry["actor"] == entry["object_id"] and "newcomer" not in repr(entry)


def test_non_admins_cannot_read_the_audit_log(app, make_user, sign_in):
    for role in ("reviewer", "researcher"):
        client = app.test_client()
        sign_in(client, make_user(role))
        assert client.get("/admin/audit").status_code == 403
    assert app.test_client().get("/admin/audit").location.endswith("/review/sign-in")

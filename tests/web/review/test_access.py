"""Access control: CSRF on every POST of every face, default deny, and the review face closed to
researchers and to anyone not signed in."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import func, select, text

from intake.extensions import db
from intake.models import User
from intake.review.views import ACCOUNT_ENDPOINTS
from intake.web.access import default_deny
from tests.web_fixtures import csrf_token, sample_url


def snapshot(app) -> dict[str, object]:
    """Row counts of every table, and the state of every account."""
    with app.app_context():
        counts = {table.name: db.session.scalar(select(func.count()).select_from(table))
                  for table in db.metadata.sorted_tables}
        accounts = db.session.execute(text(
            "SELECT id, is_active, password_hash, session_epoch, failed_logins, setup_token_hash, "
            "totp_last_counter FROM users ORDER BY id")).all()
        return {"counts": counts, "accounts": accounts}


def test_every_post_without_a_csrf_token_is_refused_and_changes_nothing(app, make_user, sign_in):
    admin, target = make_user("admin"), make_user("reviewer")
    signed_in, anonymous = app.test_client(), app.test_client()
    sign_in(signed_in, admin)
    anonymous.get("/review/sign-in")  # has a session (and a CSRF token in it), just sends none
    before = snapshot(app)
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods]
    assert {"review.sign_in", "review.sign_out", "admin.invite", "admin.disable"} <= {r.endpoint for r in posts}
    for rule in posts:
        url = sample_url(rule, target.id)
        for client in (signed_in, anonymous):
            response = client.post(url, data={"username": "x", "password": "y" * 12, "code": "123456",
                                              "role": "admin"})
            assert response.status_code == 400, (rule.endpoint, response.status_code)
            bogus = client.post(url, data={"csrf_token": "forged", "username": "x"})
            assert bogus.status_code == 400, (rule.endpoint, bogus.status_code)
    assert snapshot(app) == before
    assert signed_in.get("/review/").status_code == 200  # the sign-out without a token did nothing


def test_researchers_and_anonymous_are_refused_on_every_review_url(app, make_user, sign_in):
    researcher, anonymous = app.test_client(), app.test_client()
    sign_in(researcher, make_user("researcher"))
    tokens = {researcher: csrf_token(researcher.get("/research/").data),
              anonymous: csrf_token(anonymous.get("/review/sign-in").data)}
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("review.")
             and r.endpoint.removeprefix("review.") not in ACCOUNT_ENDPOINTS]
    assert {"review.index"} <= {r.endpoint for r in rules}
    for rule in rules:
        url = sample_url(rule)
        for method in sorted(rule.methods & {"GET", "POST"}):
            for client, expect in ((researcher, 403), (anonymous, 302)):
                data = {"csrf_token": tokens[client]} if method == "POST" else None
                response = client.open(url, method=method, data=data)
                assert response.status_code == expect, (rule.endpoint, method, response.status_code)
                if expect == 302:
                    assert response.location.endswith("/review/sign-in"), (rule.endpoint, response.location)
    assert researcher.get("/research/").status_code == 200  # still signed in: refusals did not sign out


def test_default_deny_refuses_what_is_not_listed_and_reads_the_list_at_request_time(app, make_user, sign_in):
    extra = Blueprint("extra", __name__, url_prefix="/extra")
    for name in ("listed", "unlisted", "later"):
        extra.add_url_rule(f"/{name}", endpoint=name, view_func=lambda: "ok")
    allow: dict[str, set[str]] = {"listed": {"reviewer"}}
    default_deny(extra, allow)
    app.register_blueprint(extra)

    reviewer, admin, anonymous = app.test_client(), app.test_client(), app.test_client()
    sign_in(reviewer, make_user("reviewer"))
    sign_in(admin, make_user("admin"))
    assert reviewer.get("/extra/listed").status_code == 200
    assert admin.get("/extra/listed").status_code == 403
    assert anonymous.get("/extra/listed").location.endswith("/review/sign-in")
    for client in (reviewer, admin, anonymous):
        assert client.get("/extra/unlisted").status_code == 404
        assert client.get("/extra/later").status_code == 404
    allow["later"] = {"admin"}
    assert admin.get("/extra/later").status_code == 200
    assert reviewer.get("/extra/later").status_code == 403


def test_pages_carry_the_security_headers_and_no_script(app):
    response = app.test_client().get("/review/sign-in")
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"
    assert b"<script" not in response.data


def test_an_account_row_never_holds_a_secret_in_clear(app, make_user, credentials):
    user = make_user("reviewer")
    with app.app_context():
        row = db.session.execute(select(User.__table__).where(User.id == user.id)).one()._asdict()
    creds = credentials[user.id]
    blob = repr(row).encode()
    assert creds.password.encode() not in blob and creds.totp_secret not in row["totp_secret"]
    assert all(code.encode() not in blob for code in creds.recovery_codes)

"""Availability behind Tor: a proof-of-work token per form exempts a POST from the limits that every
visitor behind one address shares; without it, a global ceiling applies, and its page keeps the text."""

from __future__ import annotations

import hashlib
import re
import time

import pytest
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Submission
from intake.public import gate
from tests.web.public.pages import csrf_token, field_value, post_report, relative, text_of

TOKEN = re.compile(r'name="pow_token" value="([^"]+)"')


def strict_app(make_app, **extra):  # noqa: ANN001, ANN003, ANN201
    """Every visitor behind one address (as behind Tor), with tiny limits for POSTs without work."""
    settings = {"INTAKE_SUBMIT_RATE_LIMIT": "1/minute", "INTAKE_RECEIPT_RATE_LIMIT": "1/minute",
                "INTAKE_NOSCRIPT_CEILING": "2/minute", "INTAKE_RESHOW_RATE_LIMIT": "100/minute",
                "RATELIMIT_STORAGE_URI": "memory://"}
    return make_app("public", **{**settings, **extra})


def fresh(client, path: str = "/report") -> tuple[str, str]:  # noqa: ANN001
    page = text_of(client.get(path))
    return csrf_token(page), TOKEN.search(page).group(1)


def send(client, *, solve: bool, name: str = "Tursun", token_for: str | None = None):  # noqa: ANN001, ANN201
    csrf, token = fresh(client)
    if token_for:
        with client.application.test_request_context():
            token = gate.issue(token_for)
    data = {"csrf_token": csrf, "action": "send", "pow_token": token,
            "pow_solution": gate.solve(token) if solve else "", **relative(0, names__0__value=name)}
    return post_report(client, data)


def submissions(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission))


def test_solved_forms_go_through_while_unsolved_ones_hit_the_limits(make_app):
    app = strict_app(make_app)
    client = app.test_client()
    assert send(client, solve=False).status_code == 200  # the per-address allowance (1/minute)
    held = send(client, solve=False, name="ئابدۇرېھىم")
    assert held.status_code == 429
    assert field_value(text_of(held), "relatives-0-names-0-value") == "ئابدۇرېھىم"  # the text is held
    assert "NOT saved" in text_of(held)
    for _ in range(5):  # a script's work opens the way, at any rate the sender can pay for
        assert send(client, solve=True).status_code == 200
    assert submissions(app) == 6


def test_the_global_ceiling_holds_whatever_the_address(make_app):
    app = strict_app(make_app, INTAKE_SUBMIT_RATE_LIMIT="100/minute")
    codes = [send(app.test_client(), solve=False).status_code
             for _ in range(3)]  # three "visitors", each a fresh client (Tor circuits)
    assert codes == [200, 200, 429]
    assert send(app.test_client(), solve=True).status_code == 200  # the ceiling never stops solved work


def test_a_token_works_once_for_its_own_form_and_not_after_it_expires(make_app, monkeypatch):
    app = strict_app(make_app, INTAKE_SUBMIT_RATE_LIMIT="0/minute", INTAKE_NOSCRIPT_CEILING="0/minute")
    client = app.test_client()
    csrf, token = fresh(client)
    data = {"csrf_token": csrf, "action": "send", "pow_token": token, "pow_solution": gate.solve(token),
            **relative(0, names__0__value="A")}
    assert post_report(client, data).status_code == 200
    assert post_report(client, data).status_code == 429  # replayed: counted as no work at all
    assert send(client, solve=True, token_for="status").status_code == 429  # a token of another form
    csrf, token = fresh(client)
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3 * 3600)
    assert post_report(client, {**data, "csrf_token": csrf, "pow_token": token,
                                "pow_solution": gate.solve(token)}).status_code == 429
    monkeypatch.setattr(time, "time", real)
    wrong = send(client, solve=False)
    assert wrong.status_code == 429
    assert submissions(app) == 1


def test_a_forged_or_too_easy_token_earns_nothing(make_app):
    app = strict_app(make_app, INTAKE_SUBMIT_RATE_LIMIT="0/minute", INTAKE_NOSCRIPT_CEILING="0/minute")
    client = app.test_client()
    csrf, token = fresh(client)
    form, expires, bits, nonce, tag = token.split(".")
    easier = f"{form}.{expires}.1.{nonce}.{tag}"  # the signature no longer matches
    data = {"csrf_token": csrf, "action": "send", **relative(0, names__0__value="A")}
    assert post_report(client, {**data, "pow_token": easier, "pow_solution": gate.solve(easier)}).status_code == 429
    unsolved = next(str(c) for c in range(1000)
                    if gate.leading_zero_bits(hashlib.sha256(f"{token}:{c}".encode()).digest()) < int(bits))
    assert post_report(client, {**data, "pow_token": token, "pow_solution": unsolved}).status_code == 429
    assert submissions(app) == 0


@pytest.mark.redis
def test_used_tokens_are_shared_through_redis(make_app):
    from tests.conftest import REDIS_URL, service_missing

    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        service_missing("Redis", type(exc).__name__)
    one, two = (strict_app(make_app, INTAKE_REDIS_URL=REDIS_URL, INTAKE_SUBMIT_RATE_LIMIT="0/minute",
                           INTAKE_NOSCRIPT_CEILING="0/minute", RATELIMIT_STORAGE_URI="memory://")
                for _ in range(2))
    a, b = one.test_client(), two.test_client()
    csrf, token = fresh(a)
    data = {"action": "send", "pow_token": token, "pow_solution": gate.solve(token),
            **relative(0, names__0__value="A")}
    assert post_report(a, {**data, "csrf_token": csrf}).status_code == 200
    assert post_report(b, {**data, "csrf_token": fresh(b)[0]}).status_code == 429  # the other worker knows


def test_every_costly_public_form_carries_a_token_for_itself(client, public_app):
    from tests.helpers import full_report, submit
    from tests.web.public.pages import open_status

    stored = submit(public_app, full_report())
    pages = {"report": text_of(client.get("/report")), "status": text_of(client.get("/status")),
             "news": text_of(open_status(client, stored.receipt))}
    for form, page in pages.items():
        assert any(t.startswith(form + ".") for t in TOKEN.findall(page)), form
    assert any(t.startswith("withdraw.") for t in TOKEN.findall(pages["news"]))

"""Web fixtures: accounts per role and signing them in through the real pages.

`make_user(role=..., username=None, password=PASSWORD)` creates a fully enrolled account (password,
TOTP secret, ten recovery codes) through the services; its secret and codes are kept in
`credentials[user.id]` for the tests. `sign_in(client, user)` then goes through the real sign-in:
the password page, then the code page with a TOTP code computed from the secret.

A TOTP code is good once (the replay guard), and only one step either side of now is accepted, so
at most three sign-ins of one account fit in one 30-second step. When a fixture has used them up,
it rewinds the account's replay guard in the database (`totp_last_counter`): a test shortcut only,
logged in `credentials[...].rewinds`, never something the application does.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, Role, User
from intake.services import accounts, clock, totp, users

PASSWORD = "a sufficiently long test password"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Credentials:
    username: str
    password: str
    totp_secret: bytes
    recovery_codes: list[str]
    rewinds: int = 0
    used: list[str] = field(default_factory=list)


def csrf_token(html: str | bytes) -> str:
    """The CSRF token of the first form on a page."""
    text = html.decode("utf-8") if isinstance(html, bytes) else html
    found = _CSRF.search(text)
    assert found, "the page has no form with a CSRF token"
    return found.group(1)


def current_code(secret: bytes, offset: int = 0) -> str:
    return totp.code_for(secret, totp.counter_at(clock.timestamp()) + offset)


def audit_head(app: Flask) -> int:
    """The sequence number of the newest audit entry (0 if none)."""
    with app.app_context():
        return db.session.scalar(select(AuditEvent.seq).order_by(AuditEvent.seq.desc()).limit(1)) or 0


def audit_since(app: Flask, seq: int) -> list[dict[str, Any]]:
    """The audit entries after `seq`, oldest first, as plain dicts."""
    with app.app_context():
        return [e.fields() for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.seq > seq).order_by(AuditEvent.seq))]


def sample_url(rule: Any, user_id: uuid.UUID | None = None) -> str:
    """A URL for a url_map rule, with sample arguments: UUIDs are `user_id` (an account to act on),
    integers 1, static paths a file that exists, anything else a harmless word."""
    values: dict[str, Any] = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__  # noqa: SLF001 - werkzeug keeps them here
        if converter == "UUIDConverter":
            values[name] = user_id or uuid.uuid4()
        elif converter in ("IntegerConverter", "FloatConverter"):
            values[name] = 1
        elif converter == "PathConverter":
            values[name] = "site.css"
        else:
            values[name] = "x"
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule}"
    return built[1]


class FakeClock:
    """Replaces services.clock.now: sessions, lockouts, set-up links and TOTP all read it."""

    def __init__(self, start: datetime) -> None:
        self.moment = start

    def now(self) -> datetime:
        return self.moment

    def advance(self, **delta: float) -> None:
        self.moment += timedelta(**delta)


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(clock.now())
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


@pytest.fixture
def credentials() -> dict[uuid.UUID, Credentials]:
    return {}


@pytest.fixture
def make_user(app: Flask, credentials: dict[uuid.UUID, Credentials]) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def factory(role: str = "reviewer", username: str | None = None, password: str = PASSWORD) -> User:
        name = username or f"{role}{next(counter)}"
        secret = totp.new_secret()
        with app.app_context():
            vault = get_vault()
            user = users.create_user(db.session, vault, username=name, role=Role(role), password=password,
                                     kdf=PROFILES["test"]["password"])
            # Enrol as the first-sign-in page would (the code used here is then spent).
            codes = accounts.enrol(db.session, vault, user.id, secret=secret, code=current_code(secret))
            db.session.refresh(user)
            db.session.expunge(user)
        credentials[user.id] = Credentials(name, password, secret, codes)
        return user

    return factory


def _next_code(app: Flask, user_id: uuid.UUID, creds: Credentials) -> str:
    """An unused TOTP code of this step or the next (so a step boundary passing before the server
    checks it does no harm), rewinding the account's replay guard if both are used."""
    now = totp.counter_at(clock.timestamp())
    with app.app_context():
        last = db.session.get(User, user_id).totp_last_counter  # type: ignore[union-attr]
        step = now if last is None else max(now, last + 1)
        if step > now + 1:
            db.session.execute(update(User).where(User.id == user_id).values(totp_last_counter=now - 1))
            db.session.commit()
            creds.rewinds += 1
            step = now
    return totp.code_for(creds.totp_secret, step)


@pytest.fixture
def sign_in(credentials: dict[uuid.UUID, Credentials]) -> Callable[[FlaskClient, User], None]:
    def _sign_in(client: FlaskClient, user: User) -> None:
        creds = credentials.get(user.id)
        assert creds is not None, "sign_in takes accounts made by the make_user fixture"
        page = client.get("/review/sign-in")
        assert page.status_code == 200, f"sign-in page: {page.status_code}"
        response = client.post("/review/sign-in", data={
            "csrf_token": csrf_token(page.data), "username": creds.username, "password": creds.password})
        assert response.status_code == 302 and response.location.endswith("/review/sign-in/code"), (
            f"password step refused ({response.status_code}): {response.get_data(as_text=True)[:500]}")
        page = client.get("/review/sign-in/code")
        code = _next_code(client.application, user.id, creds)
        response = client.post("/review/sign-in/code", data={"csrf_token": csrf_token(page.data), "code": code})
        assert response.status_code == 302 and "/sign-in" not in response.location, (
            f"code step refused ({response.status_code}): {response.get_data(as_text=True)[:500]}")
        creds.used.append(code)

    return _sign_in

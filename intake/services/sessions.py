"""Server-side sign-in sessions: start, resolve (with timeouts), end.

The browser holds a random token (inside Flask's signed cookie); the database holds its SHA-256.
A session is "pending" between the password and the second factor and reaches nothing but the code
page; it lives INTAKE_SECOND_FACTOR_TIMEOUT at most. A full session ends after INTAKE_IDLE_TIMEOUT
without a request or INTAKE_ABSOLUTE_TIMEOUT after it began, whichever comes first, and at once
when the account is disabled or its session epoch moves.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ..models import User
from ..models.session import AuthSession
from . import clock

TOUCH_EVERY = timedelta(seconds=30)  # write last_seen_at at most this often


@dataclass(frozen=True)
class Timeouts:
    idle: int = 30 * 60
    absolute: int = 12 * 3600
    second_factor: int = 5 * 60

    @classmethod
    def from_config(cls, config: dict) -> Timeouts:  # type: ignore[type-arg]
        return cls(idle=int(config["INTAKE_IDLE_TIMEOUT"]), absolute=int(config["INTAKE_ABSOLUTE_TIMEOUT"]),
                   second_factor=int(config["INTAKE_SECOND_FACTOR_TIMEOUT"]))


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


def start(session: Session, user: User, *, second_factor: bool) -> str:
    """A new session for `user`; returns the token for the cookie. Commits."""
    now = clock.now()
    token = secrets.token_urlsafe(32)
    session.add(AuthSession(token_hash=_digest(token), user_id=user.id, epoch=user.session_epoch,
                            second_factor=second_factor, created_at=now, last_seen_at=now))
    session.commit()
    return token


def end(session: Session, token: str | None) -> None:
    """End one session (sign-out, or the pending session replaced at the second factor). Commits."""
    if token:
        session.execute(delete(AuthSession).where(AuthSession.token_hash == _digest(token)))
        session.commit()


def end_all(session: Session, user_id: uuid.UUID) -> None:
    """End every session of an account (the caller commits, with the change that called for it)."""
    session.execute(delete(AuthSession).where(AuthSession.user_id == user_id))


def resolve(session: Session, token: str | None, timeouts: Timeouts) -> tuple[User, AuthSession] | None:
    """The account and session behind a token, or None if there is none or it has ended (then deleted)."""
    if not token:
        return None
    record = session.scalar(select(AuthSession).where(AuthSession.token_hash == _digest(token)))
    if record is None:
        return None
    now = clock.now()
    user = session.get(User, record.user_id)
    if record.second_factor:
        expired = (now - record.last_seen_at > timedelta(seconds=timeouts.idle)
                   or now - record.created_at > timedelta(seconds=timeouts.absolute))
    else:
        expired = now - record.created_at > timedelta(seconds=timeouts.second_factor)
    if expired or user is None or not user.is_active or user.session_epoch != record.epoch:
        session.delete(record)
        session.commit()
        return None
    if now - record.last_seen_at >= TOUCH_EVERY:
        record.last_seen_at = now
        session.commit()
    return user, record


def purge_expired(session: Session, timeouts: Timeouts) -> int:
    """Delete sessions that can no longer be used (run at each sign-in; the rows are tiny)."""
    now = clock.now()
    result = session.execute(delete(AuthSession).where(
        (AuthSession.last_seen_at < now - timedelta(seconds=timeouts.idle))
        | (AuthSession.created_at < now - timedelta(seconds=timeouts.absolute))
        | (AuthSession.second_factor.is_(False)
           & (AuthSession.created_at < now - timedelta(seconds=timeouts.second_factor)))))
    session.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


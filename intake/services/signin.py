"""Signing in: the password step, the second-factor step, lockout, and their audit entries.

One message for every refusal of the password step (unknown user, wrong password, locked, disabled,
not set up) and a dummy Argon2id verification when there is no real hash, so neither the words nor
the time tell an attacker whether a username exists. Every failure counts toward the account's
lockout: after `threshold` failures (password or code) the account locks for `base_seconds`,
doubling with each further failure up to `max_seconds`. Attempts while locked are refused without
checking anything that could succeed, and concurrent attempts are judged one after another
(`_unless_locked`), so a burst of guesses gets no more than one at a time would. A full sign-in
resets the count.

Sign-in needs unlocked review keys: every step is audited (the audit signing key) and the TOTP
secret is sealed under the working-store KEK. With keys locked it is refused with ServiceLocked.
"""

from __future__ import annotations

import json
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Text, cast, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..crypto.passphrase import KdfParams
from ..crypto.passwords import hash_password, verify_password
from ..crypto.vault import Vault
from ..models import User
from ..wording import said
from . import audit, clock, totp, users
from .errors import ServiceError

REFUSED = said("The username or password is not right, or the account is locked for a while after too many "
               "attempts.")
CODE_REFUSED = said("That code is not right or was used already, or the account is locked for a while after too "
                    "many attempts.")
LOCKED_SERVICE = "The service is locked; an operator must unlock it."


class SignInRefused(ServiceError):
    """A sign-in step failed. The message is the same whatever the reason."""


class ServiceLocked(ServiceError):
    """The review keys are locked: nobody can sign in until an operator unlocks them."""

    def __init__(self) -> None:
        super().__init__(LOCKED_SERVICE)


@dataclass(frozen=True)
class Lockout:
    threshold: int = 5
    base_seconds: int = 60
    max_seconds: int = 3600

    @classmethod
    def from_config(cls, config: dict) -> Lockout:  # type: ignore[type-arg]
        return cls(threshold=int(config["INTAKE_LOCKOUT_THRESHOLD"]),
                   base_seconds=int(config["INTAKE_LOCKOUT_BASE_SECONDS"]),
                   max_seconds=int(config["INTAKE_LOCKOUT_MAX_SECONDS"]))

    def seconds_after(self, failures: int) -> int | None:
        """How long the account locks after its `failures`-th consecutive failure (None: not yet)."""
        if failures < self.threshold:
            return None
        return min(self.base_seconds * 2 ** min(failures - self.threshold, 20), self.max_seconds)


_dummy_hashes: dict[KdfParams, str] = {}


def _dummy_hash(kdf: KdfParams) -> str:
    if kdf not in _dummy_hashes:
        _dummy_hashes[kdf] = hash_password(secrets.token_urlsafe(24), kdf)
    return _dummy_hashes[kdf]


def require_unlocked(vault: Vault | None) -> Vault:
    if vault is None or not vault.unlocked or vault.audit_signer is None:
        raise ServiceLocked()
    return vault


def needs_enrolment(user: User) -> bool:
    """An account given a password but no second factor yet (`flask dev`'s admin): enrols at sign-in."""
    return user.totp_secret_sealed is None


def _unless_locked(session: Session, user: User) -> bool:
    """Whether the account is not locked, asked with a conditional (no-op) UPDATE of its row, which
    holds the row (PostgreSQL) or the database's write lock (SQLite) until the transaction ends: so
    concurrent attempts are judged one after another, each against the failures counted before
    it, never against a state read before another attempt's failure was counted (then all of a
    burst of guesses were checked, past the threshold)."""
    result = session.execute(update(User).where(User.id == user.id, or_(User.locked_until.is_(None),
                                                                       User.locked_until <= clock.now()))
                             .values(failed_logins=User.failed_logins).execution_options(synchronize_session=False))
    session.refresh(user, ["failed_logins", "locked_until"])
    return result.rowcount == 1  # type: ignore[attr-defined]


def _fail(session: Session, user: User, lockout: Lockout) -> None:
    """Count one failure atomically (concurrent failures are not lost) and lock if it is time."""
    session.execute(update(User).where(User.id == user.id).values(failed_logins=User.failed_logins + 1)
                    .execution_options(synchronize_session=False))
    session.refresh(user, ["failed_logins"])
    seconds = lockout.seconds_after(user.failed_logins)
    if seconds is not None:
        user.locked_until = clock.now() + timedelta(seconds=seconds)


def check_password(session: Session, vault: Vault | None, username: str, password: str, *, kdf: KdfParams,
                   lockout: Lockout) -> User:
    """The password step. Returns the account, or raises SignInRefused (after auditing and committing)."""
    vault = require_unlocked(vault)
    user = users.by_username(session, username)
    usable = user is not None and user.password_hash is not None
    correct = verify_password(password, user.password_hash if usable else _dummy_hash(kdf))  # type: ignore[union-attr]
    if user is None:
        audit.record(session, vault, actor="anonymous", action="auth.login_failed",
                     details={"stage": "password", "reason": "unknown"})
        session.commit()
        raise SignInRefused(REFUSED)
    reason = None
    if not user.is_active:
        reason = "disabled"
    elif not _unless_locked(session, user):
        reason = "locked"
    elif not usable:
        reason = "not_set_up"
    elif not correct:
        reason = "password"
        _fail(session, user, lockout)
    if reason:
        audit.record(session, vault, actor=str(user.id), action="auth.login_failed", object_type="user",
                     object_id=str(user.id), details={"stage": "password", "reason": reason,
                                                     "failures": user.failed_logins})
        session.commit()
        raise SignInRefused(REFUSED)
    return user


def check_second_factor(session: Session, vault: Vault | None, user_id: uuid.UUID, code: str, *,
                        lockout: Lockout) -> User:
    """The code step: a TOTP code or a recovery code. Completes the sign-in (audited) or raises."""
    vault = require_unlocked(vault)
    user = session.get(User, user_id, with_for_update=True, populate_existing=True)
    if user is None or not user.is_active:
        raise SignInRefused(CODE_REFUSED)
    method, reason = None, None
    if not _unless_locked(session, user):  # SQLite ignores the row lock above; this holds there too
        reason = "locked"
    elif totp.is_totp_code(code):
        counter = totp.matching_counter(user.totp_secret, code, clock.timestamp())
        if counter is None:
            reason = "invalid"
        elif not _claim_counter(session, user, counter):
            reason = "replay"
        else:
            method = "totp"
    else:
        reason = _claim_recovery_code(session, user, code)
        method = None if reason else "recovery"
    if reason:
        if reason != "locked":
            _fail(session, user, lockout)
        audit.record(session, vault, actor=str(user.id), action="auth.totp_failed", object_type="user",
                     object_id=str(user.id), details={"reason": reason, "failures": user.failed_logins})
        session.commit()
        raise SignInRefused(CODE_REFUSED)
    complete(session, vault, user, method=method or "totp")
    return user


def _claim_counter(session: Session, user: User, counter: int) -> bool:
    """Record `counter` as used, only if it is later than the last one used (atomic: no double use)."""
    result = session.execute(
        update(User).where(User.id == user.id,
                           or_(User.totp_last_counter.is_(None), User.totp_last_counter < counter))
        .values(totp_last_counter=counter).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    user.totp_last_counter = counter
    return True


def _claim_recovery_code(session: Session, user: User, code: str) -> str | None:
    """Remove the recovery code `code` from the account (None), or say why not: "invalid", or
    "replay" when another sign-in changed the codes meanwhile. The removal is a conditional UPDATE on
    the stored list it was matched against, so it is atomic on both databases (SQLite ignores the
    row lock taken above: two concurrent sign-ins could otherwise both spend one code)."""
    stored = cast(User.recovery_code_hashes, Text)
    raw = session.scalar(select(stored).where(User.id == user.id))
    hashes = json.loads(raw) if raw else []
    used = totp.matching_recovery_code(code, list(hashes or []))
    if used is None:
        return "invalid"
    remaining = [h for h in hashes if h != used]
    result = session.execute(update(User).where(User.id == user.id, stored == raw)
                             .values(recovery_code_hashes=remaining).execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return "replay"
    set_committed_value(user, "recovery_code_hashes", remaining)
    return None


def complete(session: Session, vault: Vault, user: User, *, method: str) -> None:
    """A full sign-in: reset the failure count, audit, commit."""
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = clock.now()
    audit.record(session, vault, actor=str(user.id), action="auth.login", object_type="user",
                 object_id=str(user.id), details={"method": method,
                                                  "recovery_codes_left": len(user.recovery_code_hashes or [])})
    session.commit()


def record_logout(session: Session, vault: Vault | None, user_id: uuid.UUID) -> None:
    """Audit a sign-out. With keys locked the sign-out still happens; only the entry cannot be written."""
    vault = require_unlocked(vault)
    audit.record(session, vault, actor=str(user_id), action="auth.logout", object_type="user",
                 object_id=str(user_id))
    session.commit()

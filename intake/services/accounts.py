"""The life of an account: invitation, set-up (password + TOTP), enrolment, disable, enable.

An invitation is a one-time set-up link: 32 random bytes (URL-safe), of which only the SHA-256 is
kept, valid INTAKE_SETUP_LINK_HOURS. Following it, the person chooses a password and enrols an
authenticator app in one step; the link then stops working. Ten recovery codes are shown once.
Every action here writes exactly one audit entry, with ids only.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..crypto.passphrase import KdfParams
from ..crypto.passwords import hash_password
from ..crypto.vault import Vault
from ..models import Role, User
from ..wording import said
from . import api_tokens, audit, clock, row_locks, sessions, signin, totp, users
from .errors import Conflict, InvalidInput


@dataclass(frozen=True)
class Invitation:
    user_id: uuid.UUID
    username: str
    role: str
    token: str
    expires_at: datetime

    def link(self, base_url: str) -> str:
        return f"{base_url.rstrip('/')}/review/setup/{self.token}"


def _token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("ascii", "replace")).digest()


def _issue(user: User, hours: int) -> Invitation:
    token = secrets.token_urlsafe(32)
    user.setup_token_hash = _token_digest(token)
    user.setup_expires_at = clock.now() + timedelta(hours=hours)
    return Invitation(user.id, user.username, user.role, token, user.setup_expires_at)


def invite(session: Session, vault: Vault | None, *, username: str, role: Role | str, actor: str, hours: int,
           action: str = "user.invite") -> Invitation:
    """A new account without credentials, and its set-up link (the token is returned, never stored).

    `action` is "user.invite" from the admin pages and "user.create" from `flask users create`.
    """
    vault = signin.require_unlocked(vault)
    user = users.new_account(session, username=username, role=role)
    invitation = _issue(user, hours)
    audit.record(session, vault, actor=actor, action=action, object_type="user", object_id=str(user.id),
                 details={"role": user.role, "hours": hours})
    session.commit()
    return invitation


def reissue(session: Session, vault: Vault | None, user_id: uuid.UUID | str, *, actor: str,
            hours: int) -> Invitation:
    """A new set-up link for an existing account (lost phone, expired link).

    The account's password, TOTP secret and recovery codes are wiped, its sessions end and its API
    tokens are revoked: whoever follows the new link sets them again (a link is reissued above all
    when the account may be in other hands, and a token made by those hands must not outlive it). (An admin can already create accounts, so this gives an
    admin nothing new; it does mean a stolen admin account can take over others: see SECURITY.md.)
    """
    vault = signin.require_unlocked(vault)
    user = users.get(session, user_id)
    had_credentials = user.password_hash is not None
    user.password_hash = None
    user.totp_secret = None
    user.totp_last_counter = None
    user.recovery_code_hashes = []
    user.failed_logins = 0
    user.locked_until = None
    user.session_epoch += 1
    sessions.end_all(session, user.id)
    revoked = api_tokens.revoke_all_of(session, vault, user.id, actor=actor)
    invitation = _issue(user, hours)
    audit.record(session, vault, actor=actor, action="user.invite", object_type="user", object_id=str(user.id),
                 details={"role": user.role, "hours": hours, "reset": had_credentials, "tokens_revoked": revoked})
    session.commit()
    return invitation


def account_for_setup(session: Session, token: str) -> User | None:
    """The active account a set-up link belongs to, if the link is valid and unexpired."""
    if not token or len(token) > 100:
        return None
    user = session.scalar(select(User).where(User.setup_token_hash == _token_digest(token)))
    if user is None or user.setup_token_hash is None or not hmac.compare_digest(user.setup_token_hash,
                                                                                _token_digest(token)):
        return None
    if not user.is_active or user.setup_expires_at is None or user.setup_expires_at <= clock.now():
        return None
    return user


def complete_setup(session: Session, vault: Vault | None, *, token: str, password: str, confirm: str,
                   secret: bytes, code: str, kdf: KdfParams) -> tuple[User, list[str]]:
    """Set the password and enrol TOTP in one step; returns the account and its recovery codes.

    The link is used up only when everything is right: a typo in the code changes nothing. It is
    used up by a conditional UPDATE before anything is written, so of two concurrent set-ups with
    one link (an intercepted link raced against its owner) exactly one succeeds.
    """
    vault = signin.require_unlocked(vault)
    user = account_for_setup(session, token)
    if user is None:
        raise InvalidInput(said("this set-up link is not valid or has expired; ask an administrator for a new one"))
    if password != confirm:
        raise InvalidInput(said("the two passwords differ"))
    users.check_password_policy(password, user.username)
    counter = totp.matching_counter(secret, code, clock.timestamp())
    if counter is None:
        raise InvalidInput(said("that code is not right: check the app's clock and enter the code it shows now"))
    if not _claim_setup_link(session, user, token):
        raise InvalidInput(said("this set-up link is not valid or has expired; ask an administrator for a new one"))
    user.password_hash = hash_password(password, kdf)
    codes = _enrol(user, secret, counter)
    user.failed_logins = 0
    user.locked_until = None
    user.session_epoch += 1
    sessions.end_all(session, user.id)
    audit.record(session, vault, actor=str(user.id), action="user.password_set", object_type="user",
                 object_id=str(user.id), details={"totp": True, "recovery_codes": len(codes)})
    session.commit()
    return user, codes


def _claim_setup_link(session: Session, user: User, token: str) -> bool:
    """Use up the link, only if it is still this account's (atomic on both databases)."""
    result = session.execute(update(User).where(User.id == user.id, User.setup_token_hash == _token_digest(token))
                             .values(setup_token_hash=None, setup_expires_at=None)
                             .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return False
    set_committed_value(user, "setup_token_hash", None)
    set_committed_value(user, "setup_expires_at", None)
    return True


def enrol(session: Session, vault: Vault | None, user_id: uuid.UUID, *, secret: bytes, code: str) -> list[str]:
    """Enrol TOTP for an account that has a password but no second factor (first sign-in)."""
    vault = signin.require_unlocked(vault)
    user = users.get(session, user_id)
    if not signin.needs_enrolment(user):
        raise Conflict(said("this account already has a second factor"))
    counter = totp.matching_counter(secret, code, clock.timestamp())
    if counter is None:
        raise InvalidInput(said("that code is not right: check the app's clock and enter the code it shows now"))
    codes = _enrol(user, secret, counter)
    audit.record(session, vault, actor=str(user.id), action="user.totp_enrolled", object_type="user",
                 object_id=str(user.id), details={"recovery_codes": len(codes)})
    session.commit()
    return codes


def _enrol(user: User, secret: bytes, counter: int) -> list[str]:
    codes = totp.new_recovery_codes()
    user.totp_secret = secret
    user.totp_last_counter = counter  # the code just typed may not be used again to sign in
    user.recovery_code_hashes = [totp.hash_recovery_code(c) for c in codes]
    return codes


def disable(session: Session, vault: Vault | None, user_id: uuid.UUID | str, *, actor: str) -> User:
    """Disable an account; its sessions end at once (epoch bumped, rows deleted), its API tokens
    are revoked (sealed) and its set-up link, if it has one, is used up, so enabling it again brings
    back none of them (an invited account is disabled above all when its link went astray)."""
    vault = signin.require_unlocked(vault)
    user = users.get(session, user_id)
    # SQLite's one writer from here to the commit (PostgreSQL's lock is the admins' rows, below), and
    # the account read again under it: two admins disabling each other at once leave one.
    row_locks.hold_for_write(session, User.is_active, user.id)
    session.refresh(user)
    if str(user.id) == actor:
        raise Conflict(said("you cannot disable your own account"))
    if not user.is_active:
        raise Conflict(said("this account is already disabled"))
    if user.role == Role.ADMIN.value and users.active_admins(session, lock=True) <= 1:
        raise Conflict(said("this is the last active admin account"))
    user.is_active = False
    user.session_epoch += 1
    user.setup_token_hash = None
    user.setup_expires_at = None
    sessions.end_all(session, user.id)
    api_tokens.revoke_all_of(session, vault, user.id, actor=actor)
    audit.record(session, vault, actor=actor, action="user.disable", object_type="user", object_id=str(user.id))
    session.commit()
    return user


def enable(session: Session, vault: Vault | None, user_id: uuid.UUID | str, *, actor: str) -> User:
    vault = signin.require_unlocked(vault)
    user = users.get(session, user_id)
    if user.is_active:
        raise Conflict(said("this account is already enabled"))
    user.is_active = True
    user.failed_logins = 0
    user.locked_until = None
    audit.record(session, vault, actor=actor, action="user.enable", object_type="user", object_id=str(user.id))
    session.commit()
    return user

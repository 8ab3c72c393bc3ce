"""Bearer tokens for the researcher API: created and revoked by admins, kept only as a SHA-256.

A token is 256 random bits, shown once. Its row (account, hash, scope, expiry, revocation) carries
an integrity seal (services/integrity.py): a database writer can neither mint a token nor extend,
widen or un-revoke one. Every use checks the seal, the expiry, the revocation and that the account
is still an active researcher; one answer ("not valid") for every refusal.

A revocation is for good, and its audit entry (`api_token.revoke`) outlives the row: a token the
audit log names as revoked is refused whatever its row says, so putting back the row as it was
before the revocation (validly sealed, then) does not bring the token back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..models import ApiToken, AuditEvent, Role, User
from ..models.base import utcnow
from ..wording import said
from . import audit
from .errors import Conflict, InvalidInput, NotFound
from .integrity import Spec, check_row, seal_row

PREFIX = "itk_"  # lets secret scanners recognise a leaked token
SCOPE_RESEARCHER = "researcher"
MAX_DAYS = 366
TOKEN = Spec("api-token", ApiToken, ("id", "user_id", "token_hash", "scope", "expires_at", "revoked_at"), "mac")
REVOKE_ACTION = "api_token.revoke"
LAST_USED_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often per token


@dataclass(frozen=True)
class NewToken:
    id: uuid.UUID
    token: str  # shown once, never stored
    expires_at: dt.datetime | None


def digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def create(session: Session, vault: Vault, *, user_id: uuid.UUID, actor: str, label: str = "",
           days: int | None = None) -> NewToken:
    """A token for a researcher's account (commits). `days`: valid for that many days (default: until revoked)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(said("no such account"))
    if user.role != Role.RESEARCHER.value or not user.is_active:
        raise Conflict(said("API tokens are for active researcher accounts only"))
    if days is not None and not 1 <= days <= MAX_DAYS:
        raise InvalidInput(said("a token is valid for 1 to %(num)s days", num=MAX_DAYS))
    label = " ".join(label.split())
    if len(label) > 80:
        raise InvalidInput(said("the label is longer than 80 characters"))
    secret = PREFIX + secrets.token_urlsafe(32)
    now = utcnow().replace(microsecond=0)
    token = ApiToken(user_id=user.id, token_hash=digest(secret), scope=SCOPE_RESEARCHER, label=label,
                     created_by=actor[:64], created_at=now,
                     expires_at=now + dt.timedelta(days=days) if days else None, revoked_at=None)
    seal_row(vault, TOKEN, token)
    session.add(token)
    audit.record(session, vault, actor=actor, action="api_token.create", object_type="api_token",
                 object_id=str(token.id), details={"user": str(user.id), "days": days})
    session.commit()
    return NewToken(token.id, secret, token.expires_at)


def revoke(session: Session, vault: Vault, token_id: uuid.UUID, *, actor: str) -> None:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(said("no such token"))
    if token.revoked_at is not None:
        return
    _revoke(session, vault, token, actor)
    session.commit()


def revoke_all_of(session: Session, vault: Vault, user_id: uuid.UUID, *, actor: str) -> int:
    """Revoke every token of an account that is not revoked yet (the caller commits): disabling an
    account ends its tokens for good, so enabling it again (or a database writer setting the account
    active) brings none back. Returns how many were revoked."""
    tokens = session.scalars(select(ApiToken).where(ApiToken.user_id == user_id,
                                                    ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        _revoke(session, vault, token, actor)
    return len(tokens)


def _revoke(session: Session, vault: Vault, token: ApiToken, actor: str) -> None:
    token.revoked_at = utcnow().replace(microsecond=0)
    seal_row(vault, TOKEN, token)
    audit.record(session, vault, actor=actor, action=REVOKE_ACTION, object_type="api_token",
                 object_id=str(token.id), details={"user": str(token.user_id)})


def authenticate(session: Session, vault: Vault, presented: str | None) -> User | None:
    """The researcher a presented token stands for, or None (commits the last-used time)."""
    if not presented or not presented.startswith(PREFIX) or len(presented) > 100:
        return None
    token = session.scalars(select(ApiToken).where(ApiToken.token_hash == digest(presented))).one_or_none()
    if token is None or check_row(vault, TOKEN, token) is not SealCheck.OK:
        return None
    now = utcnow()
    if token.revoked_at is not None or token.scope != SCOPE_RESEARCHER or (token.expires_at and token.expires_at <= now):
        return None
    if revoked_in_log(session, [token.id]):  # an older row, from before its revocation, put back
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active or user.role != Role.RESEARCHER.value:
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_EVERY:
        token.last_used_at = now.replace(microsecond=0)
        session.commit()
    return user


@dataclass(frozen=True)
class TokenLine:
    id: uuid.UUID
    username: str
    label: str
    created_at: dt.datetime
    expires_at: dt.datetime | None
    last_used_at: dt.datetime | None
    state: str  # active, expired, revoked, failed verification


def revoked_in_log(session: Session, token_ids: list[uuid.UUID]) -> set[uuid.UUID]:
    """The tokens among `token_ids` the audit log records a revocation of. Any entry counts, even
    one whose signature fails: a forged one can only refuse a token, which deleting its row does too."""
    if not token_ids:
        return set()
    named = set(session.scalars(select(AuditEvent.object_id).where(
        AuditEvent.action == REVOKE_ACTION, AuditEvent.object_id.in_([str(i) for i in token_ids]))))
    return {i for i in token_ids if str(i) in named}


def listing(session: Session, vault: Vault) -> list[TokenLine]:
    now = utcnow()
    out = []
    rows = session.execute(select(ApiToken, User.username).join(User, User.id == ApiToken.user_id)
                           .order_by(ApiToken.created_at.desc())).all()
    revoked = revoked_in_log(session, [token.id for token, _ in rows])
    for token, username in rows:
        if check_row(vault, TOKEN, token) is not SealCheck.OK:
            state = "failed verification"
        elif token.revoked_at is not None or token.id in revoked:
            state = "revoked"
        elif token.expires_at is not None and token.expires_at <= now:
            state = "expired"
        else:
            state = "active"
        out.append(TokenLine(token.id, username, token.label, token.created_at, token.expires_at,
                             token.last_used_at, state))
    return out

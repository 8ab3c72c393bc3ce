"""Accounts (the reviewer workspace issue extends this with invitations and TOTP)."""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.passphrase import KdfParams
from ..crypto.passwords import hash_password
from ..crypto.vault import Vault
from ..models import Role, User
from . import audit
from .errors import Conflict, InvalidInput

MIN_PASSWORD = 12


def create_user(session: Session, vault: Vault, *, username: str, role: Role, password: str, kdf: KdfParams,
                actor: str = "cli") -> User:
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"a password has at least {MIN_PASSWORD} characters")
    if session.scalar(select(User).where(User.username == username)) is not None:
        raise Conflict(f"an account named {username!r} already exists")
    user = User(username=username, role=role.value, password_hash=hash_password(password, kdf))
    session.add(user)
    session.flush()
    audit.record(session, vault, actor=actor, action="user.create", object_type="user", object_id=str(user.id),
                 details={"role": role.value})
    session.commit()
    return user


def generated_password() -> str:
    return secrets.token_urlsafe(18)

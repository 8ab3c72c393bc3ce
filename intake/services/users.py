"""Accounts: who they are (name, role), the password rules, and creating the account row.

Each account gets its own data key at creation (wrapped under the working-store KEK): its TOTP
secret is sealed under it, so a copy of the database alone does not give away anyone's second factor.
The sign-in steps live in services/signin.py, invitations and the life cycle in services/accounts.py.
"""

from __future__ import annotations

import functools
import re
import secrets
import uuid
from collections.abc import Iterable
from importlib import resources

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..crypto.passphrase import KdfParams
from ..crypto.passwords import hash_password
from ..crypto.vault import Vault
from ..models import Role, User
from ..models.sealed import data_keys
from ..wording import Said, said
from . import audit
from .errors import Conflict, InvalidInput, NotFound

MIN_PASSWORD = 12
MAX_PASSWORD = 256
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
# What the audit log names as actor when no account acts. An account so named would pass for them on
# the audit page (whose actor filter takes these words for the service itself): taken already.
AUDIT_ACTORS = frozenset({"system", "cli", "anonymous"})


def normalise_username(username: str) -> str:
    """Usernames are lower-case ASCII, 2-32 characters: letters, digits, dot, dash, underscore."""
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        raise InvalidInput(said("a username has 2 to 32 characters: a-z, 0-9, dot, dash or underscore, "
                                "starting with a letter or digit"))
    return name


@functools.cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (intake/data/common-passwords.txt), lower-cased."""
    text = resources.files("intake.data").joinpath("common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines()
                     if line.strip() and not line.startswith("# "))


def password_problem(password: str, username: str) -> Said | None:
    """Why this password is refused for this account, or None if it is acceptable."""
    if len(password) < MIN_PASSWORD:
        return said("a password has at least %(num)s characters", num=MIN_PASSWORD)
    if len(password) > MAX_PASSWORD:
        return said("a password has at most %(num)s characters", num=MAX_PASSWORD)
    lowered = password.lower()
    if lowered.strip() in common_passwords():
        return said("this password is on a list of common passwords; choose another")
    if username and username.lower() in lowered:
        return said("a password may not contain the username")
    return None


def check_password_policy(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem:
        raise InvalidInput(problem)


def new_account(session: Session, *, username: str, role: Role | str) -> User:
    """Add an account row with its own data key (KEK-wrapped). Needs unlocked keys; does not commit."""
    name = normalise_username(username)
    role = Role(role)
    if name in AUDIT_ACTORS or session.scalar(select(User.id).where(User.username == name)) is not None:
        raise Conflict(said("an account with this username already exists"))
    user = User(username=name, role=role.value, password_hash=None, is_active=True, failed_logins=0,
                session_epoch=0, recovery_code_hashes=[])
    session.add(user)
    data_keys(session).create("users", user.id, via="kek")
    session.flush()
    return user


def create_user(session: Session, vault: Vault, *, username: str, role: Role, password: str, kdf: KdfParams,
                actor: str = "cli") -> User:
    """An account with a password but no second factor yet: it must enrol TOTP at its first sign-in.

    Used by `flask dev` and the tests; operators invite instead (`flask users create`).
    """
    name = normalise_username(username)
    check_password_policy(password, name)
    user = new_account(session, username=name, role=role)
    user.password_hash = hash_password(password, kdf)
    audit.record(session, vault, actor=actor, action="user.create", object_type="user", object_id=str(user.id),
                 details={"role": user.role, "invited": False})
    session.commit()
    return user


def generated_password() -> str:
    return secrets.token_urlsafe(18)


def get(session: Session, user_id: uuid.UUID | str) -> User:
    try:
        key = user_id if isinstance(user_id, uuid.UUID) else uuid.UUID(str(user_id))
    except ValueError:
        raise NotFound(said("no such account")) from None
    user = session.get(User, key)
    if user is None:
        raise NotFound(said("no such account"))
    return user


def by_username(session: Session, username: str) -> User | None:
    name = (username or "").strip().lower()
    if not _USERNAME.match(name):
        return None
    return session.scalar(select(User).where(User.username == name))


def all_accounts(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.role, User.username)))


def active_admins(session: Session, *, lock: bool = False) -> int:
    """How many admin accounts are active. `lock`: hold their rows until the transaction ends, so
    that two admins disabling each other at once cannot both count two (PostgreSQL reads a row it
    waited for again, and then counts one; SQLite's write lock keeps the two apart)."""
    if not lock:
        return session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN.value, User.is_active.is_(True))) or 0
    return len(session.scalars(select(User.id).where(
        User.role == Role.ADMIN.value, User.is_active.is_(True)).with_for_update()).all())


def usernames(session: Session, ids: Iterable[uuid.UUID | str | None]) -> dict[uuid.UUID, str]:
    """Usernames by account id, for pages (rows and the audit log hold ids only). Non-ids are skipped."""
    keys = set()
    for value in ids:
        try:
            keys.add(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))
        except ValueError:
            continue
    if not keys:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(keys))).all())

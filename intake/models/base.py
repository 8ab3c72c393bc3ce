"""Declarative base shared by every model."""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import MetaData, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# Deterministic constraint names, so Alembic migrations are identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


# A server default of NULL on review-side columns the public face never writes: the ORM then leaves
# them out of its INSERT (instead of sending NULL), so the public role needs no INSERT on them.
NULL = text("NULL")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class UUIDKey:
    """A random UUID primary key assigned at construction: sealed fields need the row id before flush."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("id", uuid.uuid4())
        super().__init__(**kwargs)


class Handled:
    """A random public handle assigned at construction (so it is known before the first flush)."""

    HANDLE_PREFIX = "X"

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("handle", new_handle(self.HANDLE_PREFIX))
        super().__init__(**kwargs)


def today() -> date:
    """Coarse timestamps: a date, never a time of day (less to correlate with network logs)."""
    return datetime.now(UTC).date()


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


_HANDLE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U


def new_handle(prefix: str) -> str:
    """A random, meaningless public handle such as R-7KQ3-M9XP (50 bits)."""
    chars = "".join(secrets.choice(_HANDLE_ALPHABET) for _ in range(10))
    return f"{prefix}-{chars[:5]}-{chars[5:]}"

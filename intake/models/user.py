"""User: an admin, reviewer or researcher account."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, DateTime, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDKey, utcnow
from .sealed import Codec, Sealed


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    RESEARCHER = "researcher"


class User(UUIDKey, Base):
    __tablename__ = "users"

    username: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
    # Bumped to end every session of the account at once (disable, password change).
    session_epoch: Mapped[int] = mapped_column(Integer, default=0)
    # One-time set-up or invitation link: only a hash of its token is kept.
    setup_token_hash: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    setup_expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    totp_last_counter: Mapped[int | None] = mapped_column(Integer)
    recovery_code_hashes: Mapped[list[str]] = mapped_column(JSON, default=list)

    # The TOTP secret, sealed under the account's own data key (working-store KEK).
    totp_secret_sealed: Mapped[bytes | None] = mapped_column("totp_secret", LargeBinary)
    totp_secret = Sealed(Codec.BYTES)

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        return ("users", self.id)

"""ApiToken: a researcher's bearer token for the API. Only its SHA-256 is kept."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto.integrity import SEAL_BYTES
from .base import Base, UUIDKey, utcnow


class ApiToken(UUIDKey, Base):
    __tablename__ = "api_tokens"

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    scope: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(80), default="")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Integrity seal (services/integrity.py) over who, what, until when and whether revoked: a
    # database writer cannot mint a token, widen its scope, extend it or un-revoke it.
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))

"""AuthSession: a signed-in session of an account, kept on the server.

The browser's cookie carries only a random token; the database keeps its SHA-256. Signing out,
disabling an account or a timeout deletes the row, so a copied cookie stops working at once
(a purely client-side session would stay valid until it expired). No address or browser string
is stored: reviewers' whereabouts are not the service's business.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDKey, utcnow


class AuthSession(UUIDKey, Base):
    __tablename__ = "auth_sessions"

    token_hash: Mapped[bytes] = mapped_column(LargeBinary(32), unique=True)
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The account's session epoch when this session began; a bump ends it even if the row survived.
    epoch: Mapped[int] = mapped_column(Integer)
    # False between the password and the second factor: such a session reaches only the code page.
    second_factor: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

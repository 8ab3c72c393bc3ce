"""Export: one anonymised release to researchers, with its signed manifest."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, DateTime, Float, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDKey, utcnow


class ExportStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    BUILT = "built"
    RELEASED = "released"
    REVOKED = "revoked"


class Export(UUIDKey, Base):
    __tablename__ = "exports"

    status: Mapped[str] = mapped_column(String(16), default=ExportStatus.REQUESTED.value)
    requested_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    # Generalisation levels, k and l targets, fields included.
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    measured_k: Mapped[int | None] = mapped_column(Integer)
    suppression_rate: Mapped[float | None] = mapped_column(Float)
    # Manifest (file names, SHA-256 checksums, measured k, suppression) and its Ed25519 signature.
    manifest: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    manifest_signature: Mapped[bytes | None] = mapped_column(LargeBinary(64))

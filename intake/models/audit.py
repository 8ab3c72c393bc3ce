"""AuditEvent: append-only, hash-chained, signed. Holds ids and actions, never personal data."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, DateTime, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base


class AuditEvent(Base):
    __tablename__ = "audit_events"

    # The sequence number is the primary key: two writers racing for the same number collide
    # instead of forking the chain, and a gap shows a deletion.
    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True,
                                     autoincrement=False)
    occurred_at: Mapped[datetime] = mapped_column(DateTime)
    actor: Mapped[str] = mapped_column(String(64))  # a user id, "system" or "cli"
    action: Mapped[str] = mapped_column(String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(String(32))
    object_id: Mapped[str | None] = mapped_column(String(64), index=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    key_id: Mapped[bytes] = mapped_column(LargeBinary(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))

    def fields(self) -> dict[str, Any]:
        """What the hash covers: everything but the hash and the signature themselves."""
        return {
            "seq": self.seq,
            "occurred_at": self.occurred_at.isoformat(timespec="seconds"),
            "actor": self.actor,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "details": self.details or {},
            "key_id": self.key_id.hex(),
        }


class AuditCheckpoint(Base):
    """A signed statement "the chain up to entry `seq` had head `entry_hash`": verification can start
    here instead of at the first entry, and a copy kept elsewhere catches a chain rewritten since.
    Append-only for the review face, like the entries."""

    __tablename__ = "audit_checkpoints"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    entry_hash: Mapped[bytes] = mapped_column(LargeBinary(32))
    count: Mapped[int] = mapped_column(BigInteger)  # entries from 1 to seq
    created_at: Mapped[datetime] = mapped_column(DateTime)
    key_id: Mapped[bytes] = mapped_column(LargeBinary(16))
    signature: Mapped[bytes] = mapped_column(LargeBinary(64))

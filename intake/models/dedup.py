"""Candidate pairs: two reports the matcher thinks may describe one person, and the reviewer's decision.

A pair holds ids, a probability, the comparison levels as short codes and the model version: never
a name, date, place or ID number, nor an explanation (explanations are recomputed in memory when a
reviewer opens the pair). Review-side state a later merge relies on, so every row is sealed
(services/duplicates.py, `PAIR` spec) and checked before use.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum

from sqlalchemy import DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto.integrity import SEAL_BYTES
from .base import Base, UUIDKey, utcnow


class PairStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"  # a cannot-link: not suggested again unless a report changes
    DEFERRED = "deferred"


class CandidatePair(UUIDKey, Base):
    __tablename__ = "candidate_pairs"
    __table_args__ = (UniqueConstraint("left_id", "right_id", name="uq_candidate_pairs_left_right"),
                      Index("ix_candidate_pairs_queue", "status", "probability"))

    # Ordered: left_id < right_id (as strings), so a pair has exactly one row.
    left_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    right_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    probability: Mapped[float] = mapped_column(Float)
    # "field=level;..." in the model's comparison order; levels are small integers, no values.
    levels: Mapped[str] = mapped_column(String(400))
    model_version: Mapped[str] = mapped_column(String(32))
    status: Mapped[str] = mapped_column(String(12), default=PairStatus.PENDING.value)
    found_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    decided_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime)
    # The person-link batch an accept made (what its undo inverts).
    batch_id: Mapped[uuid.UUID | None] = mapped_column()
    # SHA-256 over both reports' ciphertexts of the compared fields: a rejection holds only while it
    # matches (a changed report re-encrypts, so the pair may be suggested again). Reveals nothing.
    fingerprint: Mapped[bytes] = mapped_column(LargeBinary(32))
    # Raised by every reseal and sealed with the row; each audited decision records it, so an older,
    # validly sealed row put back is told from the current one (services/duplicates.py, `states_of`).
    state_seq: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))

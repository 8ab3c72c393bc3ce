"""StatusEvent: a dated change in a detained person's situation, with its source."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.integrity import SEAL_BYTES
from .base import Base, UUIDKey, today
from .sealed import Codec, Sealed

if TYPE_CHECKING:
    from .report import Report


class StatusKind(StrEnum):
    DETAINED = "detained"
    SENTENCED = "sentenced"
    RELEASED = "released"
    DIED = "died"
    DISAPPEARED = "disappeared"
    UNKNOWN = "unknown"


class StatusEvent(UUIDKey, Base):
    __tablename__ = "status_events"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # Rows the family adds later (follow-ups) get a data key of their own: the public face that
    # writes them cannot unwrap the submission's key. False: sealed under the submission's key.
    own_key: Mapped[bool] = mapped_column(Boolean, default=False)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    recorded_on: Mapped[date] = mapped_column(Date, default=today)
    recorded_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))  # None: the family

    # When it happened (approximate ISO prefix), sentence length, and where the news came from.
    event_date_sealed: Mapped[bytes | None] = mapped_column("event_date", LargeBinary)
    event_date = Sealed(Codec.TEXT)
    sentence_sealed: Mapped[bytes | None] = mapped_column("sentence", LargeBinary)
    sentence = Sealed(Codec.TEXT)
    source_sealed: Mapped[bytes | None] = mapped_column("source", LargeBinary)
    source = Sealed(Codec.TEXT)
    # A family's event: the kind as they chose it, sealed, so the review face can check the plain
    # `kind` (shown back on the status page) before it applies the event at take-in.
    reported_kind_sealed: Mapped[bytes | None] = mapped_column("reported_kind", LargeBinary)
    reported_kind = Sealed(Codec.TEXT)
    # Integrity seal by the review face (services/integrity.py): made when a reviewer records the
    # event, or at take-in for a family's.
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))

    report: Mapped[Report] = relationship(back_populates="status_events")

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        return ("status_events", self.id) if self.own_key else ("submissions", self.submission_id)

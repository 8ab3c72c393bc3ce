"""Person: the detained individual after deduplication, and the append-only history of merges."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Date, DateTime, Float, ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.integrity import SEAL_BYTES
from .base import Base, Handled, UUIDKey, today, utcnow
from .sealed import Codec, Sealed

if TYPE_CHECKING:
    from .report import Report


class Person(Handled, UUIDKey, Base):
    HANDLE_PREFIX = "P"
    __tablename__ = "persons"

    handle: Mapped[str] = mapped_column(String(16), unique=True)
    created_on: Mapped[date] = mapped_column(Date, default=today)

    reports: Mapped[list[Report]] = relationship(back_populates="person")

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        return ("persons", self.id)


class LinkKind(StrEnum):
    LINK = "link"  # a report joins a person
    UNLINK = "unlink"  # a report leaves a person (split)


class PersonLinkEvent(UUIDKey, Base):
    """One report joining or leaving one person. Never updated or deleted: undo appends the inverse.

    A merge of two persons is a batch of LINK events sharing `batch_id`; undoing it appends the
    inverse batch, naming the batch it undoes. The current link of a report is the last event's.
    """

    __tablename__ = "person_link_events"

    batch_id: Mapped[uuid.UUID] = mapped_column(index=True)
    kind: Mapped[str] = mapped_column(String(8))
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("persons.id"), index=True)
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    score: Mapped[float | None] = mapped_column(Float)  # the deduplication score that suggested it, if any
    undoes_batch_id: Mapped[uuid.UUID | None] = mapped_column(index=True)
    # Integrity seal over every column above, by the review face (services/integrity.py).
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))

    # Why (a reviewer's words may name people, so sealed under the person's data key).
    reason_sealed: Mapped[bytes | None] = mapped_column("reason", LargeBinary)
    reason = Sealed(Codec.TEXT)

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        return ("persons", self.person_id)

"""Attachment: an encrypted file. Its SHA-256 is kept inside the ciphertext, for integrity."""

from __future__ import annotations

import uuid
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Boolean, ColumnElement, Date, ForeignKey, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UUIDKey, today
from .sealed import Codec, Sealed

if TYPE_CHECKING:
    from .report import Report


class Attachment(UUIDKey, Base):
    __tablename__ = "attachments"

    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # Rows the family adds later (follow-ups) get a data key of their own: the public face that
    # writes them cannot unwrap the submission's key. False: sealed under the submission's key.
    own_key: Mapped[bool] = mapped_column(Boolean, default=False)
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    created_on: Mapped[date] = mapped_column(Date, default=today)

    # {"filename", "media_type", "size", "sha256"} of the original, and "viewing_copy": "deferred" when
    # the public face left the viewing copy to the review face (services/attachments.py).
    meta_sealed: Mapped[bytes | None] = mapped_column("meta", LargeBinary)
    meta = Sealed(Codec.JSON)
    # The original bytes, kept as evidence.
    content_sealed: Mapped[bytes | None] = mapped_column("content", LargeBinary)
    content = Sealed(Codec.BYTES)
    # A copy with metadata (EXIF, GPS) removed, for viewing.
    viewing_copy_sealed: Mapped[bytes | None] = mapped_column("viewing_copy", LargeBinary)
    viewing_copy = Sealed(Codec.BYTES)

    report: Mapped[Report | None] = relationship(back_populates="attachments")

    @classmethod
    def shown_with(cls, report_id: Any, submission_id: Any) -> ColumnElement[bool]:
        """The files shown with a report: those about its person, and those sent for the whole
        submission (the report form's own files name no report; follow-ups may name none)."""
        return (cls.report_id == report_id) | (cls.report_id.is_(None) & (cls.submission_id == submission_id))

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        return ("attachments", self.id) if self.own_key else ("submissions", self.submission_id)

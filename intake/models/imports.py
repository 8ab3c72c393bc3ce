"""Imported lists: where each imported report came from, and fingerprints that make re-import a no-op."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, LargeBinary, String
from typing import TYPE_CHECKING

from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UUIDKey, utcnow
from .sealed import Codec, Sealed

if TYPE_CHECKING:
    from .report import Report


class ImportSource(UUIDKey, Base):
    """One import of one file. Its name, file name and consent basis can be telling (which group
    keeps lists of whom): they are sealed under the source's own data key (working-store KEK)."""

    __tablename__ = "import_sources"

    imported_by: Mapped[str] = mapped_column(String(64))  # an account id, or "cli"
    imported_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    file_sha256: Mapped[str] = mapped_column(String(64), index=True)
    file_kind: Mapped[str] = mapped_column(String(8))  # csv or xlsx
    rows_read: Mapped[int] = mapped_column(Integer, default=0)
    rows_imported: Mapped[int] = mapped_column(Integer, default=0)
    # The consent the source holds for its rows, as the importer stated it (also sealed per submission).
    consent_share_research: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)

    name_sealed: Mapped[bytes | None] = mapped_column("name", LargeBinary)
    name = Sealed(Codec.TEXT)
    file_name_sealed: Mapped[bytes | None] = mapped_column("file_name", LargeBinary)
    file_name = Sealed(Codec.TEXT)
    consent_basis_sealed: Mapped[bytes | None] = mapped_column("consent_basis", LargeBinary)
    consent_basis = Sealed(Codec.TEXT)

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        return ("import_sources", self.id)


class ImportedRow(UUIDKey, Base):
    """One imported report: its source and the keyed fingerprint of its row. The attribution (file,
    row, importer, day) is sealed under the report's submission key, so a withdrawal shreds it too."""

    __tablename__ = "imported_rows"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    source_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("import_sources.id"), index=True)
    # HMAC-SHA256 of the normalised row under a review-side key (imports/fingerprint.py): never plain.
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)

    # For the unit of work's insert order (source and report before this row); not navigated.
    report: Mapped[Report] = relationship()
    source: Mapped[ImportSource] = relationship()

    attribution_sealed: Mapped[bytes | None] = mapped_column("attribution", LargeBinary)
    attribution = Sealed(Codec.JSON)

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        return ("submissions", self.submission_id)

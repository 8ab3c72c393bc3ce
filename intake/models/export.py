"""Export: one anonymised release to researchers, its sealed membership, and withdrawal notices.

Review-side state only (the public face's database role reaches none of these tables). Every row a
later decision relies on carries an integrity seal (services/integrity.py, specs in
services/exports.py): an export's status, who proposed and approved it and the digest of its signed
manifest; which reports (and persons) each export contains; and each withdrawal notice.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Date, DateTime, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto.integrity import SEAL_BYTES
from .base import Base, UUIDKey, today, utcnow


class ExportStatus(StrEnum):
    REQUESTED = "requested"  # proposed by a reviewer, awaiting a second reviewer or an admin
    APPROVED = "approved"  # approved, awaiting the build job
    BUILT = "built"
    RELEASED = "released"  # files written and signed: researchers may download them
    REVOKED = "revoked"
    FAILED = "failed"  # the build found no release that meets the privacy model: no file exists


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

    # Who receives it and why (the proposer's words; never shown to the public, never audited).
    recipient: Mapped[str | None] = mapped_column(String(200))
    # The one researcher account that may see and download it once released (sealed with the state).
    # Exports proposed before migration 0020 have none: no researcher sees them until an admin
    # assigns one (`flask export assign`).
    recipient_account_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True)
    purpose: Mapped[str | None] = mapped_column(String(500))
    approved_at: Mapped[datetime | None] = mapped_column(DateTime)
    built_at: Mapped[datetime | None] = mapped_column(DateTime)
    # Why a build failed, in counts and rules only (never a value).
    failure: Mapped[str | None] = mapped_column(String(500))
    persons: Mapped[int | None] = mapped_column(Integer)
    reports: Mapped[int | None] = mapped_column(Integer)
    # Reports left out, by reason ("no consent", "failed verification"...): counts only.
    excluded: Mapped[dict[str, int] | None] = mapped_column(JSON)
    # SHA-256 of the signed manifest file: what the files on disk must still match.
    manifest_sha256: Mapped[str | None] = mapped_column(String(64))
    # Pseudonyms are HMAC(pseudonym secret, salt | person key): fresh salt per export, so unlinkable
    # across exports; with the secret, the operator can find a withdrawn person's row again.
    pseudonym_key_id: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    pseudonym_salt: Mapped[bytes | None] = mapped_column(LargeBinary(16))
    state_seq: Mapped[int] = mapped_column(Integer, server_default="0")
    state_mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))


class ExportMemberChunk(UUIDKey, Base):
    """Which reports one built export contains, with the person (or, unlinked, the report) each
    row stands for, packed: up to a few thousand members sorted by report id, 32 bytes each (report
    id, person key), and the range of report ids the chunk covers, for lookups. A million-person
    export writes a few hundred of these instead of a million rows (services/export_members.py).
    A withdrawn report is cut out of its chunk when the withdrawal is finished, after a notice."""

    __tablename__ = "export_member_chunks"

    export_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exports.id", ondelete="CASCADE"), index=True)
    first_report: Mapped[uuid.UUID] = mapped_column(index=True)
    last_report: Mapped[uuid.UUID] = mapped_column()
    count: Mapped[int] = mapped_column(Integer)
    members: Mapped[bytes] = mapped_column(LargeBinary)
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))


class ExportMember(UUIDKey, Base):
    """One report in one export built before membership was packed into chunks (migration 0014):
    still read for withdrawal notices, and deleted with the report when a withdrawal is finished.
    New exports write ExportMemberChunk rows."""

    __tablename__ = "export_members"

    export_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exports.id", ondelete="CASCADE"), index=True)
    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    person_key: Mapped[uuid.UUID] = mapped_column()
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))


class ExportNotice(UUIDKey, Base):
    """A released export included persons whose family later withdrew: the recipients must be told.
    Keeps no identity: the export, counts, and the export rows' pseudonyms (to delete)."""

    __tablename__ = "export_notices"

    export_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("exports.id", ondelete="CASCADE"), index=True)
    created_on: Mapped[date] = mapped_column(Date, default=today)
    persons: Mapped[int] = mapped_column(Integer)
    reports: Mapped[int] = mapped_column(Integer)
    # Space-separated pseudonyms of the rows to delete ("" when the pseudonym key is no longer held).
    pseudonyms: Mapped[str] = mapped_column(Text, default="")
    notified_on: Mapped[date | None] = mapped_column(Date)
    notified_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))


class StatisticsRun(UUIDKey, Base):
    """Counts computed by the statistics job, for the reviewers' and researchers' pages (which show
    them with small cells hidden). True counts: review-side only, sealed."""

    __tablename__ = "statistics_runs"

    computed_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    reference_year: Mapped[int] = mapped_column(Integer)
    persons: Mapped[int] = mapped_column(Integer)
    tables: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    excluded: Mapped[dict[str, int]] = mapped_column(JSON)
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))

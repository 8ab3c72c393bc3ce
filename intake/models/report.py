"""Report: one detained relative as described in one submission."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import DDL, BigInteger, Date, ForeignKey, Index, Integer, LargeBinary, SmallInteger, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.integrity import SEAL_BYTES
from .base import NULL, Base, Handled, UUIDKey, today
from .sealed import Codec, Sealed

if TYPE_CHECKING:
    from .attachment import Attachment
    from .person import Person
    from .status import StatusEvent
    from .submission import Submission


class VerificationLevel(StrEnum):
    REPORTED = "reported"
    PARTIALLY_VERIFIED = "partially_verified"
    CORROBORATED = "corroborated"
    DOCUMENTED = "documented"


class Report(Handled, UUIDKey, Base):
    HANDLE_PREFIX = "R"
    __tablename__ = "reports"
    __table_args__ = (Index("ix_reports_arrival", "arrival", "id"),)

    handle: Mapped[str] = mapped_column(String(16), unique=True)
    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order within the submission
    person_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("persons.id"), index=True, server_default=NULL)
    created_on: Mapped[date] = mapped_column(Date, default=today, index=True)
    # Review-side state (with person_id): written only by the review face, sealed with `state_mac`
    # (services/integrity.py). Read it through services.integrity, never from these columns alone.
    verification: Mapped[str] = mapped_column(String(24), server_default=VerificationLevel.REPORTED.value,
                                              index=True)
    # The latest status category (detained, sentenced...); details are sealed in status events.
    status: Mapped[str] = mapped_column(String(24), server_default="unknown", index=True)
    state_seq: Mapped[int] = mapped_column(Integer, server_default="0")
    state_mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES), server_default=NULL)
    assigned_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"), index=True, server_default=NULL)
    # Order of arrival in the working store, set by the review face at take-in (None before): the
    # inbox's newest-first order and its keyset cursor ((arrival, id) is indexed). Submissions keep
    # a date only, so this order, not a time, is what tells today's reports apart.
    arrival: Mapped[int | None] = mapped_column(BigInteger, server_default=NULL)

    # Sealed fields. Structured values (names, dates) are JSON inside the ciphertext.
    # names: [{"value": "...", "script": "ug-Arab" | "zh-Hans" | "Latn" | "Cyrl" | ..., "kind": "given|full|..."}]
    names_sealed: Mapped[bytes | None] = mapped_column("names", LargeBinary)
    names = Sealed(Codec.JSON)
    gender_sealed: Mapped[bytes | None] = mapped_column("gender", LargeBinary)
    gender = Sealed(Codec.TEXT)
    # Approximate dates are ISO prefixes: "1984", "1984-06" or "1984-06-17".
    birth_date_sealed: Mapped[bytes | None] = mapped_column("birth_date", LargeBinary)
    birth_date = Sealed(Codec.TEXT)
    ethnicity_sealed: Mapped[bytes | None] = mapped_column("ethnicity", LargeBinary)
    ethnicity = Sealed(Codec.TEXT)
    # GB/T 2260 code from the places thesaurus, or free text when the family does not know it.
    home_county_sealed: Mapped[bytes | None] = mapped_column("home_county", LargeBinary)
    home_county = Sealed(Codec.TEXT)
    home_place_text_sealed: Mapped[bytes | None] = mapped_column("home_place_text", LargeBinary)
    home_place_text = Sealed(Codec.TEXT)
    id_number_sealed: Mapped[bytes | None] = mapped_column("id_number", LargeBinary)
    id_number = Sealed(Codec.TEXT)
    occupation_sealed: Mapped[bytes | None] = mapped_column("occupation", LargeBinary)
    occupation = Sealed(Codec.TEXT)
    detention_date_sealed: Mapped[bytes | None] = mapped_column("detention_date", LargeBinary)
    detention_date = Sealed(Codec.TEXT)
    detention_place_sealed: Mapped[bytes | None] = mapped_column("detention_place", LargeBinary)
    detention_place = Sealed(Codec.TEXT)
    facility_sealed: Mapped[bytes | None] = mapped_column("facility", LargeBinary)
    facility = Sealed(Codec.TEXT)
    # Kind of place (facility_types vocabulary: camp, prison, detention_centre...).
    facility_type_sealed: Mapped[bytes | None] = mapped_column("facility_type", LargeBinary)
    facility_type = Sealed(Codec.TEXT)
    sentence_sealed: Mapped[bytes | None] = mapped_column("sentence", LargeBinary)
    sentence = Sealed(Codec.TEXT)
    last_contact_sealed: Mapped[bytes | None] = mapped_column("last_contact", LargeBinary)
    last_contact = Sealed(Codec.TEXT)
    # The submitter's relationship to the detained person (code from the thesaurus, or free text).
    submitter_relationship_sealed: Mapped[bytes | None] = mapped_column("submitter_relationship", LargeBinary)
    submitter_relationship = Sealed(Codec.TEXT)
    testimony_sealed: Mapped[bytes | None] = mapped_column("testimony", LargeBinary)
    testimony = Sealed(Codec.TEXT)
    # The situation the family gave on the form (a status code). The review face copies it into
    # `status` at take-in, so the public face never writes review-side state.
    reported_status_sealed: Mapped[bytes | None] = mapped_column("reported_status", LargeBinary)
    reported_status = Sealed(Codec.TEXT)

    # Every sealed field above once more in one ciphertext under the same data key, written by the
    # review face at take-in (services/packed_fields.py): whole-store jobs open one ciphertext per
    # report instead of eighteen. `packed_version` is its layout's (None: no copy; the fields are read).
    # Deferred: pages load reports and read their fields; only the bulk path (Core) reads the copy.
    packed_sealed: Mapped[bytes | None] = mapped_column("packed", LargeBinary, server_default=NULL, deferred=True)
    packed_version: Mapped[int | None] = mapped_column(SmallInteger, server_default=NULL)

    submission: Mapped[Submission] = relationship(back_populates="reports")
    person: Mapped[Person | None] = relationship(back_populates="reports")
    status_events: Mapped[list[StatusEvent]] = relationship(back_populates="report", order_by="StatusEvent.sequence")
    attachments: Mapped[list[Attachment]] = relationship(back_populates="report")

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        # The column first: touching the relationship would lazy-load the submission row.
        if self.submission_id is not None:
            return ("submissions", self.submission_id)
        return ("submissions", self.submission.id)


SEALED_REPORT_FIELDS = (
    "names", "gender", "birth_date", "ethnicity", "home_county", "home_place_text", "id_number", "occupation",
    "detention_date", "detention_place", "facility", "facility_type", "sentence", "last_contact", "submitter_relationship", "testimony",
)


# Where PostgreSQL keeps a report's packed copy: in the row, not in the TOAST table. A whole-store
# job reads every copy; out of line, each costs a lookup in the TOAST table's index and a page of its
# own (a fifth of the server's work per report). So rows up to 4 KB stay whole (the testimony's
# field, the largest, still moves out first) and the copy is the last column moved out of line.
# Migration 0018 sets the same on an existing database (rows written before keep their layout).
STORAGE_DDL = ("ALTER TABLE reports SET (toast_tuple_target = 4080)",
               "ALTER TABLE reports ALTER COLUMN packed SET STORAGE MAIN")
for _statement in STORAGE_DDL:
    event.listen(Report.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))

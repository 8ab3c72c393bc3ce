"""Submission: one visit by one family."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..crypto.integrity import SEAL_BYTES
from .base import NULL, Base, UUIDKey, today
from .sealed import Codec, Sealed

if TYPE_CHECKING:
    from .message import Message
    from .report import Report


class SubmissionStatus(StrEnum):
    """What the family sees on their status page."""

    RECEIVED = "received"
    IN_REVIEW = "in_review"
    NEEDS_INFORMATION = "needs_information"
    RECORDED = "recorded"
    WITHDRAWN = "withdrawn"


class Submission(UUIDKey, Base):
    __tablename__ = "submissions"

    created_on: Mapped[date] = mapped_column(Date, default=today)
    # A withdrawal's tombstone keeps no language, receipt or reply key: these are nullable.
    language: Mapped[str | None] = mapped_column(String(16))

    # Review-side state: written only by the review face and sealed with `state_mac` under its
    # integrity key (services/integrity.py); the public face neither sets nor updates it, except
    # that it may set status to "withdrawn" (the one fail-safe value: it only ever hides data).
    status: Mapped[str] = mapped_column(String(24), server_default=SubmissionStatus.RECEIVED.value, index=True)
    # False until the review face has re-wrapped the data key under its KEK ("taken in").
    in_working_store: Mapped[bool] = mapped_column(Boolean, server_default=false(), index=True)
    # The day the review face finished a withdrawal (deleted every row hanging off it).
    purged_on: Mapped[date | None] = mapped_column(Date, server_default=NULL)
    state_seq: Mapped[int] = mapped_column(Integer, server_default="0")
    state_mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES), server_default=NULL)

    # The receipt (crypto/receipts.py). Current scheme: HMAC of the receipt's selector digits under the
    # pepper (unique: one index lookup finds the row) and a verifier (Argon2id parameters, salt and a
    # tag of the stretched receipt). Legacy receipts, until their next successful use: the selector
    # is empty and a 16-bit bucket (shared by many receipts) narrows the lookup instead. A
    # withdrawal's tombstone keeps none of them.
    receipt_selector: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    receipt_bucket: Mapped[int | None] = mapped_column(Integer, index=True)
    receipt_verifier: Mapped[bytes | None] = mapped_column(LargeBinary(64))
    # The public half of the family's receipt-derived reply key (ML-KEM-768 + X25519, 1216 bytes).
    reply_public_key: Mapped[bytes | None] = mapped_column(LargeBinary)
    # The reply key replies are sealed to: the review face copies `reply_public_key` here at take-in,
    # in a column the public role may not write. The public role must update `reply_public_key` when
    # a legacy receipt moves to the current scheme, so a compromised public face could put its own key
    # there; it cannot here. (A moved family still opens replies sealed to its legacy key: the
    # status page derives both.)
    reply_key_pinned: Mapped[bytes | None] = mapped_column(LargeBinary, server_default=NULL)

    # The family's choices, sealed under the submission's data key at submission and never changed:
    # {"share_research": bool, "contact": bool, "publish_name": bool, "origin": "family"|"migrated"}.
    # Read them only through services.consent.consents.
    consent_sealed: Mapped[bytes | None] = mapped_column("consent", LargeBinary)
    consent = Sealed(Codec.JSON)
    # Choices of rows stored before consent was sealed (a bit mask: 1 share with researchers,
    # 2 contact, 4 publish the name), until `flask integrity seal` or take-in seals them.
    legacy_consent: Mapped[int | None] = mapped_column(Integer, server_default=NULL)

    # The names the family typed, per person, sealed under a key derived from the stretched receipt:
    # the status page shows them to the receipt holder; the public face cannot read them without it.
    family_names: Mapped[bytes | None] = mapped_column(LargeBinary)

    # How the family may be contacted, if they allowed it.
    contact_sealed: Mapped[bytes | None] = mapped_column("contact", LargeBinary)
    contact = Sealed(Codec.TEXT)

    reports: Mapped[list[Report]] = relationship(back_populates="submission", order_by="Report.position")
    messages: Mapped[list[Message]] = relationship(back_populates="submission", order_by="Message.sequence")

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        return ("submissions", self.id)

"""Submission: one visit by one family."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UUIDKey, today
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
    language: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(24), default=SubmissionStatus.RECEIVED.value, index=True)
    # False until the review face has re-wrapped the data key under its KEK ("taken in").
    in_working_store: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # The receipt (crypto/receipts.py). Current scheme: HMAC of the receipt's selector digits under the
    # pepper (unique: one index lookup finds the row) and a verifier (Argon2id parameters, salt and a
    # tag of the stretched receipt). Legacy receipts, until their next successful use: the selector
    # is empty and a 16-bit bucket (shared by many receipts) narrows the lookup instead.
    receipt_selector: Mapped[bytes | None] = mapped_column(LargeBinary(32), unique=True)
    receipt_bucket: Mapped[int | None] = mapped_column(Integer, index=True)
    receipt_verifier: Mapped[bytes] = mapped_column(LargeBinary(64))
    # The public half of the family's receipt-derived reply key (ML-KEM-768 + X25519, 1216 bytes).
    reply_public_key: Mapped[bytes] = mapped_column(LargeBinary)
    consent_share_research: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_contact: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_publish_name: Mapped[bool] = mapped_column(Boolean, default=False)

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

"""Message: between reviewers and a family, or a reviewers' internal note. Always encrypted."""

from __future__ import annotations

import uuid
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Integer, LargeBinary, String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, UUIDKey, today
from .sealed import Codec, Sealed

if TYPE_CHECKING:
    from .submission import Submission


class MessageKind(StrEnum):
    TO_FAMILY = "to_family"
    FROM_FAMILY = "from_family"
    INTERNAL_NOTE = "internal_note"


class Message(UUIDKey, Base):
    __tablename__ = "messages"

    submission_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # Rows the family adds later (follow-ups) get a data key of their own: the public face that
    # writes them cannot unwrap the submission's key. False: sealed under the submission's key.
    own_key: Mapped[bool] = mapped_column(Boolean, default=False)
    report_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    kind: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))  # None: the family
    created_on: Mapped[date] = mapped_column(Date, default=today)
    read_by_family: Mapped[bool] = mapped_column(Boolean, default=False)
    # A reply a reviewer retracted (services/corrections.py): kept, but no longer shown to the family.
    # Set by the review face only (the public role has no UPDATE on it).
    retracted: Mapped[bool] = mapped_column(Boolean, server_default=false())
    # A family's answer names the reviewer's question it answers (shown under it on both faces).
    in_reply_to_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"),
                                                              index=True)

    # The text, for reviewers (under the submission's data key).
    body_sealed: Mapped[bytes | None] = mapped_column("body", LargeBinary)
    body = Sealed(Codec.TEXT)
    # For TO_FAMILY: the same text sealed (HPKE, X25519) to the family's reply key, so the public
    # face can show it to the receipt holder without holding any review key.
    for_family: Mapped[bytes | None] = mapped_column(LargeBinary)

    submission: Mapped[Submission] = relationship(back_populates="messages")

    def dek_owner(self) -> tuple[str, uuid.UUID]:
        return ("messages", self.id) if self.own_key else ("submissions", self.submission_id)

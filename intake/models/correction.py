"""Corrections of reviewers' mistakes, claims of forms already posted, and reviewers' saved views.

A `Retraction` withdraws one note, reply or status event that a reviewer added by mistake,
optionally naming the row that replaces it (a correction). Nothing is deleted or rewritten: the
original row stays as it was, the retraction is a new row, sealed by the review face
(services/integrity.py: RETRACTION), and audited. The public face has no grant on this table.

A `FormClaim` is the one-time token of a rendered review form: the change it carries and the claim
commit together, so a form posted twice (a reload, a double click) is stored once.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, DateTime, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..crypto.integrity import SEAL_BYTES
from .base import Base, UUIDKey, today, utcnow


class Retraction(UUIDKey, Base):
    __tablename__ = "retractions"
    __table_args__ = (UniqueConstraint("object_type", "object_id", name="uq_retractions_object"),)

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    object_type: Mapped[str] = mapped_column(String(16))  # "note", "reply" or "status_event"
    object_id: Mapped[uuid.UUID] = mapped_column()
    replacement_id: Mapped[uuid.UUID | None] = mapped_column()  # the corrected row, if any
    actor_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id"))
    occurred_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    mac: Mapped[bytes | None] = mapped_column(LargeBinary(SEAL_BYTES))


class FormClaim(Base):
    __tablename__ = "form_claims"

    token: Mapped[str] = mapped_column(String(64), primary_key=True)
    claimed_on: Mapped[date] = mapped_column(Date, default=today, index=True)


class SavedView(UUIDKey, Base):
    """An inbox filter a reviewer saved under a name of their own (the query string of its filters:
    statuses, a county, a tag, dates; never a name or an ID number, which the inbox cannot filter by)."""

    __tablename__ = "saved_views"
    __table_args__ = (UniqueConstraint("user_id", "name", name="uq_saved_views_user_name"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(40))
    query: Mapped[str] = mapped_column(String(600))
    created_on: Mapped[date] = mapped_column(Date, default=today)

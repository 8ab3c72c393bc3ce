"""Tags: reviewers' workflow labels on reports ("needs-translation", "urgent").

Tag names are stored in clear so the inbox can filter on them without decrypting anything; the
service accepts only short lower-case slugs and the form warns never to put a name or place in one.
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UUIDKey, today


class Tag(UUIDKey, Base):
    __tablename__ = "tags"

    name: Mapped[str] = mapped_column(String(32), unique=True)
    created_on: Mapped[date] = mapped_column(Date, default=today)


class ReportTag(Base):
    """One tag on one report (the pair is the key, so a tag is on a report at most once)."""

    __tablename__ = "report_tags"

    report_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), primary_key=True)
    tag_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True,
                                              index=True)
    added_by_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id"))
    added_on: Mapped[date] = mapped_column(Date, default=today)

"""What the admin audit page lists: the entries a filter selects, and a readable label for every
id on the page (a report or person by its handle, an account by its username, a tag by its name),
so admins read handles instead of UUIDs. Labels are looked up for the page shown only."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..models import AuditEvent, Person, Report, Tag, User
from ..wording import said
from .errors import InvalidInput


@dataclass(frozen=True)
class AuditFilter:
    actor: str | None = None  # a username, or "system" / "cli"
    action: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    @property
    def active(self) -> bool:
        return any((self.actor, self.action, self.date_from, self.date_to))


def conditions(session: Session, f: AuditFilter) -> list[Any]:
    where: list[Any] = []
    if f.actor:
        name = f.actor.strip().lower()
        if name in ("system", "cli"):
            where.append(AuditEvent.actor == name)
        else:
            user_id = session.scalar(select(User.id).where(func.lower(User.username) == name))
            if user_id is None:
                raise InvalidInput(said("no account has that username"))
            where.append(AuditEvent.actor == str(user_id))
    if f.action:
        where.append(AuditEvent.action == f.action.strip())
    if f.date_from:
        where.append(AuditEvent.occurred_at >= datetime.combine(f.date_from, time.min))
    if f.date_to and f.date_to < date.max:  # the last date there is bounds nothing (and has no next day)
        where.append(AuditEvent.occurred_at < datetime.combine(f.date_to + timedelta(days=1), time.min))
    return where


def actions(session: Session) -> list[str]:
    """The actions the log holds (for the filter's choices)."""
    return list(session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))


def _uuid(value: Any) -> uuid.UUID | None:
    if not isinstance(value, str) or len(value) not in (32, 36):
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def labels(session: Session, entries: Iterable[AuditEvent]) -> dict[str, str]:
    """id (as the log holds it, text) -> a handle, username or tag name, for every id on the page."""
    ids: set[uuid.UUID] = set()
    for e in entries:
        for value in (e.actor, e.object_id, *(e.details or {}).values()):
            if (found := _uuid(value)) is not None:
                ids.add(found)
    if not ids:
        return {}
    out: dict[str, str] = {}
    for model, column in ((Report, Report.handle), (Person, Person.handle), (User, User.username),
                          (Tag, Tag.name)):
        for rid, label in session.execute(select(model.id, column).where(model.id.in_(ids))).all():
            out[str(rid)] = label if model is not Tag else f"tag {label}"
    return out

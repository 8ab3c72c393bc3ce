"""Reviewers' own saved inbox views: a name and the query string of the inbox's filters."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..models import SavedView
from ..wording import said
from .errors import Conflict, InvalidInput, NotFound

MAX_VIEWS = 30


def views_of(session: Session, user_id: uuid.UUID) -> list[Any]:
    """A reviewer's views as rows of (id, name, query): plain values, still readable after the
    transaction they were read in commits (the inbox reads them before its audit entry commits)."""
    return list(session.execute(_VIEWS_OF, {"user_id": user_id}))


_VIEWS_OF = (select(SavedView.id, SavedView.name, SavedView.query)
             .where(SavedView.user_id == bindparam("user_id")).order_by(SavedView.name))


def save(session: Session, user_id: uuid.UUID, name: str, filters: dict[str, str]) -> SavedView:
    """Save the current filters (already reduced to the inbox's own keys) under `name`. Commits."""
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= 40:
        raise InvalidInput(said("a saved view needs a name of 1 to 40 characters"))
    if not filters:
        raise InvalidInput(said("choose some filters first: the whole inbox needs no saved view"))
    query = urlencode(sorted(filters.items()))
    if len(query) > 600:
        raise InvalidInput(said("these filters are too long to save"))
    if len(views_of(session, user_id)) >= MAX_VIEWS:
        raise InvalidInput(said("at most %(num)s saved views: delete one first", num=MAX_VIEWS))
    view = SavedView(user_id=user_id, name=name, query=query)
    session.add(view)
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(said("you already have a saved view of that name")) from None
    return view


def delete(session: Session, user_id: uuid.UUID, view_id: uuid.UUID) -> None:
    view = session.get(SavedView, view_id)
    if view is None or view.user_id != user_id:  # someone else's view is as good as none
        raise NotFound(said("no such saved view"))
    session.delete(view)
    session.commit()

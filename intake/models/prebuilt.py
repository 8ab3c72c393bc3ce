"""Statements built once per SQL dialect, their lists of ids given at execution as one parameter.

Every review page asks a few "these N ids" questions (data keys, audit anchors, link events). Built
anew per request with `in_(list)`, each cost more CPU than the database's answer: building the
statement, and at execution expanding N bound parameters and adapting each. Built once, with the
list as one parameter: on PostgreSQL `= ANY(array)` (one parameter, whatever N), elsewhere an
expanding IN (SQLite has no arrays). The built statement keeps its cache key, so SQLAlchemy's
compiled cache is found without walking it again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import any_, bindparam
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

Among = Callable[[Any, str], Any]  # (column, parameter name) -> "column is one of the list"


def _among(dialect: str) -> Among:
    if dialect == "postgresql":
        return lambda column, name: column == any_(bindparam(name, type_=ARRAY(column.type)))
    return lambda column, name: column.in_(bindparam(name, expanding=True))


class Prebuilt:
    """`build(among)` -> a statement, made on first use for each dialect. Call with a session."""

    def __init__(self, build: Callable[[Among], Any]) -> None:
        self._build = build
        self._built: dict[str, Any] = {}

    def __call__(self, session: Session) -> Any:
        dialect = session.get_bind().dialect.name
        found = self._built.get(dialect)
        if found is None:
            found = self._built[dialect] = self._build(_among(dialect))
        return found

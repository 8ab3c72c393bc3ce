"""One row held for a decision until the transaction ends, on both databases.

PostgreSQL holds a row read with SELECT ... FOR UPDATE. SQLite ignores row locks and has one writer
at a time: there a no-op UPDATE of the row first takes that one write lock, held until the commit
or rollback. Without it two requests on SQLite could both read the row before either wrote, and
both decide (a withdrawal between a take-in's read and its write; a pair accepted and rejected; an
export approved twice).
"""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute, Session


def hold_for_write(session: Session, column: InstrumentedAttribute, row_id: uuid.UUID) -> None:
    """On SQLite, write `column` of the row `row_id` with its own value (the row need not exist).
    Call it before reading the row FOR UPDATE, which is the lock on PostgreSQL (nothing written there)."""
    if session.get_bind().dialect.name != "sqlite":
        return
    entity = column.class_
    session.execute(update(entity).where(entity.id == row_id).values({column.key: column})
                    .execution_options(synchronize_session=False))

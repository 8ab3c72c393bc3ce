"""PostgreSQL connections that keep their prepared statements across a rollback.

psycopg prepares a statement on a connection at its fifth use, and PostgreSQL then keeps a generic
plan of it: each page's statements are parsed and planned once per connection, not on every request.
But psycopg forgets every prepared statement (DEALLOCATE ALL) whenever a transaction is rolled back,
in case the rollback undid DDL a statement depended on, and SQLAlchemy ends every request that did
not commit with a rollback: the front page, any page that only reads. With such pages among the
others, a connection's statements hardly ever reached their fifth use, and every page was planned
anew (1-2 ms of the server's time for an inbox page, more for a county's).

Requests never run DDL (the schema changes only through migrations, in a process of their own), and
a prepared statement is not transactional: one prepared inside the rolled-back transaction still
exists after it, as psycopg's own record of it says. So a rollback here only rolls back.

A connection whose server ended the session is given up (`is_lost`) even when the error reached the
client before the closed socket did: psycopg then still reports the connection open, with a command
in flight that no rollback can follow.
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import Engine

_IN_TRANSACTION = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)
_NO_KNOWN_STATE = (pq.TransactionStatus.ACTIVE, pq.TransactionStatus.UNKNOWN)
_SESSION_ENDED = ("08", "57P")  # SQLSTATE classes: connection exception; the server ended the session


def is_lost(connection: psycopg.Connection, exc: BaseException) -> bool:  # type: ignore[type-arg]
    """Whether a connection that raised `exc` can no longer serve: closed, in no state a rollback
    can follow, or told by its server that the session is over (shutdown, terminated backend)."""
    if connection.closed or connection.pgconn.transaction_status in _NO_KNOWN_STATE:
        return True
    return str(getattr(exc, "sqlstate", None) or "").startswith(_SESSION_ENDED)


class KeepsPrepared(psycopg.Connection):  # type: ignore[type-arg]
    """The engine's connections (SQLAlchemy drives them: no psycopg transaction blocks, no pipelines)."""

    def rollback(self) -> None:
        """ROLLBACK, sent as psycopg's own rollback sends it, without DEALLOCATE ALL after it."""
        if self.pgconn.transaction_status == pq.TransactionStatus.ACTIVE:  # results no one will read
            raise psycopg.OperationalError("rollback refused: the connection has a command in flight")
        if self.pgconn.transaction_status not in _IN_TRANSACTION:
            super().rollback()  # idle (nothing to do), or closed: psycopg handles those itself
            return
        with self.lock:
            result = self.pgconn.exec_(b"ROLLBACK")
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.OperationalError(f"rollback failed: {result.error_message.decode(errors='replace')}")


@event.listens_for(Engine, "handle_error")
def _given_up(context: Any) -> None:
    # SQLAlchemy's own test reads only a closed connection as lost; a lost one is not pooled again.
    cursor = getattr(context.execution_context, "cursor", None)  # a statement's error: its cursor's
    driver = getattr(cursor, "connection", None)
    if isinstance(driver, psycopg.Connection) and is_lost(driver, context.original_exception):
        context.is_disconnect = True


@event.listens_for(Engine, "do_connect")
def _connect(dialect: Any, connection_record: Any, cargs: Any, cparams: Any) -> Any:
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return KeepsPrepared.connect(*cargs, **cparams)
    return None  # any other database or driver: the dialect connects as usual

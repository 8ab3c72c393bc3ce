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
"""

from __future__ import annotations

from typing import Any

import psycopg
from psycopg import pq
from sqlalchemy import event
from sqlalchemy.engine import Engine

_IN_TRANSACTION = (pq.TransactionStatus.INTRANS, pq.TransactionStatus.INERROR)


class KeepsPrepared(psycopg.Connection):  # type: ignore[type-arg]
    """The engine's connections (SQLAlchemy drives them: no psycopg transaction blocks, no pipelines)."""

    def rollback(self) -> None:
        """ROLLBACK, sent as psycopg's own rollback sends it, without DEALLOCATE ALL after it."""
        if self.pgconn.transaction_status not in _IN_TRANSACTION:
            super().rollback()  # idle (nothing to do), or a state psycopg handles itself
            return
        with self.lock:
            result = self.pgconn.exec_(b"ROLLBACK")
        if result.status != pq.ExecStatus.COMMAND_OK:
            raise psycopg.OperationalError(f"rollback failed: {result.error_message.decode(errors='replace')}")


@event.listens_for(Engine, "do_connect")
def _connect(dialect: Any, connection_record: Any, cargs: Any, cparams: Any) -> Any:
    if dialect.name == "postgresql" and dialect.driver == "psycopg":
        return KeepsPrepared.connect(*cargs, **cparams)
    return None  # any other database or driver: the dialect connects as usual

"""Many new rows into one table in one go: COPY on PostgreSQL, an executemany INSERT elsewhere.

psycopg's executemany converts every row's parameters in Python (about half the time a
deduplication run spends storing its queued pairs); COPY streams the same rows through its C
writer. The rows are complete (ids, seals) before they come here; nothing is returned.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session


def insert_rows(session: Session, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table`, in the session's transaction."""
    if not rows:
        return
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        session.execute(insert(table), list(rows))
        return
    names = list(rows[0])
    unknown = set(names) - set(table.c.keys())
    if unknown:  # never let a key reach the statement unchecked
        raise ValueError(f"not columns of {table.name}: {sorted(unknown)}")
    quote = connection.dialect.identifier_preparer.quote
    statement = f"COPY {quote(table.name)} ({', '.join(quote(n) for n in names)}) FROM STDIN"
    with connection.connection.driver_connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([row[n] for n in names])

"""Whole-store reads on PostgreSQL in the table's physical order, in one snapshot (services/bulk.py).

Report ids are random, so reading a store by id ranges visits the `reports` heap, and with it the
submissions and data keys that were written beside each report, in random order: once a store
outgrows the server's buffers, nearly every row costs a page read of its own. A whole-store job on
PostgreSQL therefore reads the reports a run of heap blocks at a time (a TID range scan, PostgreSQL
14 and later): each page is read once, for every report on it, and the submissions and keys written
with those reports sit together too.

Physical positions move when a row is updated, so every batch of a job reads one snapshot: the job
opens a REPEATABLE READ transaction, exports its snapshot (`pg_export_snapshot`) and holds it, and
the ACCESS SHARE lock on `reports`, until the last batch is read; each worker's batch starts with
`SET TRANSACTION SNAPSHOT`. A row version visible in that snapshot stays where it is (nothing can
remove it while the snapshot is held, and the lock keeps VACUUM FULL and CLUSTER out), so every
report is read exactly once, as it was when the job began. Reports added or changed while the job
runs are the next job's. A withdrawal finished while it runs is one finished just after it began:
export builds check for those at the end (services/exports.py) and deduplication's pairs of a
withdrawn report are deleted with it.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Engine, Select, text
from sqlalchemy.orm import Session

from ..models import Report

_LAST_BLOCK = "(4294967295,0)"  # beyond any block: the last run is open-ended
_SNAPSHOT_ID = re.compile(r"[0-9A-F]+-[0-9A-F]+(-[0-9]+)?")


def usable(session: Session) -> bool:
    """Whether this database reads by block ranges (PostgreSQL 14 and later: TID range scans)."""
    bind = session.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    if bind.dialect.server_version_info is None and isinstance(bind, Engine):
        with bind.connect():  # the dialect learns the server's version on its first connection
            pass
    return (bind.dialect.server_version_info or (0,)) >= (14,)


def begin_job(session: Session) -> str:
    """Start the job's transaction in `session` (before anything else runs in it): REPEATABLE READ,
    `reports` locked against rewrites, the snapshot exported for the workers. Returns its id."""
    connection = session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    # Had the session already begun, the isolation level would be ignored (with a warning only)
    # and each batch would see the rows of its own moment: refuse instead.
    if connection.execute(text("SHOW transaction_isolation")).scalar_one() != "repeatable read":
        raise RuntimeError("a whole-store read must begin its session's transaction")
    connection.execute(text(f"LOCK TABLE {Report.__tablename__} IN ACCESS SHARE MODE"))
    return str(connection.execute(text("SELECT pg_export_snapshot()")).scalar_one())


def join_job(session: Session, snapshot: str) -> None:
    """Start a worker's transaction in `session` in the job's snapshot (before anything else runs)."""
    if not _SNAPSHOT_ID.fullmatch(snapshot):
        raise ValueError("not a snapshot id")
    connection = session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    connection.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")


def block_ranges(session: Session, *, batch: int) -> list[tuple[str, str]]:
    """Runs of heap blocks of about `batch` reports each, as (first, end) TIDs, `end` excluded; the
    last run open-ended. From the table's size and the planner's row estimate (counted when the
    table was never analysed): batches are about, not exactly, `batch` reports."""
    connection = session.connection()
    pages, estimate = connection.execute(text(
        "SELECT pg_relation_size(c.oid) / current_setting('block_size')::bigint, c.reltuples "
        "FROM pg_class c WHERE c.oid = CAST(:table AS regclass)"), {"table": Report.__tablename__}).one()
    rows = estimate if estimate and estimate > 0 else connection.execute(
        text(f"SELECT count(*) FROM {Report.__tablename__}")).scalar_one()
    if not pages or not rows:
        return [("(0,0)", _LAST_BLOCK)]
    step = max(1, int(batch * pages / rows))
    starts = list(range(0, int(pages), step))
    ends = [f"({start},0)" for start in starts[1:]] + [_LAST_BLOCK]
    return [(f"({start},0)", end) for start, end in zip(starts, ends, strict=True)]


def statement(query: Select[Any]) -> Select[Any]:
    """`query` (the bulk read of services/bulk.py) limited to one run of blocks, bound as "first"
    and "end". No ORDER BY: the rows come in the order they lie in the table."""
    return query.where(text(f"{Report.__tablename__}.ctid >= CAST(:first AS tid)"),
                       text(f"{Report.__tablename__}.ctid < CAST(:end AS tid)"))

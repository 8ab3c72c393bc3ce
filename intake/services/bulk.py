"""The one streaming bulk-decryption path for whole-store jobs (deduplication, exports, statistics,
re-indexing).

Interface (stable; other modules build on it):

    iter_reports(session, vault, *, batch=2000, report_ids=None, include_withdrawn=False,
                 fields=None) -> Iterator[list[PlainReport]]
    map_reports(session_factory, vault, fn, *, workers=1, batch=2000, report_ids=None,
                include_withdrawn=False, fields=None) -> Iterator[result of fn(list[PlainReport])]

How: one Core select per batch of the ciphertexts, the sealed
review-side state and the submission's consent and working-store wrap, joined; no ORM object is
ever loaded, so no plaintext lands on one. A batch's rows become `PlainReport`s in
`bulk_batch.py`: the data keys unwrapped together (one AES object per KEK), one AES object per
record opens its fields, rows read by position. The review-side state comes from
`integrity_states.states_of_rows` (the same checks as `report_states`: the seals, the sealed link
history, and the audit log's anchors, read once per job): `status`, `verification` and
`person_id` are set only when `state_ok`, otherwise `state_problem` says why. Consent is the
family's sealed copy, interpreted by `consent.interpret` as `consent.consents` does. Plaintext lives in the
returned `PlainReport`s only, for as long as the caller keeps them: no cache outlives a batch,
nothing is logged but counts and ids, nothing is written anywhere (`map_reports` passes batches
and results between processes through pipes, in memory).

A report that cannot be decrypted (withdrawn and shredded, not yet taken in, a damaged or moved
ciphertext) comes back with `readable` False, every sealed field None and `problem` saying why in
words without values; a job counts and skips it instead of stopping. Withdrawn submissions are
left out unless `include_withdrawn`.

Batches: `iter_reports` pages by report id; `map_reports` over the whole store reads, on
PostgreSQL, runs of heap blocks in one exported snapshot (`bulk_blocks.py`: each page read once,
every batch of every worker in the same snapshot), elsewhere by id ranges; its batches then come
in the table's order, not the ids', and hold about, not exactly, `batch` reports.

`fields` limits decryption to some sealed fields (the others are None, `names` empty):
deduplication needs no testimony. `map_reports` with `workers=2` forks worker processes that each open their own
database connection from `session_factory` (a callable returning a new Session, such as
`sessionmaker(db.engine)`), read their batches through `iter_reports` and return `fn`'s result;
from a process with other threads running (DuckDB's, after a matcher job) it reads in the calling
process instead (`forking_is_safe`), since a forked child can hang on a lock such a thread held.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from operator import itemgetter
from typing import Any, TypeVar

from sqlalchemy import LargeBinary, Select, and_, bindparam, case, func, null, or_, select, type_coerce
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..forking import forking_is_safe, thread_count
from ..models import RecordKey, Report, Submission, SubmissionStatus
from ..models.pg_connection import is_lost
from . import bulk_blocks, integrity, integrity_states, packed_fields
from .bulk_batch import ALL_FIELDS, TEXT_FIELDS, PlainReport, decrypt_batch

__all__ = ["ALL_FIELDS", "TEXT_FIELDS", "PlainReport", "collector_paused", "id_ranges", "iter_reports",
           "map_reports"]

R = TypeVar("R")
log = logging.getLogger(__name__)


# ---------- reading ----------

def _columns(wanted: Collection[str]) -> list[Any]:
    # A report with a packed copy of the current layout comes as that one ciphertext, its field
    # columns as NULL (the server neither sends nor the client loads them); any other report comes
    # as its fields (services/packed_fields.py).
    current = Report.packed_version == packed_fields.PACKED_VERSION
    sealed = [type_coerce(case((current, null()), else_=getattr(Report, f"{name}_sealed")), LargeBinary).label(name)
              for name in wanted]
    packed = type_coerce(case((current, Report.packed_sealed), else_=null()), LargeBinary).label("packed")
    return [*integrity_states.state_columns(), Report.created_on, *sealed, packed,
            Submission.consent_sealed.label("consent_blob"), Submission.legacy_consent,
            RecordKey.dek_id.label("wrap_dek_id"), RecordKey.wrapped.label("wrap")]


def _query(wanted: Collection[str], include_withdrawn: bool) -> Select[Any]:
    """One row per report and working-store wrap: ciphertexts, state, consent and the wrapped key."""
    query = select(*_columns(wanted)).join(Submission, Submission.id == Report.submission_id).outerjoin(
        RecordKey, and_(RecordKey.owner_table == "submissions", RecordKey.owner_id == Report.submission_id,
                        RecordKey.holder == "kek"))
    if not include_withdrawn:
        # The plain column: "withdrawn" only ever hides data, so it is honoured from anyone.
        query = query.where(Submission.status != SubmissionStatus.WITHDRAWN.value)
    return query


# The batch statements of whole-store jobs, built once per shape with the ids bound at execution:
# building and compiling a select of some forty columns cost about a millisecond a batch.
@lru_cache(maxsize=64)
def _pages(wanted: tuple[str, ...], include_withdrawn: bool, batch: int) -> tuple[Select[Any], Select[Any]]:
    page = _query(wanted, include_withdrawn).order_by(Report.id).limit(batch)
    return page, page.where(Report.id > bindparam("after_id", type_=Report.id.type))


@lru_cache(maxsize=64)
def _blocks(wanted: tuple[str, ...], include_withdrawn: bool) -> Select[Any]:
    return bulk_blocks.statement(_query(wanted, include_withdrawn))


@lru_cache(maxsize=64)
def _range(wanted: tuple[str, ...], include_withdrawn: bool) -> Select[Any]:
    return _query(wanted, include_withdrawn).where(
        Report.id >= bindparam("first_id", type_=Report.id.type),
        Report.id <= bindparam("last_id", type_=Report.id.type)).order_by(Report.id)


def _wanted(fields: Iterable[str] | None) -> tuple[str, ...]:
    if fields is None:
        return ALL_FIELDS
    wanted = tuple(dict.fromkeys(fields))
    unknown = set(wanted) - set(ALL_FIELDS)
    if unknown:
        raise ValueError(f"not sealed report fields: {sorted(unknown)}")
    return wanted


def id_ranges(session: Session, *, batch: int = 2000,
              include_withdrawn: bool = False) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """(first, last) report ids of each run of `batch` reports in id order, inclusive. Only the
    ends travel from the database: reading a million ids to cut them into runs cost the parent of
    two workers about ten seconds of CPU, while the workers needed the cores."""
    numbered = select(Report.id, func.row_number().over(order_by=Report.id).label("n"))
    if not include_withdrawn:
        numbered = numbered.join(Submission, Submission.id == Report.submission_id).where(
            Submission.status != SubmissionStatus.WITHDRAWN.value)
    ranked = numbered.subquery()
    ends = session.connection().execute(select(ranked.c.id, ranked.c.n).where(
        or_((ranked.c.n - 1) % batch == 0, ranked.c.n % batch == 0)).order_by(ranked.c.n)).all()
    if not ends:
        return []
    firsts = [row[0] for row in ends if (row[1] - 1) % batch == 0]
    lasts = [row[0] for row in ends if row[1] % batch == 0]
    if len(lasts) < len(firsts):  # the last run is shorter than `batch`: it ends at the last id
        query = select(Report.id).order_by(Report.id.desc()).limit(1)  # PostgreSQL has no max(uuid)
        if not include_withdrawn:
            query = query.join(Submission, Submission.id == Report.submission_id).where(
                Submission.status != SubmissionStatus.WITHDRAWN.value)
        lasts.append(session.scalar(query))
    return list(zip(firsts, lasts, strict=True))


def iter_reports(session: Session, vault: Vault, *, batch: int = 2000, report_ids: Iterable[uuid.UUID] | None = None,
                 include_withdrawn: bool = False, fields: Iterable[str] | None = None) -> Iterator[list[PlainReport]]:
    """Every report (or those of `report_ids`, in that order), decrypted a batch at a time."""
    vault.require_readable()
    wanted = _wanted(fields)
    base = _query(wanted, include_withdrawn)
    # The whole store's anchors pay off for whole-store jobs only: a few reports (a new report's
    # candidates at take-in) read their own (None: per batch, in states_of_rows).
    anchors = _anchors(session, vault) if report_ids is None else None
    if report_ids is not None:
        for ids in integrity.chunks(dict.fromkeys(report_ids), batch):
            rows = _rows(session, base.where(Report.id.in_(ids)))
            order = {rid: n for n, rid in enumerate(ids)}
            if rows:
                with collector_paused():
                    plain = decrypt_batch(session, vault, sorted(rows, key=lambda r: order[r.id]), wanted, anchors)
                yield plain
        return
    last: uuid.UUID | None = None
    first_page, next_page = _pages(wanted, include_withdrawn, batch)
    while True:
        rows = (_rows(session, first_page, reused=True) if last is None
                else _rows(session, next_page, {"after_id": last}, reused=True))
        if not rows:
            return
        with collector_paused():
            plain = decrypt_batch(session, vault, rows, wanted, anchors, contiguous=True)
        yield plain
        last = rows[-1].id


def _rows(session: Session, query: Select[Any], params: dict[str, Any] | None = None, *,
          reused: bool = False) -> list[Any]:
    # On the session's connection, in its transaction, but past the ORM's result handling: these are
    # Core rows, and the ORM's wrapping of each cost more than a tenth of a bulk read.
    connection = session.connection()
    if connection.dialect.name != "postgresql":
        return connection.execute(query, params or {}).all()
    # PostgreSQL: straight through psycopg with results in binary format. The wide bytea columns
    # then travel as bytes, not hex text that the server encodes and the client decodes (about 8 %
    # of an export's read, client and server together). Every column here is of a type that psycopg
    # loads as SQLAlchemy would give it (uuid, bytea, text, date, integer, boolean).
    statement, bound = _compiled(connection.dialect, query, reused)
    if params:
        bound = {**bound, **params}
    driver = connection.connection.driver_connection
    try:
        with driver.cursor(binary=True, row_factory=_row_maker) as cursor:
            cursor.execute(_PIN_PLAN)
            previous = cursor.fetchone()
            cursor.execute(statement, bound, prepare=False)
            rows = cursor.fetchall()
            cursor.execute(_RESTORE_PLAN, previous[0::2])
            return rows
    except driver.Error as exc:  # as SQLAlchemy's own error, as the callers' handlers expect
        lost = is_lost(driver, exc)
        if lost:  # as SQLAlchemy does: the connection is not handed out again
            connection.invalidate(exc)
        raise DBAPIError.instance(statement, None, exc, type(driver).Error, connection_invalidated=lost) from exc


_STATEMENTS: dict[tuple[Any, Select[Any]], tuple[str, dict[str, Any]]] = {}  # SQL and constants


def _compiled(dialect: Any, query: Select[Any], reused: bool) -> tuple[str, dict[str, Any]]:
    """The statement's SQL and constant parameters: once per process for a statement that is
    `reused` (`_pages`, `_range`: the same object every batch, its ids bound at execution), each
    time for a list of ids (expanded into the SQL)."""
    hit = _STATEMENTS.get((dialect, query)) if reused else None
    if hit is None:
        compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        hit = (str(compiled), dict(compiled.params))
        if reused:
            _STATEMENTS[(dialect, query)] = hit
    return hit


# A batch is at most `batch` reports by primary key, each joined to one submission and one wrap by
# unique keys: index lookups per row are the right plan at any store size. Left to itself the
# planner (on estimates from a range of random UUIDs) hashed the whole submissions and record_keys
# tables for every batch, in parallel workers whose wide rows then went through a Gather Merge:
# O(store) per batch, 122 ms of a 2,000-report batch at 100,000 reports against 28 ms by index.
# The settings are local to the transaction and put back after the batch, for whatever the caller
# runs next in it. Nor is the statement prepared (prepare=False): psycopg prepares what a connection
# runs five times, and PostgreSQL then settles on one generic plan for any range of ids, which read
# the whole tables again (fetching cost 113 against 37 us per report at 100,000 reports).
_PLAN_SETTINGS = (("enable_hashjoin", "off"), ("enable_mergejoin", "off"), ("max_parallel_workers_per_gather", "0"))
_PIN_PLAN = "SELECT " + ", ".join(f"current_setting('{name}'), set_config('{name}', '{value}', true)"
                                  for name, value in _PLAN_SETTINGS)
_RESTORE_PLAN = "SELECT " + ", ".join(f"set_config('{name}', %s, true)" for name, _ in _PLAN_SETTINGS)


def _row_maker(cursor: Any) -> Callable[[Any], tuple[Any, ...]]:
    """Rows as tuples that also answer `row._fields` and `row.name` as SQLAlchemy's rows do (the
    first column of a repeated name, as SQLAlchemy's attribute access gives)."""
    return _row_class(tuple(column.name for column in cursor.description or ()))


@lru_cache(maxsize=64)
def _row_class(names: tuple[str, ...]) -> type[tuple[Any, ...]]:
    attributes: dict[str, Any] = {"__slots__": (), "_fields": names}
    for position, name in enumerate(names):
        attributes.setdefault(name, property(itemgetter(position)))
    return type("BulkRow", (tuple,), attributes)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused (reference counting still frees everything that is
    not in a cycle). Decrypting a batch makes tens of thousands of objects, none in a cycle, and
    the collector's passes over them and over everything else the process holds cost about a
    third of a whole-store job's CPU. For code that makes no reference cycles in bulk."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _anchors(session: Session, vault: Vault) -> integrity_states.Anchors | None:
    """The audit log's state anchors for the whole store, read once per job (None: keys lacking)."""
    return integrity_states.all_audited_states(session, vault) if vault.integrity_keys else None


# ---------- in parallel ----------

_job: dict[str, Any] = {}  # what forked workers inherit: set by map_reports just before forking


def map_reports(session_factory: Callable[[], Session], vault: Vault, fn: Callable[[list[PlainReport]], R], *,
                workers: int = 1, batch: int = 2000, report_ids: Iterable[uuid.UUID] | None = None,
                include_withdrawn: bool = False, fields: Iterable[str] | None = None) -> Iterator[R]:
    """`fn(batch)` for every batch, in batch order; with workers > 1 in forked processes, each with
    its own database connection. The whole store on PostgreSQL: runs of heap blocks in one snapshot
    (bulk_blocks.py); otherwise the batches of `iter_reports`. Nothing is written to disk."""
    vault.require_readable()
    wanted = _wanted(fields)
    options = {"batch": batch, "include_withdrawn": include_withdrawn, "fields": wanted}
    if workers > 1 and not forking_is_safe():
        # Forking a process with other threads running (DuckDB's, after a matcher job in this
        # process; a threaded server's) can leave the children waiting forever on a lock a thread
        # held at the fork: decrypt here instead, slower but never stuck.
        log.warning("bulk read: %d threads running in this process, reading in one process instead of %d",
                    thread_count(), workers)
        workers = 1
    if report_ids is None:
        with session_factory() as session:
            if bulk_blocks.usable(session):
                yield from _map_blocks(session, session_factory, vault, fn, workers, options)
                return
    if workers <= 1:
        with session_factory() as session:
            for plain in iter_reports(session, vault, report_ids=report_ids, **options):
                yield fn(plain)
        return
    with session_factory() as session:
        batches: list[Any] = (
            [("ids", ids) for ids in integrity.chunks(dict.fromkeys(report_ids), batch)] if report_ids is not None
            else [("range", first, last) for first, last in id_ranges(session, batch=batch,
                                                                      include_withdrawn=include_withdrawn)])
        anchors = _anchors(session, vault)
    yield from _in_workers(session_factory, vault, fn, workers, batches, options, anchors, None)


def _map_blocks(session: Session, session_factory: Callable[[], Session], vault: Vault,
                fn: Callable[[list[PlainReport]], R], workers: int, options: dict[str, Any]) -> Iterator[R]:
    """The whole store on PostgreSQL: runs of heap blocks in one exported snapshot, which this
    session's transaction holds until the last batch is read (services/bulk_blocks.py)."""
    snapshot = bulk_blocks.begin_job(session)
    ranges = bulk_blocks.block_ranges(session, batch=options["batch"])
    anchors = _anchors(session, vault)
    if workers > 1:
        yield from _in_workers(session_factory, vault, fn, workers,
                               [("blocks", first, end) for first, end in ranges], options, anchors, snapshot)
        return
    for first, end in ranges:
        with collector_paused():
            plain = _read_blocks(session, vault, options, anchors, first, end)
        if plain:  # a run of blocks may hold no report of the job
            yield fn(plain)


def _read_blocks(session: Session, vault: Vault, options: dict[str, Any], anchors: integrity_states.Anchors | None,
                 first: str, end: str) -> list[PlainReport]:
    """One run of blocks, decrypted (in the job's snapshot: the caller's transaction is in it)."""
    wanted = options["fields"]
    rows = _rows(session, _blocks(wanted, options["include_withdrawn"]), {"first": first, "end": end}, reused=True)
    return decrypt_batch(session, vault, rows, wanted, anchors) if rows else []


def _in_workers(session_factory: Callable[[], Session], vault: Vault, fn: Callable[[list[PlainReport]], R],
                workers: int, batches: list[Any], options: dict[str, Any], anchors: integrity_states.Anchors | None,
                snapshot: str | None) -> Iterator[R]:
    if not batches:
        return
    _job.update(factory=session_factory, vault=vault, fn=fn, options=options, anchors=anchors, snapshot=snapshot)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(batches)), initializer=_start_worker) as pool:
            for read, result in pool.imap(_run_batch, batches):
                if read:
                    yield result
    finally:
        _job.clear()


def _start_worker() -> None:
    # No cyclic garbage collection in a worker: it walked the heap inherited from the parent and
    # each batch's objects again and again (a third of a worker's CPU). A batch's objects make no
    # reference cycles and are freed by reference counting; the worker ends with the job.
    gc.disable()
    session = _job["factory"]()
    # The parent's pooled connections were copied by fork: leave them to the parent.
    session.get_bind().dispose(close=False)
    _job["session"] = session


def _run_batch(task: tuple[Any, ...]) -> tuple[bool, Any]:
    """(whether the batch held a report, fn's result)."""
    session: Session = _job["session"]
    vault, options = _job["vault"], _job["options"]
    wanted, include_withdrawn, anchors = options["fields"], options["include_withdrawn"], _job["anchors"]
    try:
        if task[0] == "ids":
            plain = [r for part in iter_reports(session, vault, report_ids=task[1], **options) for r in part]
        elif task[0] == "blocks":
            vault.require_readable()
            bulk_blocks.join_job(session, _job["snapshot"])
            plain = _read_blocks(session, vault, options, anchors, task[1], task[2])
            if not plain:
                return False, None
        else:
            vault.require_readable()
            rows = _rows(session, _range(wanted, include_withdrawn), {"first_id": task[1], "last_id": task[2]},
                         reused=True)
            plain = decrypt_batch(session, vault, rows, wanted, anchors, contiguous=True)
        return True, _job["fn"](plain)
    finally:
        session.rollback()  # end the read transaction; nothing is cached past a batch

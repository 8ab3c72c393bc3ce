"""The one streaming bulk-decryption path for whole-store jobs (deduplication, exports, statistics,
re-indexing).

Interface (stable; other modules build on it):

    iter_reports(session, vault, *, batch=2000, report_ids=None, include_withdrawn=False,
                 fields=None) -> Iterator[list[PlainReport]]
    map_reports(session_factory, vault, fn, *, workers=1, batch=2000, report_ids=None,
                include_withdrawn=False, fields=None) -> Iterator[result of fn(list[PlainReport])]

How: one Core select per batch (keyset paging by report id) of the ciphertexts, the sealed
review-side state and the submission's consent and working-store wrap, joined; no ORM object is
ever loaded, so no plaintext lands on one. The batch's data keys are unwrapped together (one AES
object per KEK), one AES object per record opens its fields. The review-side state comes from
`integrity.states_of_rows` (the same checks as `report_states`: the seals, the sealed link
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

`fields` limits decryption to some sealed fields (the others are None, `names` empty):
deduplication needs no testimony. `map_reports` with `workers=2` forks worker processes that each open their own
database connection from `session_factory` (a callable returning a new Session, such as
`sessionmaker(db.engine)`), read their batches through `iter_reports` and return `fn`'s result;
from a process with other threads running (DuckDB's, after a matcher job) it reads in the calling
process instead (`forking_is_safe`), since a forked child can hang on a lock such a thread held.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import sys
import threading
import uuid
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, TypeVar

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Select, and_, select
from sqlalchemy.orm import Session

from ..crypto import fields as field_crypto
from ..crypto import wraps
from ..crypto.errors import CryptoError, DecryptionError, UnknownKeyError
from ..crypto.vault import Vault
from ..models import RecordKey, Report, Submission, SubmissionStatus
from ..models.report import SEALED_REPORT_FIELDS
from . import consent as consent_service
from . import integrity
from .consent import Consent

R = TypeVar("R")
log = logging.getLogger(__name__)
TEXT_FIELDS = tuple(f for f in SEALED_REPORT_FIELDS if f != "names") + ("reported_status",)
ALL_FIELDS = ("names", *TEXT_FIELDS)


@dataclass(frozen=True, slots=True, repr=False)
class PlainReport:
    """One report, decrypted, with its verified review state. Never store it; never log it (its
    repr names the id and flags only, so a traceback or a failed assertion shows no value)."""

    id: uuid.UUID
    submission_id: uuid.UUID
    handle: str
    created_on: date
    # ---- decrypted sealed fields (None: empty, not requested, or not readable) ----
    names: tuple[dict[str, Any], ...]  # [{"value", "script", "kind"?}], as the family gave them
    gender: str | None
    birth_date: str | None  # ISO prefix: "1984", "1984-06", "1984-06-17"
    ethnicity: str | None
    home_county: str | None  # GB/T 2260 code, or free text
    home_place_text: str | None
    id_number: str | None
    occupation: str | None
    detention_date: str | None
    detention_place: str | None
    facility: str | None
    facility_type: str | None
    sentence: str | None
    last_contact: str | None
    submitter_relationship: str | None
    testimony: str | None
    reported_status: str | None  # the situation the family gave (the verified one is `status`)
    # ---- verified review state (integrity.report_states): values only when state_ok ----
    state_ok: bool
    state_problem: str | None  # verdict and reason when not state_ok
    status: str | None
    verification: str | None
    person_id: uuid.UUID | None
    submission_status: str | None
    # ---- the submission: the family's sealed consent, withdrawal ----
    consent: Consent
    withdrawn: bool
    readable: bool  # the sealed fields decrypted
    problem: str | None = None  # why not readable (ids and reasons, never a value)

    def __repr__(self) -> str:
        return (f"PlainReport(id={self.id}, readable={self.readable}, state_ok={self.state_ok}, "
                f"withdrawn={self.withdrawn})")

    @property
    def given_name(self) -> str | None:
        return _name_of_kind(self.names, "given")

    @property
    def father_name(self) -> str | None:
        return _name_of_kind(self.names, "father")

    def fields(self) -> dict[str, Any]:
        """The sealed fields as `resolution.prepare_report` takes them (with "id")."""
        out: dict[str, Any] = {"id": str(self.id), "names": list(self.names)}
        for name in TEXT_FIELDS:
            out[name] = getattr(self, name)
        return out


def _name_of_kind(names: Iterable[dict[str, Any]], kind: str) -> str | None:
    for entry in names:
        if entry.get("kind") == kind and entry.get("value"):
            return str(entry["value"])
    return None


# ---------- reading ----------

def _columns(wanted: Collection[str]) -> list[Any]:
    sealed = [getattr(Report, f"{name}_sealed").label(name) for name in wanted]
    return [*integrity.state_columns(), Report.created_on, *sealed, Submission.consent_sealed.label("consent_blob"),
            Submission.legacy_consent, RecordKey.dek_id.label("wrap_dek_id"), RecordKey.wrapped.label("wrap")]


def _query(wanted: Collection[str], include_withdrawn: bool) -> Select[Any]:
    """One row per report and working-store wrap: ciphertexts, state, consent and the wrapped key."""
    query = select(*_columns(wanted)).join(Submission, Submission.id == Report.submission_id).outerjoin(
        RecordKey, and_(RecordKey.owner_table == "submissions", RecordKey.owner_id == Report.submission_id,
                        RecordKey.holder == "kek"))
    if not include_withdrawn:
        # The plain column: "withdrawn" only ever hides data, so it is honoured from anyone.
        query = query.where(Submission.status != SubmissionStatus.WITHDRAWN.value)
    return query


def _wanted(fields: Iterable[str] | None) -> tuple[str, ...]:
    if fields is None:
        return ALL_FIELDS
    wanted = tuple(dict.fromkeys(fields))
    unknown = set(wanted) - set(ALL_FIELDS)
    if unknown:
        raise ValueError(f"not sealed report fields: {sorted(unknown)}")
    return wanted


def id_batches(session: Session, *, batch: int = 2000, report_ids: Iterable[uuid.UUID] | None = None,
               include_withdrawn: bool = False) -> Iterator[list[uuid.UUID]]:
    """Report ids in batches, in id order (keyset paging: a batch costs the same at any depth)."""
    if report_ids is not None:
        yield from integrity.chunks(dict.fromkeys(report_ids), batch)
        return
    last: uuid.UUID | None = None
    while True:
        query = select(Report.id).order_by(Report.id).limit(batch)
        if not include_withdrawn:
            query = query.join(Submission, Submission.id == Report.submission_id).where(
                Submission.status != SubmissionStatus.WITHDRAWN.value)
        if last is not None:
            query = query.where(Report.id > last)
        ids = list(session.scalars(query))
        if not ids:
            return
        yield ids
        last = ids[-1]


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
            rows = session.execute(base.where(Report.id.in_(ids))).all()
            order = {rid: n for n, rid in enumerate(ids)}
            if rows:
                yield _decrypt_batch(session, vault, sorted(rows, key=lambda r: order[r.id]), wanted, anchors)
        return
    last: uuid.UUID | None = None
    while True:
        query = base.order_by(Report.id).limit(batch)
        if last is not None:
            query = query.where(Report.id > last)
        rows = session.execute(query).all()
        if not rows:
            return
        yield _decrypt_batch(session, vault, rows, wanted, anchors, contiguous=True)
        last = rows[-1].id


def _anchors(session: Session, vault: Vault) -> integrity.Anchors | None:
    """The audit log's state anchors for the whole store, read once per job (None: keys lacking)."""
    return integrity.all_audited_states(session, vault) if vault.integrity_keys else None


def _decrypt_batch(session: Session, vault: Vault, rows: Sequence[Any], wanted: tuple[str, ...],
                   anchors: integrity.Anchors | None, *, contiguous: bool = False) -> list[PlainReport]:
    """Decrypt one batch. `contiguous`: the rows are every report between the first and last id."""
    # A submission has one working-store wrap; should it have several, each is tried.
    wrapped: dict[uuid.UUID, list[tuple[bytes, bytes]]] = {}
    unique: dict[uuid.UUID, Any] = {}
    for row in rows:
        unique.setdefault(row.id, row)
        if row.wrap is not None and row.submission_status != SubmissionStatus.WITHDRAWN.value:
            wrapped.setdefault(row.submission_id, []).append((bytes(row.wrap_dek_id), row.wrap))
    reports = list(unique.values())
    keys = _data_keys(vault, wrapped)
    states = integrity.states_of_rows(session, vault, reports, anchors=anchors,
                                      id_range=(reports[0].id, reports[-1].id) if contiguous and reports else None)
    return [_plain(row, keys.get(row.submission_id), states.get(row.id), wanted) for row in reports]


_NO_KEY = DecryptionError("no working-store key (not yet taken in, or withdrawn and shredded)")


def _data_keys(vault: Vault, wrapped: dict[uuid.UUID, list[tuple[bytes, bytes]]]) -> dict[uuid.UUID, Any]:
    """Each submission's data key from its working-store wrap: (dek_id, AESGCM), or the error."""
    out: dict[uuid.UUID, Any] = {}
    aeads: dict[bytes, AESGCM] = {}  # one AES object per KEK, for this batch only
    reloaded = False
    for sid, candidates in wrapped.items():
        error: CryptoError | None = None
        for dek_id, blob in candidates:
            try:
                dek = wraps.kek_unwrap(vault.keks, "submissions", sid, blob, aeads=aeads)
            except UnknownKeyError as exc:
                # Another process (`flask keys rotate`) may have moved this wrap to a newer key.
                if not reloaded and vault.reload():
                    reloaded = True
                    aeads.clear()
                    try:
                        dek = wraps.kek_unwrap(vault.keks, "submissions", sid, blob)
                    except CryptoError as again:
                        error = again
                        continue
                else:
                    error = exc
                    continue
            except CryptoError as exc:
                error = exc
                continue
            out[sid] = (dek_id, AESGCM(dek))
            break
        else:
            out[sid] = error
    return out


def _plain(row: Any, key: Any, state: integrity.ReportState | None, wanted: tuple[str, ...]) -> PlainReport:
    withdrawn = row.submission_status == SubmissionStatus.WITHDRAWN.value
    values: dict[str, Any] = {}
    problem: str | None = None
    consent = Consent(problem="not readable")
    if withdrawn:
        problem = "withdrawn by the family"
    elif isinstance(key, BaseException) or key is None:
        problem = f"submission {row.submission_id}: {key or _NO_KEY}"
    else:
        dek_id, aead = key
        opener = field_crypto.RowOpener(aead, dek_id, "reports", row.id)
        mapping = row._mapping
        try:
            for name in wanted:
                blob = mapping[name]
                values[name] = None if blob is None else _decode(opener, name, opener.open(name, blob))
        except CryptoError as exc:
            values, problem = {}, str(exc)
        blob = row.consent_blob
        if blob is not None:
            sub = field_crypto.RowOpener(aead, dek_id, "submissions", row.submission_id)
            consent = consent_service.interpret(True, None, lambda: _decode(sub, "consent", sub.open("consent", blob)))
        else:
            consent = consent_service.interpret(False, row.legacy_consent, lambda: None)
    ok = state is not None and state.verified
    names = values.get("names")
    return PlainReport(
        id=row.id, submission_id=row.submission_id, handle=row.handle, created_on=row.created_on,
        names=tuple(n for n in names if isinstance(n, dict)) if isinstance(names, list) else (),
        **{name: values.get(name) for name in TEXT_FIELDS},
        state_ok=ok,
        state_problem=None if ok else (f"{state.verdict}: {state.problem}" if state else "no state"),
        status=state.status if ok and state else None,
        verification=state.verification if ok and state else None,
        person_id=state.person_id if ok and state else None,
        submission_status=state.submission.status if ok and state and state.submission else None,
        consent=consent, withdrawn=withdrawn or (state is not None and state.verdict is integrity.Verdict.WITHDRAWN),
        readable=problem is None, problem=problem,
    )


_JSON = frozenset({"names", "consent"})


def _decode(opener: field_crypto.RowOpener, column: str, plain: bytes) -> Any:
    try:
        return json.loads(plain) if column in _JSON else plain.decode("utf-8")
    except (UnicodeDecodeError, ValueError):
        raise DecryptionError(f"{opener.table}.{column} of row {opener.row_id} decoded to garbage") from None


# ---------- in parallel ----------

_job: dict[str, Any] = {}  # what forked workers inherit: set by map_reports just before forking


def map_reports(session_factory: Callable[[], Session], vault: Vault, fn: Callable[[list[PlainReport]], R], *,
                workers: int = 1, batch: int = 2000, report_ids: Iterable[uuid.UUID] | None = None,
                include_withdrawn: bool = False, fields: Iterable[str] | None = None) -> Iterator[R]:
    """`fn(batch)` for every batch of `iter_reports`, in batch order; with workers > 1 in forked
    processes, each with its own database connection. Nothing is written to disk."""
    vault.require_readable()
    wanted = _wanted(fields)
    options = {"batch": batch, "include_withdrawn": include_withdrawn, "fields": wanted}
    if workers > 1 and not forking_is_safe():
        # Forking a process with other threads running (DuckDB's, after a matcher job in this
        # process; a threaded server's) can leave the children waiting forever on a lock a thread
        # held at the fork: decrypt here instead, slower but never stuck.
        log.warning("bulk read: %d threads running in this process, reading in one process instead of %d",
                    _thread_count(), workers)
        workers = 1
    if workers <= 1:
        with session_factory() as session:
            for plain in iter_reports(session, vault, report_ids=report_ids, **options):
                yield fn(plain)
        return
    with session_factory() as session:
        batches: list[Any] = [
            ("ids", ids) if report_ids is not None else ("range", ids[0], ids[-1])  # a range reads faster than IN
            for ids in id_batches(session, batch=batch, report_ids=report_ids, include_withdrawn=include_withdrawn)]
        anchors = _anchors(session, vault)
    if not batches:
        return
    _job.update(factory=session_factory, vault=vault, fn=fn, options=options, anchors=anchors)
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(min(workers, len(batches)), initializer=_start_worker) as pool:
            yield from pool.imap(_run_batch, batches)
    finally:
        _job.clear()


def _thread_count() -> int:
    """Threads of this process, native ones included (DuckDB's are invisible to `threading`)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # not Linux: what Python knows, and DuckDB's pool if it was ever loaded
        return threading.active_count() + (1 if "duckdb" in sys.modules else 0)


_BASE_THREADS = _thread_count()  # native threads the imports start (BLAS pools...): idle, fork-safe


def forking_is_safe() -> bool:
    """Whether `map_reports` may fork workers: no Python thread besides this one, and no native
    thread started since this module was imported (DuckDB's pool outlives a matcher job)."""
    return threading.active_count() == 1 and _thread_count() <= _BASE_THREADS


def _start_worker() -> None:
    session = _job["factory"]()
    # The parent's pooled connections were copied by fork: leave them to the parent.
    session.get_bind().dispose(close=False)
    _job["session"] = session


def _run_batch(task: tuple[Any, ...]) -> Any:
    session: Session = _job["session"]
    vault, options = _job["vault"], _job["options"]
    try:
        if task[0] == "ids":
            plain = [r for part in iter_reports(session, vault, report_ids=task[1], **options) for r in part]
        else:
            vault.require_readable()
            query = _query(options["fields"], options["include_withdrawn"]).where(
                Report.id >= task[1], Report.id <= task[2]).order_by(Report.id)
            plain = _decrypt_batch(session, vault, session.execute(query).all(), options["fields"], _job["anchors"],
                                   contiguous=True)
        return _job["fn"](plain)
    finally:
        session.rollback()  # end the read transaction; nothing is cached past a batch

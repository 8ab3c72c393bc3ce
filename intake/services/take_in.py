"""Taking submissions into the working store (review face).

For each new submission: open the HPKE inbox wrap with the review private key, wrap the same data
key under the current KEK, drop the inbox wrap, and compute the reports' blind indexes. Field
ciphertexts are not touched. From then on reading costs one AES-GCM unwrap, not a KEM decapsulation.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from flask import current_app, has_app_context
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..crypto import wraps
from ..crypto.errors import CryptoError
from ..crypto.vault import Vault
from ..models import RecordKey, Report, Submission, SubmissionStatus
from ..models.sealed import data_keys
from . import audit, blind_indexes

log = logging.getLogger(__name__)
T = TypeVar("T")


def pending_ids(session: Session, limit: int | None = None) -> list[uuid.UUID]:
    query = select(Submission.id).where(Submission.in_working_store.is_(False),
                                        Submission.status != SubmissionStatus.WITHDRAWN.value).order_by(Submission.id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def take_in_one(session: Session, vault: Vault, submission_id: uuid.UUID) -> None:
    """Take one submission in (does not commit). Everything that can fail runs before any change."""
    kek = vault.current_kek()
    inbox_rows = session.scalars(select(RecordKey).where(
        RecordKey.owner_table == "submissions", RecordKey.owner_id == submission_id,
        RecordKey.holder == "inbox")).all()
    if not inbox_rows:
        raise CryptoError(f"submission {submission_id} has no inbox wrap to take in")
    row = inbox_rows[0]
    dek = wraps.inbox_unwrap(vault.review_private, "submissions", submission_id, row.wrapped)
    keys = data_keys(session)
    keys.cache[("submissions", submission_id)] = (row.dek_id, dek)
    submission = session.get(Submission, submission_id)
    assert submission is not None
    reports = session.scalars(select(Report).where(Report.submission_id == submission_id)).all()
    try:
        tokens = {report.id: blind_indexes.tokens_for(vault.require_index_root(), report) for report in reports}
    except CryptoError:
        keys.forget("submissions", submission_id)
        raise
    session.add(RecordKey(owner_table="submissions", owner_id=submission_id, dek_id=row.dek_id, holder="kek",
                          holder_key_id=kek.key_id, wrapped=wraps.kek_wrap(kek, "submissions", submission_id, dek)))
    session.execute(delete(RecordKey).where(RecordKey.id.in_([r.id for r in inbox_rows])))
    blind_indexes.replace(session, tokens)
    submission.in_working_store = True


def pending_keys(session: Session, limit: int | None = None) -> list[RecordKey]:
    """Inbox wraps of rows other than submissions: follow-ups the family added later."""
    query = select(RecordKey).where(RecordKey.holder == "inbox", RecordKey.owner_table != "submissions") \
        .order_by(RecordKey.id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def pending_count(session: Session) -> int:
    children = session.scalar(select(func.count()).select_from(RecordKey).where(
        RecordKey.holder == "inbox", RecordKey.owner_table != "submissions"))
    return len(pending_ids(session)) + (children or 0)


def take_in_key(session: Session, vault: Vault, row: RecordKey) -> None:
    """Re-wrap one follow-up's data key under the KEK (does not commit)."""
    kek = vault.current_kek()
    dek = wraps.inbox_unwrap(vault.review_private, row.owner_table, row.owner_id, row.wrapped)
    session.add(RecordKey(owner_table=row.owner_table, owner_id=row.owner_id, dek_id=row.dek_id, holder="kek",
                          holder_key_id=kek.key_id, wrapped=wraps.kek_wrap(kek, row.owner_table, row.owner_id, dek)))
    session.delete(row)


def take_in(session: Session, vault: Vault, *, limit: int | None = None, batch: int = 100,
            progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Take in every pending submission, then every pending follow-up key (or `limit` in all).

    Returns (taken in, failed). Each batch commits on its own, so an interrupted run loses nothing
    and the next one resumes. An item that fails (a damaged wrap) is logged by id and skipped.
    """
    vault.require_readable()
    tally = _Tally(limit, progress)
    _run_batches(session, vault, tally, batch, lambda n: pending_ids(session, n), lambda i: i,
                 lambda i: take_in_one(session, vault, i), lambda i: f"submission {i}")
    _run_batches(session, vault, tally, batch, lambda n: pending_keys(session, n), lambda r: r.id,
                 lambda r: take_in_key(session, vault, r), lambda r: f"{r.owner_table} {r.owner_id}")
    return tally.done, tally.failed


@dataclass
class _Tally:
    limit: int | None
    progress: Callable[[int], None] | None
    done: int = 0
    failed: int = 0

    def room(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.done - self.failed)


def _run_batches(session: Session, vault: Vault, tally: _Tally, batch: int, fetch: Callable[[int], list[T]],
                 key: Callable[[T], uuid.UUID], work: Callable[[T], None], name: Callable[[T], str]) -> None:
    skip: set[uuid.UUID] = set()
    while tally.room() != 0:
        items = [item for item in fetch(batch + len(skip)) if key(item) not in skip][:batch]
        room = tally.room()
        if room is not None:
            items = items[:room]
        if not items:
            return
        before = tally.done
        for item in items:
            try:
                work(item)
                tally.done += 1
            except CryptoError as exc:
                log.error("take-in failed for %s: %s", name(item), type(exc).__name__)
                skip.add(key(item))
                tally.failed += 1
            if tally.progress:
                tally.progress(1)
        if tally.done > before:
            # One entry per batch, with a count and no ids: the log must not date each arrival.
            audit.record(session, vault, actor="system", action="inbox.take_in", details={"count": tally.done - before})
        session.commit()


_last_run: dict[int, float] = {}


def maybe_take_in() -> None:
    """Called before review-face requests: a small batch, at most every INTAKE_TAKE_IN_INTERVAL seconds."""
    if not has_app_context():
        return
    from ..extensions import db
    from ..keyring import get_vault

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    now = time.monotonic()
    if now - _last_run.get(id(app), -1e9) < app.config["INTAKE_TAKE_IN_INTERVAL"]:
        return
    _last_run[id(app)] = now
    vault = get_vault(app)
    if vault is None or not vault.unlocked:
        return
    try:
        take_in(db.session, vault, limit=50)
    except Exception as exc:  # noqa: BLE001 - a failed background take-in must not break the page
        db.session.rollback()
        log.error("background take-in failed: %s", type(exc).__name__)

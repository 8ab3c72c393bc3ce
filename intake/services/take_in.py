"""Taking submissions into the working store (review face).

For each new submission, under a row lock: open the HPKE inbox wrap with the review private key,
wrap the same data key under the current KEK, drop the inbox wrap, compute the reports' blind
indexes, write each report's packed copy of its fields for whole-store jobs
(services/packed_fields.py), and seal the first review-side state (services/integrity.py): each
report's status is the situation the family sealed, its verification "reported", no person. Field
ciphertexts are not touched. From then on reading costs one AES-GCM unwrap, not a KEM decapsulation. Follow-up keys are
re-wrapped the same way, and a family's status news is applied to its report then.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from ..crypto import wraps
from ..crypto.errors import CryptoError
from ..crypto.vault import Vault
from ..models import (Attachment, BlindIndex, Message, PersonLinkEvent, RecordKey, Report, StatusEvent, StatusKind,
                      Submission, SubmissionStatus, VerificationLevel)
from ..models.base import today
from ..models.sealed import data_keys
from . import audit, blind_indexes, consent, integrity, integrity_states, packed_fields, triage, withdrawal

log = logging.getLogger(__name__)
T = TypeVar("T")
# Called with (session, vault, the submission's reports) at the end of each take-in, in its
# transaction (the deduplication queue scores new reports here: services/dedup_jobs.py).
AFTER_TAKE_IN: list[Callable[[Session, Vault, list[Report]], None]] = []


def pending_ids(session: Session, limit: int | None = None) -> list[uuid.UUID]:
    query = select(Submission.id).where(Submission.in_working_store.is_(False),
                                        Submission.status != SubmissionStatus.WITHDRAWN.value) \
        .order_by(Submission.created_on, Submission.id)  # arrival numbers follow (day, then id)
    if limit:
        query = query.limit(limit)
    return list(session.scalars(query))


def take_in_one(session: Session, vault: Vault, submission_id: uuid.UUID) -> bool:
    """Take one submission in (does not commit): re-wrap its key, index it, and seal its first
    review-side state. False if a withdrawal or another take-in got there first. Everything that
    can fail runs before any change."""
    kek = vault.current_kek()
    vault.current_integrity_key()
    # The row lock, then a fresh look: a withdrawal that committed first leaves nothing to re-wrap,
    # and one that comes later waits for this transaction and shreds the new wrap with the rest.
    submission = withdrawal.lock_submission(session, submission_id)
    if submission is None or submission.status == SubmissionStatus.WITHDRAWN.value or submission.in_working_store:
        return False
    inbox_rows = session.scalars(select(RecordKey).where(
        RecordKey.owner_table == "submissions", RecordKey.owner_id == submission_id,
        RecordKey.holder == "inbox")).all()
    if not inbox_rows:
        raise CryptoError(f"submission {submission_id} has no inbox wrap to take in")
    reports = session.scalars(select(Report).where(Report.submission_id == submission_id)).all()
    refuse_if_seen_before(session, vault, submission, [r.id for r in reports])
    row = inbox_rows[0]
    dek = wraps.inbox_unwrap(vault.review_private, "submissions", submission_id, row.wrapped)
    keys = data_keys(session)
    keys.cache[("submissions", submission_id)] = (row.dek_id, dek)
    try:
        index_key_id, index_root = vault.current_index_key()
        tokens = {report.id: blind_indexes.tokens_for(index_root, blind_indexes.report_fields(report))
                  for report in reports}
        statuses = {report.id: _reported_status(report) for report in reports}
    except CryptoError:
        keys.forget("submissions", submission_id)
        raise
    # Replies are sealed to the key the family had at take-in, never to what the public role writes later.
    submission.reply_key_pinned = submission.reply_public_key
    session.add(RecordKey(owner_table="submissions", owner_id=submission_id, dek_id=row.dek_id, holder="kek",
                          holder_key_id=kek.key_id, wrapped=wraps.kek_wrap(kek, "submissions", submission_id, dek)))
    session.execute(delete(RecordKey).where(RecordKey.id.in_([r.id for r in inbox_rows])))
    # Arrival numbers order the inbox (newest first); two take-ins racing may share one, which
    # the inbox's tie-break on id keeps a total order. Set before the index rows, which copy it.
    in_order = sorted(reports, key=lambda r: r.position)
    first = (session.scalar(select(func.max(Report.arrival))) or 0) + 1
    for arrival, report in enumerate(in_order, start=first):
        report.arrival = arrival
    blind_indexes.replace(session, tokens, index_key_id, {report.id: report.arrival for report in reports})
    for report in reports:  # whatever the row held before is replaced, not trusted
        packed_fields.seal_copy(session, report)
    # The first sealed state: whatever the public face's INSERT carried is reset, not trusted.
    for report in in_order:
        integrity.write_report(session, vault, report, check_current=False, status=statuses[report.id],
                               verification=VerificationLevel.REPORTED.value, person_id=None)
    consent.seal_legacy_consent(submission)
    integrity.write_submission(session, vault, submission, check_current=False,
                               status=SubmissionStatus.RECEIVED.value, in_working_store=True)
    for hook in AFTER_TAKE_IN:
        hook(session, vault, list(reports))
    return True


def _reported_status(report: Report) -> str:
    """The situation the family gave (sealed; the plain column for rows stored before that)."""
    value = report.reported_status if report.reported_status_sealed is not None else report.status
    return value if value in set(StatusKind) else StatusKind.UNKNOWN.value


class TakeInRefused(CryptoError):
    """A row that looks new but that the review side has already seen: possible tampering."""


def refuse_if_seen_before(session: Session, vault: Vault, submission: Submission, report_ids: list[uuid.UUID]) -> None:
    """Refuse to take in a submission the review face has sealed or changed before.

    A database writer could strip a taken-in submission of its seals and working-store wrap, plant
    an inbox wrap of its own (the review key is public) and re-encrypt the rows: taking that in
    would bless the forgery. What only a take-in or a later review-side change leaves behind gives
    such a row away; the signed audit log's state entries survive even if every other trace is
    deleted. (Views, notes and replies may come before take-in, so they are not evidence.)
    """
    anchors, bad = integrity_states.audited_states(session, vault, [submission.id, *report_ids])
    evidence = [
        submission.state_mac is not None, anchors, bad,
        session.scalar(select(func.count()).select_from(Report).where(
            Report.submission_id == submission.id, Report.state_mac.is_not(None))),
        report_ids and session.scalar(select(func.count()).select_from(PersonLinkEvent).where(
            PersonLinkEvent.report_id.in_(report_ids))),
        report_ids and session.scalar(select(func.count()).select_from(BlindIndex).where(
            BlindIndex.report_id.in_(report_ids))),
        session.scalar(select(func.count()).select_from(StatusEvent).where(
            StatusEvent.submission_id == submission.id, StatusEvent.mac.is_not(None))),
    ]
    if any(evidence):
        raise TakeInRefused(f"submission {submission.id} looks new but was sealed or changed by the review face "
                            "before: refused (possible tampering; see `flask integrity verify`)")


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


_CHILDREN = {"messages": Message, "status_events": StatusEvent, "attachments": Attachment}


def take_in_key(session: Session, vault: Vault, row: RecordKey) -> bool:
    """Re-wrap one follow-up's data key under the KEK, and apply a family's status news (does not
    commit). False if the submission was withdrawn (or the wrap taken in) meanwhile."""
    kek = vault.current_kek()
    model = _CHILDREN.get(row.owner_table)
    if model is None:
        raise CryptoError(f"an inbox wrap for {row.owner_table} {row.owner_id}, which takes no follow-ups")
    submission_id = session.scalar(select(model.submission_id).where(model.id == row.owner_id))
    submission = withdrawal.lock_submission(session, submission_id) if submission_id else None
    if submission is None or submission.status == SubmissionStatus.WITHDRAWN.value:
        return False
    fresh = session.scalars(select(RecordKey).where(RecordKey.id == row.id)
                            .execution_options(populate_existing=True)).one_or_none()
    if fresh is None or fresh.holder != "inbox":
        return False
    dek = wraps.inbox_unwrap(vault.review_private, row.owner_table, row.owner_id, fresh.wrapped)
    session.add(RecordKey(owner_table=row.owner_table, owner_id=row.owner_id, dek_id=fresh.dek_id, holder="kek",
                          holder_key_id=kek.key_id, wrapped=wraps.kek_wrap(kek, row.owner_table, row.owner_id, dek)))
    session.delete(fresh)
    if model is StatusEvent:
        data_keys(session).cache[("status_events", row.owner_id)] = (fresh.dek_id, dek)
        apply_family_status(session, vault, row.owner_id)
    return True


def apply_family_status(session: Session, vault: Vault, event_id: uuid.UUID) -> None:
    """Seal a family's status event and, when it is the report's newest, make it the report's status."""
    event = session.get(StatusEvent, event_id)
    assert event is not None
    reported = event.reported_kind  # None: stored before the kind was sealed too
    if (reported is not None and reported != event.kind) or event.kind not in set(StatusKind):
        log.error("status event %s: its kind does not match what the family sealed; not applied", event.id)
        return
    # The public face's role may write any author: sealing a row that names a reviewer would bless it.
    if event.recorded_by_id is not None:
        log.error("status event %s: a family's news that names a reviewer; not applied", event.id)
        return
    integrity.seal_status_event(vault, event)
    report = session.get(Report, event.report_id)
    assert report is not None
    state = integrity_states.report_states(session, vault, [report.id])[report.id]
    if not state.verified:
        log.error("status news for report %s not applied: its state is %s", report.id, state.verdict.value)
        return
    if triage.is_newest(session, vault, report.id, event.event_date or today().isoformat(), event.sequence,
                        exclude=event.id):
        integrity.write_report(session, vault, report, status=event.kind)


def take_in(session: Session, vault: Vault, *, limit: int | None = None, batch: int = 100,
            progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Take in every pending submission, then every pending follow-up key (or `limit` in all).

    Returns (taken in, failed). Each batch commits on its own, so an interrupted run loses nothing
    and the next one resumes. An item that fails (a damaged wrap) is logged by id and skipped.
    """
    vault.require_readable()
    vault.current_integrity_key()  # no key to seal with: stop here, not once per submission
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
                 key: Callable[[T], uuid.UUID], work: Callable[[T], bool], name: Callable[[T], str]) -> None:
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
                if work(item):
                    tally.done += 1
                else:
                    skip.add(key(item))  # withdrawn or taken in meanwhile: nothing to do
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

"""Withdrawal: the public face shreds, the review face finishes.

Public face (`shred`): under a row lock on the submission, delete the wraps of the submission's
data key and of its own follow-ups' keys, and turn the row into a tombstone: status "withdrawn",
no receipt (selector, bucket or verifier), reply key, names, language or contact. From that commit on, every ciphertext of the
submission is noise, escrow included. That is all the public face's database role may do: it has
no DELETE on any table but record_keys, so it cannot reach review-side rows.

Review face (`finish_pending`, run with the background take-in and by `flask inbox take-in`): for
each tombstone not yet finished, under the same row lock, delete every row derived from the
submission (blind indexes, person links, tags, status events, messages, attachments, reports, and
any table added later with a foreign key to reports or submissions), clear what the tombstone
still holds, seal its state, and write one audit entry with ids and counts only.

Take-in locks the same row before it re-wraps a key, so a take-in racing a withdrawal either
finishes first (and its new wrap is shredded with the rest) or finds the tombstone and stops: a
shredded key is never re-wrapped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Table, delete, func, or_, select
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import Attachment, Message, RecordKey, Report, StatusEvent, Submission, SubmissionStatus
from ..models.base import Base, today
from ..models.sealed import data_keys
from . import audit, integrity
from .row_locks import hold_for_write

# What a tombstone no longer holds. The public face clears these (its role may update exactly these
# columns and status); the review face clears them again, with the sealed consent, when it finishes.
TOMBSTONE_CLEARED = ("language", "receipt_selector", "receipt_bucket", "receipt_verifier", "reply_public_key",
                     "family_names", "contact_sealed")
_REVIEW_CLEARED = ("consent_sealed", "legacy_consent", "reply_key_pinned")

# Called with (session, submission id, report ids) before the derived rows are deleted, so that a
# later feature can keep what it must (say, "export E included a withdrawn person") first.
BEFORE_PURGE: list[Callable[[Session, uuid.UUID, list[uuid.UUID]], None]] = []


def lock_submission(session: Session, submission_id: uuid.UUID, *, shared: bool = False) -> Submission | None:
    """The submission row, freshly read under a row lock held until the transaction ends
    (FOR UPDATE; FOR SHARE when `shared`). SQLite ignores row locks: there a no-op UPDATE of the row
    first takes its one write lock, held likewise. Without it a withdrawal could commit between a
    take-in's read and its first write, and the take-in wrapped the shredded key again."""
    hold_for_write(session, Submission.status, submission_id)
    query = select(Submission).where(Submission.id == submission_id).with_for_update(read=shared)
    return session.scalars(query.execution_options(populate_existing=True)).one_or_none()


def own_key_children(session: Session, submission_id: uuid.UUID) -> list[tuple[str, uuid.UUID]]:
    """Rows the family added later (follow-ups), each with a data key of its own."""
    out: list[tuple[str, uuid.UUID]] = []
    for model in (Message, StatusEvent, Attachment):
        out += [(model.__tablename__, row_id) for row_id in session.scalars(
            select(model.id).where(model.submission_id == submission_id, model.own_key.is_(True)))]
    return out


def delete_keys(session: Session, owners: list[tuple[str, uuid.UUID]]) -> int:
    deleted = 0
    keys = data_keys(session)
    for table in sorted({t for t, _ in owners}):
        ids = [i for t, i in owners if t == table]
        for chunk in integrity.chunks(ids):
            deleted += session.execute(delete(RecordKey).where(
                RecordKey.owner_table == table, RecordKey.owner_id.in_(chunk))).rowcount or 0
        for row_id in ids:
            keys.forget(table, row_id)
    return deleted


# ---------- the public face ----------

def shred(session: Session, submission_id: uuid.UUID) -> bool:
    """Crypto-shred a submission and leave a tombstone (public face). Commits; False if it already was."""
    submission = lock_submission(session, submission_id)
    if submission is None or submission.status == SubmissionStatus.WITHDRAWN.value:
        session.rollback()
        return False
    # The tombstone first: on PostgreSQL the public role may delete only a withdrawn submission's wraps.
    submission.status = SubmissionStatus.WITHDRAWN.value
    for column in TOMBSTONE_CLEARED:
        setattr(submission, column, None)  # the columns, not sealed attributes: no key is left to seal with
    session.flush()
    delete_keys(session, [("submissions", submission_id), *own_key_children(session, submission_id)])
    session.commit()
    return True


# ---------- the review face ----------

def pending(session: Session, limit: int | None = None) -> list[uuid.UUID]:
    query = select(Submission.id).where(Submission.status == SubmissionStatus.WITHDRAWN.value,
                                        Submission.purged_on.is_(None)).order_by(Submission.id)
    return list(session.scalars(query.limit(limit) if limit else query))


def finish_pending(session: Session, vault: Vault, limit: int | None = None, *, actor: str = "system",
                   progress: Callable[[int], None] | None = None) -> int:
    """Finish every withdrawal the public face started (or `limit` of them); each commits on its own,
    so an interrupted run resumes. Returns how many were finished."""
    vault.current_integrity_key()  # fail at once, before any change, if the review keys cannot seal
    done = 0
    for submission_id in pending(session, limit):
        if finish_one(session, vault, submission_id, actor=actor) is not None:
            done += 1
        if progress:
            progress(1)
    return done


def finish_one(session: Session, vault: Vault, submission_id: uuid.UUID, *, actor: str = "system") -> dict[str, int] | None:
    """Delete what hangs off one withdrawn submission, seal the tombstone, audit it. Commits."""
    submission = lock_submission(session, submission_id)
    if submission is None or submission.status != SubmissionStatus.WITHDRAWN.value or submission.purged_on:
        session.rollback()
        return None
    # Keys of follow-ups that raced the shredding (added after it) go too.
    counts = {"keys": delete_keys(session, [("submissions", submission_id),
                                            *own_key_children(session, submission_id)])}
    report_ids = list(session.scalars(select(Report.id).where(Report.submission_id == submission_id)))
    for hook in BEFORE_PURGE:
        hook(session, submission_id, report_ids)
    counts["reports"] = len(report_ids)
    counts["rows"] = _delete_derived(session, submission_id, report_ids)
    for column in TOMBSTONE_CLEARED + _REVIEW_CLEARED:
        setattr(submission, column, None)
    seq = integrity.write_submission(session, vault, submission, check_current=False, purged_on=today())
    audit.record(session, vault, actor=actor, action="submission.withdrawn", object_type="submission",
                 object_id=str(submission_id), details={**counts, **integrity.anchor(seq)})
    session.commit()
    return counts


def _delete_derived(session: Session, submission_id: uuid.UUID, report_ids: list[uuid.UUID]) -> int:
    deleted = 0
    for chunk in integrity.chunks(report_ids):
        for table in _tables_referencing("reports"):
            deleted += session.execute(delete(table).where(
                or_(*(column.in_(chunk) for column in _fk_columns(table, "reports"))))).rowcount or 0
    for table in _tables_referencing("submissions"):
        if table.name != "reports":
            deleted += session.execute(delete(table).where(
                or_(*(column == submission_id for column in _fk_columns(table, "submissions"))))).rowcount or 0
    for chunk in integrity.chunks(report_ids):
        deleted += session.execute(delete(Report.__table__).where(Report.id.in_(chunk))).rowcount or 0
    return deleted


def _tables_referencing(target: str) -> list[Table]:
    """Tables with a foreign key to `target`, children before parents (tables added later are covered)."""
    return [t for t in reversed(Base.metadata.sorted_tables)
            if t.name != target and any(fk.column.table.name == target for fk in t.foreign_keys)]


def _fk_columns(table: Table, target: str) -> list[Any]:
    return [fk.parent for fk in table.foreign_keys if fk.column.table.name == target]


def leftovers(session: Session, submission_id: uuid.UUID) -> dict[str, int]:
    """Counts of what still exists for a submission (for tests and the operator's checks)."""
    report_ids = list(session.scalars(select(Report.id).where(Report.submission_id == submission_id)))
    child_ids = [i for _, i in own_key_children(session, submission_id)]
    keys = session.scalar(select(func.count()).select_from(RecordKey).where(
        RecordKey.owner_id.in_([submission_id, *report_ids, *child_ids]))) or 0
    return {"reports": len(report_ids), "own_key_children": len(child_ids), "record_keys": keys}


def _export_notices(session: Session, submission_id: uuid.UUID, report_ids: list[uuid.UUID]) -> None:
    # Released exports that included these reports get a notice before the membership goes.
    from .export_notices import record_withdrawal

    record_withdrawal(session, submission_id, report_ids)


BEFORE_PURGE.append(_export_notices)

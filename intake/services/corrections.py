"""Retracting or correcting what a reviewer added by mistake: a note, a reply, a status event.

Append-only: the original row is never changed (but for `messages.retracted`, which hides a
retracted reply from the family's page) nor deleted. A `Retraction` row records who took what back
and which row, if any, replaces it; it is sealed by the review face (RETRACTION) and checked before
it counts, so a retraction written outside the review face hides nothing. Each retraction is one
`report.retract` audit entry (ids only), in the same transaction as its correction, if any.

Tags need no retraction: removing a tag is its own audited change (the audit log keeps both).
Retracting a status event recomputes the report's status from the events that remain.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..models import Message, MessageKind, Report, Retraction, StatusEvent, StatusKind, SubmissionStatus
from ..models.base import utcnow
from ..models.prebuilt import Prebuilt
from ..wording import said
from . import audit, integrity, integrity_states, messages
from .errors import Conflict, InvalidInput, NotFound

RETRACTION = integrity.Spec("retraction", Retraction, ("id", "report_id", "object_type", "object_id",
                                                       "replacement_id", "actor_id", "occurred_at"), "mac")
NOTE, REPLY, STATUS_EVENT = "note", "reply", "status_event"
KINDS = {NOTE: MessageKind.INTERNAL_NOTE.value, REPLY: MessageKind.TO_FAMILY.value}


@dataclass(frozen=True)
class RetractionState:
    retraction_id: uuid.UUID
    verified: bool
    replacement_id: uuid.UUID | None
    actor_id: uuid.UUID


def retractions(session: Session, vault: Vault, report_id: uuid.UUID | list[uuid.UUID]) -> dict[uuid.UUID,
                                                                                           RetractionState]:
    """The retractions of the rows of a report (or of several), by the id of the row retracted;
    `verified` False when the seal does not check (such a retraction must not hide anything)."""
    ids = report_id if isinstance(report_id, list) else [report_id]
    if not ids:
        return {}
    rows = session.execute(_RETRACTIONS(session), {"ids": ids}).all()
    return {r.object_id: RetractionState(r.id, integrity.check_row(vault, RETRACTION, r) is SealCheck.OK,
                                         r.replacement_id, r.actor_id) for r in rows}


# Read on every report and person page: built once (models/prebuilt.py).
_RETRACTIONS = Prebuilt(lambda among: select(*RETRACTION.select_columns()).where(among(Retraction.report_id, "ids")))


def retracted_ids(session: Session, vault: Vault, report_id: uuid.UUID) -> set[uuid.UUID]:
    return {oid for oid, state in retractions(session, vault, report_id).items() if state.verified}


def _target(session: Session, report: Report, object_type: str, object_id: uuid.UUID) -> Message | StatusEvent:
    if object_type == STATUS_EVENT:
        event = session.get(StatusEvent, object_id)
        if event is None or event.report_id != report.id:
            raise NotFound(said("no such status event on this report"))
        if event.recorded_by_id is None or event.own_key:
            raise InvalidInput(said("a family's own news cannot be retracted by a reviewer"))
        return event
    if object_type not in KINDS:
        raise InvalidInput(said("only a note, a reply or a status event can be retracted"))
    message = session.get(Message, object_id)
    if message is None or message.report_id != report.id or message.kind != KINDS[object_type]:
        raise NotFound(said("no such message on this report"))
    return message


def retract(session: Session, vault: Vault, handle: str, object_type: str, object_id: uuid.UUID, *,
            actor: uuid.UUID, correction: str | None = None) -> Retraction:
    """Take back one row; with `correction` (a note or reply only), add the corrected text in its place.
    Commits; one `report.retract` entry (and the correction's own entry for a reply)."""
    from .triage import get_report

    vault.require_readable()
    report = get_report(session, handle)
    target = _target(session, report, object_type, object_id)
    correction = (correction or "").strip() or None
    if correction and object_type == STATUS_EVENT:
        raise InvalidInput(said("a status event is corrected by retracting it and adding the right one"))
    if object_id in retracted_ids(session, vault, report.id):
        raise Conflict(said("this was already retracted"))
    retraction = Retraction(report_id=report.id, object_type=object_type, object_id=object_id, actor_id=actor,
                            occurred_at=utcnow())
    details: dict[str, object] = {"object_type": object_type, "object": str(object_id)}
    replacement: Message | None = None
    if object_type == NOTE and correction:
        replacement = Message(submission_id=report.submission_id, report_id=report.id, kind=KINDS[NOTE],
                              author_id=actor, sequence=messages.next_sequence(session, report.submission_id))
        replacement.body = correction
        session.add(replacement)
    elif object_type == REPLY:
        assert isinstance(target, Message)
        if correction and report.submission.status == SubmissionStatus.WITHDRAWN:
            raise Conflict(said("the family withdrew this submission"))
        target.retracted = True  # the family's page shows it no more
    elif object_type == STATUS_EVENT:
        integrity_states.require_report(session, vault, report)
    retraction.replacement_id = replacement.id if replacement else None
    try:
        with session.begin_nested():
            integrity.seal_row(vault, RETRACTION, retraction)
            session.add(retraction)
    except IntegrityError:
        raise Conflict(said("this was already retracted")) from None
    if object_type == STATUS_EVENT:
        _restore_status(session, vault, report, exclude=retracted_ids(session, vault, report.id) | {object_id})
        details |= integrity.anchor(report.state_seq)
    audit.record(session, vault, actor=str(actor), action="report.retract", object_type="report",
                 object_id=str(report.id), details={**details, "replacement": str(replacement.id) if replacement
                                                    else None})
    if object_type == REPLY and correction:
        # reply_to_family commits the retraction, its entry and the corrected reply together.
        reply = messages.reply_to_family(session, vault, submission_id=report.submission_id, author_id=actor,
                                         text=correction, report_id=report.id,
                                         audit_details={"corrects": str(object_id)})
        retraction.replacement_id = reply.id
        integrity.seal_row(vault, RETRACTION, retraction)
    session.commit()
    return retraction


def _restore_status(session: Session, vault: Vault, report: Report, *, exclude: set[uuid.UUID]) -> None:
    """The report's status after a retraction: the newest verified event left, or else the
    situation the family gave (sealed in the report)."""
    events = [e for e in session.scalars(select(StatusEvent).where(StatusEvent.report_id == report.id))
              if e.id not in exclude]
    verdicts = integrity.status_event_verdicts(vault, events)
    good = [e for e in events if verdicts[e.id] is integrity.Verdict.VERIFIED]
    newest = max(good, key=lambda e: ((e.event_date or ""), e.sequence), default=None)
    reported = report.reported_status if report.reported_status_sealed is not None else None
    status = newest.kind if newest is not None else reported if reported in set(StatusKind) \
        else StatusKind.UNKNOWN.value
    if integrity_states.require_report(session, vault, report).status != status:
        integrity.write_report(session, vault, report, status=status)
    session.flush()

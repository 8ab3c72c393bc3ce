"""Triage: the report page (decrypts, audited) and reviewers' changes to a report.

(The inbox, which never decrypts, is in search.py.) Reading decrypted content goes through
`report_view`, which records one `report.view` entry before returning anything. Every change is
one function that validates, changes, records exactly one audit entry and commits.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import date
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import (SEALED_REPORT_FIELDS, Message, MessageKind, Report, Role, StatusEvent, StatusKind,
                      SubmissionStatus, User, VerificationLevel)
from ..models.base import today
from ..models.prebuilt import Prebuilt
from ..models.sealed import data_keys, read_sealed
from ..models.tag import ReportTag, Tag
from ..wording import said
from . import audit, corrections, integrity, integrity_states, messages, users
from .errors import Conflict, InvalidInput, NotFound


TAG_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
# Approximate dates, as families give them: "2017", "2017-04" or "2017-04-12".
APPROXIMATE_DATE = re.compile(r"\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?", re.ASCII)  # \d: ASCII only (dates compare as text)
# Reviewers may move a submission between these; "withdrawn" is the family's act alone.
REVIEWER_SUBMISSION_STATUSES = (SubmissionStatus.RECEIVED, SubmissionStatus.IN_REVIEW,
                                SubmissionStatus.NEEDS_INFORMATION, SubmissionStatus.RECORDED)


# ---------- reading a report (decrypts; audited) ----------

@dataclass(frozen=True)
class TimelineEntry:
    id: uuid.UUID
    report_handle: str
    kind: str
    event_date: str | None
    sentence: str | None
    source: str | None
    recorded_on: date
    recorded_by: str | None  # a reviewer's username; None when the family reported it
    verdict: str = integrity.Verdict.VERIFIED.value  # of the event's seal: its kind counts only when verified


@dataclass(frozen=True)
class MessageEntry:
    id: uuid.UUID
    kind: str
    body: str
    created_on: date
    author: str | None
    in_reply_to: uuid.UUID | None = None  # a family's answer: the question it answers


@dataclass
class DecryptedReport:
    id: uuid.UUID
    handle: str
    created_on: date
    state: integrity.ReportState  # status, verification and person only when verified
    fields: dict[str, Any]  # every sealed field by name; names is the list of {value, script, kind}
    timeline: list[TimelineEntry] = field(default_factory=list)

    @property
    def status(self) -> str | None:
        return self.state.status

    @property
    def verification(self) -> str | None:
        return self.state.verification


def decrypt_reports(session: Session, vault: Vault, reports: list[Report],
                    states: dict[uuid.UUID, integrity.ReportState] | None = None) -> list[DecryptedReport]:
    """Decrypt reports and their status events in memory, with their authenticated state (given,
    or verified here). The caller audits before showing them."""
    return decrypt_with_names(session, vault, reports, states)[0]


def decrypt_with_names(session: Session, vault: Vault, reports: list[Report],
                       states: dict[uuid.UUID, integrity.ReportState] | None = None,
                       authors: Iterable[uuid.UUID | None] = ()) -> tuple[list[DecryptedReport], dict[uuid.UUID, str]]:
    """`decrypt_reports`, and the usernames of the events' authors (read with the events) and of
    `authors` (the page's other rows: messages), read in one more query if any is not among them."""
    found = session.execute(_EVENTS(session), {"ids": [r.id for r in reports]}).all() if reports else []
    events = [row[0] for row in found]
    # Every data key with one query each (not one per report or event: the person page shows many).
    keys = data_keys(session)
    keys.prefetch("submissions", {r.submission_id for r in reports})
    keys.prefetch("status_events", {e.id for e in events if e.own_key})
    names = {e.recorded_by_id: name for e, name in found if name is not None}
    others = [a for a in authors if a is not None and a not in names]
    if others:
        names.update(users.usernames(session, others))
    handles = {r.id: r.handle for r in reports}
    states = states if states is not None else integrity_states.report_states(session, vault, handles)
    verdicts = integrity.status_event_verdicts(vault, events)
    out = {r.id: DecryptedReport(id=r.id, handle=r.handle, created_on=r.created_on, state=states[r.id],
                                 fields=read_sealed(r, SEALED_REPORT_FIELDS))
           for r in reports}
    for e in events:
        out[e.report_id].timeline.append(TimelineEntry(
            id=e.id, report_handle=handles[e.report_id], kind=e.kind, event_date=e.event_date, sentence=e.sentence,
            source=e.source, recorded_on=e.recorded_on,
            # A row with a key of its own is the family's (public face), whatever author it claims.
            recorded_by=names.get(e.recorded_by_id) if e.recorded_by_id and not e.own_key else None,
            verdict=verdicts[e.id].value))
    return [out[r.id] for r in reports], names


# The status events of the reports a page shows, with their authors' names: built once (models/prebuilt.py).
_EVENTS = Prebuilt(lambda among: select(StatusEvent, User.username)
                   .outerjoin(User, User.id == StatusEvent.recorded_by_id)
                   .where(among(StatusEvent.report_id, "ids")).order_by(StatusEvent.sequence))


def get_report(session: Session, handle: str) -> Report:
    report = session.scalar(select(Report).where(Report.handle == handle))
    if report is None:
        raise NotFound(said("no such report"))
    return report


# ---------- changes: one audit entry each ----------

def _commit_change(session: Session, vault: Vault, actor: uuid.UUID, action: str, report: Report,
                   **details: Any) -> None:
    audit.record(session, vault, actor=str(actor), action=action, object_type="report", object_id=str(report.id),
                 details=details)
    session.commit()


def set_verification(session: Session, vault: Vault, handle: str, level: str, *, actor: uuid.UUID) -> bool:
    """Set the verification level. False (and no entry) when it already was that level."""
    if level not in set(VerificationLevel):
        raise InvalidInput(said("unknown verification level"))
    report = get_report(session, handle)
    if integrity_states.require_report(session, vault, report).verification == level:
        return False
    seq = integrity.write_report(session, vault, report, verification=level)
    _commit_change(session, vault, actor, "report.verification", report, level=level, **integrity.anchor(seq))
    return True


def is_newest(session: Session, vault: Vault, report_id: uuid.UUID, event_date: str, sequence: int,
              exclude: uuid.UUID | None = None) -> bool:
    """Does an event dated `event_date` (number `sequence`) come after every other verified event?

    The report's status category follows the latest event by date, so entering an old event (a
    2017 detention after a 2020 release) does not overwrite the newer status; equal dates go to the
    later event. Events whose seal does not verify (or not yet taken in) do not count."""
    retracted = corrections.retracted_ids(session, vault, report_id)
    others = [e for e in session.scalars(select(StatusEvent).where(StatusEvent.report_id == report_id))
              if e.id != exclude and e.id not in retracted]
    verdicts = integrity.status_event_verdicts(vault, others)
    for other in others:
        if verdicts[other.id] is not integrity.Verdict.VERIFIED:
            continue
        theirs = (other.event_date or "")[: len(event_date)]
        if event_date < theirs or (event_date == theirs and other.sequence > sequence):
            return False
    return True


EARLIEST_YEAR = 1900  # as the family's date fields


def _real_date(text: str) -> bool:
    """A year, year-month or full date that exists (the pattern alone let 2020-02-30 and 0000 in)."""
    if not APPROXIMATE_DATE.fullmatch(text) or int(text[:4]) < EARLIEST_YEAR:
        return False
    if len(text) == 10:  # a full date: one that is in the calendar
        try:
            date.fromisoformat(text)
        except ValueError:
            return False
    return True


def add_status_event(session: Session, vault: Vault, handle: str, *, kind: str, event_date: str, source: str,
                     sentence: str | None = None, actor: uuid.UUID) -> StatusEvent:
    """A dated status change with its source, sealed under the submission's data key; the event
    and, when it is the newest, the report's status category are sealed by the review face."""
    if kind not in set(StatusKind):
        raise InvalidInput(said("unknown status"))
    event_date, source, sentence = event_date.strip(), source.strip(), (sentence or "").strip() or None
    if not _real_date(event_date) or event_date > today().isoformat():
        raise InvalidInput(said("the date is a year, year-month or full date (2017, 2017-04, 2017-04-12), not in "
                                "the future"))
    if not source:
        raise InvalidInput(said("say where this news came from"))
    if kind == StatusKind.SENTENCED and not sentence:
        raise InvalidInput(said("a sentence needs its length"))
    vault.require_readable()
    report = get_report(session, handle)
    integrity_states.require_report(session, vault, report)
    sequence = messages.next_in(session, StatusEvent.sequence, StatusEvent.report_id == report.id)
    newest = is_newest(session, vault, report.id, event_date, sequence)
    event = StatusEvent(report_id=report.id, submission_id=report.submission_id, own_key=False, kind=kind,
                        sequence=sequence, recorded_by_id=actor, recorded_on=today())
    event.event_date, event.source, event.sentence = event_date, source, sentence
    integrity.seal_status_event(vault, event)
    session.add(event)
    if newest:
        integrity.write_report(session, vault, report, status=kind)
    session.flush()
    _commit_change(session, vault, actor, "report.status_event", report, event=str(event.id), kind=kind,
                   **integrity.anchor(report.state_seq))
    return event


def _tag(session: Session, name: str, *, create: bool) -> Tag | None:
    tag = session.scalar(select(Tag).where(Tag.name == name))
    if tag is None and create:
        try:
            with session.begin_nested():  # two reviewers inventing the same tag at once
                tag = Tag(name=name)
                session.add(tag)
        except IntegrityError:
            tag = session.scalar(select(Tag).where(Tag.name == name))
    return tag


def _tag_name(name: str) -> str:
    name = name.strip().lower()
    if not TAG_PATTERN.match(name):
        raise InvalidInput(said("a tag is 1-32 lower-case letters, digits or hyphens"))
    return name


def add_tag(session: Session, vault: Vault, handle: str, name: str, *, actor: uuid.UUID) -> bool:
    name = _tag_name(name)
    report = get_report(session, handle)
    tag = _tag(session, name, create=True)
    assert tag is not None
    if session.get(ReportTag, (report.id, tag.id)) is not None:
        return False
    session.add(ReportTag(report_id=report.id, tag_id=tag.id, added_by_id=actor))
    session.flush()
    _commit_change(session, vault, actor, "report.tag_add", report, tag=str(tag.id))
    return True


def remove_tag(session: Session, vault: Vault, handle: str, name: str, *, actor: uuid.UUID) -> bool:
    name = _tag_name(name)
    report = get_report(session, handle)
    tag = _tag(session, name, create=False)
    link = session.get(ReportTag, (report.id, tag.id)) if tag else None
    if link is None or tag is None:
        return False
    session.delete(link)
    session.flush()
    _commit_change(session, vault, actor, "report.tag_remove", report, tag=str(tag.id))
    return True


def add_note(session: Session, vault: Vault, handle: str, text: str, *, actor: uuid.UUID) -> Message:
    """An internal note: reviewers only, sealed under the submission's key, never shown to the family."""
    text = text.strip()
    if not text:
        raise InvalidInput(said("a note needs some text"))
    vault.require_readable()
    report = get_report(session, handle)
    note = Message(submission_id=report.submission_id, report_id=report.id, kind=MessageKind.INTERNAL_NOTE.value,
                   author_id=actor, sequence=messages.next_sequence(session, report.submission_id))
    note.body = text
    session.add(note)
    session.flush()
    _commit_change(session, vault, actor, "report.note", report, message=str(note.id))
    return note


def assign(session: Session, vault: Vault, handle: str, assignee: uuid.UUID | None, *, actor: uuid.UUID) -> bool:
    report = get_report(session, handle)
    if assignee is not None:
        user = session.get(User, assignee)
        if user is None or not user.is_active or user.role not in (Role.REVIEWER.value, Role.ADMIN.value):
            raise InvalidInput(said("reports are assigned to active reviewers or admins only"))
    if report.assigned_to_id == assignee:
        return False
    report.assigned_to_id = assignee
    _commit_change(session, vault, actor, "report.assign", report, assignee=str(assignee) if assignee else None)
    return True


def set_submission_status(session: Session, vault: Vault, handle: str, status: str, *, actor: uuid.UUID) -> bool:
    """The status the family sees on their page (received, in review, needs information, recorded)."""
    if status not in {s.value for s in REVIEWER_SUBMISSION_STATUSES}:
        raise InvalidInput(said("reviewers may set received, in review, needs information or recorded"))
    report = get_report(session, handle)
    submission = report.submission
    if submission.status == SubmissionStatus.WITHDRAWN:
        raise Conflict(said("the family withdrew this submission"))
    if integrity_states.require_submission(session, vault, submission.id).status == status:
        return False
    seq = integrity.write_submission(session, vault, submission, status=status)
    audit.record(session, vault, actor=str(actor), action="submission.status", object_type="submission",
                 object_id=str(submission.id), details={"status": status, "report": str(report.id),
                                                        **integrity.anchor(seq)})
    session.commit()
    return True


def reply(session: Session, vault: Vault, handle: str, text: str, *, question: bool, actor: uuid.UUID) -> Message:
    """Reply to the family through `messages.reply_to_family` (its one `message.reply` entry).

    A question also sets the submission to "needs information" in the same transaction: the status
    change is staged before reply_to_family commits, so both land together or not at all.
    """
    report = get_report(session, handle)
    submission = report.submission
    if submission.status == SubmissionStatus.WITHDRAWN:
        raise Conflict(said("the family withdrew this submission"))
    details: dict[str, Any] = {}
    try:
        if question and integrity_states.require_submission(session, vault, submission.id).status \
                != SubmissionStatus.NEEDS_INFORMATION.value:
            details = integrity.anchor(integrity.write_submission(
                session, vault, submission, status=SubmissionStatus.NEEDS_INFORMATION.value))
        return messages.reply_to_family(session, vault, submission_id=submission.id, author_id=actor, text=text,
                                        report_id=report.id, audit_details=details)
    except Exception:
        session.rollback()
        raise

"""What a family does on the public face: submit, come back with the receipt, add news, withdraw.

The public face holds only public keys. It can seal new rows (each follow-up gets a data key of its
own, wrapped to the inbox) and read what was sealed to keys derived from the family's receipt (the
reviewers' replies, and the names the family typed), but it never reads report content back: the
status page shows those names, plain status columns and dates.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import hmac
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..crypto.encoding import pack
from ..models import Attachment, Message, MessageKind, Report, StatusEvent, Submission, SubmissionStatus
from ..models.sealed import data_keys
from . import messages as message_service
from . import withdrawal
from .errors import Conflict, InvalidInput
from .intake import AlreadyStored, Stored, SubmissionInput, store_submission
from .receipt_lookup import Holder, ReceiptCheck, find_by_receipt

# Re-exported: the receipt half of a family's visit, and a form sent twice.
__all__ = ["AlreadyAdded", "AlreadyStored", "Holder", "ReceiptCheck", "find_by_receipt"]


# --- submitting ------------------------------------------------------------------------------------

def submit(session: Session, data: SubmissionInput, uploads: Sequence[Any], *, check: ReceiptCheck,
           max_reports: int, once: str | None = None) -> Stored:
    """Store a submission and its attachments; return the receipt (shown once, never stored).

    More than `max_reports` people (INTAKE_MAX_RELATIVES) is refused whole: nothing is stored.

    The submission and its files commit together. If storing the files fails, the testimony is
    stored again without them and AttachmentsNotSaved carries its receipt: the words must never be
    lost for the sake of a photo.

    `once`: the random value the form page carried. The receipt is then drawn from it and from what
    the form holds, so the same form sent twice (a double click, a reload of the answer) is stored
    once and shows the same receipt again (AlreadyStored): a second copy would hold the family's
    names under a receipt they never saw, which no withdrawal of theirs could reach. Sent again after
    its files could not be stored, it raises AttachmentsNotSaved again (the files are not taken then).
    """
    if len(data.reports) > max_reports:
        raise InvalidInput(f"a submission describes at most {max_reports} people")
    seed = form_seed(once, data, uploads) if once else None
    try:
        return _submit(session, data, uploads, check=check, seed=seed)
    except AlreadyStored as exc:
        # Sent again after its files could not be stored: say so again, or the page looks as if all
        # had been stored (a reload to try again, or a double click's second answer, once did).
        if uploads and _form_files(session, exc.stored.submission_id) < len(uploads):
            raise AttachmentsNotSaved(exc.stored) from None
        raise


def _form_files(session: Session, submission_id: uuid.UUID) -> int:
    """How many files were stored with the form itself (not with news sent later)."""
    return session.scalar(select(func.count()).select_from(Attachment).where(
        Attachment.submission_id == submission_id, Attachment.own_key.is_(False))) or 0


def _submit(session: Session, data: SubmissionInput, uploads: Sequence[Any], *, check: ReceiptCheck,
            seed: bytes | None) -> Stored:
    if not uploads:
        return store_submission(session, data, pepper=check.pepper, kdf=check.kdf, seed=seed)
    from .attachments import add_attachments

    stored = store_submission(session, data, pepper=check.pepper, kdf=check.kdf, commit=False, seed=seed)
    try:
        add_attachments(session, stored.submission_id, list(uploads), own_key=False)
        session.commit()
        return stored
    except Exception as exc:  # noqa: BLE001 - any failure here must not cost the family their testimony
        session.rollback()
        raise AttachmentsNotSaved(store_submission(session, data, pepper=check.pepper, kdf=check.kdf,
                                                   seed=seed)) from exc


def form_seed(once: str, data: SubmissionInput, uploads: Sequence[Any]) -> bytes:
    """What a sent form's receipt is drawn from: its one-time value and everything it holds (so a
    page whose value a browser put back, sent with other words, is another submission)."""
    content = json.dumps(dataclasses.asdict(data), sort_keys=True, ensure_ascii=False, default=str)
    files = [str(getattr(u, "sha256", "")) for u in uploads]
    return hashlib.sha256(pack("intake/form-seed", 1, once, content, json.dumps(files))).digest()


class AttachmentsNotSaved(Exception):
    """The submission was stored but its files were not; `stored` still holds the receipt."""

    def __init__(self, stored: Stored) -> None:
        super().__init__("attachments were not saved")
        self.stored = stored


# --- coming back with the receipt ------------------------------------------------------------------

def report_handles(session: Session, submission: Submission) -> list[str]:
    return list(session.scalars(select(Report.handle).where(Report.submission_id == submission.id)
                                .order_by(Report.position)))


@dataclass(frozen=True)
class PersonRef:
    """One relative as the family knows them: "Person 2", the names they typed (when the receipt
    opens them) and the handle reviewers use."""

    number: int
    handle: str
    names: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportLine:
    person: PersonRef
    status: str

    @property
    def handle(self) -> str:
        return self.person.handle


@dataclass(frozen=True)
class Reply:
    id: str  # the message id: a family's answer names the question it answers
    on: dt.date
    text: str | None  # None: this one message did not open (damaged)
    about: PersonRef | None  # None: about the whole submission
    answered_on: tuple[dt.date, ...] = ()  # when the family answered it


@dataclass(frozen=True)
class Addition:
    on: dt.date
    kind: str  # "news", "status" or "file"
    about: PersonRef | None
    status: str | None = None


@dataclass(frozen=True)
class StatusView:
    status: str
    created_on: dt.date
    reports: list[ReportLine] = field(default_factory=list)
    replies: list[Reply] = field(default_factory=list)
    additions: list[Addition] = field(default_factory=list)

    @property
    def withdrawn(self) -> bool:
        return self.status == SubmissionStatus.WITHDRAWN.value

    @property
    def people(self) -> list[PersonRef]:
        return [r.person for r in self.reports]


def people_of(session: Session, holder: Holder) -> dict[uuid.UUID, PersonRef]:
    """Report id -> the family's own reference to that person (names opened with the receipt)."""
    names = holder.names() or []
    reports = session.execute(select(Report.id, Report.handle, Report.position).where(
        Report.submission_id == holder.submission.id).order_by(Report.position)).all()
    return {rid: PersonRef(number, handle, tuple(names[position]) if position < len(names) else ())
            for number, (rid, handle, position) in enumerate(reports, start=1)}


def status_view(session: Session, holder: Holder) -> StatusView:
    """What the receipt holder may see. Marks reviewers' messages as read by the family. Commits."""
    submission = holder.submission
    if submission.status == SubmissionStatus.WITHDRAWN.value:
        return StatusView(status=submission.status, created_on=submission.created_on)
    people = people_of(session, holder)
    statuses = {rid: status for rid, status in session.execute(
        select(Report.id, Report.status).where(Report.submission_id == submission.id))}
    own = session.scalars(select(Message).where(
        Message.submission_id == submission.id, Message.kind == MessageKind.FROM_FAMILY.value)).all()
    answers: dict[uuid.UUID, list[dt.date]] = {}
    for m in own:
        if m.in_reply_to_id:
            answers.setdefault(m.in_reply_to_id, []).append(m.created_on)
    replies = []
    for message, text in message_service.family_view(session, submission, holder.reply_keys()):
        replies.append(Reply(id=str(message.id), on=message.created_on, text=text, about=people.get(message.report_id),
                             answered_on=tuple(answers.get(message.id, ()))))
        if text is not None:
            message.read_by_family = True
    additions = [Addition(on=m.created_on, kind="news", about=people.get(m.report_id)) for m in own]
    additions += [Addition(on=e.recorded_on, kind="status", about=people.get(e.report_id), status=e.kind)
                  for e in session.scalars(select(StatusEvent).where(
                      StatusEvent.submission_id == submission.id, StatusEvent.recorded_by_id.is_(None),
                      StatusEvent.own_key.is_(True)))]
    additions += [Addition(on=a.created_on, kind="file", about=people.get(a.report_id))
                  for a in session.scalars(select(Attachment).where(
                      Attachment.submission_id == submission.id, Attachment.own_key.is_(True)))]
    session.commit()
    return StatusView(status=submission.status, created_on=submission.created_on,
                      reports=[ReportLine(person, statuses[rid]) for rid, person in people.items()],
                      replies=replies, additions=sorted(additions, key=lambda a: a.on))


# --- follow-ups ------------------------------------------------------------------------------------

@dataclass
class FollowUp:
    text: str | None = None
    report_handle: str | None = None
    new_status: str | None = None
    event_date: str | None = None  # approximate ISO prefix
    sentence: str | None = None
    uploads: list[Any] = field(default_factory=list)
    in_reply_to: uuid.UUID | None = None  # the reviewers' question this answers
    once: str | None = None  # the random value the page carried (see add_follow_up)


class AlreadyAdded(Exception):
    """This very follow-up was stored before (the same page sent twice)."""


def add_follow_up(session: Session, submission: Submission, news: FollowUp, *, pepper: bytes | None = None) -> None:
    """News, a new status and/or files from the family; each row sealed under a key of its own. Commits.

    A new status is a status event only: the review face applies it to the report at take-in (the
    public face never writes review-side state). A shared row lock keeps it from racing a withdrawal.

    With `news.once` and the pepper, the first row's id is drawn from the page's one-time value and
    what it holds (HMAC under the pepper: the id tells a database reader nothing), so the same page
    sent twice (a double click, a reload of the answer) meets that row and is stored once
    (AlreadyAdded); two sends at once end the same way through the primary key.
    """
    if not (news.text or news.new_status or news.uploads):
        raise InvalidInput("a follow-up needs news, a new status or a file")
    first_id = _first_row_id(pepper, submission.id, news) if news.once and pepper else None
    try:
        _add_follow_up(session, submission, news, first_id)
    except IntegrityError:
        session.rollback()
        if first_id is not None and any(session.get(model, first_id) is not None
                                        for model in (Message, StatusEvent, Attachment)):
            raise AlreadyAdded() from None
        raise


def _first_row_id(pepper: bytes, submission_id: uuid.UUID, news: FollowUp) -> uuid.UUID:
    content = json.dumps([news.text, news.report_handle, news.new_status, news.event_date, news.sentence,
                          str(news.in_reply_to or ""), [str(getattr(u, "sha256", "")) for u in news.uploads]],
                         ensure_ascii=False)
    digest = hmac.new(pepper, pack("intake/follow-up-once", 1, str(submission_id), news.once or "", content),
                      hashlib.sha256).digest()
    return uuid.UUID(bytes=digest[:16], version=4)


def _add_follow_up(session: Session, submission: Submission, news: FollowUp, first_id: uuid.UUID | None) -> None:
    locked = withdrawal.lock_submission(session, submission.id, shared=True)
    if locked is None or locked.status == SubmissionStatus.WITHDRAWN.value:
        session.rollback()
        raise Conflict("this submission was withdrawn")
    report = None
    if news.report_handle:
        report = session.scalars(select(Report).where(Report.submission_id == submission.id,
                                                      Report.handle == news.report_handle)).one_or_none()
        if report is None:
            raise InvalidInput("no such person in this submission")
    question = _question(session, submission, news.in_reply_to) if news.in_reply_to else None
    if report is None and question is not None and question.report_id is not None:
        report = session.get(Report, question.report_id)  # an answer is about whom the question was
    if news.new_status and report is None:
        raise InvalidInput("a new status is about one person")
    keys = data_keys(session)
    if news.text:
        message = Message(**_id(first_id), submission_id=submission.id, report_id=report.id if report else None,
                          kind=MessageKind.FROM_FAMILY.value, own_key=True, author_id=None,
                          in_reply_to_id=question.id if question is not None else None,
                          sequence=message_service.next_sequence(session, submission.id))
        session.add(message)
        keys.create("messages", message.id, via="inbox")
        message.body = news.text
    if news.new_status and report is not None:
        event = StatusEvent(**_id(None if news.text else first_id), report_id=report.id, submission_id=submission.id, own_key=True, kind=news.new_status,
                            sequence=message_service.next_in(session, StatusEvent.sequence,
                                                             StatusEvent.report_id == report.id),
                            recorded_by_id=None)
        session.add(event)
        keys.create("status_events", event.id, via="inbox")
        event.source = "family"
        event.reported_kind = news.new_status  # checked against `kind` before the review face applies it
        if news.event_date:
            event.event_date = news.event_date
        if news.sentence:
            event.sentence = news.sentence
    if news.uploads:
        from .attachments import add_attachments

        add_attachments(session, submission.id, list(news.uploads), report_id=report.id if report else None,
                        own_key=True, first_id=None if news.text or news.new_status else first_id)
    session.commit()


def _id(row_id: uuid.UUID | None) -> dict[str, uuid.UUID]:
    return {"id": row_id} if row_id is not None else {}


def _question(session: Session, submission: Submission, message_id: uuid.UUID) -> Message:
    question = session.scalars(select(Message).where(
        Message.id == message_id, Message.submission_id == submission.id,
        Message.kind == MessageKind.TO_FAMILY.value)).one_or_none()
    if question is None:
        raise InvalidInput("no such question from the reviewers in this submission")
    return question


# --- withdrawal ------------------------------------------------------------------------------------

def withdraw(session: Session, submission: Submission) -> None:
    """Crypto-shred a submission and leave a tombstone (see services/withdrawal.py). Commits.

    Every data key of the submission and of its follow-ups is deleted in the same commit that marks
    it withdrawn; the review face deletes the rows that hang off it and audits that.
    """
    withdrawal.shred(session, submission.id)

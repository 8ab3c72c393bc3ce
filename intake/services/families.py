"""What a family does on the public face: submit, come back with the receipt, add news, withdraw.

The public face holds only public keys. It can seal new rows (each follow-up gets a data key of its
own, wrapped to the inbox) and read what reviewers sealed to the family's receipt-derived key, but
it never reads report content back: the status page shows handles, plain status columns and dates.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto import receipts
from ..crypto.passphrase import KdfParams
from ..models import Attachment, Message, MessageKind, Report, StatusEvent, Submission, SubmissionStatus
from ..models.sealed import data_keys
from . import messages as message_service
from . import withdrawal
from .errors import Conflict, InvalidInput, NotFound
from .intake import Stored, SubmissionInput, store_submission

@dataclass(frozen=True)
class ReceiptCheck:
    """What verifying a receipt needs: the server's pepper and the KDF cost of burn_time."""

    pepper: bytes
    kdf: KdfParams


# --- submitting ------------------------------------------------------------------------------------

def submit(session: Session, data: SubmissionInput, uploads: Sequence[Any], *, check: ReceiptCheck) -> Stored:
    """Store a submission and its attachments; return the receipt (shown once, never stored).

    The submission and its files commit together. If storing the files fails, the testimony is
    stored again without them and AttachmentsNotSaved carries its receipt: the words must never be
    lost for the sake of a photo.
    """
    if not uploads:
        return store_submission(session, data, pepper=check.pepper, kdf=check.kdf)
    from .attachments import add_attachments

    stored = store_submission(session, data, pepper=check.pepper, kdf=check.kdf, commit=False)
    try:
        add_attachments(session, stored.submission_id, list(uploads), own_key=False)
        session.commit()
        return stored
    except Exception as exc:  # noqa: BLE001 - any failure here must not cost the family their testimony
        session.rollback()
        raise AttachmentsNotSaved(store_submission(session, data, pepper=check.pepper, kdf=check.kdf)) from exc


class AttachmentsNotSaved(Exception):
    """The submission was stored but its files were not; `stored` still holds the receipt."""

    def __init__(self, stored: Stored) -> None:
        super().__init__("attachments were not saved")
        self.stored = stored


# --- coming back with the receipt ------------------------------------------------------------------

def find_by_receipt(session: Session, text: str, *, check: ReceiptCheck) -> tuple[Submission, str]:
    """The submission this receipt opens, and its digits. NotFound for unknown and wrong alike.

    An unknown receipt costs the same Argon2id work as a known one, so timing does not tell them apart.
    MalformedReceipt (not 20 digits) is raised before any lookup: the format is public anyway.
    """
    digits = receipts.normalise(text)
    candidates = session.scalars(select(Submission).where(
        Submission.receipt_bucket == receipts.bucket(check.pepper, digits))).all()
    if not candidates:
        receipts.burn_time(check.pepper, check.kdf)
    found = None
    for candidate in candidates:  # every one, always: stopping early would time the match
        if receipts.check_verifier(check.pepper, digits, candidate.receipt_verifier):
            found = candidate
    if found is None:
        raise NotFound("no submission opens with this receipt")
    return found, digits


def report_handles(session: Session, submission: Submission) -> list[str]:
    return list(session.scalars(select(Report.handle).where(Report.submission_id == submission.id)
                                .order_by(Report.position)))


@dataclass(frozen=True)
class ReportLine:
    handle: str
    status: str


@dataclass(frozen=True)
class Reply:
    on: dt.date
    text: str | None  # None: this one message did not open (damaged)
    about: str | None  # a report handle, or None for the whole submission


@dataclass(frozen=True)
class Addition:
    on: dt.date
    kind: str  # "news", "status" or "file"
    about: str | None
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
    def handles(self) -> list[str]:
        return [r.handle for r in self.reports]


def status_view(session: Session, submission: Submission, digits: str) -> StatusView:
    """What the receipt holder may see. Marks reviewers' messages as read by the family. Commits."""
    if submission.status == SubmissionStatus.WITHDRAWN.value:
        return StatusView(status=submission.status, created_on=submission.created_on)
    reports = session.scalars(select(Report).where(Report.submission_id == submission.id)
                              .order_by(Report.position)).all()
    handle = {r.id: r.handle for r in reports}
    replies = []
    for message, text in message_service.family_view(session, submission, digits):
        replies.append(Reply(on=message.created_on, text=text, about=handle.get(message.report_id)))
        if text is not None:
            message.read_by_family = True
    additions = [Addition(on=m.created_on, kind="news", about=handle.get(m.report_id))
                 for m in session.scalars(select(Message).where(
                     Message.submission_id == submission.id, Message.kind == MessageKind.FROM_FAMILY.value))]
    additions += [Addition(on=e.recorded_on, kind="status", about=handle.get(e.report_id), status=e.kind)
                  for e in session.scalars(select(StatusEvent).where(
                      StatusEvent.submission_id == submission.id, StatusEvent.recorded_by_id.is_(None),
                      StatusEvent.own_key.is_(True)))]
    additions += [Addition(on=a.created_on, kind="file", about=handle.get(a.report_id))
                  for a in session.scalars(select(Attachment).where(
                      Attachment.submission_id == submission.id, Attachment.own_key.is_(True)))]
    session.commit()
    return StatusView(status=submission.status, created_on=submission.created_on,
                      reports=[ReportLine(r.handle, r.status) for r in reports], replies=replies,
                      additions=sorted(additions, key=lambda a: a.on))


# --- follow-ups ------------------------------------------------------------------------------------

@dataclass
class FollowUp:
    text: str | None = None
    report_handle: str | None = None
    new_status: str | None = None
    event_date: str | None = None  # approximate ISO prefix
    sentence: str | None = None
    uploads: list[Any] = field(default_factory=list)


def add_follow_up(session: Session, submission: Submission, news: FollowUp) -> None:
    """News, a new status and/or files from the family; each row sealed under a key of its own. Commits.

    A new status is a status event only: the review face applies it to the report at take-in (the
    public face never writes review-side state). A shared row lock keeps it from racing a withdrawal.
    """
    if not (news.text or news.new_status or news.uploads):
        raise InvalidInput("a follow-up needs news, a new status or a file")
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
    if news.new_status and report is None:
        raise InvalidInput("a new status is about one person")
    keys = data_keys(session)
    if news.text:
        message = Message(submission_id=submission.id, report_id=report.id if report else None,
                          kind=MessageKind.FROM_FAMILY.value, own_key=True, author_id=None,
                          sequence=message_service.next_sequence(session, submission.id))
        session.add(message)
        keys.create("messages", message.id, via="inbox")
        message.body = news.text
    if news.new_status and report is not None:
        event = StatusEvent(report_id=report.id, submission_id=submission.id, own_key=True, kind=news.new_status,
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
                        own_key=True)
    session.commit()


# --- withdrawal ------------------------------------------------------------------------------------

def withdraw(session: Session, submission: Submission) -> None:
    """Crypto-shred a submission and leave a tombstone (see services/withdrawal.py). Commits.

    Every data key of the submission and of its follow-ups is deleted in the same commit that marks
    it withdrawn; the review face deletes the rows that hang off it and audits that.
    """
    withdrawal.shred(session, submission.id)

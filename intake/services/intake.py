"""Storing a submission on the public face: seal everything, keep nothing readable."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..crypto import receipts
from ..crypto.passphrase import KdfParams
from ..models import Report, Submission
from ..models.sealed import data_keys
from .consent import consent_record


@dataclass
class ReportInput:
    """One detained relative as the family describes them. Every field but `names` is optional."""

    names: list[dict[str, str]]
    gender: str | None = None
    birth_date: str | None = None
    ethnicity: str | None = None
    home_county: str | None = None
    home_place_text: str | None = None
    id_number: str | None = None
    occupation: str | None = None
    detention_date: str | None = None
    detention_place: str | None = None
    facility: str | None = None
    facility_type: str | None = None
    status: str = "unknown"
    sentence: str | None = None
    last_contact: str | None = None
    submitter_relationship: str | None = None
    testimony: str | None = None


@dataclass
class SubmissionInput:
    language: str
    reports: list[ReportInput]
    consent_share_research: bool = False
    consent_contact: bool = False
    consent_publish_name: bool = False
    contact: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Stored:
    submission_id: Any
    report_handles: list[str]
    receipt: str  # shown once to the family, never stored
    names: list[list[str]] = field(default_factory=list)  # per person, as typed (for the receipt page)


_SEALED = ("names", "gender", "birth_date", "ethnicity", "home_county", "home_place_text", "id_number",
           "occupation", "detention_date", "detention_place", "facility", "facility_type", "sentence", "last_contact",
           "submitter_relationship", "testimony")


class AlreadyStored(Exception):
    """This very form was stored before (sent twice): `stored` is that submission, with its receipt."""

    def __init__(self, stored: Stored) -> None:
        super().__init__("this form was stored already")
        self.stored = stored


def store_submission(session: Session, data: SubmissionInput, *, pepper: bytes, kdf: KdfParams,
                     commit: bool = True, seed: bytes | None = None) -> Stored:
    """Seal and store one submission with its reports; return the receipt.

    Commits unless `commit=False`, for callers that add more (attachments) in the same transaction.
    With `seed` (the form's one-time value and what it holds, see families.submit) the receipt is
    drawn from it: when a submission with that receipt exists already, the same form was sent twice,
    and AlreadyStored names it instead of storing a second copy, which the family, holding one
    receipt, could never withdraw.
    """
    if not data.reports:
        raise ValueError("a submission describes at least one person")
    if seed is not None:
        try:
            return _store(session, data, pepper=pepper, kdf=kdf, commit=commit,
                          digits=_receipt_of_form(session, data, pepper, kdf, seed))
        except IntegrityError:  # the same form, sent twice at once: the other request stored it
            session.rollback()
            _receipt_of_form(session, data, pepper, kdf, seed)  # raises AlreadyStored when it is so
            raise
    return _store(session, data, pepper=pepper, kdf=kdf, commit=commit, digits=_free_receipt(session, pepper))


def _store(session: Session, data: SubmissionInput, *, pepper: bytes, kdf: KdfParams, commit: bool,
           digits: str) -> Stored:
    verifier, stretched = receipts.make_verifier(pepper, digits, kdf)
    submission = Submission(language=data.language,
                            receipt_selector=receipts.selector(pepper, digits), receipt_verifier=verifier)
    submission.reply_public_key = stretched.reply_public_key(submission.id)
    names = [[n["value"] for n in item.names if n.get("value")] for item in data.reports]
    submission.family_names = receipts.seal_names(stretched, submission.id, names)
    session.add(submission)
    data_keys(session).create("submissions", submission.id, via="inbox")
    # The family's choices are sealed under the submission's key, bound to this row: nothing that
    # can write the database can turn a "no" into a "yes" (services/consent.py reads them).
    submission.consent = consent_record(share_research=data.consent_share_research, contact=data.consent_contact,
                                        publish_name=data.consent_publish_name)
    if data.contact:
        submission.contact = data.contact
    handles = [seal_report(session, submission, position, item).handle for position, item in enumerate(data.reports)]
    if commit:
        session.commit()
    else:
        session.flush()
    return Stored(submission_id=submission.id, report_handles=handles, receipt=receipts.grouped(digits), names=names)


def seal_report(session: Session, submission: Submission, position: int, item: ReportInput) -> Report:
    """One report of a new submission, every field sealed under the submission's data key (which
    the caller created). The form and the import of lists both store reports through here."""
    # Review-side state (status, verification, person) is not ours to write: the situation the
    # family gave is sealed, and the review face makes it the report's status at take-in.
    report = Report(submission=submission, position=position)
    report.reported_status = item.status
    for name in _SEALED:
        value = getattr(item, name)
        if value not in (None, "", []):
            setattr(report, name, value)
    session.add(report)
    return report


_SEEDED_DRAWS = 8  # each further draw follows a selector another receipt holds (1 in 100 at a million)


def _receipt_of_form(session: Session, data: SubmissionInput, pepper: bytes, kdf: KdfParams, seed: bytes) -> str:
    """The receipt digits the form's seed draws, or AlreadyStored if a submission already opens with
    them. A selector held by another receipt (which these digits do not open) draws again."""
    bounds = receipts.KdfBounds.around(kdf)
    for attempt in range(_SEEDED_DRAWS):
        digits = receipts.normalise(receipts.from_seed(pepper, seed, attempt))
        row = session.scalars(select(Submission).where(
            Submission.receipt_selector == receipts.selector(pepper, digits))).one_or_none()
        if row is None:
            return digits
        if receipts.open_verifier(pepper, digits, row.receipt_verifier, bounds) is not None:
            handles = list(session.scalars(select(Report.handle).where(Report.submission_id == row.id)
                                           .order_by(Report.position)))
            names = [[n["value"] for n in item.names if n.get("value")] for item in data.reports]
            raise AlreadyStored(Stored(submission_id=row.id, report_handles=handles,
                                       receipt=receipts.grouped(digits), names=names))
    return _free_receipt(session, pepper)


def _free_receipt(session: Session, pepper: bytes) -> str:
    """New receipt digits whose selector no stored receipt uses (the column is unique; at a million
    submissions one draw in a hundred collides and is drawn again)."""
    while True:
        digits = receipts.normalise(receipts.new_receipt())
        if not session.scalar(select(exists().where(Submission.receipt_selector == receipts.selector(pepper, digits)))):
            return digits

"""Messages between reviewers and a family.

A reply to the family is stored twice: sealed under the submission's data key (so reviewers can
read the thread) and HPKE-sealed to the family's receipt-derived key (so the public face can show
it to the receipt holder without holding any review key).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..crypto import receipts
from ..crypto.errors import CryptoError, DecryptionError
from ..crypto.keys import PrivateKey
from ..crypto.vault import Vault
from ..models import Message, MessageKind, Submission, SubmissionStatus
from ..wording import said
from . import audit
from .errors import Conflict, InvalidInput, NotFound


def next_in(session: Session, column: Any, *where: Any) -> int:
    """The next number of a per-parent sequence (messages of a submission, status events of a report)."""
    return (session.scalar(select(func.max(column)).where(*where)) or 0) + 1


def next_sequence(session: Session, submission_id: uuid.UUID) -> int:
    return next_in(session, Message.sequence, Message.submission_id == submission_id)


def reply_to_family(session: Session, vault: Vault, *, submission_id: uuid.UUID, author_id: uuid.UUID | None,
                    text: str, report_id: uuid.UUID | None = None,
                    audit_details: dict[str, Any] | None = None) -> Message:
    """A reviewer's question or answer to the family. Commits; audited (with `audit_details` added)."""
    text = text.strip()
    if not text:
        raise InvalidInput(said("a reply needs some text"))
    vault.require_readable()
    submission = session.get(Submission, submission_id)
    if submission is None:
        raise NotFound(said("no such submission"))
    if submission.reply_key_pinned is None:  # pinned at take-in, cleared by a withdrawal
        if submission.status == SubmissionStatus.WITHDRAWN.value:
            raise Conflict(said("the family withdrew this submission"))
        submission.reply_key_pinned = submission.reply_public_key  # not taken in yet: pinned now, as take-in would
    message = Message(submission_id=submission_id, report_id=report_id, kind=MessageKind.TO_FAMILY.value,
                      author_id=author_id, sequence=next_sequence(session, submission_id))
    message.body = text
    message.for_family = receipts.seal_for_family(submission.reply_key_pinned, submission_id, message.id, text)
    session.add(message)
    session.flush()
    audit.record(session, vault, actor=str(author_id) if author_id else "system", action="message.reply",
                 object_type="submission", object_id=str(submission_id),
                 details={"message": str(message.id), **(audit_details or {})})
    session.commit()
    return message


def family_view(session: Session, submission: Submission,
                reply_keys: list[PrivateKey]) -> list[tuple[Message, str | None]]:
    """The messages sealed to the family, opened with the keys their receipt gives (public face; no
    review key needed; see receipt_lookup.Holder.reply_keys).

    A message that does not open (damaged) comes back as None, so the page can say one message is
    unreadable instead of hiding every other one; with a wrong receipt nothing opens at all.
    """
    rows = session.scalars(select(Message).where(
        Message.submission_id == submission.id, Message.kind == MessageKind.TO_FAMILY.value,
        Message.for_family.is_not(None), Message.retracted.is_(False)).order_by(Message.sequence)).all()
    opened: list[tuple[Message, str | None]] = []
    for message in rows:
        try:
            opened.append((message, receipts.open_for_family(reply_keys, submission.id, message.id,
                                                                 message.for_family)))
        except CryptoError:
            opened.append((message, None))
    if rows and all(text is None for _, text in opened):
        raise DecryptionError("no reply to this family opens with this receipt")
    return opened

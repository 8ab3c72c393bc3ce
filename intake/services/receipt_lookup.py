"""Finding the submission a receipt opens: one Argon2id at any size, equal work for known and unknown.

A 24-digit receipt: the keyed selector finds at most one row by index, then one Argon2id (or
burn_time when no row or an unusable verifier answers). A 20-digit (legacy) receipt first goes the
same way (it may already have moved to the current scheme), then through its legacy bucket:
every unmoved receipt in the bucket is verified, with no early exit, and an empty bucket still
costs one verification. Its cost is therefore 1 + (legacy rows in its bucket) Argon2id; no new
row ever enters a bucket and every successful check moves its row out, so the largest bucket only
shrinks. A legacy receipt that opens moves to the current scheme in the same request (its selector
from its first 8 digits), unless another receipt already holds that selector: then it stays in
its bucket, still accepted.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..crypto import receipts
from ..crypto.errors import CryptoError
from ..crypto.keys import PrivateKey
from ..crypto.passphrase import KdfParams
from ..models import Submission
from .errors import NotFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReceiptCheck:
    """What verifying a receipt needs: the server's pepper and the configured Argon2id cost (the floor
    of what a stored verifier may name, and the cost of burn_time)."""

    pepper: bytes
    kdf: KdfParams

    @property
    def bounds(self) -> receipts.KdfBounds:
        return receipts.KdfBounds.around(self.kdf)


@dataclass(frozen=True)
class Holder:
    """The receipt holder of one request: the submission, the digits, and the stretched receipt
    (None only for a legacy receipt that could not move to the current scheme)."""

    submission: Submission
    digits: str
    stretched: receipts.Stretched | None

    def reply_keys(self) -> list[PrivateKey]:
        """Every reply key this receipt has had: replies sealed before a legacy receipt moved stay readable."""
        keys = [self.stretched.reply_private_key(self.submission.id)] if self.stretched else []
        if receipts.is_legacy(self.digits):
            keys.append(receipts.legacy_reply_private_key(self.digits, self.submission.id))
        return keys

    def names(self) -> list[list[str]] | None:
        """The names the family typed, per person; None when this submission has none sealed for them,
        or when they do not open (damaged): the page then shows references, never a wrong name."""
        blob = self.submission.family_names
        if self.stretched is None or not blob:
            return None
        try:
            return receipts.open_names(self.stretched, self.submission.id, blob)
        except (CryptoError, ValueError):
            log.error("the family's names of a submission did not open")
            return None


def find_by_receipt(session: Session, text: str, *, check: ReceiptCheck) -> Holder:
    """The holder this receipt opens. NotFound for unknown and wrong alike; MalformedReceipt (the
    format is public anyway) before any lookup. May commit (a legacy receipt moving schemes)."""
    digits = receipts.normalise(text)
    found = _by_selector(session, digits, check)
    if receipts.is_legacy(digits):
        legacy = _by_bucket(session, digits, check)  # always, so the work does not tell which path held it
        if found is None and legacy is not None:
            found = _move_to_selector(session, legacy, digits, check)
    if found is None:
        raise NotFound("no submission opens with this receipt")
    return found


def _by_selector(session: Session, digits: str, check: ReceiptCheck) -> Holder | None:
    row = session.scalars(select(Submission).where(
        Submission.receipt_selector == receipts.selector(check.pepper, digits))).one_or_none()
    verifier = row.receipt_verifier if row is not None else None
    stretched = receipts.open_verifier(check.pepper, digits, verifier, check.bounds)  # burns when None
    return Holder(row, digits, stretched) if row is not None and stretched is not None else None


def _by_bucket(session: Session, digits: str, check: ReceiptCheck) -> Submission | None:
    candidates = session.scalars(select(Submission).where(
        Submission.receipt_selector.is_(None),
        Submission.receipt_bucket == receipts.bucket(check.pepper, digits))).all()
    if not candidates:
        receipts.burn_time(check.pepper, check.kdf)
    found = None
    for candidate in candidates:  # every one, always: stopping early would time the match
        if receipts.check_legacy_verifier(check.pepper, digits, candidate.receipt_verifier, check.bounds):
            found = candidate
    return found


def _move_to_selector(session: Session, submission: Submission, digits: str, check: ReceiptCheck) -> Holder:
    """Move a legacy receipt that just opened to the current scheme (selector, verifier, reply key)."""
    selector = receipts.selector(check.pepper, digits)
    if session.scalar(select(exists().where(Submission.receipt_selector == selector))):
        return Holder(submission, digits, None)  # another receipt holds this selector: stay in the bucket
    verifier, stretched = receipts.make_verifier(check.pepper, digits, check.kdf)
    submission.receipt_selector, submission.receipt_verifier = selector, verifier
    submission.receipt_bucket = None
    submission.reply_public_key = stretched.reply_public_key(submission.id)
    try:
        session.commit()
    except IntegrityError:  # the same selector claimed at this very moment by another request
        session.rollback()
        submission = session.get(Submission, submission.id)
        return Holder(submission, digits, None)
    return Holder(submission, digits, stretched)

"""A report's sealed fields in one ciphertext, for whole-store jobs.

Each sealed field of a report is its own AES-GCM ciphertext (crypto/fields.py), which is what a page
needs (the inbox opens the names and county only) and what the public face writes. A whole-store
job opens every field of every report: eighteen decryptions and as many columns fetched per report
were most of the bulk path's cost. So the review face, at take-in, opens the fields it has just
re-wrapped the key of and writes them once more as one ciphertext (`reports.packed`), under the same
data key and in the same format, bound to its table, column "packed", row and key; `flask index
rebuild` writes it for reports taken in before it existed. The bulk path (services/bulk.py) reads
the packed copy where `packed_version` is the current one and the field columns elsewhere.

What this does and does not change:
- the same data key encrypts both copies, so a withdrawal's shredding reaches both;
- the public face never writes it (its grants name the columns it may insert), and take-in
  overwrites whatever the row held;
- the copy is made from the authenticated field ciphertexts and the fields are never rewritten after
  a submission (services/intake.py writes them once), so the two copies say the same;
- the plaintext inside carries its own version: a copy of an older layout (fewer fields) is refused,
  never read as if the missing fields were empty. A new sealed field means a new PACKED_VERSION: the
  bulk path then reads the fields until a rebuild has packed every report again.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from typing import Any

import orjson
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..crypto import fields as field_crypto
from ..crypto.errors import CryptoError, DecryptionError
from ..models import Report, Submission, SubmissionStatus
from ..models.report import SEALED_REPORT_FIELDS
from ..models.sealed import data_keys

TEXT_FIELDS = tuple(f for f in SEALED_REPORT_FIELDS if f != "names") + ("reported_status",)
ALL_FIELDS = ("names", *TEXT_FIELDS)
PACKED_VERSION = 1  # the layout: [version, names, *TEXT_FIELDS]
COLUMN = "packed"


def pack(values: Sequence[Any]) -> bytes:
    """The plaintext of a packed copy: `values` are ALL_FIELDS' decoded values, in order."""
    if len(values) != len(ALL_FIELDS):
        raise ValueError("a packed copy holds every sealed field")
    return orjson.dumps([PACKED_VERSION, *values])


def unpack(row_id: uuid.UUID, plain: bytes) -> list[Any]:
    """ALL_FIELDS' values from an opened packed copy (refused if not of the current layout)."""
    try:
        values = orjson.loads(plain)  # orjson: a million of these per job, at 40 % of json's cost
    except ValueError:  # orjson.JSONDecodeError, also for bytes that are not UTF-8
        raise DecryptionError(f"reports.packed of row {row_id} decoded to garbage") from None
    if not isinstance(values, list) or len(values) != len(ALL_FIELDS) + 1 or values[0] != PACKED_VERSION:
        raise DecryptionError(f"reports.packed of row {row_id} is not of the current layout; "
                              "run `flask index rebuild`")
    return values[1:]


def seal_copy(session: Session, report: Report) -> bool:
    """Write the report's packed copy from its sealed fields, opened through the model (which holds
    the data key for this transaction), replacing whatever the row held. False if a field cannot be
    opened: the report is then left without a copy, and the bulk path reads (and reports) its fields."""
    try:
        values = [getattr(report, name) for name in ALL_FIELDS]
        dek_id, dek = data_keys(session).get(*report.dek_owner())
    except CryptoError:
        report.packed_sealed = report.packed_version = None
        return False
    report.packed_sealed = field_crypto.encrypt_field(dek, dek_id, "reports", COLUMN, report.id, pack(values))
    report.packed_version = PACKED_VERSION
    return True


def _lacking() -> Any:
    """Taken-in, not withdrawn reports without a packed copy of the current layout."""
    return and_(Submission.in_working_store.is_(True), Submission.status != SubmissionStatus.WITHDRAWN.value,
                or_(Report.packed_version.is_(None), Report.packed_version != PACKED_VERSION))


def missing_count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Report).join(
        Submission, Submission.id == Report.submission_id).where(_lacking())) or 0


def missing(session: Session, *, after: uuid.UUID | None, limit: int) -> list[Report]:
    """Reports lacking a packed copy of the current layout, by id."""
    query = (select(Report).join(Submission, Submission.id == Report.submission_id).where(_lacking())
             .order_by(Report.id).limit(limit))
    if after is not None:
        query = query.where(Report.id > after)
    return list(session.scalars(query))


def backfill(session: Session, *, batch: int = 500,
             progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Write the packed copy of every report lacking one of the current layout, a batch per commit
    (killed at any point, the next run carries on). Returns (written, unreadable)."""
    written = unreadable = 0
    last: uuid.UUID | None = None
    while reports := missing(session, after=last, limit=batch):
        last = reports[-1].id
        data_keys(session).prefetch("submissions", {r.submission_id for r in reports})
        for report in reports:
            if seal_copy(session, report):
                written += 1
            else:  # left to the fields, which whole-store jobs read and report
                unreadable += 1
        session.commit()
        if progress:
            progress(len(reports))
    return written, unreadable

"""Importing advocates' lists into the store (review face: the admin page and `flask import`).

`prepare` reads a file, applies a column mapping and runs the dry run (imports/plan.py) against
the fingerprints of rows imported before; `store` then seals the plan's ready rows exactly as the
public form does: one submission per row, its data key wrapped to the inbox (HPKE to the review
public key), every field sealed by `intake.seal_report`, consent sealed like the family's (origin
"imported"). Take-in then re-wraps, indexes, seals state and (once it exists) scores duplicates
for them as for any submission. No receipt is made: no family holds one for an imported row.

All or nothing: one transaction per import; a row that fails, a race with another import of the
same rows (the fingerprint column is unique) or any error rolls everything back. The file, its
cells and the plan live in memory only; the audit log gets ids and counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..crypto.blind_index import index_key
from ..crypto.vault import Vault
from ..imports import ImportFileError, ImportPlan, Limits, Mapping, MappingError, Sheet, confirm, dry_run, read_table
from ..imports import suggest as suggest_mapping
from ..imports.fingerprint import fingerprint as row_fingerprint
from ..imports.plan import PlannedRow, RowState
from ..models import ImportedRow, ImportSource, Submission
from ..models.prebuilt import Prebuilt
from ..models.sealed import data_keys
from ..wording import Said, said
from . import audit
from .consent import consent_record
from .errors import Conflict, InvalidInput
from .intake import seal_report
from .integrity import chunks

log = logging.getLogger(__name__)
MAX_SOURCE_NAME = 200
MAX_CONSENT_BASIS = 1000
BATCH = 500  # rows flushed (and let go of) at a time, inside the one transaction


@dataclass(frozen=True)
class Consent:
    """What the list's keepers hold, as the importer states it. Default: no sharing, no contact."""

    share_research: bool = False
    contact: bool = False
    basis: str = ""  # how the consent was obtained; required when anything is allowed


class MappingRefused(InvalidInput):
    """The file was read but the mapping cannot be used: `sheet` lets a page offer another."""

    def __init__(self, message: Said, sheet: Sheet, targets: list[str]) -> None:
        super().__init__(message)
        self.sheet = sheet
        self.targets = targets


@dataclass
class Prepared:
    sheet: Sheet
    mapping: Mapping
    plan: ImportPlan
    file_sha256: str
    file_name: str


@dataclass(frozen=True)
class Result:
    source_id: uuid.UUID | None  # None: nothing was new
    imported: int
    skipped: int  # already imported (also by an import that finished after the dry run), repeated or blocked
    report_handles: list[str]


def fingerprint_key(vault: Vault) -> bytes:
    """The review-side key of row fingerprints (derived from the current index root, never stored)."""
    return index_key(vault.require_index_root(), "import-row")


def _older_fingerprint_keys(vault: Vault) -> list[bytes]:
    """Keys of fingerprints stored before an index-key rotation (every other index root held), so
    that a rotation never lets the same rows in twice."""
    current = vault.require_index_root()
    roots = getattr(vault, "index_keys", {}) or {}
    return [index_key(root, "import-row") for root in roots.values() if root != current]


def read(data: bytes, file_name: str, *, encoding: str | None = None, sheet: str | None = None,
         limits: Limits = Limits()) -> Sheet:
    try:
        return read_table(data, file_name, encoding=encoding or None, sheet=sheet or None, limits=limits)
    except ImportFileError as exc:
        raise InvalidInput(exc.args[0]) from None  # a Said: translated where a page shows it


def suggested_targets(sheet: Sheet) -> list[str]:
    return [choice.target for choice in suggest_mapping(sheet.headers)]


def prepare(session: Session, vault: Vault, data: bytes, file_name: str, *, importer: str,
            targets: Sequence[str] | None = None, encoding: str | None = None, sheet_name: str | None = None,
            day_first: bool | None = None, limits: Limits = Limits(), audit_actor: str | None = None,
            sheet: Sheet | None = None) -> Prepared:
    """Read (unless `sheet` is the file already read), map (the suggestion when `targets` is None)
    and dry-run a file. Stores nothing but, when `audit_actor` is given, an audit entry with the
    counts (the caller commits)."""
    sheet = sheet or read(data, file_name, encoding=encoding, sheet=sheet_name, limits=limits)
    chosen = list(targets) if targets is not None else suggested_targets(sheet)
    try:
        mapping = confirm(sheet.headers, chosen)
    except MappingError as exc:
        raise MappingRefused(exc.args[0], sheet, chosen) from None
    plan = dry_run(sheet, mapping, file_name=file_name, file_bytes=data, importer=importer,
                   key=fingerprint_key(vault), day_first=day_first)
    # Rows stored by an earlier import: looked up by this file's fingerprints, a chunk at a time
    # (never every fingerprint of the store in memory). Such a row, or a repeat of it, is "already".
    marks = {r.number: [r.fingerprint] for r in plan.rows if r.fingerprint and r.report is not None}
    for key in _older_fingerprint_keys(vault):
        for row in plan.rows:
            if row.number in marks:
                marks[row.number].append(row_fingerprint(row.report, key))  # type: ignore[arg-type]
    known = _stored(session, [m for ms in marks.values() for m in ms])
    for row in plan.rows:
        if any(m in known for m in marks.get(row.number, ())):
            row.state, row.same_as = RowState.ALREADY, None
    digest = hashlib.sha256(data).hexdigest()
    if audit_actor is not None:
        counts = plan.summary()
        audit.record(session, vault, actor=audit_actor, action="import.dry_run", object_type="file",
                     object_id=digest[:32], details={"rows": len(plan.rows), "ready": counts[RowState.READY.value],
                                                     "blocked": counts[RowState.BLOCKED.value]})
    return Prepared(sheet, mapping, plan, digest, file_name)


def _stored(session: Session, fingerprints: list[str]) -> set[str]:
    """Which of these fingerprints an earlier import stored."""
    return {f for chunk in chunks(list(dict.fromkeys(fingerprints)))
            for f in session.scalars(select(ImportedRow.fingerprint).where(ImportedRow.fingerprint.in_(chunk)))}


def _check_options(source_name: str, consent: Consent) -> str:
    name = " ".join(source_name.split())
    if not name:
        raise InvalidInput(said("Name the source of the list (the organisation or person who kept it)."))
    if len(name) > MAX_SOURCE_NAME:
        raise InvalidInput(said("The source's name is longer than %(num)s characters.", num=MAX_SOURCE_NAME))
    if (consent.share_research or consent.contact) and not consent.basis.strip():
        raise InvalidInput(said("Say on what basis the families agreed (for example, signed consent forms kept by "
                                "the source): sharing or contact needs it."))
    if len(consent.basis) > MAX_CONSENT_BASIS:
        raise InvalidInput(said("The consent basis is longer than %(num)s characters.", num=MAX_CONSENT_BASIS))
    return name


def store(session: Session, vault: Vault, prepared: Prepared, *, source_name: str, consent: Consent, actor: str,
          progress: Callable[[int], None] | None = None) -> Result:
    """Seal and store the ready rows of a dry run, with their source; commits once, or not at all."""
    name = _check_options(source_name, consent)
    vault.require_review_public()
    plan = prepared.plan
    ready = plan.ready
    # Imported since the dry run? (Checked again here; the unique column is the last word.)
    known = _stored(session, [r.fingerprint for r in ready if r.fingerprint])
    rows = [r for r in ready if r.fingerprint not in known]
    if not rows:  # the same file twice adds nothing: not even a source
        audit.record(session, vault, actor=actor, action="import.stored", object_type="import_source",
                     details={"rows": 0, "skipped": len(plan.rows)})
        session.commit()
        return Result(None, 0, len(plan.rows), [])
    try:
        source = ImportSource(imported_by=actor[:64], file_sha256=prepared.file_sha256, file_kind=prepared.sheet.kind,
                              rows_read=len(plan.rows), rows_imported=len(rows),
                              consent_share_research=consent.share_research, consent_contact=consent.contact)
        session.add(source)
        data_keys(session).create("import_sources", source.id, via="kek")
        source.name = name
        source.file_name = prepared.file_name
        if consent.basis.strip():
            source.consent_basis = consent.basis.strip()
        handles: list[str] = []
        for start in range(0, len(rows), BATCH):
            # Flushed a batch at a time: the identity map holds flushed rows weakly, so 100,000
            # rows do not pile up in memory (nor their plaintext, cached on the objects).
            batch = [_store_row(session, source, name, row, consent) for row in rows[start:start + BATCH]]
            session.flush()
            handles += batch
            if progress:
                progress(len(batch))
        audit.record(session, vault, actor=actor, action="import.stored", object_type="import_source",
                     object_id=str(source.id), details={"rows": len(rows), "skipped": len(plan.rows) - len(rows),
                                                        "share_research": consent.share_research,
                                                        "contact": consent.contact})
        session.commit()
    except IntegrityError as exc:
        session.rollback()
        log.warning("import refused by a constraint: %s", type(exc.orig).__name__)
        raise Conflict(said("Another import stored some of these rows at the same time. Nothing was stored: run the "
                            "dry run again.")) from None
    except BaseException:
        session.rollback()
        raise
    log.info("import %s: %d rows stored, %d skipped", source.id, len(rows), len(plan.rows) - len(rows))
    return Result(source.id, len(rows), len(plan.rows) - len(rows), handles)


def _store_row(session: Session, source: ImportSource, source_name: str, row: PlannedRow,
               consent: Consent) -> str:
    assert row.report is not None and row.fingerprint is not None and row.source is not None
    submission = Submission(language=None)
    session.add(submission)
    data_keys(session).create("submissions", submission.id, via="inbox")
    submission.consent = consent_record(share_research=consent.share_research, contact=consent.contact,
                                        publish_name=False, origin="imported")
    report = seal_report(session, submission, 0, row.report)
    marker = ImportedRow(report=report, submission_id=submission.id, source=source, fingerprint=row.fingerprint)
    marker.attribution = {"source_id": str(source.id), "source": source_name, "file_name": row.source.file_name,
                          "file_sha256": row.source.file_sha256, "row": row.source.row_number,
                          "importer": row.source.importer, "imported_on": row.source.imported_on.isoformat()}
    session.add(marker)
    return report.handle


@dataclass(frozen=True)
class Attribution:
    source_id: uuid.UUID
    source: str
    file_name: str
    row: int
    imported_on: dt.date


def attributions(session: Session, report_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, Attribution]:
    """Where each imported report came from (decrypted: review face; reports not imported are absent)."""
    out: dict[uuid.UUID, Attribution] = {}
    for marker in session.scalars(_ATTRIBUTIONS(session), {"ids": list(report_ids)}):
        value = marker.attribution or {}
        out[marker.report_id] = Attribution(marker.source_id, str(value.get("source", "")),
                                            str(value.get("file_name", "")), int(value.get("row", 0)),
                                            dt.date.fromisoformat(str(value.get("imported_on"))))
    return out


# Read on every report page: built once (models/prebuilt.py).
_ATTRIBUTIONS = Prebuilt(lambda among: select(ImportedRow).where(among(ImportedRow.report_id, "ids")))


def sources(session: Session) -> list[ImportSource]:
    return list(session.scalars(select(ImportSource).order_by(ImportSource.imported_at.desc())))

"""Stored reports as the matcher's rows, in memory only, and the candidates a new report's blind
indexes find.

A row is a dict of RAW_FIELDS (resolution/prepare.py): the shape `flask dedup csv` reads, so the
matcher sees stored reports and CSV files alike. Rows are built from decrypted fields and never
leave the process: nothing here logs, stores or raises with a value in it.

Reading goes through the shared bulk path (services/bulk.py: Core batches, no ORM object holds
plaintext), compared fields only, verified reports only, a batch at a time.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import BlindIndex, Report, Submission
from ..models.prebuilt import Prebuilt
from . import blind_indexes, bulk, integrity, thesauri

# The sealed columns the matcher compares: a pair's fingerprint covers their ciphertexts.
COMPARED = ("names", "gender", "birth_date", "home_county", "home_place_text", "id_number", "detention_date",
            "facility", "submitter_relationship")
MAX_CANDIDATES = 60  # per new report, those sharing the most blocking keys: bounds the slowest take-ins


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def row_of(report_id: uuid.UUID, fields: Mapping[str, Any]) -> dict[str, str | None]:
    """The matcher's row for one report's decrypted fields. Named parts (given, father) go to their
    columns; otherwise the first full name is the given-name column (the matcher splits it) and
    the next one, usually in another script, the alternative full name."""
    given = father = None
    others: list[str] = []
    for entry in fields.get("names") or []:
        if not isinstance(entry, Mapping) or not (value := _text(entry.get("value"))):
            continue
        kind = entry.get("kind")
        if kind == "given" and given is None:
            given = value
        elif kind == "father" and father is None:
            father = value
        else:
            others.append(value)
    if given is None and others:
        given = others.pop(0)
    county = _text(fields.get("home_county"))
    place = thesauri.place(county) if county else None
    return {
        "report_id": str(report_id), "given_name": given, "father_name": father,
        "full_name_alt": others[0] if others else None, "gender": _text(fields.get("gender")),
        "birth_date": _text(fields.get("birth_date")),
        "home_place": place.zh if place else (_text(fields.get("home_place_text")) or county),
        "chinese_id": _text(fields.get("id_number")), "detention_year": _text(fields.get("detention_date")),
        "facility": _text(fields.get("facility")),
        "reporter_relationship": _text(fields.get("submitter_relationship")),
    }


def rows_for(session: Session, vault: Vault, report_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    """Rows of these reports, decrypted in memory through the bulk path (services/bulk.py); reports
    that cannot be read or whose state does not verify are left out."""
    out: dict[uuid.UUID, dict[str, Any]] = {}
    for batch in bulk.iter_reports(session, vault, report_ids=list(report_ids), fields=COMPARED):
        out.update(rows_of(batch))
    return out


def rows_of(batch: list[bulk.PlainReport]) -> dict[uuid.UUID, dict[str, Any]]:
    """The usable reports of a bulk batch as rows (module-level: map_reports sends it to workers)."""
    return {r.id: row_of(r.id, {name: getattr(r, name) for name in COMPARED})
            for r in batch if r.readable and r.state_ok}


def feature_columns_of(batch: list[bulk.PlainReport]) -> tuple[list[Any], ...]:
    """The matcher's feature records of a bulk batch's usable reports, as columns (normalised forms
    only: module-level, map_reports runs it in its workers)."""
    from ..dedup.features import feature_columns

    return feature_columns(rows_of(batch).values())


def store_size(session: Session) -> int:
    """How many reports the working store holds (for progress bars)."""
    return session.scalar(select(func.count()).select_from(Report).join(Submission, Submission.id == Report.submission_id)
                          .where(Submission.in_working_store.is_(True))) or 0


_SEALED_COLUMNS = (Report.id, *(getattr(Report, f"{name}_sealed") for name in COMPARED))
# The ids as one array parameter on PostgreSQL.
_SEALED = Prebuilt(lambda among: select(*_SEALED_COLUMNS).where(among(Report.id, "ids")))


def fingerprints(session: Session, report_ids: Iterable[uuid.UUID], *, scan: bool = False) -> dict[uuid.UUID, bytes]:
    """SHA-256 over each report's ciphertexts of the compared fields (no decryption). A report whose
    fields change is re-encrypted, so its fingerprint changes; nothing else changes it.
    ``scan``: read every report's columns in one pass and keep those asked for, instead of looking
    each up by id: for a whole-store run that asks for most of them (for all of 93,509 reports the
    pass took about half the time of the lookups)."""
    out: dict[uuid.UUID, bytes] = {}
    connection = session.connection()
    if scan:
        wanted = report_ids if isinstance(report_ids, set | frozenset | dict) else set(report_ids)
        rows = connection.execute(select(*_SEALED_COLUMNS).execution_options(yield_per=5000))
        for row in rows:
            if row[0] in wanted:
                out[row[0]] = _fingerprint(row)
        return out
    statement = _SEALED(session)
    for chunk in integrity.chunks(report_ids):
        for row in connection.execute(statement, {"ids": chunk}):
            out[row[0]] = _fingerprint(row)
    return out


def _fingerprint(row: Any) -> bytes:
    # Each blob with its length before it, in one buffer: one hash call per report.
    return hashlib.sha256(b"".join(len(blob or b"").to_bytes(4, "big") + bytes(blob or b"")
                                   for blob in row[1:])).digest()


def pair_fingerprint(prints: Mapping[uuid.UUID, bytes], left: uuid.UUID, right: uuid.UUID) -> bytes:
    return hashlib.sha256(prints[left] + prints[right]).digest()


def candidate_ids(session: Session, vault: Vault, report_id: uuid.UUID, fields: Mapping[str, Any],
                  limit: int = MAX_CANDIDATES) -> list[uuid.UUID]:
    """Reports sharing a blocking key (services/blind_indexes.py BLOCKING: ID number, ID region and
    birth year, name frame and birth year give or take one, father's name frame and county) with
    this report's decrypted fields, through the blind indexes alone. A very common name can block
    hundreds: the `limit` kept are those sharing the most keys (ties by id, so the choice is stable)."""
    clauses = blind_indexes.blocking_clauses(vault, fields)
    if not clauses:
        return []
    shared = func.count(BlindIndex.id)
    query = (select(BlindIndex.report_id).where(or_(*clauses), BlindIndex.report_id != report_id)
             .group_by(BlindIndex.report_id).order_by(shared.desc(), BlindIndex.report_id).limit(limit))
    return list(session.scalars(query))

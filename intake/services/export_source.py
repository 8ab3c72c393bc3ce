"""What exports and statistics read from the store: one row per person, from authenticated state only.

Scope: reports whose review state verifies (services/integrity.py) and whose family's sealed
consent (services/consent.py) says "share anonymised with researchers". A person with any withdrawn
report is left out entirely (withdrawal is honoured from anyone: it only ever hides data) until the
review face finishes the withdrawal; then that report is gone, and the person is what the other
families' reports say. A report
not linked to a person counts as its own person. Everything left out is counted by reason, never
named. The store is read through the bulk path (services/bulk.py: Core rows, no ORM object, only
the seven exported fields decrypted, optionally in two worker processes); the plaintext kept is
those fields of the reports in scope, in memory, for as long as the build or count runs. Nothing
is written or logged but counts.

Each person's row takes its values from the person's own reports: the most verified (then newest)
report first, a field missing there filled from the next. Verification is the highest level any
report reached; the number of reports counts the reports in scope.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from operator import attrgetter
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from ..crypto.vault import Vault
from ..models import Report, VerificationLevel
from . import bulk, integrity

# Sealed report field -> export input column (disclosure.columns.INPUT_COLUMNS). Nothing else is read.
READ_FIELDS = {"gender": "gender", "birth_date": "birth_year", "ethnicity": "ethnicity", "home_county": "county",
               "detention_date": "detention_date", "facility_type": "facility_type", "sentence": "sentence"}
_LEVEL = {level.value: rank for rank, level in enumerate(VerificationLevel)}

NO_CONSENT = "no consent to share with researchers"
WITHDRAWN = "withdrawn by the family"
PERSON_WITHDRAWN = "another report of the same person was withdrawn"
UNREADABLE = "does not decrypt"


@dataclass(frozen=True)
class PersonReport:
    report_id: uuid.UUID
    person_key: uuid.UUID
    created_on: date
    status: str
    verification: str
    values: dict[str, str | None]  # READ_FIELDS' export columns, decrypted


@dataclass
class Scope:
    """The persons an export or statistic may use, as the disclosure package's input columns."""

    columns: dict[str, list[Any]]
    person_keys: list[uuid.UUID]  # columns[c][i] belongs to person_keys[i]
    members: list[tuple[uuid.UUID, uuid.UUID]]  # (report id, person key) of every report used
    excluded: Counter[str] = field(default_factory=Counter)  # reports left out, by reason

    @property
    def persons(self) -> int:
        return len(self.person_keys)

    @property
    def reports(self) -> int:
        return len(self.members)


def collect(session: Session, vault: Vault, *, batch: int = 2000, workers: int = 1,
            progress: Callable[[int], None] | None = None) -> Scope:
    """Read the whole store into a Scope through the bulk path (services/bulk.py), decrypting only
    READ_FIELDS; `workers` > 1 decrypts in forked processes, each with its own connection."""
    vault.require_readable()
    # Flat lists of a million values each, no cycles: the cyclic collector has nothing to find here,
    # and its passes over them cost more than the parent's own work.
    with bulk.collector_paused():
        return _collect(session, vault, batch, workers, progress)


def _collect(session: Session, vault: Vault, batch: int, workers: int,
             progress: Callable[[int], None] | None) -> Scope:
    alone, linked = _Columns(), _Columns()
    first: dict[uuid.UUID, int] = {}  # a linked person -> position of their first report in `linked`
    more: dict[uuid.UUID, list[int]] = {}  # a linked person -> positions of their other reports
    withdrawn_reports: list[uuid.UUID] = []
    excluded: Counter[str] = Counter()
    factory = sessionmaker(bind=session.get_bind())
    for part in bulk.map_reports(factory, vault, _sift, workers=workers, batch=batch, include_withdrawn=True,
                                 fields=tuple(READ_FIELDS)):
        alone.extend(part.alone)
        for n, person_id in enumerate(part.linked.person_ids, start=len(linked.report_ids)):
            if first.setdefault(person_id, n) != n:
                more.setdefault(person_id, []).append(n)
        linked.extend(part.linked)
        withdrawn_reports.extend(part.withdrawn)
        excluded.update(part.excluded)
        if progress:
            progress(part.seen)
    # The unverified column is good enough to hide a person, never to show one.
    withdrawn_persons = {p for ids in integrity.chunks(withdrawn_reports, 5000)
                         for p in session.scalars(select(Report.person_id).where(Report.id.in_(ids)))
                         if p is not None}
    # A report linked to no person is a person of its own (most are): its row is its values as
    # they are, column by column. Linked reports are grouped by person, after them.
    columns: dict[str, list[Any]] = {c: alone.values[c] for c in _COLUMNS}
    columns.update(status=alone.status, verification=alone.verification, report_count=[1] * len(alone.report_ids))
    keys = list(alone.report_ids)
    members = list(zip(alone.report_ids, alone.report_ids))
    for person_id, at in first.items():
        positions = [at, *more.get(person_id, ())]
        if person_id in withdrawn_persons:
            excluded[PERSON_WITHDRAWN] += len(positions)
            continue
        reports = [linked.report(n) for n in positions]
        for name, value in combine(reports).items():
            columns[name].append(value)
        keys.append(person_id)
        members.extend((r.report_id, person_id) for r in reports)
    return Scope(columns, keys, members, excluded)


_COLUMNS = tuple(READ_FIELDS.values())


class _Columns:
    """Kept reports as columns: they travel between processes far faster than an object each. An
    empty value is None (`combine` takes the first value that is not)."""

    def __init__(self) -> None:
        self.report_ids: list[uuid.UUID] = []
        self.person_ids: list[uuid.UUID] = []  # linked reports only
        self.created_on: list[date] = []
        self.status: list[str] = []
        self.verification: list[str] = []
        self.values: dict[str, list[str | None]] = {c: [] for c in _COLUMNS}

    def extend(self, other: _Columns) -> None:
        self.report_ids += other.report_ids
        self.person_ids += other.person_ids
        self.created_on += other.created_on
        self.status += other.status
        self.verification += other.verification
        for column in _COLUMNS:
            self.values[column] += other.values[column]

    def report(self, n: int) -> PersonReport:
        return PersonReport(self.report_ids[n], self.person_ids[n], self.created_on[n], self.status[n],
                            self.verification[n], {c: self.values[c][n] for c in _COLUMNS})


@dataclass(frozen=True)
class _Sifted:
    """One batch, sifted (in a worker when there are several): what it keeps, and what it leaves out."""

    alone: _Columns  # reports linked to no person (each is a person of its own)
    linked: _Columns  # reports linked to a person
    withdrawn: list[uuid.UUID]
    excluded: Counter[str]
    seen: int


def _sift(batch: list[bulk.PlainReport]) -> _Sifted:
    """The exclusion rules, in order: withdrawn, unverified state, unreadable, no consent."""
    kept = _Sifted(_Columns(), _Columns(), [], Counter(), len(batch))
    excluded = kept.excluded
    reads = [(attrgetter(name), column) for name, column in READ_FIELDS.items()]
    reported = VerificationLevel.REPORTED.value
    for report in batch:
        if report.withdrawn:
            excluded[WITHDRAWN] += 1
            kept.withdrawn.append(report.id)
        elif not report.state_ok:
            excluded[_verdict(report.state_problem)] += 1
        elif not report.readable:
            excluded[UNREADABLE] += 1
        elif not report.consent.share_research:
            excluded[NO_CONSENT] += 1
        else:
            into = kept.alone if report.person_id is None else kept.linked
            if report.person_id is not None:
                into.person_ids.append(report.person_id)
            into.report_ids.append(report.id)
            into.created_on.append(report.created_on)
            into.status.append(report.status or "unknown")
            into.verification.append(report.verification or reported)
            for read, column in reads:
                into.values[column].append(read(report) or None)
    return kept


def _verdict(problem: str | None) -> str:
    """The verdict part of a state problem ("failed verification: why"): counted without the why."""
    text = (problem or "").split(":", 1)[0]
    return text if text in {v.value for v in integrity.Verdict} else str(integrity.Verdict.UNVERIFIABLE)


def combine(reports: list[PersonReport]) -> dict[str, Any]:
    """One person's row from their reports (see the module's docstring for the rule)."""
    ranked = sorted(reports, key=lambda r: (_LEVEL.get(r.verification, -1), r.created_on, r.report_id.bytes),
                    reverse=True)
    row: dict[str, Any] = {name: next((r.values[name] for r in ranked if r.values.get(name)), None)
                           for name in READ_FIELDS.values()}
    row["status"] = ranked[0].status
    row["verification"] = ranked[0].verification
    row["report_count"] = len(reports)
    return row

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
    kept = _Kept()
    withdrawn_reports: list[uuid.UUID] = []
    excluded: Counter[str] = Counter()
    factory = sessionmaker(bind=session.get_bind())
    for part in bulk.map_reports(factory, vault, _sift, workers=workers, batch=batch, include_withdrawn=True,
                                 fields=tuple(READ_FIELDS)):
        kept.add(part)
        withdrawn_reports.extend(part.withdrawn)
        excluded.update(part.excluded)
        if progress:
            progress(part.seen)
    # The unverified column is good enough to hide a person, never to show one.
    withdrawn_persons = {p for ids in integrity.chunks(withdrawn_reports, 5000)
                         for p in session.scalars(select(Report.person_id).where(Report.id.in_(ids)))
                         if p is not None}
    # Persons in order of their first report; those with one report (most) are taken column by
    # column, the others combined report by report (`combine`) after them.
    singles: list[tuple[uuid.UUID, int]] = []
    several: list[tuple[uuid.UUID, list[int]]] = []
    if not kept.more and not withdrawn_persons:
        singles = list(kept.first.items())
    for person_key, at in () if singles else kept.first.items():
        others = kept.more.get(person_key) if kept.more else None
        if withdrawn_persons and person_key in withdrawn_persons:
            excluded[PERSON_WITHDRAWN] += 1 + len(others or ())
        elif others is None:
            singles.append((person_key, at))
        else:
            several.append((person_key, [at, *others]))
    at_single = [at for _, at in singles]
    columns: dict[str, list[Any]] = {c: [kept.values[c][at] or None for at in at_single] for c in _COLUMNS}
    columns["status"] = [kept.status[at] for at in at_single]
    columns["verification"] = [kept.verification[at] for at in at_single]
    columns["report_count"] = [1] * len(singles)
    keys = [person_key for person_key, _ in singles]
    ids = kept.report_ids
    members = [(ids[at], person_key) for person_key, at in singles]
    for person_key, positions in several:
        reports = [kept.report(n) for n in positions]
        for name, value in combine(reports).items():
            columns[name].append(value)
        keys.append(person_key)
        members.extend((r.report_id, person_key) for r in reports)
    return Scope(columns, keys, members, excluded)


_COLUMNS = tuple(READ_FIELDS.values())


@dataclass(frozen=True)
class _Sifted:
    """One batch, sifted (in a worker when there are several): what it keeps, as columns (they
    travel between processes far faster than an object per report), and what it leaves out."""

    report_ids: list[uuid.UUID]
    person_keys: list[uuid.UUID]
    created_on: list[date]
    status: list[str]
    verification: list[str]
    values: dict[str, list[str | None]]  # export column -> one value per kept report
    withdrawn: list[uuid.UUID]
    excluded: Counter[str]
    seen: int


class _Kept:
    """Every batch's kept reports, concatenated, with each person's reports found by position."""

    def __init__(self) -> None:
        self.report_ids: list[uuid.UUID] = []
        self.person_keys: list[uuid.UUID] = []
        self.created_on: list[date] = []
        self.status: list[str] = []
        self.verification: list[str] = []
        self.values: dict[str, list[str | None]] = {c: [] for c in _COLUMNS}
        self.first: dict[uuid.UUID, int] = {}  # person -> position of their first report
        self.more: dict[uuid.UUID, list[int]] = {}  # person -> positions of their other reports

    def add(self, part: _Sifted) -> None:
        offset = len(self.report_ids)
        first, more = self.first, self.more
        for n, person_key in enumerate(part.person_keys, start=offset):
            if first.setdefault(person_key, n) != n:
                more.setdefault(person_key, []).append(n)
        self.report_ids += part.report_ids
        self.person_keys += part.person_keys
        self.created_on += part.created_on
        self.status += part.status
        self.verification += part.verification
        for column in _COLUMNS:
            self.values[column] += part.values[column]

    def report(self, n: int) -> PersonReport:
        return PersonReport(self.report_ids[n], self.person_keys[n], self.created_on[n], self.status[n],
                            self.verification[n], {c: self.values[c][n] for c in _COLUMNS})


def _sift(batch: list[bulk.PlainReport]) -> _Sifted:
    """The exclusion rules, in order: withdrawn, unverified state, unreadable, no consent."""
    kept = _Sifted([], [], [], [], [], {c: [] for c in _COLUMNS}, [], Counter(), len(batch))
    excluded = kept.excluded
    fields = [(attrgetter(name), kept.values[column]) for name, column in READ_FIELDS.items()]
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
            kept.report_ids.append(report.id)
            kept.person_keys.append(report.person_id or report.id)
            kept.created_on.append(report.created_on)
            kept.status.append(report.status or "unknown")
            kept.verification.append(report.verification or reported)
            for read, column in fields:
                column.append(read(report))
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

"""The dry run: every row of a list read, checked and fingerprinted, nothing stored.

The same plan drives the real import later: its `ready` rows are what gets sealed and stored
(through the same path as form submissions), each with its source attribution.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from ..services.intake import ReportInput
from ..wording import Said, said
from .fingerprint import fingerprint
from .mapping import Mapping
from .reading import Sheet
from .validation import Problem, validate


class RowState(StrEnum):
    READY = "ready"  # will be imported
    ALREADY = "already imported"  # the same row came in from an earlier import
    REPEATED = "repeated in this file"  # the same as an earlier row of this file: imported once
    BLOCKED = "not imported"  # a blocking problem: fix the file and import again


@dataclass(frozen=True)
class SourceAttribution:
    """Where an imported report came from; sealed with the report (a file name can be telling)."""

    file_name: str
    file_sha256: str
    row_number: int
    importer: str  # the account that ran the import
    imported_on: dt.date


@dataclass
class PlannedRow:
    number: int
    state: RowState
    problems: list[Problem]
    report: ReportInput | None = None
    fingerprint: str | None = None
    source: SourceAttribution | None = None
    same_as: int | None = None  # REPEATED: the row it repeats


@dataclass
class ImportPlan:
    rows: list[PlannedRow]
    notes: list[Said] = field(default_factory=list)

    @property
    def ready(self) -> list[PlannedRow]:
        return [r for r in self.rows if r.state is RowState.READY]

    def summary(self) -> dict[str, int]:
        counts = Counter(r.state.value for r in self.rows)
        return {state.value: counts.get(state.value, 0) for state in RowState}

    def report_lines(self) -> list[Said]:
        """The validation report in words, row by row (no cell values): str() of a line is English."""
        lines: list[Said] = [*self.notes]
        counts = self.summary()
        lines.append(said("%(ready)s ready, %(already)s already imported, %(repeated)s repeated in this file, "
                          "%(blocked)s not imported.", ready=counts[RowState.READY.value],
                          already=counts[RowState.ALREADY.value], repeated=counts[RowState.REPEATED.value],
                          blocked=counts[RowState.BLOCKED.value]))
        for row in self.rows:
            if row.state is RowState.REPEATED:
                lines.append(said("Row %(row)s: the same as row %(same)s; imported once.", row=row.number,
                                  same=row.same_as))
            elif row.state is RowState.ALREADY:
                lines.append(said("Row %(row)s: already imported earlier; skipped.", row=row.number))
            for problem in row.problems:
                line = (said("Row %(row)s, column \"%(column)s\" (must be fixed): %(problem)s.", row=row.number,
                             column=problem.column, problem=problem.message) if problem.blocking else
                        said("Row %(row)s, column \"%(column)s\" (note): %(problem)s.", row=row.number,
                             column=problem.column, problem=problem.message))
                lines.append(line)
        return lines


def dry_run(sheet: Sheet, mapping: Mapping, *, file_name: str, file_bytes: bytes, importer: str, key: bytes,
            already_imported: Iterable[str] = (), day_first: bool | None = None,
            today: dt.date | None = None) -> ImportPlan:
    """Check every row; `already_imported` are the fingerprints of rows stored before."""
    today = today or dt.date.today()
    digest = hashlib.sha256(file_bytes).hexdigest()
    known = set(already_imported)
    first_seen: dict[str, int] = {}
    rows: list[PlannedRow] = []
    for row in sheet.rows:
        checked = validate(row, mapping, day_first=day_first, today=today, epoch=sheet.epoch)
        if checked.report is None:
            rows.append(PlannedRow(row.number, RowState.BLOCKED, checked.problems))
            continue
        mark = fingerprint(checked.report, key)
        planned = PlannedRow(row.number, RowState.READY, checked.problems, checked.report, mark,
                             SourceAttribution(file_name, digest, row.number, importer, today))
        if mark in known:
            planned.state = RowState.ALREADY
        elif mark in first_seen:
            planned.state, planned.same_as = RowState.REPEATED, first_seen[mark]
        else:
            first_seen[mark] = row.number
        rows.append(planned)
    return ImportPlan(rows, list(sheet.notes))

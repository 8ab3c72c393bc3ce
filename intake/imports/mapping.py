"""The column-mapping step: which column of a list feeds which field of a report.

`suggest` proposes a mapping from the header names (English, Uyghur, Chinese, Russian, Turkish,
Kazakh); the volunteer confirms or changes it, and `confirm` checks the result before any row is
read. Several columns may feed the names (one name each) and the testimony (joined, each under
its header); every other field takes one column at most.
"""

from __future__ import annotations

import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from ..public import text
from ..wording import said
from functools import cache, cached_property
from importlib import resources

IGNORE = "ignore"
# ReportInput's fields a list can fill, in the order a form shows them.
TARGETS: tuple[str, ...] = (
    "name", "gender", "birth_date", "ethnicity", "home_county", "home_place_text", "id_number", "occupation",
    "detention_date", "detention_place", "facility", "facility_type", "status", "sentence", "last_contact",
    "relationship", "testimony")
MULTIPLE = frozenset({"name", "testimony"})


class MappingError(ValueError):
    """The mapping cannot be used; the message says what to change."""


@dataclass(frozen=True)
class Choice:
    column: int
    header: str
    target: str  # one of TARGETS, or IGNORE
    sure: bool  # the header matched a known name exactly (else a partial match, or nothing)


def fold(text: str) -> str:
    """Case, width, punctuation and spacing folded away; letters of every script kept."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.translate({0x06CC: 0x064A, 0x0649: 0x064A, 0x06A9: 0x0643})  # Persian-keyboard letters
    return "".join(ch for ch in text if unicodedata.category(ch)[0] in "LN")


@cache
def _vocabulary() -> dict[str, dict[str, str]]:
    raw = tomllib.loads(resources.files("intake.data").joinpath("import_headers.toml").read_text("utf-8"))
    return {target: {fold(h): target for h in headers} for target, headers in raw["headers"].items()}


@cache
def _name_parts() -> dict[str, str]:
    raw = tomllib.loads(resources.files("intake.data").joinpath("import_headers.toml").read_text("utf-8"))
    return {fold(h): part for part, headers in raw["name_parts"].items() for h in headers}


def name_part(header: str) -> str | None:
    """"given" or "father" when a name column's header says it holds that part of the name."""
    return _name_parts().get(fold(header))


@cache
def _known() -> dict[str, str]:
    return {key: target for table in _vocabulary().values() for key, target in table.items()}


def _match(header: str) -> tuple[str, bool]:
    key = fold(header)
    if not key:
        return IGNORE, False
    if key in _known():
        return _known()[key], True
    # "Name (Uyghur)", "出生日期（公历）", "Date of birth (approx.)": a known header inside a longer one.
    partial = [(len(k), t) for k, t in _known().items() if len(k) >= 3 and k in key]
    return (max(partial)[1], False) if partial else (IGNORE, False)


def header_score(cells: Sequence[str]) -> int:
    """How many cells of a row are column names we know exactly: the header row has the most."""
    return sum(1 for cell in cells if cell and fold(cell) in _known())


def suggest(headers: Sequence[str]) -> list[Choice]:
    """A proposal for every column; a single-column field goes to its surest, leftmost column."""
    choices = [Choice(i, h, *_match(h)) for i, h in enumerate(headers)]
    taken: set[str] = set()
    out = []
    for choice in sorted(choices, key=lambda c: (not c.sure, c.column)):
        if choice.target not in MULTIPLE and choice.target in taken:
            choice = Choice(choice.column, choice.header, IGNORE, False)
        taken.add(choice.target)
        out.append(choice)
    return sorted(out, key=lambda c: c.column)


@dataclass(frozen=True)
class Mapping:
    """A confirmed mapping: for each target, the columns feeding it (left to right)."""

    columns: dict[str, tuple[int, ...]]
    headers: tuple[str, ...]

    def of(self, target: str) -> tuple[int, ...]:
        return self.columns.get(target, ())

    @cached_property
    def labels(self) -> tuple[str, ...]:
        """The headers as a report's testimony quotes them ("Header: value"): without the hidden
        characters a cell loses too, so an override in a header cannot reorder the value after it."""
        return tuple(text.without_hidden(h) for h in self.headers)


def confirm(headers: Sequence[str], targets: Sequence[str]) -> Mapping:
    """The volunteer's choice of a target (or "ignore") per column, checked."""
    if len(targets) != len(headers):
        raise MappingError(said("Choose a field for each of the %(num)s columns.", num=len(headers)))
    unknown = sorted({t for t in targets if t not in TARGETS and t != IGNORE})
    if unknown:
        raise MappingError(said("Unknown field(s): %(fields)s.", fields=", ".join(unknown)))
    columns: dict[str, list[int]] = {}
    for index, target in enumerate(targets):
        if target != IGNORE:
            columns.setdefault(target, []).append(index)
    twice = sorted(t for t, c in columns.items() if len(c) > 1 and t not in MULTIPLE)
    if twice:
        # The detail names fields and headers (codes and the file's words), in English like the field codes.
        detail = "; ".join(f"{t}: columns {', '.join(repr(headers[i]) for i in columns[t])}" for t in twice)
        raise MappingError(said("Each of these fields can take one column only: %(detail)s. Set the others to "
                                "\"ignore\", or to \"testimony\" to keep their text.", detail=detail))
    if "name" not in columns:
        raise MappingError(said("Choose at least one column with the person's name: a report without a name "
                                "cannot be followed up."))
    return Mapping({t: tuple(c) for t, c in columns.items()}, tuple(headers))

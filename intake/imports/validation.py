"""One row of a list to a `ReportInput`, with what is wrong said in words a volunteer understands.

A problem is either blocking (the row is not imported until the file is fixed: no name, a date
or an ID number that cannot be right) or a warning (the row is imported and the reviewer sees
why). Messages name the row and the column, never the value: a dry-run report may be kept with
the job, and must hold no personal data. Nothing typed is lost: a value that fits no field of the
form (a status we do not know, a place we cannot find) is kept in the testimony, under its header.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from ..public import text
from ..resolution.dates import DateProblem, parse_date
from ..services import id_numbers, thesauri
from ..services.id_numbers import IdProblem
from ..services.intake import ReportInput
from ..wording import Said, said
from .mapping import Mapping, fold, name_part
from .places import resolve
from .reading import SheetRow
from .table import SPREADSHEET_ERRORS, rounded_id

VOCABULARY_OF = {"gender": "genders", "ethnicity": "ethnicities", "status": "statuses",
                 "facility_type": "facility_types", "relationship": "relationships"}
TEXT_FIELDS = ("home_place_text", "occupation", "detention_place", "facility", "sentence")
DATE_FIELDS = {"birth_date": said("birth date"), "detention_date": said("date of detention"),
               "last_contact": said("last contact")}
# Lengths the public form allows; a longer cell is a blocking problem, never cut silently.
MAX_LENGTH = {"name": 200, "home_place_text": 300, "occupation": 300, "detention_place": 300, "facility": 300,
              "sentence": 300, "testimony": 50_000}


@dataclass(frozen=True)
class Problem:
    column: str  # the header of the column, as the volunteer sees it
    message: Said  # our words (translated where a page shows them), never the cell's value
    blocking: bool


@dataclass
class Validated:
    report: ReportInput | None
    problems: list[Problem] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return any(p.blocking for p in self.problems)


_ID_WORDS = {
    IdProblem.LENGTH: lambda n: said("(ID number) has %(num)s characters; a Chinese ID number has 18 (cards from "
                                     "before 2004 have 15)", num=n),
    IdProblem.FORMAT: lambda n: said("(ID number) has something other than digits in it (only the last character "
                                     "may be an X)"),
    IdProblem.CHECKSUM: lambda n: said("(ID number) does not add up: its last character does not match the others, "
                                       "so one digit was probably mistyped. Compare it with the card, digit by digit"),
    IdProblem.PLACE: lambda n: said("(ID number) starts with six digits that are no place code in use when the "
                                    "person was born"),
    IdProblem.BIRTH_DATE: lambda n: said("(ID number) holds a birth date (digits 7 to 14) that is not a real date"),
    IdProblem.BIRTH_DATE_IMPOSSIBLE: lambda n: said("(ID number) holds a birth date (digits 7 to 14) in the future "
                                                    "or before 1880"),
}



_NOT_A_NAME = re.compile(r"[\d\s.,/#№:-]+")
_FIFTEEN_AS_NUMBER = re.compile(r"\d{15}\.0+")
# Day numbers of dates (1905 to 2173 counted from 1900): a 4-digit number is a year, not a day.
_DAY_NUMBER = re.compile(r"\d{4,5}(?:\.\d+)?")


def _day_number(value: str, is_number: bool, epoch: dt.date, today: dt.date) -> str | None:
    """A spreadsheet's day number as a date: a number cell of a workbook, or five digits in a
    CSV (the date column of a sheet saved without its date format). Years (up to 2100) stay years."""
    if not _DAY_NUMBER.fullmatch(value) or (not is_number and len(value.split(".")[0]) != 5):
        return None
    days = int(float(value))
    if days <= 2100:
        return None
    day = epoch + dt.timedelta(days=days)
    if day > today:
        raise DateProblem(said("is in the future"))
    return day.isoformat()


@cache
def _values() -> dict[str, dict[str, str]]:
    """Folded label or synonym -> code, per vocabulary: every thesaurus label in six languages,
    plus the synonyms of import_headers.toml."""
    extra = tomllib.loads(resources.files("intake.data").joinpath("import_headers.toml").read_text("utf-8"))["values"]
    out: dict[str, dict[str, str]] = {}
    for vocabulary in VOCABULARY_OF.values():
        table = out.setdefault(vocabulary, {})
        for term in thesauri.vocabulary(vocabulary):
            for label in (term.code, *term.labels.values()):
                table[fold(label)] = term.code
        for code, words in extra.get(vocabulary, {}).items():
            table.update({fold(w): code for w in words})
    return out


def vocabulary_code(vocabulary: str, value: str) -> str | None:
    return _values()[vocabulary].get(fold(value)) if fold(value) else None


def validate(row: SheetRow, mapping: Mapping, *, day_first: bool | None = None,
             today: dt.date | None = None, epoch: dt.date = dt.date(1899, 12, 30)) -> Validated:
    """The row as a report (None when a blocking problem stops it) and every problem found."""
    problems: list[Problem] = []
    kept: list[str] = []  # "Header: value" lines that no field takes, for the testimony
    headers = mapping.headers

    def cell(column: int) -> str:
        return row.cells[column] if column < len(row.cells) else ""

    def clean(column: int, target: str) -> str:
        value = text.normalise(cell(column)) or ""
        if value[:1] == "#" and value.upper() in SPREADSHEET_ERRORS:  # a failed formula's result: no value
            problems.append(Problem(headers[column], said("held a spreadsheet error (%(error)s); it was read as "
                                                          "empty", error=value.upper()), False))
            return ""
        if text.has_hidden(value):
            value = text.without_hidden(value)
            problems.append(Problem(headers[column], said("had invisible control or direction characters; they "
                                                          "were removed"), False))
        if column in row.formulas:
            problems.append(Problem(headers[column], said("held a spreadsheet formula; its text was kept as "
                                                          "written, not calculated"), False))
        if len(value) > MAX_LENGTH.get(target, 300):
            problems.append(Problem(headers[column], said("is longer than the %(num)s characters a report "
                                                          "allows; shorten it",
                                                          num=f"{MAX_LENGTH.get(target, 300):,}"), True))
        return value

    def one(target: str) -> tuple[int, str] | None:
        columns = mapping.of(target)
        if not columns:
            return None
        value = clean(columns[0], target)
        return (columns[0], value) if value else None

    fields: dict[str, object] = {}
    # A name cell's line breaks and runs of spaces are one space; a cell of digits is no name (an ID
    # or a row number in the wrong column): it is kept in the testimony, for a reviewer.
    names, digits = [], []
    for c in mapping.of("name"):
        if value := " ".join(clean(c, "name").split()):
            (digits if _NOT_A_NAME.fullmatch(value) else names).append((c, value))
    if names:
        for c, value in digits:
            kept.append(f"{mapping.labels[c]}: {value}")
            problems.append(Problem(headers[c], said("holds only digits, not a name; it was kept in the testimony. "
                                                     "Check that the column holds names"), False))
    elif digits:
        problems.append(Problem(", ".join(headers[c] for c, _ in digits),
                                said("holds no name, only digits: each person needs at least one name, in any "
                                     "script"), True))
    elif not names:
        problems.append(Problem(", ".join(headers[c] for c in mapping.of("name")),
                                said("is empty: each person needs at least one name, in any script"), True))
    # A given-name or father's-name column marks its part, so the matcher reads "Abdurehim" and
    # "Tursun" from two columns as one person's given and father's name, not as two names.
    fields["names"] = [{"value": v, "script": text.guess_script(v), **({"kind": part} if (part := name_part(
        headers[c])) and len(names) > 1 else {})} for c, v in names]
    for target, vocabulary in VOCABULARY_OF.items():
        if found := one(target):
            column, value = found
            code = vocabulary_code(vocabulary, value)
            if code is None:
                kept.append(f"{mapping.labels[column]}: {value}")
                problems.append(Problem(headers[column], said("is not one of the values the form offers; it was "
                                                              "kept in the testimony for a reviewer"), False))
            else:
                fields["submitter_relationship" if target == "relationship" else target] = code
    for target, words in DATE_FIELDS.items():
        if found := one(target):
            column, value = found
            try:
                serial = _day_number(value, column in row.numbers, epoch, today or dt.date.today())
                if serial and column not in row.numbers:
                    problems.append(Problem(headers[column], said("(%(field)s) was a spreadsheet's day number; it "
                                                                  "was read as the date it stands for", field=words),
                                            False))
                fields[target] = serial or parse_date(value, day_first=day_first, today=today)
            except DateProblem as problem:
                problems.append(Problem(headers[column], said("(%(field)s) %(problem)s", field=words,
                                                              problem=problem.message), True))
    if found := one("id_number"):
        column, value = found
        fields["id_number"] = _id_number(column, value, row, headers, fields, problems)
    for target in TEXT_FIELDS:
        if found := one(target):
            fields[target] = found[1]
    if found := one("home_county"):
        column, value = found
        match = resolve(value)
        if match.code:
            fields["home_county"] = match.code
        else:
            fields["home_place_text"] = "; ".join(v for v in (fields.get("home_place_text"), value) if v)
            problems.append(Problem(headers[column], said("is not a place we found in the list of Xinjiang "
                                                          "counties; it was kept as the home place in words, for "
                                                          "a reviewer to match"), False))
    testimony = [f"{mapping.labels[c]}: {v}" if len(mapping.of("testimony")) > 1 else v
                 for c in mapping.of("testimony") if (v := clean(c, "testimony"))]
    if testimony or kept:
        fields["testimony"] = "\n\n".join(testimony + kept)
    if any(p.blocking for p in problems):
        return Validated(None, problems)
    fields.setdefault("status", "unknown")
    return Validated(ReportInput(**fields), problems)  # type: ignore[arg-type]


def _id_number(column: int, value: str, row: SheetRow, headers: tuple[str, ...], fields: dict[str, object],
               problems: list[Problem]) -> str | None:
    value = value.removeprefix("'").strip()  # typed to keep a spreadsheet from making it a number
    if _FIFTEEN_AS_NUMBER.fullmatch(value):  # a number with ".0": exact up to 15 digits
        value = value[:-2]
    if rounded_id(value, column in row.numbers):
        problems.append(Problem(headers[column], said("was stored by the spreadsheet as a number, which loses the "
                                                      "last digits of an 18-digit ID number. Format the column as "
                                                      "Text, type the numbers again (or paste them from the "
                                                      "source), and import again"), True))
        return None
    check = id_numbers.check(value)
    if check.problem:
        problems.append(Problem(headers[column], _ID_WORDS[check.problem](len(check.number)), True))
        return None
    birth = fields.get("birth_date")
    if isinstance(birth, str) and check.born and not check.born.isoformat().startswith(birth):
        problems.append(Problem(headers[column], said("holds a birth date that differs from the birth date "
                                                      "column; one of them may be wrong"), False))
    return check.number

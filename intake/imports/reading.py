"""Reading advocates' lists: CSV in the encodings found in the wild, and XLSX (xlsx.py), within
limits, as the header row and the rows below it (the list's shape, shared with `flask dedup csv`:
table.py). A file that is no list we read (.xls, .ods, a password-protected workbook, a PDF, a web
page) is named by its first bytes, whatever its name.

Every failure is an `ImportFileError` whose message a volunteer can act on; nothing here logs or
repeats a cell's content. Formulas in a spreadsheet are never calculated: their text is kept as
text (and counted, so the dry run can say so).
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterable
from itertools import chain
from dataclasses import dataclass, field

import charset_normalizer

from ..wording import Said, said, said_n
from .mapping import header_score
from .table import HEADER_SEARCH, delimiter_of, file_kind, header_index, named_columns, runs_over_rows


class ImportFileError(ValueError):
    """The file cannot be read; the message (a `Said`) says why and what to do."""


# The row limit's refusal, for a CSV file or a workbook's sheet (two sentences: translators need whole ones).
_TOO_MANY_ROWS = {
    "file": lambda num: said("The file has more than %(num)s rows. Split it into smaller files.", num=num),
    "sheet": lambda num: said("The sheet has more than %(num)s rows. Split it into smaller files.", num=num),
}

# Files that are no list we read, told by their first bytes whatever their name.
_NOT_A_LIST = {
    "xls": said("This is an old Excel file (.xls). Open it in Excel or LibreOffice and save it as .xlsx or as CSV "
                "(UTF-8), then import that."),
    "encrypted": said("This workbook is protected by a password, so it cannot be read. Open it, remove the "
                      "password (File > Info > Protect Workbook in Excel), save it and import it again."),
    "ods": said("This is an OpenDocument spreadsheet (.ods). Open it in LibreOffice and save it as .xlsx or as "
                "CSV (UTF-8), then import that."),
    "html": said("This file is a web page (HTML), perhaps saved by a database with an Excel name. Open it in a "
                 "spreadsheet program and save it as .xlsx or as CSV (UTF-8), then import that."),
    "xml": said("This is an XML file (perhaps Excel's \"XML Spreadsheet 2003\"). Open it in Excel or LibreOffice "
                "and save it as .xlsx or as CSV (UTF-8), then import that."),
    "pdf": said("This is a PDF document, not a list we can read. Import the spreadsheet it was made from, or "
                "copy its table into a spreadsheet and save that as .xlsx."),
}


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 20 * 1024 * 1024
    max_rows: int = 100_000
    max_columns: int = 200
    max_cell: int = 50_000  # characters: a cell longer than this is a row problem, not silently cut
    max_unzipped: int = 200 * 1024 * 1024  # an XLSX that inflates beyond this is a zip bomb


# Encodings offered to the user, with the names a volunteer knows them by.
ENCODINGS: dict[str, str] = {
    "utf-8": "UTF-8 (Unicode)",
    "utf-16": "UTF-16 (Unicode, as Excel saves \"Unicode text\")",
    "gb18030": "GB18030 / GBK (Chinese Windows)",
    "cp1252": "Windows-1252 (Western European)",
    "cp1251": "Windows-1251 (Cyrillic: Russian, Kazakh)",
    "cp1254": "Windows-1254 (Turkish)",
}


@dataclass(frozen=True)
class SheetRow:
    number: int  # the row number a spreadsheet program shows (1 = the header)
    cells: list[str]
    formulas: frozenset[int] = frozenset()  # columns whose cell held a formula (kept as its text)
    numbers: frozenset[int] = frozenset()  # columns whose cell held a number, not text


@dataclass
class Sheet:
    kind: str  # "csv" or "xlsx"
    headers: list[str]
    rows: list[SheetRow]
    encoding: str | None = None  # CSV only: the encoding used
    notes: list[Said] = field(default_factory=list)  # things the dry run should tell the volunteer
    epoch: dt.date = dt.date(1899, 12, 30)  # day 0 of the workbook's date numbers (1904-01-01 on old Macs)


def read_table(data: bytes, filename: str, *, encoding: str | None = None, sheet: str | None = None,
               limits: Limits = Limits()) -> Sheet:
    """A CSV or XLSX file (told apart by content, not by name) as a header and rows of text."""
    if len(data) > limits.max_bytes:
        raise ImportFileError(said("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.",
                                   size=f"{len(data) / 1048576:.1f}", limit=f"{limits.max_bytes / 1048576:.0f}"))
    if not data.strip():
        raise ImportFileError(said("The file is empty."))
    kind = file_kind(data)
    if kind == "xlsx":
        from .xlsx import read_xlsx  # here: xlsx.py builds on this module

        return read_xlsx(data, sheet, limits)
    if kind in _NOT_A_LIST:
        raise ImportFileError(_NOT_A_LIST[kind])
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise ImportFileError(said("This file is named like an Excel workbook but is not one (it may be damaged, "
                                   "or renamed). Open it in a spreadsheet program and save it again as .xlsx."))
    return _read_csv(data, encoding, limits)


# --- CSV ------------------------------------------------------------------------------------

def detect_encoding(data: bytes, *, partial: bool = False) -> str:
    """The encoding of a CSV file: a byte-order mark if there is one, then strict UTF-8, then the
    most plausible of the legacy encodings our users' spreadsheets save in. `partial`: `data` is
    only the file's beginning (`flask dedup csv` streams its input), so it may end inside a character."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(data, final=not partial)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    sample = data[:200_000]
    if sample.count(b"\x00") > len(sample) // 4:  # UTF-16 without a mark: every other byte is zero
        return "utf-16-le" if sample[1::2].count(b"\x00") > sample[::2].count(b"\x00") else "utf-16-be"
    best = charset_normalizer.from_bytes(sample, cp_isolation=["gb18030", "cp1252", "cp1251", "cp1254"]).best()
    if best is None:
        raise ImportFileError(said("We could not tell which character encoding this file uses. Save it from your "
                                   "spreadsheet program as \"CSV UTF-8\", or choose the encoding yourself."))
    return codecs.lookup(best.encoding).name


def _decode(data: bytes, encoding: str | None) -> tuple[str, str]:
    chosen = encoding or detect_encoding(data)
    try:
        name = codecs.lookup(chosen).name
    except LookupError:
        raise ImportFileError(said("Unknown encoding %(encoding)s; choose one of: %(encodings)s.",
                                   encoding=repr(chosen), encodings=", ".join(ENCODINGS))) from None
    try:
        text = data.decode(chosen)
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        guess = _guess_quietly(data)
        if guess and guess != name:
            raise ImportFileError(said("This file is not in %(encoding)s: line %(line)s has bytes that cannot be read "
                                       "in it. It looks like %(guess)s: choose that instead. Or save the file as "
                                       "\"CSV UTF-8\".", encoding=ENCODINGS.get(name, name), line=line,
                                       guess=ENCODINGS.get(guess, guess))) from None
        raise ImportFileError(said("This file is not in %(encoding)s: line %(line)s has bytes that cannot be read in "
                                   "it. Or save the file as \"CSV UTF-8\".", encoding=ENCODINGS.get(name, name),
                                   line=line)) from None
    if encoding and _looks_garbled(text):
        guess = _guess_quietly(data)
        raise ImportFileError(said("Read as %(encoding)s, this file comes out garbled (letters such as %(sample)s "
                                   "where words should be). It is probably in %(guess)s: choose that instead.",
                                   encoding=ENCODINGS.get(name, name), sample='"Ã©" or "Ð"',
                                   guess=ENCODINGS.get(guess or "utf-8", guess)))
    return text.lstrip("\ufeff"), name


def _guess_quietly(data: bytes) -> str | None:
    try:
        return codecs.lookup(detect_encoding(data)).name.replace("utf-8-sig", "utf-8")
    except ImportFileError:
        return None


# UTF-8 read as a single-byte code page: "Ã©" for é, "Ð°" for а, "Ø§" for ا, "ä¸" for CJK
# (Windows-1252), "Р°" for а (Windows-1251). The continuation bytes 0x80-0xBF show as these.
_CONTINUATION_1252 = bytes(range(0x80, 0xC0)).decode("cp1252", errors="ignore")
_CONTINUATION_1251 = bytes(range(0x80, 0xC0)).decode("cp1251", errors="ignore")
_GARBLED = re.compile(f"[ÃÂÐÑØÙÚÛäåæçè][{re.escape(_CONTINUATION_1252)}]|[РС][{re.escape(_CONTINUATION_1251)}]")


def _looks_garbled(text: str) -> bool:
    sample = text[:100_000]
    return len(_GARBLED.findall(sample)) > max(3, len(sample) // 500)


def _read_csv(data: bytes, encoding: str | None, limits: Limits) -> Sheet:
    text, used = _decode(data, encoding)
    delimiter, hint = delimiter_of(text)
    csv.field_size_limit(limits.max_cell + 1)
    stream = io.StringIO(text, newline="")
    if hint:  # Excel's "sep=;" line: not a row, but counted as one
        stream.readline()
    reader = csv.reader(stream, delimiter=delimiter)
    notes: list[Said] = []
    try:
        headers, rows = _collect(((n, cells, frozenset(), frozenset())
                                  for n, cells in enumerate(reader, start=1 + hint)), limits, "file", notes)
    except csv.Error:
        raise _not_csv(reader.line_num, limits) from None
    if headers is None:
        raise ImportFileError(said("The file has no rows."))
    for row in rows:  # a quote left open and closed rows later: those rows folded into one cell
        if runs_over_rows(row.cells, delimiter, len(headers)):
            raise _not_csv(row.number, limits)
    return Sheet("csv", headers, rows, encoding=used, notes=notes)


def _not_csv(line: int, limits: Limits) -> ImportFileError:
    return ImportFileError(said("Line %(line)s of the file is not valid CSV (a cell longer than %(num)s "
                                "characters, or a quote that is never closed).", line=line, num=f"{limits.max_cell:,}"))


Line = tuple[int, list[str], frozenset[int], frozenset[int]]  # number, cells, formula and number columns


def _collect(lines: Iterable[Line], limits: Limits, what: str, notes: list[Said]
             ) -> tuple[list[str] | None, list[SheetRow]]:
    """The header row (the first non-blank one, unless a later one among the first few names more
    known columns: a title and a blank row above a table), then every non-blank row below it. The
    columns run to the last one holding anything, in the header or below: a blank or repeated
    header is named after its letter, and trailing empty columns are dropped."""
    lines = iter(lines)
    top: list[Line] = []
    for line in lines:
        if any(c.strip() for c in line[1]):
            top.append(line)
            if len(top) == HEADER_SEARCH:
                break
    if not top:
        return None, []
    at = header_index([line[1] for line in top], header_score)
    header_number, header_cells = top[at][0], top[at][1]
    if at:
        notes.append(said("The column names were found in row %(row)s; the rows above it (a title or notes) were "
                          "not read.", row=header_number))
    rows: list[SheetRow] = []
    for number, cells, formulas, numbers in chain(top[at + 1:], lines):
        if not any(c.strip() for c in cells):
            continue
        if len(rows) >= limits.max_rows:
            raise ImportFileError(_TOO_MANY_ROWS[what](f"{limits.max_rows:,}"))
        rows.append(SheetRow(number, [c.strip() for c in cells], formulas, numbers))
    if not rows:
        notes.append(said("There are no rows below the column names: nothing to import."))
    width, widest = max(((_width(r.cells), r.number) for r in rows), default=(0, header_number))
    if _width(header_cells) >= width:
        width, widest = _width(header_cells), header_number
    if width > limits.max_columns:
        raise ImportFileError(said("Row %(row)s has more than %(num)s columns, the most that are read. Remove the "
                                   "columns you do not need (or, in a CSV file, check that row's separators).",
                                   row=widest, num=limits.max_columns))
    # The file's own words, or the column's letter: one name in every language (it may head a line
    # kept in the testimony, and an import's fingerprint must not depend on the page's language).
    headers = named_columns(header_cells, width, lambda letter: f"Column {letter}")
    blank = [i for i in range(width) if i >= len(header_cells) or not header_cells[i].strip()]
    if unnamed := sum(1 for i in blank if any(i < len(r.cells) and r.cells[i] for r in rows)):
        notes.append(said_n("%(num)s column holds data but has no name in the header row; it is shown by its letter "
                            "(\"Column C\") so that you can choose where it goes.",
                            "%(num)s columns hold data but have no name in the header row; they are shown by their "
                            "letter (\"Column C\") so that you can choose where they go.", unnamed))
    for row in rows:
        del row.cells[width:]
    return headers, rows


def _width(cells: list[str]) -> int:
    return next((i + 1 for i in range(len(cells) - 1, -1, -1) if cells[i].strip()), 0)

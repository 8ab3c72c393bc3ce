"""CSV in for ``flask dedup csv``: the advocates' own lists (CSV, or XLSX through the importer's
reader), read as text (pairs.csv and clusters.csv are written by csv_out.py)."""

from __future__ import annotations

import codecs
import csv
import re
import tomllib
from collections.abc import Iterator
from functools import cache
from importlib import resources
from itertools import chain
from typing import Any
from pathlib import Path

from ..imports.table import (HEADER_SEARCH, SPREADSHEET_ERRORS, delimiter_of, file_kind, header_index,
                             rounded_id, runs_over_rows)
from ..local_files import LocalFileError, check_regular, read_regular

INPUT_COLUMNS = ("report_id", "given_name", "father_name", "full_name_alt", "gender", "birth_date",
                 "home_place", "chinese_id", "detention_year", "facility", "reporter_relationship")


class CsvError(ValueError):
    """An input file that cannot be read; the message names lines and columns, never values."""


def read_rows(path: str | Path, encoding: str | None = None, notes: list[str] | None = None) -> list[dict[str, str]]:
    """Rows of a list with a header (CSV in UTF-8 with or without BOM, UTF-16, or a legacy Windows
    encoding, told from the file's beginning; or an XLSX workbook); unknown columns are ignored,
    missing ones are blank, and every row needs a distinct, non-empty report_id."""
    return list(iter_rows(path, encoding, notes))


def iter_rows(path: str | Path, encoding: str | None = None, notes: list[str] | None = None
              ) -> Iterator[dict[str, str]]:
    """The rows of ``read_rows``, read as they are needed: a CSV file is never held whole. A fault
    (not UTF-8, not CSV, an empty or repeated report_id) raises CsvError when its line is read.

    Lists come from many spreadsheets: the delimiter may be a comma, a semicolon (a European
    Excel's "CSV"), a tab or a bar (or what a "sep=;" first line names); a title may sit above the
    header row; headers are matched without regard to case, spaces or hyphens ("Report ID" is
    report_id), and as families write them (姓名, Фамилия, Date of birth: import_headers.toml).
    An XLSX workbook is read through the importer's reader (imports/xlsx.py), within its limits.
    `encoding`: the file's, when the guess from its beginning would be wrong (a Turkish Windows
    list reads as Western European: both use the same bytes). `notes` receives what the reader
    wants the user to know (the columns it read, ID numbers a spreadsheet rounded), in English."""
    notes = [] if notes is None else notes
    try:
        check_regular(path, "the input file")  # not a pipe, a device or a link's target elsewhere
    except LocalFileError as error:
        raise CsvError(str(error)) from None
    start = _start(path)
    kind = file_kind(start)
    if kind == "xlsx":
        yield from _rows(_workbook_lines(path, notes), notes, workbook=True)
        return
    if kind != "text":
        raise CsvError(f"the input file is {_NOT_CSV[kind]}, not CSV: open it in a spreadsheet program and save it "
                       "as \"CSV UTF-8\"")
    if not start.strip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n"):
        raise CsvError("the input file is empty")
    encoding = _encoding(start) if encoding is None else _named(encoding)
    try:
        handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed below
    except OSError:
        raise CsvError("the input file cannot be read") from None
    start_of_row = [0]
    with handle:
        try:
            delimiter, hint = delimiter_of(handle.read(65_536))
            handle.seek(0)
            if hint:  # Excel's "sep=;" line: not a row, but a line of the file
                handle.readline(MAX_LINE)
            reader = csv.reader(_lines(handle, hint), delimiter=delimiter)
            yield from _rows(_records(reader, hint, start_of_row), notes, delimiter=delimiter)
        except UnicodeDecodeError:
            shown = "UTF-8" if encoding == _UTF8 else encoding
            raise CsvError(f"the input file is not {shown} text throughout: save it as \"CSV UTF-8\" "
                           "and try again") from None
        except csv.Error:
            where = f"line {start_of_row[0]}: " if start_of_row[0] else ""
            raise CsvError(f"{where}the input file is not valid CSV from here (a quotation mark left open?)") from None
        except OSError:
            raise CsvError("the input file cannot be read") from None


_NOT_CSV = {"ods": "an OpenDocument spreadsheet (.ods)", "xls": "an old Excel file (.xls)",
            "encrypted": "a workbook protected by a password", "html": "a web page (HTML)", "pdf": "a PDF document",
            "xml": "an XML file (perhaps Excel's \"XML Spreadsheet 2003\")"}


def _start(path: str | Path) -> bytes:
    try:
        with open(path, "rb") as raw:
            return raw.read(256 * 1024)
    except OSError:
        raise CsvError("the input file cannot be read") from None


def _workbook_lines(path: str | Path, notes: list[str]) -> Iterator[tuple[int, list[str]]]:
    """An XLSX list as (row number, cells), its header first; ID numbers a spreadsheet stored as
    numbers are marked so that they are left out rather than compared wrong. What the reader says
    of the workbook (the sheet read, rows above the header, merged cells) goes to `notes`."""
    from ..imports.reading import ImportFileError, Limits, read_table

    try:
        sheet = read_table(read_regular(path, Limits().max_bytes, "the input file"), Path(path).name)
    except LocalFileError as error:  # over the importer's size limit: refused before it is read whole
        raise CsvError(str(error)) from None
    except ImportFileError as exc:
        raise CsvError(str(exc.args[0])) from None
    except OSError:
        raise CsvError("the input file cannot be read") from None
    notes.extend(str(note) for note in sheet.notes)
    yield (sheet.rows[0].number - 1 if sheet.rows else 1), sheet.headers
    for row in sheet.rows:
        yield row.number, [_NUMBER + cell if i in row.numbers else cell for i, cell in enumerate(row.cells)]


_NUMBER = "\x00"  # a workbook cell that held a number, not text (never in a CSV cell: csv refuses NUL)


MAX_LINE = 1_000_000  # characters in one line of the file: a row of eleven names is a few hundred


def _lines(handle: Any, number: int = 0) -> Iterator[str]:
    """The file's lines, each read with a bound: a file with no line break (or one enormous field)
    is refused after MAX_LINE characters instead of being read whole into memory. `number`: the
    lines already read."""
    while line := handle.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise CsvError(f"line {number} of the input file is longer than {MAX_LINE:,} characters: "
                           "it is not a list of reports")
        yield line


def _records(reader: Any, before: int, start: list[int]) -> Iterator[tuple[int, list[str]]]:
    """(line the record starts on, cells): a value in quotes may hold line breaks, and a message
    names where its row begins. `before`: lines read before the reader's first; `start[0]`: the
    line the record being read starts on, for a message when reading it fails."""
    start[0] = before + 1
    for record in reader:
        yield start[0], record
        start[0] = reader.line_num + before + 1


def _named(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise CsvError(f"unknown encoding {encoding!r} (for example utf-8, utf-16, gb18030, cp1251, cp1254)") from None
    try:  # a codec of bytes to bytes (hex, base64, zlib) or text to text (rot13): open() refuses it
        b"\n".decode(name)  # (an empty input is decoded without asking the codec)
    except LookupError:
        raise CsvError(f"{encoding!r} is not a text encoding (for example utf-8, utf-16, gb18030, cp1251, "
                       "cp1254)") from None
    except ValueError:  # a text encoding in which a lone line break is not whole (UTF-16): read on
        pass
    return _reading(name)


def _reading(name: str) -> str:
    """The codec to open a file in: UTF-8 read so that a byte-order mark, if any, is skipped."""
    return _UTF8 if name == "utf-8" else name


_UTF8 = "utf-8-sig"


def _encoding(start: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"), or the legacy encoding a
    spreadsheet saved in (Chinese, Cyrillic, Turkish, Western Windows code pages), judged from the
    file's beginning as the importer judges a whole list."""
    from ..imports.reading import ImportFileError, detect_encoding

    try:
        found = detect_encoding(start, partial=True)
    except ImportFileError:
        raise CsvError("the input file's character encoding is not recognised: save it as \"CSV UTF-8\" "
                       "and try again") from None
    return _reading(found)


def _column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


@cache
def _synonyms() -> dict[str, str]:
    """Folded header -> column: the import's headers of the same fields, then this command's own."""
    from ..imports.mapping import fold

    raw = tomllib.loads(resources.files("intake.data").joinpath("import_headers.toml").read_text("utf-8"))
    out = {fold(h): _FROM_IMPORT[target] for target, headers in raw["headers"].items() if target in _FROM_IMPORT
           for h in headers}
    out.update({fold(h): f"{part}_name" for part, headers in raw["name_parts"].items() for h in headers})
    out.update({fold(h): column for column, headers in raw["dedup"].items() for h in headers})
    return out


_FROM_IMPORT = {"gender": "gender", "birth_date": "birth_date", "id_number": "chinese_id", "home_county": "home_place",
                "home_place_text": "home_place", "detention_date": "detention_year", "facility": "facility",
                "relationship": "reporter_relationship"}


def _known(header: str) -> str | None:
    """The input column a header names: its own name, else a synonym; None: not read."""
    from ..imports.mapping import fold

    column = _column(header)
    return column if column in INPUT_COLUMNS else _synonyms().get(fold(header))


def _rows(lines: Iterator[tuple[int, list[str]]], notes: list[str], workbook: bool = False,
          delimiter: str | None = None) -> Iterator[dict[str, str]]:
    top: list[tuple[int, list[str]]] = []
    for line, record in lines:
        if record and any(cell.strip() for cell in record):
            top.append((line, record))
            if len(top) == HEADER_SEARCH:
                break
    at = header_index([record for _, record in top], lambda cells: sum(_known(c) is not None for c in cells))
    header = top[at][1] if top else []
    named = [_known(h) for h in header]
    if "report_id" not in named:
        known = [c for c in INPUT_COLUMNS if c in named]
        raise CsvError("the input file has no report_id column (the header must name it; columns recognised: "
                       + (", ".join(known) if known else "none") + ")")
    # A column named exactly: the last of that name counts; named by a synonym: the first.
    where: dict[str, int] = {}
    for i, name in enumerate(named):
        if name is not None and name not in where:
            where[name] = i
    where.update({name: i for i, (name, h) in enumerate(zip(named, header)) if name and _column(h) == name})
    if at:
        notes.append(f"the header was found on line {top[at][0]}; the lines above it were not read")
    notes.append("columns read: " + ", ".join(f"{header[i].strip()} -> {name}" for name, i in
                                               sorted(where.items(), key=lambda item: item[1])))
    wanted = [(col, where.get(col)) for col in INPUT_COLUMNS]
    seen: set[str] = set()
    rounded = errors = 0
    widest = _row_width(header, [record for _, record in top[at + 1:]])
    overfull: list[int] = []
    for line, record in chain(top[at + 1:], lines):
        if not record or not any(cell.strip() for cell in record):  # a blank line is no row
            continue
        if delimiter is not None and "\n" in "".join(record):  # one look in C first, as below
            _check_quotes(line, record, delimiter, len(header))
        width = len(record)
        if width > widest and not workbook and any(cell.strip() for cell in record[widest:]):
            overfull.append(line)  # its values have moved a column: read, they would be wrong
            continue
        row = {col: record[i].strip() if i is not None and i < width else "" for col, i in wanted}
        if workbook:  # a cell that held a number is marked: the ID's rounding shows, the mark goes
            number = where.get("chinese_id")
            is_number = number is not None and number < width and record[number][:1] == _NUMBER
            row = {col: value.removeprefix(_NUMBER) for col, value in row.items()}
        else:
            is_number = False
        if row["chinese_id"] and rounded_id(row["chinese_id"], is_number):
            row["chinese_id"], rounded = "", rounded + 1
        if "#" in "".join(row.values()):  # one look in C first: a million rows pass here
            for col, value in row.items():
                if col != "report_id" and value.upper() in SPREADSHEET_ERRORS:  # a failed formula: no value
                    row[col], errors = "", errors + 1
        if not row["report_id"]:
            raise CsvError(f"line {line}: report_id is empty")
        if row["report_id"] in seen:
            raise CsvError(f"line {line}: report_id repeats an earlier line")
        seen.add(row["report_id"])
        yield row
    if overfull:
        shown = ", ".join(str(n) for n in overfull[:_LINES_SHOWN]) + (", ..." if len(overfull) > _LINES_SHOWN else "")
        notes.append(f"{len(overfull):,} row(s) left out, with more cells than the header has columns (a comma or "
                     f"semicolon inside a value that is not in quotes?): line(s) {shown}")
    if errors:
        notes.append(f"{errors:,} cell(s) held a spreadsheet error (#N/A, #VALUE!...): read as empty")
    if rounded:
        notes.append(f"{rounded:,} ID number(s) stored by a spreadsheet as numbers, which loses their last digits: "
                     "left out (format the column as Text and type them again to use them)")


_LINES_SHOWN = 20  # line numbers listed in a note; the count says how many in all


def _row_width(header: list[str], first: list[list[str]]) -> int:
    """How many cells a row may hold: the header's, or, when most of the first rows hold more (a
    column of notes the header leaves unnamed), what they hold."""
    wider = sorted(len(r) for r in first if len(r) > len(header) and any(c.strip() for c in r[len(header):]))
    return wider[len(wider) // 2] if first and len(wider) * 2 > len(first) else len(header)


def _check_quotes(line: int, record: list[str], delimiter: str, width: int) -> None:
    """A quotation mark left open (table.runs_over_rows) refuses the file: its rows would vanish."""
    if runs_over_rows(record, delimiter, width):
        raise CsvError(f"line {line}: a value opened with a quotation mark runs on over what look like "
                       "further rows: close the quotation mark (or remove it) and try again")

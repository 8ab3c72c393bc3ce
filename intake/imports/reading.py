"""Reading advocates' lists: CSV in the encodings found in the wild, and XLSX, within limits.

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
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import charset_normalizer
import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from ..wording import Said, said


class ImportFileError(ValueError):
    """The file cannot be read; the message (a `Said`) says why and what to do."""


# The row limit's refusal, for a CSV file or a workbook's sheet (two sentences: translators need whole ones).
_TOO_MANY_ROWS = {
    "file": lambda num: said("The file has more than %(num)s rows. Split it into smaller files.", num=num),
    "sheet": lambda num: said("The sheet has more than %(num)s rows. Split it into smaller files.", num=num),
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


def read_table(data: bytes, filename: str, *, encoding: str | None = None, sheet: str | None = None,
               limits: Limits = Limits()) -> Sheet:
    """A CSV or XLSX file (told apart by content, not by name) as a header and rows of text."""
    if len(data) > limits.max_bytes:
        raise ImportFileError(said("The file is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files.",
                                   size=f"{len(data) / 1048576:.1f}", limit=f"{limits.max_bytes / 1048576:.0f}"))
    if not data.strip():
        raise ImportFileError(said("The file is empty."))
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, sheet, limits)
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise ImportFileError(said("This is an old Excel file (.xls). Open it in Excel or LibreOffice and save it "
                                   "as .xlsx or as CSV (UTF-8), then import that."))
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
    dialect = _dialect(text)
    csv.field_size_limit(limits.max_cell + 1)
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        headers, rows = _collect(((n, cells, frozenset(), frozenset()) for n, cells in enumerate(reader, start=1)),
                                 limits, "file")
    except csv.Error:
        raise ImportFileError(said("Line %(line)s of the file is not valid CSV (a cell longer than %(num)s "
                                   "characters, or a quote that is never closed).", line=reader.line_num,
                                   num=f"{limits.max_cell:,}")) from None
    if headers is None:
        raise ImportFileError(said("The file has no rows."))
    return Sheet("csv", headers, rows, encoding=used)


def _collect(lines: Iterable[tuple[int, list[str], frozenset[int], frozenset[int]]], limits: Limits, what: str
             ) -> tuple[list[str] | None, list[SheetRow]]:
    """The first non-blank line as headers, then every non-blank row (blank ones skipped)."""
    headers: list[str] | None = None
    rows: list[SheetRow] = []
    for number, cells, formulas, numbers in lines:
        if not any(c.strip() for c in cells):
            continue
        if headers is None:
            headers = _headers(cells, limits)
            continue
        if len(rows) >= limits.max_rows:
            raise ImportFileError(_TOO_MANY_ROWS[what](f"{limits.max_rows:,}"))
        rows.append(SheetRow(number, [c.strip() for c in cells], formulas, numbers))
    return headers, rows


# csv.Sniffer's quote-finding regular expressions are quadratic in the sample: 50,000 characters
# of ',"' kept it busy 15 s (10,000 take 0.5 s), and a header and dozens of rows fit in 10,000.
SNIFF_SAMPLE = 10_000


def _dialect(text: str) -> Any:
    """Comma, semicolon (European Excel), tab or bar: the sniffer's guess, else the delimiter the
    header line uses most."""
    sample = text[:SNIFF_SAMPLE]
    if len(text) > SNIFF_SAMPLE and "\n" in sample:
        sample = sample[: sample.rindex("\n") + 1]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        header = next((line for line in text.splitlines() if line.strip()), "")
        delimiter = max(",;\t|", key=header.count)

        class Dialect(csv.excel):
            pass

        Dialect.delimiter = delimiter if header.count(delimiter) else ","
        return Dialect


def _headers(cells: list[str], limits: Limits) -> list[str]:
    headers = [c.strip() for c in cells]
    if len(headers) > limits.max_columns:
        raise ImportFileError(said("The first row has %(count)s columns; at most %(num)s are read. Remove the "
                                   "columns you do not need.", count=len(headers), num=limits.max_columns))
    return headers


# --- XLSX -----------------------------------------------------------------------------------

EXCEL_MAX_ROWS = 1_048_576  # the most rows a sheet can have in Excel and LibreOffice

def _read_xlsx(data: bytes, sheet: str | None, limits: Limits) -> Sheet:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise ImportFileError(said("This Excel file is damaged and cannot be opened. Open it in a spreadsheet "
                                   "program and save it again.")) from None
    if unzipped > limits.max_unzipped:
        raise ImportFileError(said("This Excel file unpacks to far more data than its size suggests, so it is not "
                                   "read. Save it again from a spreadsheet program, or as CSV."))
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False, keep_links=False)
    except (InvalidFileException, KeyError, zipfile.BadZipFile, OSError):
        raise ImportFileError(said("This file is not an Excel workbook we can read. Save it again as .xlsx.")) from None
    except Exception as error:  # defusedxml's refusals, XML syntax errors
        raise ImportFileError(said("This Excel file contains XML that spreadsheets do not write (possibly a "
                                   "malicious file), so it is not read (%(error)s).",
                                   error=error.__class__.__name__)) from None
    try:
        names = book.sheetnames
        if sheet is not None and sheet not in names:
            raise ImportFileError(said("The workbook has no sheet named %(sheet)s; its sheets are: %(sheets)s.",
                                       sheet=repr(sheet), sheets=", ".join(names)))
        worksheet = book[sheet or names[0]]
        # The <dimension> tag is the file's own claim ("A1:XFD1048576"): openpyxl would pad every
        # row to its width and add its empty rows. Only the cells actually present are read.
        worksheet.reset_dimensions()
        return _sheet_rows(worksheet, limits, names, sheet or names[0])
    except ImportFileError:
        raise
    except Exception as error:
        raise ImportFileError(said("This Excel file is damaged and cannot be read (%(error)s).",
                                   error=error.__class__.__name__)) from None
    finally:
        book.close()


def _sheet_rows(worksheet: Any, limits: Limits, names: list[str], name: str) -> Sheet:
    headers, rows = _collect(_xlsx_lines(worksheet, limits), limits, "sheet")
    if headers is None:
        raise ImportFileError(said("The sheet %(sheet)s is empty.", sheet=repr(name)))
    notes = []
    if len(names) > 1:
        notes.append(said("Only the sheet %(sheet)s was read; the workbook also has: %(others)s.", sheet=repr(name),
                          others=", ".join(n for n in names if n != name)))
    if formulas := sum(len(r.formulas) for r in rows):
        notes.append(said("%(num)s cells held spreadsheet formulas. They were not calculated: their text was read "
                          "as it is written.", num=formulas))
    return Sheet("xlsx", headers, rows, notes=notes)


def _xlsx_lines(worksheet: Any, limits: Limits) -> Iterator[tuple[int, list[str], frozenset[int], frozenset[int]]]:
    for number, row in enumerate(worksheet.iter_rows(), start=1):
        if number > EXCEL_MAX_ROWS:  # a row numbered 50,000,000 would otherwise yield as many blank rows
            raise ImportFileError(said("This Excel file numbers its rows beyond what spreadsheets allow "
                                       "(%(num)s), so it is damaged or not made by a spreadsheet program. "
                                       "Save it again from a spreadsheet program, or as CSV.",
                                       num=f"{EXCEL_MAX_ROWS:,}"))
        cells, formulas, numbers = [], set(), set()
        for index, cell in enumerate(row[: limits.max_columns]):
            value = cell.value
            if cell.data_type == "f":  # read-only mode gives the formula's text, never a result
                formulas.add(index)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                numbers.add(index)
            cells.append(_cell_text(value))
        yield number, cells, frozenset(formulas), frozenset(numbers)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()

"""Reading an XLSX workbook as the rows of a list (openpyxl, read-only: formulas never calculated).

Which sheet: the one named, else the first whose header row names columns we know (an
instructions sheet or an empty first sheet is passed over), else the first with anything in it;
the dry run says which was read and which others there are. Merged cells spanning several rows
give their value to every row they span (a family's village written once beside three
siblings); hidden rows and columns are read like the others, and the dry run says so.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from typing import Any

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from ..wording import Said, said, said_n
from .mapping import header_score
from .reading import ImportFileError, Limits, Line, Sheet, _collect
from .table import HEADER_SEARCH, column_letter

_MERGE = re.compile(rb'<mergeCell[^>]*\sref="([A-Z]{1,3})(\d{1,7}):([A-Z]{1,3})(\d{1,7})"')
_COLUMNS = re.compile(rb'<col\s[^>]*>')
_HIDDEN = re.compile(rb'\shidden="(?:1|true)"')
_SPAN = re.compile(rb'\smin="(\d+)"[^>]*?\smax="(\d+)"|\smax="(\d+)"[^>]*?\smin="(\d+)"')
_ROW = re.compile(rb'<row\s[^>]*>')
_ROW_NUMBER = re.compile(rb'\sr="(\d{1,7})"')
_ROW_HIGH = re.compile(rb'<row\s[^>]*?\br="(\d{7,})"')  # rows numbered a million or more: checked against the limit
# A cell with a value, a shared string or a formula (not one that is only formatted): its row.
_VALUED = re.compile(rb'<c\s[^>]*?\br="[A-Z]{1,3}(\d{1,7})"[^>]*(?<!/)>\s*<(?:v|is|f)[\s>/]')
HEADER_ROWS = 200  # how far down a sheet its header row is looked for when choosing the sheet
_PIECE = 1 << 20
_OVERLAP = 8192  # bytes of one piece of a sheet's XML read again with the next: longer than any element scanned
EXCEL_MAX_ROWS = 1_048_576  # the most rows a sheet can have in Excel and LibreOffice
MAX_MERGES = 10_000  # more than a hand-kept list has; beyond it, merged cells are read as they are


def read_xlsx(data: bytes, sheet: str | None, limits: Limits) -> Sheet:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unzipped = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, NotImplementedError, ValueError, EOFError, RuntimeError, OSError):
        # NotImplementedError: a zip "version" or compression no spreadsheet writes (a damaged header)
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
        name = sheet or _likeliest(book, names, limits)
        if name is None:
            raise ImportFileError(said("Every sheet of this workbook is empty."))
        return _sheet(book, name, names, chosen=sheet is not None, limits=limits)
    except ImportFileError:
        raise
    except Exception as error:
        raise ImportFileError(said("This Excel file is damaged and cannot be read (%(error)s).",
                                   error=error.__class__.__name__)) from None
    finally:
        book.close()


def _likeliest(book: Any, names: list[str], limits: Limits) -> str | None:
    """The first sheet whose top rows name the most known columns; else the first not empty."""
    best, best_score, first = None, 0, None
    for name in names:
        if not hasattr(book[name], "iter_rows"):  # a chart sheet
            continue
        top = []
        for number, cells, _, _ in _lines(book[name], limits):
            if number > HEADER_ROWS:
                break
            if any(c.strip() for c in cells):
                top.append(cells)
                if len(top) == HEADER_SEARCH:
                    break
        if top and first is None:
            first = name
        score = max((header_score(cells) for cells in top), default=0)
        if score > best_score:
            best, best_score = name, score
    return best or first


def _sheet(book: Any, name: str, names: list[str], *, chosen: bool, limits: Limits) -> Sheet:
    worksheet = book[name]
    if not hasattr(worksheet, "iter_rows"):  # a chart sheet: no cells
        raise ImportFileError(said("The sheet %(sheet)s is empty.", sheet=repr(name)))
    layout = _layout(book, worksheet)
    notes: list[Said] = []
    lines = _lines(worksheet, limits, layout["merges"], layout["last_row"])
    headers, rows = _collect(lines, limits, "sheet", notes)
    if headers is None:
        raise ImportFileError(said("The sheet %(sheet)s is empty.", sheet=repr(name)))
    if len(names) > 1 and not chosen:
        notes.insert(0, said("The sheet %(sheet)s was read; the workbook also has: %(others)s. To read another, "
                             "name it (the sheet field, or --sheet).", sheet=repr(name),
                             others=", ".join(repr(n) for n in names if n != name)))
    if formulas := sum(len(r.formulas) for r in rows):
        notes.append(said("%(num)s cells held spreadsheet formulas. They were not calculated: their text was read "
                          "as it is written.", num=formulas))
    if merged := len(layout["merges"]):
        notes.append(said_n("%(num)s merged cell spans several rows: each row it spans was given its value.",
                            "%(num)s merged cells span several rows: each row they span was given their value.",
                            merged))
    if hidden := [column_letter(i) for i in layout["hidden_columns"] if i < len(headers)]:
        notes.append(said("Hidden columns were read like the others: %(columns)s.", columns=", ".join(hidden)))
    if hidden_rows := len(layout["hidden_rows"]):  # those among the rows read (not the formatted ones below)
        notes.append(said_n("%(num)s row is hidden in the spreadsheet (filtered out?); it was read like the others.",
                            "%(num)s rows are hidden in the spreadsheet (filtered out?); they were read like the "
                            "others.", hidden_rows))
    epoch = dt.date(1904, 1, 1) if getattr(book, "epoch", None) == dt.datetime(1904, 1, 1) else Sheet.epoch
    return Sheet("xlsx", headers, rows, notes=notes, epoch=epoch)


def _layout(book: Any, worksheet: Any) -> dict[str, Any]:
    """Merged ranges spanning rows (first row, last row, column), hidden columns and rows and the
    last row holding a value, from the sheet's XML (read-only mode does not parse them), a
    megabyte at a time; each piece is read with the end of the one before, so that an element
    cut in two is seen whole (found twice at most: the sets keep it once)."""
    merges: set[tuple[int, int, int]] = set()
    hidden_columns: set[int] = set()
    hidden_rows: set[int] = set()
    last_row = 0
    path = getattr(worksheet, "_worksheet_path", None)
    archive = getattr(book, "_archive", None)
    if path is None or archive is None:
        return {"merges": [], "hidden_columns": [], "hidden_rows": [], "last_row": None}
    with archive.open(path) as source:
        before = b""
        while chunk := source.read(_PIECE):
            text = before + chunk
            before = text[-_OVERLAP:]
            if any(int(n) > EXCEL_MAX_ROWS for n in _ROW_HIGH.findall(text)):
                raise _beyond()
            for element in _ROW.findall(text):
                if _HIDDEN.search(element) and (number := _ROW_NUMBER.search(element)):
                    hidden_rows.add(int(number.group(1)))
            last_row = max(last_row, max((int(r) for r in _VALUED.findall(text)), default=0))
            for element in _COLUMNS.findall(text):
                if _HIDDEN.search(element) and (span := _SPAN.search(element)):
                    first, last = (span.group(1), span.group(2)) if span.group(1) else (span.group(4), span.group(3))
                    hidden_columns.update(range(int(first) - 1, min(int(last), 16384)))
            for left, top, _right, bottom in _MERGE.findall(text):
                if int(bottom) > int(top) and len(merges) < MAX_MERGES:
                    merges.add((int(top), int(bottom), _column_index(left.decode())))
    # The last row holding a value: a sheet formatted down to its millionth row is read no further.
    # None (read to the end) when no cell says its row, as the file format allows.
    return {"merges": sorted(merges), "hidden_columns": sorted(hidden_columns),
            "hidden_rows": sorted(r for r in hidden_rows if r <= last_row), "last_row": last_row or None}


def _beyond() -> ImportFileError:
    return ImportFileError(said("This Excel file numbers its rows beyond what spreadsheets allow (%(num)s), so it is "
                                "damaged or not made by a spreadsheet program. Save it again from a spreadsheet "
                                "program, or as CSV.", num=f"{EXCEL_MAX_ROWS:,}"))


def _column_index(letters: str) -> int:
    index = 0
    for char in letters:
        index = index * 26 + ord(char) - 64
    return index - 1


def _lines(worksheet: Any, limits: Limits, merges: list[tuple[int, int, int]] = (),
           last_row: int | None = None) -> Iterator[Line]:
    """Each row as text; a row longer than the column limit keeps one cell more, so the limit is
    seen rather than data cut. Row numbers are the sheet's own. The size the sheet claims for
    itself is not trusted (some programs write "A1" whatever the size: rows and columns would be
    cut), so every row is read as long as it is."""
    worksheet.reset_dimensions()
    by_top: dict[int, list[tuple[int, int, int]]] = {}
    for merge in merges:
        by_top.setdefault(merge[0], []).append(merge)
    active: list[tuple[int, int, str]] = []  # (last row, column, value) of the merges being filled
    for number, row in enumerate(worksheet.iter_rows(max_row=last_row), start=1):
        if number > EXCEL_MAX_ROWS:  # a row numbered 50,000,000 would otherwise yield as many blank rows
            raise _beyond()
        cells, formulas, numbers = [], set(), set()
        for index, cell in enumerate(row[: limits.max_columns + 1]):
            value = cell.value
            if cell.data_type == "f":  # read-only mode gives the formula's text, never a result
                formulas.add(index)
            elif isinstance(value, int | float) and not isinstance(value, bool):
                numbers.add(index)
            cells.append(_cell_text(value))
        if active:
            active = [a for a in active if a[0] >= number]
            # Only a row with something of its own: a merge over blank rows makes no rows.
            for _last, column, value in active if any(c.strip() for c in cells) else ():
                cells.extend([""] * (column + 1 - len(cells)))
                cells[column] = cells[column] or value
        for _top, bottom, column in by_top.pop(number, ()):
            if column < len(cells) and cells[column]:
                active.append((bottom, column, cells[column]))
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

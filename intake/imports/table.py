"""The shape of a list as people keep it, shared by the importer (reading.py, xlsx.py) and
`flask dedup csv` (dedup/csv_io.py): what kind of file it is, its delimiter, where its header row
is (a title and a blank row often sit above it) and names for columns that have none.

Pure and value-free: nothing here repeats a cell's content.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

# How many non-blank rows from the top may hold the header: titles, dates, notes above a table.
HEADER_SEARCH = 20
DELIMITERS = ",;\t|"
_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE2 compound file: .xls, or an encrypted .xlsx


def file_kind(start: bytes) -> str:
    """What a file (or its beginning) says it is: "xlsx" (a zip: an OOXML workbook or another zip),
    "ods", "encrypted" (an Office file under a password), "xls", "html" (a web page saved with an
    Excel name, as old database exports do), "xml" (Excel's XML Spreadsheet 2003), "pdf", or "text"."""
    if start[:4] == b"PK\x03\x04":
        return "ods" if b"mimetypeapplication/vnd.oasis.opendocument" in start[:200] else "xlsx"
    if start[:8] == _CFB:
        return "encrypted" if "EncryptedPackage".encode("utf-16-le") in start else "xls"
    if start[:5] == b"%PDF-":
        return "pdf"
    head = start[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if head.startswith((b"<!doctype html", b"<html", b"<table")):
        return "html"
    if head.startswith(b"<?xml"):  # Excel's "XML Spreadsheet 2003", often named .xls
        return "html" if b"<html" in head else "xml"
    return "text"


def delimiter_of(text: str) -> tuple[str, bool]:
    """The delimiter of a CSV text's beginning, and whether its first line is Excel's "sep=;" hint
    (which names it and is no row). Otherwise the candidate that most non-blank lines of the first
    few hold the same number of times (outside quotes), preferring the most frequent; a comma when
    none is found."""
    lines = [line for line in text[:65_536].splitlines()[:HEADER_SEARCH + 5] if line.strip()]
    if lines and lines[0].strip().lower().startswith("sep=") and len(lines[0].strip()) == 5:
        return lines[0].strip()[4], True
    counts = [_outside_quotes(line) for line in lines]
    if not counts:
        return ",", False

    def score(delimiter: str) -> tuple[int, int]:
        per_line = [c[delimiter] for c in counts]
        widest = max(per_line)
        return (sum(n == widest for n in per_line) if widest else 0), widest

    best = max(DELIMITERS, key=score)
    return (best if score(best)[1] else ","), False


def _outside_quotes(line: str) -> dict[str, int]:
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return counts


def runs_over_rows(cells: Sequence[str], delimiter: str, width: int) -> bool:
    """Whether a value in quotes runs on over what look like whole rows (lines holding nearly as many
    delimiters as the header, `width` columns): a quotation mark left open, which folds the rows
    below it into one value, where they would vanish. Notes of several lines in quotes are fine."""
    enough = max(2, width - 2)
    return any(part.count(delimiter) >= enough for cell in cells if "\n" in cell for part in cell.splitlines()[1:])


def header_index(candidates: Sequence[Sequence[str]], score: Callable[[Sequence[str]], int]) -> int:
    """Which of the first non-blank rows is the header: the one whose cells name the most known
    columns (`score`), the first of equals; the first row when none names any."""
    scores = [score(cells) for cells in candidates[:HEADER_SEARCH]]
    best = max(scores, default=0)
    return scores.index(best) if best > 0 else 0


# What a spreadsheet shows, and a CSV keeps, where a formula failed: no value.
SPREADSHEET_ERRORS = frozenset({"#N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NAME?", "#NUM!", "#NULL!", "#SPILL!",
                                "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#BUSY!", "#UNKNOWN!"})

# An 18-digit ID number a spreadsheet made a number and wrote back: 6.53101E+17, or digits and ".0".
_ROUNDED = re.compile(r"\d(?:[.,]\d+)?[eE]\+?\d{1,2}|\d{16,18}\.0+")


def rounded_id(value: str, is_number: bool) -> bool:
    """An ID number that a spreadsheet stored as a number: a number cell of 16 digits or more (a
    number keeps 15: the last digits of an 18-digit one are lost), or the text a CSV keeps of one."""
    if is_number and sum(ch.isdigit() for ch in value) >= 16:
        return True
    # Cheap first: `flask dedup csv` asks this of every row of a million.
    return ("." in value or "E" in value or "e" in value) and bool(_ROUNDED.fullmatch(value.strip()))


def column_letter(index: int) -> str:
    """A, B, ... Z, AA: the name a spreadsheet shows above the column (index from 0)."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def named_columns(headers: Sequence[str], width: int, unnamed: Callable[[str], str]) -> list[str]:
    """`width` column names: a blank header becomes `unnamed(letter)` ("Column C"), so a column with
    data but no name can still be mapped (nothing is dropped unseen); a repeated one gets its
    column letter ("Name (C)"), so a message about it says which."""
    names = [h.strip() for h in headers[:width]] + [""] * max(0, width - len(headers))
    names = [n or unnamed(column_letter(i)) for i, n in enumerate(names)]
    seen: dict[str, int] = {}
    for name in names:
        seen[name] = seen.get(name, 0) + 1
    first: set[str] = set()
    out = []
    for i, name in enumerate(names):
        if seen[name] > 1 and name in first:
            name = f"{name} ({column_letter(i)})"
        first.add(names[i])
        out.append(name)
    return out

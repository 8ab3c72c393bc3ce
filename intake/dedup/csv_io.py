"""CSV in and out for ``flask dedup csv``: the advocates' own lists, read as text, written back
as pairs.csv and clusters.csv (report ids, probabilities and level codes: no names).

The report ids come from other people's spreadsheets and the output is opened in one: every id
written goes through `neutralise` (a leading apostrophe on one that would start a formula)."""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pyarrow.compute as pc

from ..disclosure.standalone_verify import neutralise
from ..local_files import LocalFileError, check_regular
from .comparisons import COMPARISONS
from .model import PairScore
from .pairs import PairTable, level_code

INPUT_COLUMNS = ("report_id", "given_name", "father_name", "full_name_alt", "gender", "birth_date",
                 "home_place", "chinese_id", "detention_year", "facility", "reporter_relationship")
PAIR_COLUMNS = ("report_id_l", "report_id_r", "match_probability", *(f"{c.name}_level" for c in COMPARISONS))


class CsvError(ValueError):
    """An input file that cannot be read; the message names lines and columns, never values."""


def read_rows(path: str | Path, encoding: str | None = None) -> list[dict[str, str]]:
    """Rows of a CSV with a header (UTF-8 with or without BOM, UTF-16, or a legacy Windows
    encoding, told from the file's beginning); unknown columns are ignored,
    missing ones are blank, and every row needs a distinct, non-empty report_id."""
    return list(iter_rows(path, encoding))


def iter_rows(path: str | Path, encoding: str | None = None) -> Iterator[dict[str, str]]:
    """The rows of ``read_rows``, read as they are needed: the file is never held whole. A fault
    (not UTF-8, not CSV, an empty or repeated report_id) raises CsvError when its line is read.

    Lists come from many spreadsheets: the delimiter may be a comma, a semicolon (a European
    Excel's "CSV"), a tab or a bar, and headers are matched without regard to case, spaces or
    hyphens ("Report ID" is report_id). `encoding`: the file's, when the guess from its beginning
    would be wrong (a Turkish Windows list reads as Western European: both use the same bytes)."""
    try:
        check_regular(path, "the input file")
    except LocalFileError as error:
        raise CsvError(str(error)) from None
    encoding = _encoding(path) if encoding is None else _named(encoding)
    try:
        handle = open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed below
    except OSError:
        raise CsvError("the input file cannot be read") from None
    with handle:
        try:
            first = handle.readline(MAX_LINE)
            handle.seek(0)
            yield from _rows(csv.reader(_lines(handle), delimiter=_delimiter(first)))
        except UnicodeDecodeError:
            shown = "UTF-8" if encoding == _UTF8 else encoding
            raise CsvError(f"the input file is not {shown} text throughout: save it as \"CSV UTF-8\" "
                           "and try again") from None
        except csv.Error:
            raise CsvError("the input file is not valid CSV") from None
        except OSError:
            raise CsvError("the input file cannot be read") from None


MAX_LINE = 1_000_000  # characters in one line of the file: a row of eleven names is a few hundred


def _lines(handle: Any) -> Iterator[str]:
    """The file's lines, each read with a bound: a file with no line break (or one enormous field)
    is refused after MAX_LINE characters instead of being read whole into memory."""
    number = 0
    while line := handle.readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise CsvError(f"line {number} of the input file is longer than {MAX_LINE:,} characters: "
                           "it is not a list of reports")
        yield line


def _named(encoding: str) -> str:
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise CsvError(f"unknown encoding {encoding!r} (for example utf-8, utf-16, gb18030, cp1251, cp1254)") from None
    return _reading(name)


def _reading(name: str) -> str:
    """The codec to open a file in: UTF-8 read so that a byte-order mark, if any, is skipped."""
    return _UTF8 if name == "utf-8" else name


_UTF8 = "utf-8-sig"


def _encoding(path: str | Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 (Excel's "Unicode text"), or the legacy encoding a
    spreadsheet saved in (Chinese, Cyrillic, Turkish, Western Windows code pages), judged from the
    file's beginning as the importer judges a whole list."""
    from ..imports.reading import ImportFileError, detect_encoding

    try:
        with open(path, "rb") as raw:
            start = raw.read(256 * 1024)
    except OSError:
        raise CsvError("the input file cannot be read") from None
    try:
        found = detect_encoding(start, partial=True)
    except ImportFileError:
        raise CsvError("the input file's character encoding is not recognised: save it as \"CSV UTF-8\" "
                       "and try again") from None
    return _reading(found)


DELIMITERS = ",;\t|"


def _delimiter(header_line: str) -> str:
    """The delimiter of the header line: the candidate it holds most of, outside quotes (a comma
    when it holds none)."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _column(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


def _rows(reader: Any) -> Iterator[dict[str, str]]:
    header = [_column(h) for h in next(reader, [])]
    if "report_id" not in header:
        known = [c for c in INPUT_COLUMNS if c in header]
        raise CsvError("the input file has no report_id column (the header must name it; columns recognised: "
                       + (", ".join(known) if known else "none") + ")")
    where = {name: i for i, name in enumerate(header)}  # a repeated column: the last one counts
    wanted = [(col, where.get(col)) for col in INPUT_COLUMNS]
    seen: set[str] = set()
    for record in reader:
        if not record or not any(cell.strip() for cell in record):  # a blank line is no row
            continue
        line = reader.line_num
        width = len(record)
        row = {col: record[i].strip() if i is not None and i < width else "" for col, i in wanted}
        if not row["report_id"]:
            raise CsvError(f"line {line}: report_id is empty")
        if row["report_id"] in seen:
            raise CsvError(f"line {line}: report_id repeats an earlier line")
        seen.add(row["report_id"])
        yield row


@contextmanager
def _output(path: str | Path) -> Iterator[Any]:
    """A new file at `path`, readable by its owner only (0600: the ids come from others' lists),
    written beside it and moved into place when complete. Whatever `path` was before (a file, or
    a symbolic link pointing elsewhere) is replaced, never written through; nothing partial stays."""
    target = Path(path)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as out:
            yield out
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


def write_pairs(path: str | Path, pairs: Iterable[PairScore]) -> int:
    if isinstance(pairs, PairTable):
        return _write_pair_table(path, pairs)
    count = 0
    with _output(path) as out:
        writer = csv.writer(out)
        writer.writerow(PAIR_COLUMNS)
        for p in sorted(pairs, key=lambda p: (-p.probability, p.left_id, p.right_id)):
            writer.writerow([neutralise(p.left_id), neutralise(p.right_id), f"{p.probability:.6f}",
                             *(p.levels[c.name] for c in COMPARISONS)])
            count += 1
    return count


def _write_pair_table(path: str | Path, pairs: PairTable) -> int:
    """The same file from the columns, a slice at a time, without a PairScore per pair."""
    table = pairs.table
    order = pc.sort_indices(table, sort_keys=[("probability", "descending"), ("left", "ascending"),
                                              ("right", "ascending")])
    codes = [(f"gamma_{c.name}", tuple(level_code(c.name, g) for g in range(len(c.levels) - 1)),
              level_code(c.name, -1)) for c in COMPARISONS]
    with _output(path) as out:
        writer = csv.writer(out)
        writer.writerow(PAIR_COLUMNS)
        for start in range(0, len(order), 65_536):
            part = table.take(order.slice(start, 65_536))
            levels = [[missing if g == -1 else by_gamma[g] for g in part.column(col).to_pylist()]
                      for col, by_gamma, missing in codes]
            probabilities = [f"{p:.6f}" for p in part.column("probability").to_pylist()]
            left, right = ([neutralise(v) for v in part.column(side).to_pylist()] for side in ("left", "right"))
            writer.writerows(zip(left, right, probabilities, *levels))
    return len(order)


def write_clusters(path: str | Path, clusters: dict[str, str]) -> int:
    with _output(path) as out:
        writer = csv.writer(out)
        writer.writerow(("report_id", "cluster_id"))
        for rid in sorted(clusters):
            writer.writerow((neutralise(rid), neutralise(clusters[rid])))
    return len(clusters)

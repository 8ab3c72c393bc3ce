"""The four formats of a release: CSV, XLSX, JSON and Parquet, all holding the same rows.

A release has few distinct rows apart from the pseudonym (its equivalence classes), so each
writer renders every class once and writes a row as its pseudonym plus its class: a million rows
cost a string concatenation each, not a cell-by-cell serialisation.

Formula injection: in CSV and XLSX, which people open in spreadsheets, every text cell goes
through `neutralise` (a leading apostrophe on anything that would start a formula); the XLSX
writer writes text cells only, never a formula. JSON and Parquet are for programs and carry the
values as they are.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from . import xlsx
from .standalone_verify import neutralise


@dataclass(frozen=True)
class ReleasedTable:
    """Rows in release order: `pseudonyms[i]` and the values of class `classes[i]`."""

    columns: tuple[str, ...]  # the pseudonym column first
    pseudonyms: list[str]
    classes: np.ndarray  # int per row: index into class_values
    class_values: list[tuple[str, ...]]  # every column but the pseudonym

    def __post_init__(self) -> None:
        # Writers put pseudonyms into rows without quoting or escaping: they must not need any.
        if not all(p.isascii() and p.isalnum() for p in self.pseudonyms):
            raise ValueError("pseudonyms must be ASCII letters and digits")

    @property
    def rows(self) -> int:
        return len(self.pseudonyms)


def write_csv(table: ReleasedTable, path: Path) -> None:
    """UTF-8 without BOM, comma-separated, CRLF line ends, quoted where needed (RFC 4180)."""
    def render(values: Sequence[str]) -> str:
        # The real line terminator, so that values holding CR or LF are quoted; then cut it off.
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerow([neutralise(v) for v in values])
        return buffer.getvalue()[:-2]

    fragments = [render(values) for values in table.class_values]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(render(table.columns) + "\r\n")
        _write_rows(out, (f"{p},{fragments[c]}\r\n"
                          for p, c in zip(table.pseudonyms, table.classes.tolist(), strict=True)))


def write_json(table: ReleasedTable, path: Path, about: dict[str, Any]) -> None:
    """{"format", ...about, "columns": [...], "rows": [[...], ...]}: one array per person."""
    fragments = [json.dumps(list(values), ensure_ascii=False)[1:-1] for values in table.class_values]
    head = json.dumps({**about, "columns": list(table.columns)}, ensure_ascii=False)[:-1]
    with path.open("w", encoding="utf-8") as out:
        out.write(head + ', "rows": [\n')
        rows = (f'["{p}", {fragments[c]}]' for p, c in zip(table.pseudonyms, table.classes.tolist(),
                                                                     strict=True))
        _write_rows(out, _joined(rows, ",\n"))
        out.write("\n]}\n")


def write_parquet(table: ReleasedTable, path: Path) -> None:
    """Dictionary-encoded string columns (the values of a column are few)."""
    arrays: list[pa.Array] = [pa.array(table.pseudonyms, type=pa.string())]
    for index in range(len(table.columns) - 1):
        labels = [values[index] for values in table.class_values]
        dictionary, position = np.unique(np.array(labels, dtype=object), return_inverse=True)
        indices = position[table.classes].astype(np.int32)
        arrays.append(pa.DictionaryArray.from_arrays(pa.array(indices), pa.array(dictionary.tolist(), pa.string())))
    pq.write_table(pa.Table.from_arrays(arrays, names=list(table.columns)), path, compression="zstd")


def write_xlsx(table: ReleasedTable, path: Path, sheet: str, dictionary: list[list[str]]) -> list[str]:
    """The data over as many sheets as it needs (each with the header), then a "dictionary"
    sheet. Returns the data sheets' names."""
    book = xlsx.Workbook(path)
    header = book.strings.cells(neutralise(c) for c in table.columns)
    fragments = [book.strings.cells(neutralise(v) for v in values) for values in table.class_values]
    names = list(xlsx.sheet_names(sheet, table.rows))
    per_sheet = xlsx.MAX_ROWS - 1
    width = len(table.columns)
    for number, name in enumerate(names):
        start, end = number * per_sheet, min((number + 1) * per_sheet, table.rows)
        rows = (f'<c t="inlineStr"><is><t>{p}</t></is></c>{fragments[c]}'
                for p, c in zip(table.pseudonyms[start:end], table.classes[start:end].tolist(), strict=True))
        book.add_sheet(name, _prefixed(header, rows), columns=width, uses=(end - start + 1) * (width - 1) + 1)
    book.add_sheet("dictionary", (book.strings.cells(neutralise(v) for v in row) for row in dictionary),
                   columns=max(len(r) for r in dictionary), uses=sum(len(r) for r in dictionary))
    book.close()
    return names


def _prefixed(first: str, rest: Any) -> Any:
    yield first
    yield from rest


def _joined(items: Any, separator: str) -> Any:
    first = True
    for item in items:
        yield item if first else separator + item
        first = False


def _write_rows(out: io.TextIOBase, rows: Any, chunk: int = 50_000) -> None:
    batch: list[str] = []
    for row in rows:
        batch.append(row)
        if len(batch) == chunk:
            out.write("".join(batch))
            batch.clear()
    out.write("".join(batch))

"""CSV in and out for ``flask dedup csv``: the advocates' own lists, read as text, written back
as pairs.csv and clusters.csv (report ids, probabilities and level codes: no names)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from pathlib import Path

from .comparisons import COMPARISONS
from .model import PairScore

INPUT_COLUMNS = ("report_id", "given_name", "father_name", "full_name_alt", "gender", "birth_date",
                 "home_place", "chinese_id", "detention_year", "facility", "reporter_relationship")
PAIR_COLUMNS = ("report_id_l", "report_id_r", "match_probability", *(f"{c.name}_level" for c in COMPARISONS))


class CsvError(ValueError):
    """An input file that cannot be read; the message names lines and columns, never values."""


def read_rows(path: str | Path) -> list[dict[str, str]]:
    """Rows of a CSV with a header (UTF-8, with or without BOM); unknown columns are ignored,
    missing ones are blank, and every row needs a distinct, non-empty report_id."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        raise CsvError("the input file cannot be read") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvError("the input file is not UTF-8 text") from None
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    if "report_id" not in header:
        raise CsvError("the input file has no report_id column")
    reader.fieldnames = header
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    try:
        for line, record in enumerate(reader, start=2):
            row = {col: (record.get(col) or "").strip() for col in INPUT_COLUMNS}
            if not row["report_id"]:
                raise CsvError(f"line {line}: report_id is empty")
            if row["report_id"] in seen:
                raise CsvError(f"line {line}: report_id repeats an earlier line")
            seen.add(row["report_id"])
            rows.append(row)
    except csv.Error:
        raise CsvError("the input file is not valid CSV") from None
    return rows


def write_pairs(path: str | Path, pairs: Iterable[PairScore]) -> int:
    count = 0
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(PAIR_COLUMNS)
        for p in sorted(pairs, key=lambda p: (-p.probability, p.left_id, p.right_id)):
            writer.writerow([p.left_id, p.right_id, f"{p.probability:.6f}", *(p.levels[c.name] for c in COMPARISONS)])
            count += 1
    return count


def write_clusters(path: str | Path, clusters: dict[str, str]) -> int:
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(("report_id", "cluster_id"))
        for rid in sorted(clusters):
            writer.writerow((rid, clusters[rid]))
    return len(clusters)

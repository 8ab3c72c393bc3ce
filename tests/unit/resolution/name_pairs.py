"""The curated table of name pairs (tests/data/name_pairs.tsv), shared by the unit test and the
benchmark."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

TABLE = Path(__file__).resolve().parents[2] / "data" / "name_pairs.tsv"


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    same: bool
    note: str

    @property
    def known_miss(self) -> bool:
        return self.note.startswith("miss:")


def pairs() -> list[Pair]:
    with TABLE.open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.reader(handle, delimiter="\t") if r and not r[0].startswith("#")]
    header, body = rows[0], rows[1:]
    assert header[:3] == ["a", "b", "truth"]
    return [Pair(r[0], r[1], r[2] == "same", r[3] if len(r) > 3 else "") for r in body]

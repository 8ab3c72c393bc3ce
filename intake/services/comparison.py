"""Reports of one person side by side, field by field, with the fields where they disagree marked.

Pure (no database, no Flask): it takes decrypted reports and returns rows to show. Two values
agree when they are equal after case folding, Unicode normalisation and trimming; a field one report
leaves empty does not count as a disagreement. Dates agree when one is a prefix of the other
("1984" and "1984-06"). Names are listed, not compared: the same name in two scripts differs.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from typing import Any

DATE_FIELDS = frozenset({"birth_date", "detention_date", "last_contact"})


@dataclass(frozen=True)
class Row:
    field: str
    values: list[Any]  # one per report, in the order given
    disagree: bool


def _norm(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(value)).casefold().split())


def _agree(field: str, a: str, b: str) -> bool:
    if field in DATE_FIELDS:
        return a.startswith(b) or b.startswith(a)
    return a == b


def compare(fields: list[str], reports: list[dict[str, Any]]) -> list[Row]:
    rows = []
    for name in fields:
        values = [r.get(name) for r in reports]
        present = [_norm(v) for v in values if v not in (None, "")]
        disagree = any(not _agree(name, a, b) for i, a in enumerate(present) for b in present[i + 1:])
        rows.append(Row(name, values, disagree))
    return rows

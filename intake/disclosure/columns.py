"""What an export may be fed: an allow-list of columns, checked before anything else happens.

The input is one row per person with raw values; nothing else can enter. A name, an ID number, a
note, an exact date column or any key not listed here is refused with `DisallowedColumn`, which
names the offending column (never a value), so a later caller cannot widen an export by passing
one more field.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from .hierarchies import COLUMNS, Hierarchy

# Input field -> released column. `county` is a GB/T 2260 code; `detention_date` an ISO prefix
# (the day is dropped on reading); `sentence` free text or a code (only its band survives).
INPUT_COLUMNS: Mapping[str, str] = {
    "gender": "gender",
    "birth_year": "birth_year",
    "ethnicity": "ethnicity",
    "county": "home_place",
    "detention_date": "detention_date",
    "facility_type": "facility_type",
    "status": "status",
    "sentence": "sentence",
    "verification": "verification",
    "report_count": "report_count",
}
assert tuple(INPUT_COLUMNS.values()) == COLUMNS

PersonRows = Iterable[Mapping[str, Any]] | Mapping[str, Sequence[Any]] | pa.Table


class DisallowedColumn(ValueError):
    """A column outside the allow-list was offered to an export or statistics."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = sorted(str(n) for n in names)
        super().__init__(f"not allowed in an export: {', '.join(self.names)}; allowed are "
                         f"{', '.join(INPUT_COLUMNS)}")


def _check(names: Iterable[str]) -> None:
    extra = set(names) - set(INPUT_COLUMNS)
    if extra:
        raise DisallowedColumn(extra)


def to_columns(data: PersonRows) -> dict[str, list[Any]]:
    """Rows (mappings), columns (mapping of sequences) or a pyarrow Table, as lists per input field.

    A field left out is None for every person; a field not on the allow-list is refused."""
    if isinstance(data, pa.Table):
        _check(data.column_names)
        columns = {name: data.column(name).to_pylist() for name in data.column_names}
    elif isinstance(data, Mapping):
        _check(data.keys())
        columns = {name: list(values) for name, values in data.items()}
    else:
        columns = {name: [] for name in INPUT_COLUMNS}
        count = 0
        for row in data:
            _check(row.keys())
            for name, values in columns.items():
                values.append(row.get(name))
            count += 1
    lengths = {len(v) for v in columns.values()}
    if len(lengths) > 1:
        raise ValueError("every column must have one value per person")
    count = lengths.pop() if lengths else 0
    return {name: columns.get(name) or [None] * count for name in INPUT_COLUMNS}


def encode(data: PersonRows, hierarchies: Sequence[Hierarchy]) -> np.ndarray:
    """The input as an (persons x columns) int16 matrix of hierarchy node ids, release column order."""
    columns = to_columns(data)
    by_column = dict(zip(INPUT_COLUMNS.values(), columns.values(), strict=True))
    count = len(next(iter(columns.values())))
    out = np.empty((count, len(hierarchies)), dtype=np.int16)
    for index, hierarchy in enumerate(hierarchies):
        out[:, index] = hierarchy.encode(by_column[hierarchy.column]) if count else []
    return out

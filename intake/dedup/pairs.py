"""Scored pairs as columns: a run over a million reports keeps a few million pairs, which as one
PairScore (two dicts) each would take gigabytes. ``PairTable`` holds Splink's output as an
Arrow table (report ids, probability, one level number and one weight per comparison) and makes
a PairScore only when one is asked for; it is a Sequence[PairScore], so callers that iterate,
index or count pairs see no difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

import pyarrow as pa
import pyarrow.compute as pc

from .comparisons import COMPARISONS
from .model import PairScore

_NAMES = tuple(c.name for c in COMPARISONS)
# Splink numbers a comparison's levels from the "else" level (0) upwards and the null level -1;
# ours run from the null level down to the else level.
_CODES = {c.name: tuple(lv.code for lv in c.levels) for c in COMPARISONS}
_SLICE = 65_536
_GAMMAS = {name: {code: (-1 if i == 0 else len(codes) - 1 - i) for i, code in enumerate(codes)}
           for name, codes in _CODES.items()}


def level_code(comparison: str, gamma: int) -> str:  # _GAMMAS is its inverse
    codes = _CODES[comparison]
    return codes[0] if gamma == -1 else codes[len(codes) - 1 - gamma]


def wanted_columns() -> list[str]:
    """The columns of Splink's predictions a PairTable needs."""
    wanted = ["unique_id_l", "unique_id_r", "match_probability"]
    for comp in COMPARISONS:
        wanted += [f"gamma_{comp.name}", f"mw_{comp.name}"]
        if any(lv.tf_column for lv in comp.levels):
            wanted.append(f"mw_tf_adj_{comp.name}")
    return wanted


class PairTable(Sequence[PairScore]):
    """Columns ``left``, ``right`` (left < right), ``probability``, and per comparison
    ``gamma_<name>`` and ``weight_<name>`` (its weight, term-frequency adjustment included)."""

    def __init__(self, table: pa.Table) -> None:
        self.table = table
        self._rows: list[PairScore] | None = None

    @classmethod
    def from_predictions(cls, table: Any, report_ids: pa.Array | None = None) -> PairTable:
        """From Splink's predictions (Arrow, or pandas from Spark) with ``wanted_columns()``;
        ``report_ids``: the report id of each row number, when Splink saw row numbers."""
        if not isinstance(table, pa.Table):
            table = pa.Table.from_pandas(table, preserve_index=False)
        left, right = table.column("unique_id_l"), table.column("unique_id_r")
        if report_ids is not None:
            left, right = report_ids.take(left), report_ids.take(right)
        left, right = pc.cast(left, pa.string()), pc.cast(right, pa.string())
        swap = pc.fill_null(pc.less(right, left), False)
        columns: dict[str, Any] = {
            "left": pc.if_else(swap, right, left), "right": pc.if_else(swap, left, right),
            "probability": pc.cast(table.column("match_probability"), pa.float64()),
        }
        for name in _NAMES:
            columns[f"gamma_{name}"] = pc.cast(table.column(f"gamma_{name}"), pa.int8())
            weight = pc.fill_null(pc.cast(table.column(f"mw_{name}"), pa.float64()), 0.0)
            if f"mw_tf_adj_{name}" in table.column_names:
                tf = pc.fill_null(pc.cast(table.column(f"mw_tf_adj_{name}"), pa.float64()), 0.0)
                weight = pc.add(weight, tf)
            columns[f"weight_{name}"] = weight
        return cls(pa.table(columns).combine_chunks())

    @classmethod
    def from_scores(cls, scores: Iterable[PairScore]) -> PairTable:
        """From PairScores (each pair as given: no swap of its two reports)."""
        scores = list(scores)
        if not scores:
            return cls.empty()
        columns: dict[str, Any] = {"left": pa.array([p.left_id for p in scores], pa.string()),
                                   "right": pa.array([p.right_id for p in scores], pa.string()),
                                   "probability": pa.array([float(p.probability) for p in scores], pa.float64())}
        for name in _NAMES:
            gamma = _GAMMAS[name]
            columns[f"gamma_{name}"] = pa.array([gamma[p.levels[name]] for p in scores], pa.int8())
            columns[f"weight_{name}"] = pa.array([float(p.weights.get(name, 0.0)) for p in scores], pa.float64())
        return cls(pa.table(columns))

    @classmethod
    def empty(cls) -> PairTable:
        columns: dict[str, Any] = {"left": pa.array([], pa.string()), "right": pa.array([], pa.string()),
                                   "probability": pa.array([], pa.float64())}
        for name in _NAMES:
            columns[f"gamma_{name}"] = pa.array([], pa.int8())
            columns[f"weight_{name}"] = pa.array([], pa.float64())
        return cls(pa.table(columns))

    def plus(self, other: PairTable) -> PairTable:
        """These pairs and those of ``other`` that are not among them."""
        seen = self.table.select(["left", "right"]).append_column(
            "seen", pa.array([True] * self.table.num_rows, pa.bool_()))
        fresh = other.table.join(seen, keys=["left", "right"], join_type="left outer")
        fresh = fresh.filter(pc.is_null(fresh.column("seen"))).drop_columns(["seen"])
        return PairTable(pa.concat_tables([self.table, fresh.select(self.table.column_names)]).combine_chunks())

    def __len__(self) -> int:
        return self.table.num_rows

    @overload
    def __getitem__(self, index: int) -> PairScore: ...

    @overload
    def __getitem__(self, index: slice) -> list[PairScore]: ...

    def __getitem__(self, index: int | slice) -> PairScore | list[PairScore]:
        if isinstance(index, slice):
            return list(self._scores(self.table, range(len(self))[index]))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("pair index out of range")
        return next(self._scores(self.table.slice(index, 1), range(1)))

    def __iter__(self) -> Iterator[PairScore]:
        for start in range(0, len(self), _SLICE):
            part = self.table.slice(start, _SLICE)
            yield from self._scores(part, range(part.num_rows))

    def at_least(self, probability: float) -> PairTable:
        """The pairs at or above ``probability`` (filtered as columns, before any PairScore)."""
        return PairTable(self.table.filter(pc.greater_equal(self.table.column("probability"), probability)))

    def ordered(self) -> Iterator[PairScore]:
        """Strongest first, then by report ids (the order of pairs.csv)."""
        order = pc.sort_indices(self.table, sort_keys=[("probability", "descending"), ("left", "ascending"),
                                                       ("right", "ascending")])
        for start in range(0, len(order), _SLICE):
            part = self.table.take(order.slice(start, _SLICE))
            yield from self._scores(part, range(part.num_rows))

    @staticmethod
    def _scores(table: pa.Table, positions: Sequence[int]) -> Iterator[PairScore]:
        cols = {name: table.column(name).to_pylist() for name in table.column_names}
        for i in positions:
            levels = {n: level_code(n, cols[f"gamma_{n}"][i]) for n in _NAMES}
            weights = {n: cols[f"weight_{n}"][i] for n in _NAMES}
            yield PairScore(cols["left"][i], cols["right"][i], cols["probability"][i], levels, weights)

"""Measures of a released table: k, distinct l, re-identification risk and information loss.

Everything works on a `ClassTable`: the distinct rows of a table (node ids per column) with how
many persons share each. The recoding search and the final check of a release use the same code,
so the figures a manifest states are the figures the search optimised.

Definitions (every released column but the pseudonym is a quasi-identifier, status included):
- k: the size of the smallest equivalence class over all quasi-identifiers;
- distinct l: over the classes of all quasi-identifiers but status, the fewest distinct status
  values in one class;
- prosecutor risk of a person: 1 / the size of their class. Record-weighted average risk = number
  of classes / number of persons; maximum risk = 1 / k. `class_average_risk` is the unweighted
  mean over classes (what pycanon's `average_rir` reports), given for comparison;
- loss metric (Iyengar 2002): per cell (leaves under the value - 1) / (leaves of the domain - 1),
  1 for "*", "unknown" and suppressed cells, averaged over all cells: 0 is the raw data, 1 nothing;
- precision loss (Sweeney 2002): per cell the level of the value over the hierarchy's height,
  averaged likewise;
- discernibility (Bayardo and Agrawal 2005): the sum of squared class sizes, each suppressed row
  counting the number of persons; normalised by persons squared.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .hierarchies import STAR, Hierarchy


class ClassTable:
    """Distinct rows at some levels and how many persons share each (`counts`).

    `keys` packs each row's values at the table's levels into one integer (see `Coder`), status
    the least significant digit; rows are sorted by it, so `keys // status_radix` is equal exactly
    for rows that differ only in status, and such rows are adjacent. `codes` (node ids per column)
    are unpacked on first use: most tables built during a search are only counted."""

    def __init__(self, coder: Coder, levels: Sequence[int], keys: np.ndarray, counts: np.ndarray) -> None:
        self.coder = coder
        self.levels = tuple(levels)
        self.keys = keys
        self.counts = counts
        self.status_radix = coder.radices(levels)[coder.status]
        self._codes: np.ndarray | None = None

    @property
    def codes(self) -> np.ndarray:
        if self._codes is None:
            self._codes = self.coder.decode(self.keys, self.levels)
        return self._codes

    @property
    def statuses(self) -> np.ndarray:
        """The status node id of each row (without unpacking the other columns)."""
        return self.coder.values[self.coder.status][self.levels[self.coder.status]][self.keys % self.status_radix]

    @property
    def persons(self) -> int:
        return int(self.counts.sum())

    def others_groups(self) -> np.ndarray:
        """For each class, the index of its group over every column but status."""
        others = self.keys // self.status_radix
        if len(others) == 0:
            return np.zeros(0, dtype=np.int64)
        return np.concatenate(([0], np.cumsum(others[1:] != others[:-1])))


# Dense counting (one bincount over every possible key) beats sorting while the key space is no
# larger than this and not much larger than the rows counted.
_DENSE_LIMIT = 1 << 22


class Coder:
    """Packs a table's node ids at given levels into one int64 per row, densely: each column
    contributes the index of its value among the values its level can show ("*" and "unknown"
    included at every level, for suppressed and missing cells), status last."""

    def __init__(self, hierarchies: Sequence[Hierarchy], status: int) -> None:
        self.columns = len(hierarchies)
        self.status = status
        self.order = [i for i in range(self.columns) if i != status] + [status]
        self.to_index: list[list[np.ndarray]] = []  # [column][level]: node id -> index at that level
        self.values: list[list[np.ndarray]] = []  # [column][level]: index -> node id
        for h in hierarchies:
            to_index, values = [], []
            for level in range(h.top + 1):
                # "*" can show at every level (a suppressed cell); at the top it is all there is.
                shown = np.union1d(h.up[level], [STAR]).astype(np.int16)
                lookup = np.full(h.nodes, -1, dtype=np.int64)
                lookup[shown] = np.arange(len(shown))
                to_index.append(lookup[h.up[level]])
                values.append(shown)
            self.to_index.append(to_index)
            self.values.append(values)
        self.to_index32 = [[table.astype(np.int32) for table in levels] for levels in self.to_index]

    def radices(self, levels: Sequence[int]) -> list[int]:
        return [len(self.values[i][levels[i]]) for i in range(self.columns)]

    def key(self, codes: np.ndarray, levels: Sequence[int]) -> tuple[np.ndarray, int]:
        """Each row's key at `levels` (codes may be at any lower level), and the key space size."""
        radices = self.radices(levels)
        space = 1
        for i in self.order:
            space *= radices[i]
        if space >= 2**62:
            raise ValueError("hierarchies too large to combine into one 64-bit key")
        # 32-bit keys when they fit: half the memory traffic, and a faster sort.
        dtype = np.int32 if space < 2**31 else np.int64
        key = np.zeros(len(codes), dtype=dtype)
        for i in self.order:
            if radices[i] > 1:  # a column at "*" adds nothing
                key *= radices[i]
                key += self.lookup(i, levels[i], dtype)[codes[:, i]]
        return key, space

    def lookup(self, column: int, level: int, dtype: type) -> np.ndarray:
        return self.to_index[column][level] if dtype is np.int64 else self.to_index32[column][level]

    def decode(self, keys: np.ndarray, levels: Sequence[int]) -> np.ndarray:
        radices = self.radices(levels)
        codes = np.empty((len(keys), self.columns), dtype=np.int16, order="F")  # columns contiguous
        rest = keys.copy()
        for i in reversed(self.order):
            codes[:, i] = self.values[i][levels[i]][rest % radices[i]]
            rest //= radices[i]
        return codes

    def group(self, codes: np.ndarray, levels: Sequence[int], weights: np.ndarray | None = None) -> ClassTable:
        """The distinct rows of `codes` generalised to `levels`, with their (weighted) counts."""
        key, space = self.key(codes, levels)
        if weights is None:
            weights = np.ones(len(key), dtype=np.int64)
        if space <= _DENSE_LIMIT and space <= 16 * len(key) + 1024:
            dense = np.bincount(key, weights=weights, minlength=space)
            keys = np.flatnonzero(dense)
            counts = dense[keys].astype(np.int64)
        else:  # hashed, then only the distinct keys sorted: 3-6x less than sorting every row
            index, distinct = pd.factorize(key, sort=False)
            counts = np.bincount(index, weights=weights, minlength=len(distinct))
            order = np.argsort(distinct)
            keys, counts = distinct[order], counts[order]
        return ClassTable(self, levels, keys.astype(np.int64), counts.astype(np.int64))


def failing(table: ClassTable, k: int, l: int) -> np.ndarray:
    """Classes whose persons must be suppressed: smaller than k, or left in a group with fewer
    than l distinct status values once the small classes are gone."""
    groups = table.others_groups()
    small = table.counts < k
    kept_per_group = np.bincount(groups[~small], minlength=int(groups.max(initial=-1)) + 1)
    return small | (kept_per_group[groups] < l)


@dataclass(frozen=True)
class Measures:
    persons: int
    k: int
    l: int
    classes: int
    suppressed: int
    suppression_rate: float
    average_risk: float
    maximum_risk: float
    class_average_risk: float
    loss_metric: float
    precision_loss: float
    discernibility: int
    normalised_discernibility: float

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


def measure(table: ClassTable, hierarchies: Sequence[Hierarchy], status: int, suppressed: int) -> Measures:
    """All figures of a released table whose suppressed rows show "*" in every column but status."""
    persons = table.persons
    if persons == 0:
        raise ValueError("an empty table has no measures")
    distinct = np.bincount(table.others_groups())
    lm = sum(hierarchies[i].loss()[table.codes[:, i]] for i in range(len(hierarchies)))
    pl = sum(hierarchies[i].precision_loss()[table.codes[:, i]] for i in range(len(hierarchies)))
    cells = persons * len(hierarchies)
    others = [i for i in range(len(hierarchies)) if i != status]
    # Suppressed persons each count as indistinguishable from everybody; a table whose columns but
    # status are all "*" anyway has none.
    block = np.all(table.codes[:, others] == STAR, axis=1) if suppressed else np.zeros(len(table.counts), bool)
    discernibility = int((table.counts[~block] ** 2).sum()) + suppressed * persons
    return Measures(
        persons=persons,
        k=int(table.counts.min()),
        l=int(distinct.min()),
        classes=len(table.counts),
        suppressed=suppressed,
        suppression_rate=suppressed / persons,
        average_risk=len(table.counts) / persons,
        maximum_risk=1 / int(table.counts.min()),
        class_average_risk=float(np.mean(1 / table.counts)),
        loss_metric=float((lm * table.counts).sum() / cells),
        precision_loss=float((pl * table.counts).sum() / cells),
        discernibility=discernibility,
        normalised_discernibility=discernibility / persons**2,
    )


def loss_lower_bounds(base: np.ndarray, hierarchies: Sequence[Hierarchy]) -> list[np.ndarray]:
    """Per column, per level: the summed loss metric of that column generalised to that level,
    before any suppression. A recoding's loss metric is at least the sum over its columns divided
    by the number of cells (suppression only raises cells to 1)."""
    out = []
    for i, hierarchy in enumerate(hierarchies):
        freq = np.bincount(base[:, i], minlength=hierarchy.nodes)
        lm = hierarchy.loss()
        out.append(np.array([(freq * lm[hierarchy.up[level]]).sum() for level in range(hierarchy.top + 1)]))
    return out

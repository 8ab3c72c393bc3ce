"""Clusters from scored pairs, with repair: a false merge mixes two families' cases, so a
cluster is never allowed to hold two different valid ID numbers, two genders, two different full
birth dates (year, month and day; the same day and month a year apart is a year misremembered),
birth years more than two apart, or two reports whose own
given names differ outright (twins: same father, date and place, two names), and a thin report
never chains two fuller clusters together.

1. Reports with more than a name and one fact ("full") are joined by the pairs at or above the
   threshold, strongest first; a join that would bring a conflict into a cluster is refused.
2. Each thin report then joins the one cluster its strongest pair leads to, if no conflict.
3. Thin reports left over join each other the same way.

Most groups that step 1's pairs connect hold nothing a join could refuse (one ID number, gender
and full date, names no two of which differ, years close): such a group is one cluster whatever
the order of its pairs, so it is joined at once with arrays, and only the rest pair by pair.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .comparisons import BY_NAME, CROSSWISE_COLUMNS
from .features import feature_row
from .model import PairScore
from .pairs import PairTable

# Chosen on held-out data (bench_dedup.py) with version 30 of the name rules: on lists 75 to 79 and
# 80 to 82 (whole and halves, seeds 5, 7, 9, 13) and the generator's seeds (none training's 11),
# 0.75 keeps every whole list's hard-negative pairs merged at or under 0.5 % while pairwise F1
# gains 0.002-0.003 over 0.82 (the name rules' reach had grown since 0.82 was chosen with version
# 22); 0.7 gains 0.001 more and merges more (docs/deduplication.md, "Threshold").
DEFAULT_THRESHOLD = 0.75
MAX_YEAR_SPREAD = 2
_GIVEN = BY_NAME["given"]
# What the given-name comparison reads: its own columns and those of its crosswise level.
_NAME_COLUMNS = tuple(dict.fromkeys((*_GIVEN.columns, *CROSSWISE_COLUMNS)))


@dataclass
class _Reports:
    """One entry per report (list index = report number): the facts repair looks at, as codes."""
    ids: list[str]
    id_number: list[int]   # a code per distinct valid ID number, -1 for none
    gender: list[int]      # a code per gender, -1 for none
    year: list[int]        # -1 for none
    date: list[int]        # yyyymmdd when year, month and day are known, else -1
    thin: list[bool]


def _feature(row: Mapping[str, Any]) -> Mapping[str, Any]:
    return row if "unique_id" in row else feature_row(row)


def _codes(values: Iterable[Any]) -> list[int]:
    seen: dict[Any, int] = {}
    return [-1 if v is None else seen.setdefault(v, len(seen)) for v in values]


def _reports_of(features: Sequence[Mapping[str, Any]]) -> _Reports:
    dates = []
    for f in features:
        y, m, d = f.get("birth_year"), f.get("birth_month"), f.get("birth_day")
        dates.append(y * 10_000 + m * 100 + d if y is not None and m is not None and d is not None else -1)
    return _Reports(
        ids=[str(f["unique_id"]) for f in features],
        id_number=_codes(f["id_raw"] if f.get("id_valid") else None for f in features),
        gender=_codes(f.get("gender") or None for f in features),
        year=[-1 if f.get("birth_year") is None else f["birth_year"] for f in features],
        date=dates, thin=[bool(f.get("thin")) for f in features])


def _reports_of_table(table: pa.Table) -> _Reports:
    """The same from features.feature_table's columns, without a dict per report."""
    def column(name: str) -> pa.ChunkedArray:
        return table.column(name)

    valid_id = pc.if_else(pc.fill_null(column("id_valid"), False), column("id_raw"), pa.scalar(None, pa.string()))
    gender = pc.if_else(pc.equal(column("gender"), ""), pa.scalar(None, pa.string()), column("gender"))
    year, month, day = (pc.cast(column(n), pa.int64()) for n in ("birth_year", "birth_month", "birth_day"))
    date = pc.add(pc.add(pc.multiply(year, 10_000), pc.multiply(month, 100)), day)  # null if any is null
    return _Reports(
        ids=column("unique_id").to_pylist(),
        id_number=_encoded(valid_id), gender=_encoded(gender),
        year=pc.fill_null(year, -1).to_pylist(), date=pc.fill_null(date, -1).to_pylist(),
        thin=pc.fill_null(column("thin"), False).to_pylist())


def _encoded(values: pa.ChunkedArray) -> list[int]:
    encoded = pc.dictionary_encode(values.combine_chunks())
    return pc.fill_null(pc.cast(encoded.indices, pa.int64()), -1).to_pylist()


def repair_clusters(pairs: Iterable[PairScore], rows: Iterable[Mapping[str, Any]] | pa.Table, *,
                    threshold: float = DEFAULT_THRESHOLD) -> dict[str, str]:
    """report_id -> cluster_id (the smallest report_id of the cluster) for every row.

    ``rows`` are plain rows (the CSV columns), feature records (features.feature_row) or the Arrow
    table of features.feature_table; ``pairs`` PairScores or a pairs.PairTable. Pairs naming a
    report not in ``rows`` are ignored."""
    if isinstance(rows, pa.Table):
        reports, names = _reports_of_table(rows), _names_of_table(rows)
    else:
        features = [_feature(r) for r in rows]
        reports, names = _reports_of(features), _names_of(features)
    if isinstance(pairs, PairTable):
        left, right = _strong_of_table(pairs.table, reports.ids, threshold)
    else:
        left, right = _strong(pairs, reports.ids, threshold)
    root = _union(reports, np.asarray(left, np.int64), np.asarray(right, np.int64), names)
    return _cluster_ids(reports.ids, root)


@dataclass
class _Names:
    """What the given-name comparison reads of each report as a code per distinct name (-1: no
    name), and those columns once per code: a list repeats its names."""
    code: list[int]
    rows: list[Mapping[str, Any]]


def _names_of(features: Sequence[Mapping[str, Any]]) -> _Names:
    seen: dict[tuple[Any, ...], int] = {}
    rows: list[Mapping[str, Any]] = []
    code = []
    for f in features:
        if f.get("given_syl") is None:
            code.append(-1)
            continue
        key = _name_key(f)
        if key not in seen:
            seen[key] = len(rows)
            rows.append(f)
        code.append(seen[key])
    return _Names(code, rows)


def _names_of_table(table: pa.Table) -> _Names:
    """The same from features.feature_table's columns, without a dict per report."""
    if not table.num_rows:
        return _Names([], [])
    text = [pc.fill_null(pc.cast(table.column(c), pa.string()), "\x00") for c in _NAME_COLUMNS]
    joined = pc.binary_join_element_wise(*text, "\x1f")  # no name holds these control characters
    encoded = pc.dictionary_encode(joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined)
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    _, first = np.unique(codes, return_index=True)  # the first report of each code, codes in order
    rows = table.select(list(_NAME_COLUMNS)).take(pa.array(first, pa.int64())).to_pylist()
    named = pc.is_valid(table.column("given_syl")).to_numpy(zero_copy_only=False)
    return _Names(np.where(named, codes, -1).tolist(), rows)


def _strong(pairs: Iterable[PairScore], ids: list[str], threshold: float) -> tuple[list[int], list[int]]:
    index = {rid: i for i, rid in enumerate(ids)}
    strong = sorted((p for p in pairs if p.probability >= threshold and p.left_id in index
                     and p.right_id in index), key=lambda p: (-p.probability, p.left_id, p.right_id))
    return [index[p.left_id] for p in strong], [index[p.right_id] for p in strong]


def _strong_of_table(table: pa.Table, ids: list[str], threshold: float) -> tuple[list[int], list[int]]:
    keep = table.filter(pc.greater_equal(table.column("probability"), threshold))
    keep = keep.take(pc.sort_indices(keep, sort_keys=[("probability", "descending"), ("left", "ascending"),
                                                      ("right", "ascending")]))
    count = keep.num_rows
    # Both columns looked up at once: one hash table of the report ids, not two.
    found = pc.index_in(pa.concat_arrays([keep.column("left").combine_chunks(), keep.column("right").combine_chunks()]),
                        value_set=pa.array(ids, pa.string()))
    left, right = found.slice(0, count), found.slice(count)
    both = pc.and_(pc.is_valid(left), pc.is_valid(right))
    return pc.filter(left, both).to_pylist(), pc.filter(right, both).to_pylist()


class _Clusters:
    """Union-find over report numbers; each root carries its cluster's one ID number, gender and
    full date (a join that would bring a second is refused), its range of birth years, and the
    codes of its members' given names (a join that would hold two different ones is refused)."""

    def __init__(self, reports: _Reports, names: _Names) -> None:
        n = len(reports.ids)
        self.parent = list(range(n))
        self.size = [1] * n
        self.id_number, self.gender, self.date = list(reports.id_number), list(reports.gender), list(reports.date)
        self.low, self.high = list(reports.year), list(reports.year)
        self.code, self.rows = names.code, names.rows
        # Each cluster's distinct names once joined (a root that has joined nothing has its own
        # name's code): copies of one report add none, so a flooded list is checked against one name.
        self.named: dict[int, Collection[int]] = {}
        self._differ: dict[tuple[int, int], bool] = {}  # per pair of names met: lists repeat names

    def names_of(self, root: int) -> Collection[int]:
        found = self.named.get(root)
        if found is not None:
            return found
        return () if self.code[root] == -1 else (self.code[root],)

    def different(self, x: int, y: int) -> bool:
        key = (x, y) if x <= y else (y, x)  # the comparison is symmetric
        found = self._differ.get(key)
        if found is None:
            found = self._differ[key] = _GIVEN.level_of(self.rows[x], self.rows[y]).code == "different"
        return found

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(self, a: int, b: int) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        for code in (self.id_number, self.gender):
            if code[ra] != -1 and code[rb] != -1 and code[ra] != code[rb]:
                return False
        date, low, high = self.date, self.low, self.high
        if date[ra] != -1 and date[rb] != -1 and not _same_birthday(date[ra], date[rb]):
            return False
        if low[ra] != -1 and low[rb] != -1 and \
                max(high[ra], high[rb]) - min(low[ra], low[rb]) > MAX_YEAR_SPREAD:
            return False
        # A chain of pairs can join twins (or brothers) whom no pair joins directly.
        mine, theirs = self.names_of(ra), self.names_of(rb)
        if any(self.different(x, y) for x in mine for y in theirs):
            return False
        if self.size[ra] < self.size[rb]:
            ra, rb, mine, theirs = rb, ra, theirs, mine
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]
        if not set(theirs) <= set(mine):
            self.named[ra] = {*mine, *theirs}
        self.named.pop(rb, None)
        for code in (self.id_number, self.gender, date):
            if code[ra] == -1:
                code[ra] = code[rb]
        if low[ra] == -1:
            low[ra], high[ra] = low[rb], high[rb]
        elif low[rb] != -1:
            low[ra], high[ra] = min(low[ra], low[rb]), max(high[ra], high[rb])
        return True

    def join_agreeing_groups(self, left: np.ndarray, right: np.ndarray) -> np.ndarray:
        """Joins at once each group of reports that ``left``-``right`` pairs connect and that
        holds at most one ID number, gender and full date, no two given names that differ, and
        birth years at most MAX_YEAR_SPREAD apart: no join within it could be refused, so it ends
        as one cluster carrying the same facts whatever the order of its pairs. Only for clusters
        not yet joined. Returns, for each pair, whether it is left to be joined pair by pair."""
        n = len(self.parent)
        if not len(left):
            return np.zeros(0, bool)
        label = _components(n, left, right)
        members = np.unique(np.concatenate([left, right]))
        code = np.asarray(self.code, np.int64)[members]
        order = np.lexsort((code, label[members]))  # by group, then by name code
        members, code, group = members[order], code[order], label[members[order]]
        starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
        ends = np.r_[starts[1:], len(group)] - 1

        def low_high(values: list[int]) -> tuple[np.ndarray, np.ndarray]:  # -1: unknown
            known = np.asarray(values, np.int64)[members]
            low = np.minimum.reduceat(np.where(known == -1, np.iinfo(np.int64).max, known), starts)
            return low, np.maximum.reduceat(known, starts)

        agree = np.ones(len(starts), bool)
        one: dict[str, np.ndarray] = {}
        for name in ("id_number", "gender", "date"):
            low, high = low_high(getattr(self, name))
            agree &= (high == -1) | (low == high)
            one[name] = high
        low, high = low_high(self.low)
        agree &= (high == -1) | (high - low <= MAX_YEAR_SPREAD)
        # Groups of several names: joined at once only if no two of them differ.
        new_name = (code != -1) & np.r_[True, (code[1:] != code[:-1]) | (group[1:] != group[:-1])]
        several: dict[int, list[int]] = {}
        for g in np.flatnonzero(agree & (np.add.reduceat(new_name.astype(np.int64), starts) > 1)).tolist():
            found = sorted(set(code[starts[g]:ends[g] + 1].tolist()) - {-1})
            if any(self.different(x, y) for i, x in enumerate(found) for y in found[i + 1:]):
                agree[g] = False
            else:
                several[g] = found
        taken = np.repeat(agree, ends - starts + 1)
        at = np.flatnonzero(agree)
        root = members[ends[at]]  # the member with the group's highest name code: its own name's
        parent = np.asarray(self.parent, np.int64)
        parent[members[taken]] = np.repeat(root, (ends - starts + 1)[at])
        self.parent = parent.tolist()
        for name, values in (("size", ends - starts + 1), *one.items(), ("low", np.where(high == -1, -1, low)),
                             ("high", high)):
            column = np.asarray(getattr(self, name), np.int64)
            column[root] = values[at]
            setattr(self, name, column.tolist())
        for g, found in several.items():
            self.named[int(members[ends[g]])] = set(found)
        agreeing = np.zeros(n, bool)
        agreeing[group[starts]] = agree
        return ~agreeing[label[left]]

    def roots(self) -> np.ndarray:
        return _to_roots(np.asarray(self.parent, np.int64))


def _components(n: int, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Each report's group as one report number of it, the groups being what the pairs connect:
    each pair's two groups hooked under the smaller number, then every number pointed to its
    group's, until no pair joins two groups (a few rounds). In numpy rather than SciPy's
    connected_components: importing SciPy starts a thread pool, after which the bulk path may no
    longer fork its decrypting workers (intake/forking.py)."""
    label = np.arange(n, dtype=np.int64)
    while True:
        a, b = label[left], label[right]
        if np.array_equal(a, b):
            return label
        low = np.minimum(a, b)
        np.minimum.at(label, a, low)
        np.minimum.at(label, b, low)
        label = _to_roots(label)


def _to_roots(parent: np.ndarray) -> np.ndarray:
    """Each entry of a forest (a root its own parent) pointed at its root, by pointer jumping."""
    while not np.array_equal(up := parent[parent], parent):
        parent = up
    return parent


def _union(reports: _Reports, left: np.ndarray, right: np.ndarray, names: _Names) -> np.ndarray:
    """Each report's root, the pairs (strongest first) joined in the three steps above."""
    thin = np.asarray(reports.thin, bool)
    clusters = _Clusters(reports, names)
    full = ~thin[left] & ~thin[right]
    full_left, full_right = left[full], right[full]
    pairwise = clusters.join_agreeing_groups(full_left, full_right)
    for a, b in zip(full_left[pairwise].tolist(), full_right[pairwise].tolist()):  # 1. the other full reports
        clusters.join(a, b)
    attached = bytearray(len(thin))
    mixed = thin[left] != thin[right]
    for a, b in zip(left[mixed].tolist(), right[mixed].tolist()):  # 2. each thin report to its
        if not thin[a]:                                             # strongest full partner's cluster
            a, b = b, a
        if not attached[a] and clusters.join(a, b):
            attached[a] = 1
    both = thin[left] & thin[right]
    for a, b in zip(left[both].tolist(), right[both].tolist()):  # 3. thin reports left alone join each other
        if not attached[a] and not attached[b]:
            clusters.join(a, b)
    return clusters.roots()


def _name_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the given-name comparison reads of a report."""
    return tuple(row.get(c) for c in _NAME_COLUMNS)


def _same_birthday(a: int, b: int) -> bool:
    """Two full dates (yyyymmdd) one person may have been given: the same, or the same day and
    month a year apart (a year misremembered or mistyped; the day and month rarely are, and
    namesakes seldom share them)."""
    return a == b or (a % 10_000 == b % 10_000 and abs(a // 10_000 - b // 10_000) <= 1)


def _cluster_ids(ids: list[str], root: np.ndarray) -> dict[str, str]:
    """Each cluster is named by its smallest report id."""
    known = pa.array(ids, pa.string())
    order = pc.sort_indices(known).to_numpy()
    roots, first = np.unique(root[order], return_index=True)
    name = np.zeros(len(ids), np.int64)
    name[roots] = order[first]
    return dict(zip(ids, known.take(pa.array(name[root])).to_pylist()))


def cluster_members(clusters: Mapping[str, str]) -> dict[str, Sequence[str]]:
    members: dict[str, list[str]] = {}
    for rid, cid in clusters.items():
        members.setdefault(cid, []).append(rid)
    return members

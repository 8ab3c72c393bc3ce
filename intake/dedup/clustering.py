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
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

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
    features = None if isinstance(rows, pa.Table) else [_feature(r) for r in rows]
    reports = _reports_of_table(rows) if features is None else _reports_of(features)
    if isinstance(pairs, PairTable):
        left, right = _strong_of_table(pairs.table, reports.ids, threshold)
    else:
        left, right = _strong(pairs, reports.ids, threshold)
    # Given names of the reports in strong pairs only (the others never join anything).
    paired = sorted(set(left) | set(right))
    if features is None:
        names = _names_of_table(rows, paired)
    else:
        names = {i: (_name_key(features[i]), features[i]) for i in paired}
    root = _union(reports, left, right, names)
    return _cluster_ids(reports.ids, root)


def _names_of_table(table: pa.Table, paired: list[int]) -> dict[int, tuple[Any, Mapping[str, Any]]]:
    """Report number -> (a code of what the given-name comparison reads, those columns as a dict),
    one dict per distinct name rather than per report (a list repeats its names)."""
    if not paired:
        return {}
    taken = table.select(list(_NAME_COLUMNS)).take(pa.array(paired, pa.int64()))
    text = [pc.fill_null(pc.cast(taken.column(c), pa.string()), "\x00") for c in _NAME_COLUMNS]
    joined = pc.binary_join_element_wise(*text, "\x1f")  # no name holds these control characters
    encoded = pc.dictionary_encode(joined.combine_chunks() if isinstance(joined, pa.ChunkedArray) else joined)
    codes = encoded.indices.to_pylist()
    first: dict[int, int] = {}
    for at, code in enumerate(codes):
        first.setdefault(code, at)
    rows = dict(zip(first, taken.take(pa.array(list(first.values()), pa.int64())).to_pylist()))
    return {i: (code, rows[code]) for i, code in zip(paired, codes)}


def _strong(pairs: Iterable[PairScore], ids: list[str], threshold: float) -> tuple[list[int], list[int]]:
    index = {rid: i for i, rid in enumerate(ids)}
    strong = sorted((p for p in pairs if p.probability >= threshold and p.left_id in index
                     and p.right_id in index), key=lambda p: (-p.probability, p.left_id, p.right_id))
    return [index[p.left_id] for p in strong], [index[p.right_id] for p in strong]


def _strong_of_table(table: pa.Table, ids: list[str], threshold: float) -> tuple[list[int], list[int]]:
    keep = table.filter(pc.greater_equal(table.column("probability"), threshold))
    keep = keep.take(pc.sort_indices(keep, sort_keys=[("probability", "descending"), ("left", "ascending"),
                                                      ("right", "ascending")]))
    known = pa.array(ids, pa.string())
    left = pc.index_in(keep.column("left"), value_set=known)
    right = pc.index_in(keep.column("right"), value_set=known)
    both = pc.and_(pc.is_valid(left), pc.is_valid(right))
    return pc.filter(left, both).to_pylist(), pc.filter(right, both).to_pylist()


def _union(reports: _Reports, left: list[int], right: list[int],
           names: Mapping[int, tuple[Any, Mapping[str, Any]]]) -> list[int]:
    """Union-find over report numbers; each root carries its cluster's one ID number, gender and
    full date (a join that would bring a second is refused), its range of birth years, and its
    members' given names (a join that would hold two different ones is refused)."""
    n = len(reports.ids)
    parent = list(range(n))
    size = [1] * n
    id_number, gender, date = list(reports.id_number), list(reports.gender), list(reports.date)
    low, high = list(reports.year), list(reports.year)
    thin = reports.thin
    # Each cluster's distinct names only: copies of one report add none, so a cluster of
    # thousands of copies is checked against one name, not thousands (a flooded list).
    named: dict[int, dict[Any, Mapping[str, Any]]] = {
        i: {key: row} for i, (key, row) in names.items() if row.get("given_syl") is not None}

    # Whether two names differ, per pair of names met (lists repeat names: the Python levels once each).
    differ: dict[tuple[Any, Any], bool] = {}

    def different(kx: Any, x: Mapping[str, Any], ky: Any, y: Mapping[str, Any]) -> bool:
        found = differ.get((kx, ky))
        if found is None:  # the comparison is symmetric
            found = differ[kx, ky] = differ[ky, kx] = _GIVEN.level_of(x, y).code == "different"
        return found

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: int, b: int) -> bool:
        ra, rb = find(a), find(b)
        if ra == rb:
            return True
        for code in (id_number, gender):
            if code[ra] != -1 and code[rb] != -1 and code[ra] != code[rb]:
                return False
        if date[ra] != -1 and date[rb] != -1 and not _same_birthday(date[ra], date[rb]):
            return False
        if low[ra] != -1 and low[rb] != -1 and \
                max(high[ra], high[rb]) - min(low[ra], low[rb]) > MAX_YEAR_SPREAD:
            return False
        # A chain of pairs can join twins (or brothers) whom no pair joins directly.
        mine, theirs = named.get(ra, {}), named.get(rb, {})
        if any(different(kx, x, ky, y) for kx, x in mine.items() for ky, y in theirs.items()):
            return False
        if size[ra] < size[rb]:
            ra, rb = rb, ra
        parent[rb] = ra
        size[ra] += size[rb]
        if rb in named:
            named.setdefault(ra, {}).update(named.pop(rb))
        for code in (id_number, gender, date):
            if code[ra] == -1:
                code[ra] = code[rb]
        if low[ra] == -1:
            low[ra], high[ra] = low[rb], high[rb]
        elif low[rb] != -1:
            low[ra], high[ra] = min(low[ra], low[rb]), max(high[ra], high[rb])
        return True

    strong = list(zip(left, right))
    for a, b in strong:  # 1. full reports among themselves
        if not thin[a] and not thin[b]:
            join(a, b)
    attached = bytearray(n)
    for p in strong:  # 2. each thin report to its strongest full partner's cluster, once
        for a, b in (p, p[::-1]):
            if thin[a] and not thin[b] and not attached[a]:
                if join(a, b):
                    attached[a] = 1
    for a, b in strong:  # 3. thin reports left alone join each other
        if thin[a] and thin[b] and not attached[a] and not attached[b]:
            join(a, b)
    return [find(i) for i in range(n)]


def _name_key(row: Mapping[str, Any]) -> tuple[Any, ...]:
    """What the given-name comparison reads of a report."""
    return tuple(row.get(c) for c in _NAME_COLUMNS)


def _same_birthday(a: int, b: int) -> bool:
    """Two full dates (yyyymmdd) one person may have been given: the same, or the same day and
    month a year apart (a year misremembered or mistyped; the day and month rarely are, and
    namesakes seldom share them)."""
    return a == b or (a % 10_000 == b % 10_000 and abs(a // 10_000 - b // 10_000) <= 1)


def _cluster_ids(ids: list[str], root: list[int]) -> dict[str, str]:
    """Each cluster is named by its smallest report id."""
    order = pc.sort_indices(pa.array(ids, pa.string())).to_pylist()
    name: dict[int, str] = {}
    for i in order:
        name.setdefault(root[i], ids[i])
    return {rid: name[r] for rid, r in zip(ids, root)}


def cluster_members(clusters: Mapping[str, str]) -> dict[str, Sequence[str]]:
    members: dict[str, list[str]] = {}
    for rid, cid in clusters.items():
        members.setdefault(cid, []).append(rid)
    return members

"""Clusters from scored pairs, with repair: a false merge mixes two families' cases, so a
cluster is never allowed to hold two different valid ID numbers, two genders, two different full
birth dates (year, month and day), birth years more than two apart, or two reports whose own
given names differ outright (twins: same father, date and place, two names), and a thin report
never chains two fuller clusters together.

1. Reports with more than a name and one fact ("full") are joined by the pairs at or above the
   threshold, strongest first; a join that would bring a conflict into a cluster is refused.
2. Each thin report then joins the one cluster its strongest pair leads to, if no conflict.
3. Thin reports left over join each other the same way.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .comparisons import BY_NAME
from .features import feature_row
from .model import PairScore

# Chosen on held-out data (bench_dedup.py, populations of seeds 7 and 9: neither training's 11 nor
# the bench's 5): the highest F1 of clusters.csv that merges at most 0.5 % of hard-negative pairs.
DEFAULT_THRESHOLD = 0.82
MAX_YEAR_SPREAD = 2
_GIVEN = BY_NAME["given"]


@dataclass
class _Group:
    members: list[str]
    ids: set[str] = field(default_factory=set)
    genders: set[str] = field(default_factory=set)
    years: tuple[int, int] | None = None
    dates: set[tuple[int, int, int]] = field(default_factory=set)
    names: list[Mapping[str, Any]] = field(default_factory=list)  # members' features with a given name

    def absorb(self, other: _Group) -> None:
        self.members += other.members
        self.ids |= other.ids
        self.genders |= other.genders
        self.dates |= other.dates
        self.names += other.names
        if other.years:
            lo, hi = other.years
            self.years = (min(lo, self.years[0]), max(hi, self.years[1])) if self.years else other.years

    def conflicts(self, other: _Group) -> bool:
        if len(self.ids | other.ids) > 1 or len(self.genders | other.genders) > 1:
            return True
        if len(self.dates | other.dates) > 1:  # a person has one birth date
            return True
        if self.years and other.years and \
                max(self.years[1], other.years[1]) - min(self.years[0], other.years[0]) > MAX_YEAR_SPREAD:
            return True
        # A chain of pairs can join twins (or brothers) whom no pair joins directly.
        return any(_GIVEN.level_of(a, b).code == "different" for a in self.names for b in other.names)


def _feature(row: Mapping[str, Any]) -> Mapping[str, Any]:
    return row if "unique_id" in row else feature_row(row)


def repair_clusters(pairs: Iterable[PairScore], rows: Iterable[Mapping[str, Any]], *,
                    threshold: float = DEFAULT_THRESHOLD) -> dict[str, str]:
    """report_id -> cluster_id (the smallest report_id of the cluster) for every row.

    ``rows`` are plain rows (the CSV columns) or feature records (features.feature_row); pairs
    naming a report not in ``rows`` are ignored."""
    features = [_feature(r) for r in rows]
    groups: dict[str, _Group] = {}
    thin: dict[str, bool] = {}
    for f in features:
        rid = str(f["unique_id"])
        year = f.get("birth_year")
        groups[rid] = _Group([rid], {f["id_raw"]} if f.get("id_valid") else set(),
                             {f["gender"]} if f.get("gender") else set(),
                             (year, year) if year is not None else None)
        if f.get("birth_day") is not None and f.get("birth_month") is not None and year is not None:
            groups[rid].dates.add((year, f["birth_month"], f["birth_day"]))
        if f.get("given_syl") is not None:
            groups[rid].names.append(f)
        thin[rid] = bool(f.get("thin"))
    parent = {rid: rid for rid in groups}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def join(a: str, b: str) -> bool:
        ra, rb = find(a), find(b)
        if ra == rb:
            return True
        if groups[ra].conflicts(groups[rb]):
            return False
        if len(groups[ra].members) < len(groups[rb].members):
            ra, rb = rb, ra
        groups[ra].absorb(groups.pop(rb))
        parent[rb] = ra
        return True

    strong = sorted((p for p in pairs if p.probability >= threshold and p.left_id in parent
                     and p.right_id in parent), key=lambda p: (-p.probability, p.left_id, p.right_id))
    for p in strong:  # 1. full reports among themselves
        if not thin[p.left_id] and not thin[p.right_id]:
            join(p.left_id, p.right_id)
    attached: set[str] = set()
    for p in strong:  # 2. each thin report to its strongest full partner's cluster, once
        for a, b in ((p.left_id, p.right_id), (p.right_id, p.left_id)):
            if thin[a] and not thin[b] and a not in attached:
                if join(a, b):
                    attached.add(a)
    for p in strong:  # 3. thin reports left alone join each other
        a, b = p.left_id, p.right_id
        if thin[a] and thin[b] and a not in attached and b not in attached:
            join(a, b)
    out: dict[str, str] = {}
    for root, group in groups.items():
        cluster_id = min(group.members)
        for member in group.members:
            out[member] = cluster_id
    return out


def cluster_members(clusters: Mapping[str, str]) -> dict[str, Sequence[str]]:
    members: dict[str, list[str]] = {}
    for rid, cid in clusters.items():
        members.setdefault(cid, []).append(rid)
    return members

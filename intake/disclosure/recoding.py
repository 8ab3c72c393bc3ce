"""Global full-domain recoding: one hierarchy level per column, found by a pruned lattice search.

Every choice of one level per column is a node of the generalisation lattice; a node above another
(every level at least as high) can only merge equivalence classes. The privacy model:
- k-anonymity over every released column (status included: the adversary may know it);
- distinct l-diversity of status over the other columns;
- at most `max_suppression` of the persons suppressed (every cell but status shown as "*");
- record-weighted average re-identification risk below `max_average_risk`.

The search, after ARX's Flash (Kohlmayer et al., 2012) in its use of monotonicity, has three parts:
0. Projections. With the status level fixed (status is the sensitive value, so generalising it is
   not monotone for l), "the persons in classes failing k or l fit in the suppression limit" is
   monotone on the lattice of the other columns: if a node passes, every node above it passes; if
   it fails, every node below fails. Every node with all but two columns at "*" is checked first:
   their tables are tiny, and a failing one rules out the whole cone below it (a few precise
   columns together are what makes low nodes fail).
1. Decisions in order of loss. Nodes are visited in order of a lower bound of their loss metric
   (the loss before suppression, which suppression can only raise). An undecided node is decided
   on a greedy path from it to the top (the successor of least loss first): galloping down from
   the top, then a binary search; each check tags the cone it decides, so most nodes are decided
   without a table of their own. A table is rolled up from the smallest table already built
   below its node, never from the rows again.
2. Exact checks. A passing node is checked exactly: the suppressed persons form their own classes
   (one per status, every other cell "*"), which must hold k persons each and l statuses between
   them, topped up from classes with persons to spare when they do not; then the average risk.
   The visit ends at the first node whose bound exceeds the best exact loss found, so the chosen
   recoding has the least loss metric of all that satisfy the model (ties: least discernibility);
   an exhaustive check over a smaller lattice in the tests finds the same.
"""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations, product

import numpy as np

from . import risk
from .hierarchies import SENSITIVE, STAR, Hierarchy
from .risk import ClassTable, Coder, Measures


@dataclass(frozen=True)
class Policy:
    k: int = 5
    l: int = 2
    max_suppression: float = 0.05
    max_average_risk: float = 0.03  # the average risk must be below this

    def as_dict(self) -> dict[str, float | int | str]:
        return {"k": self.k, "l": self.l, "l_variant": "distinct", "sensitive_attribute": SENSITIVE,
                "max_suppression": self.max_suppression, "max_average_risk": self.max_average_risk}


class NotAnonymisable(Exception):
    """No recoding satisfies the policy. The message gives counts only, never a value."""


@dataclass(frozen=True)
class SearchStats:
    lattice_nodes: int
    passing_nodes: int  # nodes whose failing classes hold at most the suppression limit
    checked: int  # tables built during tagging
    exact_checks: int
    seconds: float

    def as_dict(self) -> dict[str, float | int]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Plan:
    """The chosen recoding and exactly which classes it suppresses, ready to apply to the rows."""

    levels: tuple[int, ...]
    measures: Measures
    suppressed_keys: np.ndarray  # combined keys of classes suppressed whole
    donations: dict[int, int]  # combined key -> persons of that class suppressed to fill the block
    stats: SearchStats

    def level_names(self, hierarchies: Sequence[Hierarchy]) -> dict[str, str]:
        return {h.column: h.level_names[level] for h, level in zip(hierarchies, self.levels, strict=True)}


@dataclass
class _Candidate:
    levels: tuple[int, ...]
    measures: Measures
    suppressed_keys: np.ndarray
    donations: dict[int, int] = field(default_factory=dict)


class _Lattice:
    """Every combination of levels; `levels[d]` holds column d's level in every node (contiguous,
    so a cone is ten vectorised comparisons)."""

    def __init__(self, heights: Sequence[int]) -> None:
        self.heights = np.array(heights)
        grids = np.meshgrid(*[np.arange(h + 1) for h in heights], indexing="ij")
        self.levels = [np.ascontiguousarray(g.ravel().astype(np.int8)) for g in grids]
        self.size = len(self.levels[0])
        self.strides = np.cumprod([1] + [h + 1 for h in heights[::-1]])[:-1][::-1].astype(np.int64)

    def node(self, i: int) -> tuple[int, ...]:
        return tuple(int(column[i]) for column in self.levels)

    def successors(self, i: int, skip: int) -> list[int]:
        return [i + int(self.strides[d]) for d in range(len(self.heights))
                if d != skip and self.levels[d][i] < self.heights[d]]

    def cone(self, i: int, *, up: bool, fixed: int) -> np.ndarray:
        """Nodes above (or below) node i with the same level in column `fixed`."""
        inside = self.levels[fixed] == self.levels[fixed][i]
        for column in self.levels:
            inside &= (column >= column[i]) if up else (column <= column[i])
        return inside


# Rolled-up tables kept for reuse, in classes x columns; the bottom table is always kept.
_CACHE_BUDGET = 4_000_000
# Projections on up to this many columns are checked first (pairs: cheap, and they rule out most
# of the lattice; triples cost more than they save).
_PROJECTION_WIDTH = 2


class _Search:
    def __init__(self, base: np.ndarray, hierarchies: Sequence[Hierarchy], policy: Policy) -> None:
        self.h = tuple(hierarchies)
        self.policy = policy
        self.status = next(i for i, h in enumerate(self.h) if h.column == SENSITIVE)
        self.others = [i for i in range(len(self.h)) if i != self.status]
        self.coder = Coder(self.h, self.status)
        self.persons = len(base)
        self.max_bad = math.floor(policy.max_suppression * self.persons + 1e-9)
        bottom = (0,) * len(self.h)
        self.bottom = bottom
        table = self.coder.group(np.asfortranarray(base), bottom)
        # Cached tables, and their levels and sizes as arrays to find a source in one numpy call.
        self.cache: dict[tuple[int, ...], ClassTable] = {bottom: table}
        self.cache_order: list[tuple[int, ...]] = [bottom]
        self.cached_levels = np.zeros((64, len(self.h)), dtype=np.int8)
        self.cached_sizes = np.zeros(64, dtype=np.int64)
        self.cached_sizes[0] = len(table.counts)
        self.cached_size = 0
        bounds = risk.loss_lower_bounds(base, self.h)
        self.bounds = [b / (self.persons * len(self.h)) for b in bounds]
        self.lattice = _Lattice([h.max_level for h in self.h])
        self.bounds_of = sum(self.bounds[d][self.lattice.levels[d]] for d in range(len(self.h)))
        self.tags = np.zeros(self.lattice.size, dtype=np.int8)  # 1 passes, -1 fails, 0 not known
        self.checked = 0
        self.exact_checks = 0

    # --- tables ---------------------------------------------------------------------------

    def table(self, node: tuple[int, ...]) -> ClassTable:
        if node in self.cache:
            return self.cache[node]
        below = np.all(self.cached_levels[: len(self.cache_order)] <= np.array(node), axis=1)
        sizes = np.where(below, self.cached_sizes[: len(self.cache_order)], np.iinfo(np.int64).max)
        source = self.cache_order[int(np.argmin(sizes))]
        src = self.cache[source]
        table = self.coder.group(src.codes, node, weights=src.counts)
        self._remember(node, table)
        return table

    def _remember(self, node: tuple[int, ...], table: ClassTable) -> None:
        size = len(table.counts)
        while self.cached_size + size > _CACHE_BUDGET and len(self.cache_order) > 1:
            largest = 1 + int(np.argmax(self.cached_sizes[1: len(self.cache_order)]))
            self.cached_size -= int(self.cached_sizes[largest])
            del self.cache[self.cache_order[largest]]
            last = len(self.cache_order) - 1  # move the last entry into the freed slot
            self.cache_order[largest] = self.cache_order[last]
            self.cached_levels[largest] = self.cached_levels[last]
            self.cached_sizes[largest] = self.cached_sizes[last]
            self.cache_order.pop()
        slot = len(self.cache_order)
        if slot == len(self.cached_sizes):
            self.cached_levels = np.concatenate([self.cached_levels, np.zeros_like(self.cached_levels)])
            self.cached_sizes = np.concatenate([self.cached_sizes, np.zeros_like(self.cached_sizes)])
        self.cache[node] = table
        self.cache_order.append(node)
        self.cached_levels[slot] = node
        self.cached_sizes[slot] = size
        self.cached_size += size

    def failing(self, table: ClassTable) -> np.ndarray:
        return risk.failing(table, self.policy.k, self.policy.l)

    def passes(self, node: tuple[int, ...]) -> bool:
        """The monotone test: the persons in failing classes fit in the suppression limit."""
        table = self.table(node)
        return int(table.counts[self.failing(table)].sum()) <= self.max_bad

    # --- phase 0: small projections -------------------------------------------------------

    def project(self, width: int) -> None:
        """Check every node whose columns but `width` of them (and status) are "*". Their tables
        are tiny, and a failing one rules out every node below it: a combination of a few
        precise columns (birth year, month, county) is what makes most low nodes fail."""
        for status_level in range(self.h[self.status].max_level + 1):
            for subset in combinations(self.others, width):
                lowest = [self.h[d].max_level for d in range(len(self.h))]
                lowest[self.status] = status_level
                for d in subset:
                    lowest[d] = 0
                self.table(tuple(lowest))  # the source of every other node of this subset
                ranges = [range(self.h[d].max_level - 1, -1, -1) for d in subset]
                for levels in product(*ranges):
                    node = [self.h[d].max_level for d in range(len(self.h))]
                    node[self.status] = status_level
                    for d, level in zip(subset, levels, strict=True):
                        node[d] = level
                    i = int(sum(self.lattice.strides[d] * node[d] for d in range(len(node))))
                    if not self.tags[i]:
                        self.checked += 1
                        self._tag(i, self.passes(tuple(node)))

    def _tag(self, i: int, passed: bool) -> None:
        cone = self.lattice.cone(i, up=passed, fixed=self.status)
        self.tags[cone & (self.tags == 0)] = 1 if passed else -1

    # --- phase 1: deciding the monotone test, by inference where possible ----------------

    def decide(self, i: int) -> bool:
        """Whether lattice node `i` passes the monotone test. Binary search on a greedy path from
        `i` to the top: a failing node above `i` decides `i` (and its whole cone below) without
        building the larger table of `i` itself; a passing one decides its cone above."""
        lattice, tags = self.lattice, self.tags
        if tags[i]:
            return bool(tags[i] > 0)
        path, current = [i], i
        while True:
            successors = [j for j in lattice.successors(current, skip=self.status) if not tags[j]]
            if not successors:
                break
            current = min(successors, key=lambda j: self.bounds_of[j])
            path.append(current)
        # Gallop down from the top of the path (1, 2, 4... steps): high nodes have small tables, and
        # the first one that fails decides `i`; then binary search the last stretch.
        low, high, step = 0, len(path) - 1, 1
        while not tags[i] and high - step > low:
            j = path[high - step]
            if not tags[j]:
                self.checked += 1
                self._tag(j, self.passes(lattice.node(j)))
            if tags[j] < 0:
                low = high - step + 1
                break
            high, step = high - step, step * 2
        while not tags[i] and low <= high:
            middle = (low + high) // 2
            j = path[middle]
            if not tags[j]:
                self.checked += 1
                self._tag(j, self.passes(lattice.node(j)))
            if tags[j] > 0:
                high = middle - 1
            else:
                low = middle + 1
        return bool(tags[i] > 0)

    # --- phase 2: exact check and choice --------------------------------------------------

    def exact(self, node: tuple[int, ...]) -> _Candidate | None:
        self.exact_checks += 1
        policy, status = self.policy, self.status
        table = self.table(node)
        bad = self.failing(table)
        full_keys = table.keys
        if all(node[i] == self.h[i].top for i in self.others):
            # Every column but status is "*": a suppressed row would look like any other.
            if bad.any():
                return None
            return self._candidate(node, table, suppressed=0, suppressed_keys=full_keys[:0], donations={})
        counts = table.counts.copy()
        statuses = table.statuses
        block = np.bincount(statuses[bad], weights=counts[bad], minlength=self.h[status].nodes).astype(np.int64)
        donations: dict[int, int] = {}

        def donate(status_code: int, need: int) -> bool:
            donors = np.flatnonzero(~bad & (statuses == status_code) & (counts > policy.k))
            for j in donors[np.argsort(-(counts[donors] - policy.k), kind="stable")]:
                take = min(need, int(counts[j]) - policy.k)
                counts[j] -= take
                donations[int(full_keys[j])] = donations.get(int(full_keys[j]), 0) + take
                block[status_code] += take
                need -= take
                if need == 0:
                    return True
            return need == 0

        for status_code in np.flatnonzero((block > 0) & (block < policy.k)):
            if not donate(int(status_code), policy.k - int(block[status_code])):
                return None
        while block.sum() and np.count_nonzero(block) < policy.l:
            spare = np.bincount(statuses[~bad], weights=np.maximum(counts[~bad] - policy.k, 0),
                                minlength=len(block))
            spare[block > 0] = -1
            choice = int(np.argmax(spare))
            if spare[choice] < policy.k or not donate(choice, policy.k):
                return None
        suppressed = int(block.sum())
        if suppressed > self.max_bad:
            return None
        block_codes = np.full((np.count_nonzero(block), len(self.h)), STAR, dtype=table.codes.dtype)
        block_codes[:, status] = np.flatnonzero(block)
        codes = np.concatenate([table.codes[~bad], block_codes])
        weights = np.concatenate([counts[~bad], block[block > 0]])
        final = self.coder.group(codes, node, weights=weights)
        return self._candidate(node, final, suppressed=suppressed, suppressed_keys=full_keys[bad],
                               donations=donations)

    def _candidate(self, node: tuple[int, ...], final: ClassTable, *, suppressed: int,
                   suppressed_keys: np.ndarray, donations: dict[int, int]) -> _Candidate | None:
        measures = risk.measure(final, self.h, self.status, suppressed)
        policy = self.policy
        if (measures.k < policy.k or measures.l < policy.l or suppressed > self.max_bad
                or measures.average_risk >= policy.max_average_risk):
            return None
        return _Candidate(node, measures, suppressed_keys, donations)


def search(base: np.ndarray, hierarchies: Sequence[Hierarchy], policy: Policy = Policy()) -> Plan:
    """The recoding of least loss that satisfies `policy`, or NotAnonymisable (counts only)."""
    started = time.perf_counter()
    persons = len(base)
    floor = max(policy.k * policy.l, math.ceil(policy.l / policy.max_average_risk))
    if persons < floor:
        raise NotAnonymisable(
            f"An export needs at least {floor} persons to reach k={policy.k} with {policy.l} different statuses "
            f"and an average risk below {policy.max_average_risk:.0%}; only {persons} can be included.")
    s = _Search(base, hierarchies, policy)
    s.project(_PROJECTION_WIDTH)
    best: _Candidate | None = None
    for i in np.argsort(s.bounds_of, kind="stable"):
        if best is not None and s.bounds_of[i] > best.measures.loss_metric + 1e-12:
            break  # no node from here on can lose less than the best found
        if not s.decide(int(i)):
            continue
        candidate = s.exact(s.lattice.node(int(i)))
        if candidate is not None and (best is None or (candidate.measures.loss_metric,
                                                       candidate.measures.discernibility)
                                      < (best.measures.loss_metric, best.measures.discernibility)):
            best = candidate
    lattice = s.lattice.size
    if best is None:
        raise NotAnonymisable(
            f"No generalisation of the {persons} persons reaches k={policy.k} and l={policy.l} with at most "
            f"{policy.max_suppression:.0%} of them suppressed and an average risk below "
            f"{policy.max_average_risk:.0%}. More consenting persons are needed.")
    stats = SearchStats(lattice_nodes=lattice, passing_nodes=int((s.tags > 0).sum()), checked=s.checked,
                        exact_checks=s.exact_checks, seconds=time.perf_counter() - started)
    return Plan(levels=best.levels, measures=best.measures, suppressed_keys=best.suppressed_keys,
                donations=best.donations, stats=stats)


def apply(plan: Plan, base: np.ndarray, hierarchies: Sequence[Hierarchy]) -> tuple[np.ndarray, np.ndarray]:
    """The released node ids of every person under `plan`, and which persons are suppressed.

    The persons taken from a class to fill the suppressed block are drawn with the system's
    cryptographic generator, so nobody can tell from the method which ones they were."""
    status = next(i for i, h in enumerate(hierarchies) if h.column == SENSITIVE)
    coder = Coder(hierarchies, status)
    codes = np.empty_like(base)
    for i, (hierarchy, level) in enumerate(zip(hierarchies, plan.levels, strict=True)):
        codes[:, i] = hierarchy.up[level][base[:, i]]
    keys, _ = coder.key(codes, plan.levels)
    suppressed = np.isin(keys, plan.suppressed_keys)
    if plan.donations:
        order = np.argsort(keys, kind="stable")
        ordered = keys[order]
        chooser = secrets.SystemRandom()
        for key, count in plan.donations.items():
            start, end = np.searchsorted(ordered, [key, key + 1])
            suppressed[chooser.sample(list(order[start:end]), count)] = True
    others = [i for i in range(len(hierarchies)) if i != status]
    rows = np.flatnonzero(suppressed)
    codes[np.ix_(rows, others)] = STAR
    return codes, suppressed

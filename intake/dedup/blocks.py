"""Oversized blocks (docs/deduplication.md, "Blocking"): a blocking rule's block is the reports that
agree on its join key, and its pairs grow with the square of the block. Blocks over the cap are
measured first (on the in-memory DuckDB), their reports left out of the rule's ordinary join and
paired within bounds instead, so that a list flooded with copies of one report stays linear. The
DuckDB scorer (scoring.py) and Splink's own predict (Spark, the reference; pipeline.py) both cut
the same blocks the same way.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Any

from .blocking_rules import BLOCKING_RULES, OWN_ALIKE_RULES, splink_form
from .comparisons import columns_used


# Oversized blocks (docs/deduplication.md, "Blocking"). A rule's block is the reports that agree on
# its join key (both names and a year, an ID number...); its pairs grow with the square of the
# block. Real blocks grow with the list: on the synthetic population the largest (a common father's
# name, a prefecture and a year) holds 211 reports at 100,000 reports and 1,708 at a million; a
# list flooded with copies of one report puts them all in one block. A block is oversized over
# max(BLOCK_CAP, one report in BLOCK_SHARE of the list): 500 up to 150,000 reports, 3,333 at a
# million, twice what real data reached. An oversized block is not joined whole: its reports are
# ordered by the columns the comparisons read (identical reports side by side, one group per
# distinct content), and each is paired only with the first report (by row number) of its own group
# and of the BLOCK_NEIGHBOURS groups on either side. Copies thus all pair with one report of their
# group (one cluster, as every pair among them would give), and a block's pairs stay linear in it.
BLOCK_CAP = 500
BLOCK_SHARE = 300
BLOCK_NEIGHBOURS = 10


def block_cap(reports: int = 0) -> int:
    """The most reports a rule's block may hold and be joined whole, for a list of ``reports``:
    INTAKE_DEDUP_BLOCK_CAP (read from the environment; default BLOCK_CAP), or one report in
    BLOCK_SHARE of the list if more."""
    raw = os.environ.get("INTAKE_DEDUP_BLOCK_CAP", "").strip()
    try:
        floor = max(2, int(raw)) if raw else BLOCK_CAP
    except ValueError:
        floor = BLOCK_CAP
    return max(floor, reports // BLOCK_SHARE)


@dataclass(frozen=True)
class _Key:
    """A rule's equi-join key: ``l.left[i] = r.right[i]`` for each i."""
    left: tuple[str, ...]
    right: tuple[str, ...]

    @property
    def symmetric(self) -> bool:
        return self.left == self.right


def _conjuncts(rule: str) -> list[str]:
    """The rule's terms joined by AND outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(rule):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and rule.startswith(" AND ", i):
            parts.append(rule[start:i])
            start = i + 5
    parts.append(rule[start:])
    return [p.strip() for p in parts]


def rule_key(rule: str) -> _Key:
    left, right = [], []
    for term in _conjuncts(rule):
        m = re.fullmatch(r"([lr])\.(\w+) = ([lr])\.(\w+)", term)
        if m and m.group(1) != m.group(3):
            a, b = (m.group(2), m.group(4)) if m.group(1) == "l" else (m.group(4), m.group(2))
            left.append(a)
            right.append(b)
    if not left:
        raise ValueError("a blocking rule without an equi-join key")
    return _Key(tuple(left), tuple(right))


RULE_KEYS = tuple(rule_key(rule) for rule in BLOCKING_RULES)


def _sig_columns() -> list[str]:
    """The cheap order within an oversized block: the columns the comparisons read."""
    return columns_used()


def _one_side(rule: str, side: str) -> str:
    """The rule's terms on one side's columns alone (``l.county IS NULL``), on the bare table."""
    other = "r" if side == "l" else "l"
    terms = [t for t in _conjuncts(rule) if f"{side}." in t and f"{other}." not in t]
    bare = re.compile(rf"\b{side}\.")
    return " AND ".join("(" + bare.sub("", t) + ")" for t in terms) or "true"


def block_sizes_sql(table: str, i: int) -> str:
    """Each block of rule ``i``: its key (k0, k1...) and the reports that may be its pair's left
    (nl) and right (nr) report (the key present, the rule's terms on one side alone holding)."""
    key, rule = RULE_KEYS[i], BLOCKING_RULES[i]

    def counts(cols: tuple[str, ...], side: str) -> str:
        named = ", ".join(f"{c} AS k{j}" for j, c in enumerate(cols))
        present = " AND ".join(f"{c} IS NOT NULL" for c in cols)
        return f"SELECT {named}, count(*) AS n FROM {table} WHERE {present} AND {_one_side(rule, side)} GROUP BY ALL"
    ks = ", ".join(f"k{j}" for j in range(len(key.left)))
    return (f"SELECT {ks}, a.n AS nl, b.n AS nr FROM ({counts(key.left, 'l')}) AS a "
            f"JOIN ({counts(key.right, 'r')}) AS b USING ({ks})")


def _oversized_sql(table: str, i: int, cap: int) -> str:
    """The key values of the rule's blocks over the cap: more than cap * cap pairs before the
    rule's conditions on both reports (a block of more than ``cap`` reports, for most rules)."""
    ks = ", ".join(f"k{j}" for j in range(len(RULE_KEYS[i].left)))
    return f"SELECT {ks} FROM ({block_sizes_sql(table, i)}) WHERE nl * nr > {cap}::BIGINT * {cap}"


def _members_sql(table: str, big: str, cols: tuple[str, ...]) -> str:
    """The reports of the oversized blocks, each with its group's rank in the block (by content)
    and whether it is its group's first report."""
    on = " AND ".join(f"f.{c} = b.k{i}" for i, c in enumerate(cols))
    order = ", ".join(f"f.{c}" for c in _sig_columns())
    keys = ", ".join(f"b.k{i}" for i in range(len(cols)))
    return (f"SELECT f.unique_id, {keys}, "
            f"dense_rank() OVER (PARTITION BY {keys} ORDER BY {order}) AS g, "
            f"row_number() OVER (PARTITION BY {keys}, {order} ORDER BY f.unique_id) = 1 AS first "
            f"FROM {table} AS f JOIN {big} AS b ON {on}")


def cut_pairs_sql(table: str, i: int, rule: str, key: _Key, neighbours: int) -> str:
    """The pairs the rule keeps in its oversized blocks: each report with the first report of its
    group and of the groups within ``neighbours`` on either side (and each first report with the
    members of those), the rule's own condition still applied."""
    n = len(key.left)
    same = " AND ".join(f"x.k{j} = y.k{j}" for j in range(n))
    left, right = f"cut_{i}_l", (f"cut_{i}_l" if key.symmetric else f"cut_{i}_r")
    near = (f"SELECT x.unique_id AS a, y.unique_id AS b FROM {left} AS x "
            f"JOIN range(-{neighbours}, {neighbours + 1}) AS o(d) ON true "
            f"JOIN {right} AS y ON {same} AND y.g = x.g + o.d AND (x.first OR y.first) "
            f"WHERE x.unique_id <> y.unique_id")
    if key.symmetric:  # either report may be "l": the rule is written for l < r
        ends = "least(a, b) AS lo, greatest(a, b) AS hi"
    else:  # x is on the rule's left; the other order is another rule's
        ends = "a AS lo, b AS hi"
        near += " AND x.unique_id < y.unique_id"
    # The join on a range of offsets is an equi-join on (key, g): each report meets at most
    # 2 * neighbours + 1 groups' first reports, never the whole block.
    return (f"SELECT (l.unique_id::BIGINT << 32) | r.unique_id::BIGINT AS pair "
            f"FROM (SELECT DISTINCT {ends} FROM ({near})) AS c "
            f"JOIN {table} AS l ON l.unique_id = c.lo JOIN {table} AS r ON r.unique_id = c.hi "
            # (in a CASE, which the optimiser takes whole, so that it joins by the candidates
            # rather than by the rule's key again: that would be the whole block)
            f"WHERE CASE WHEN ({rule}) THEN true ELSE false END")


def cut_blocks(con: Any, table: str, cap: int | None = None) -> list[int]:
    """Measure every rule's blocks; for a rule with blocks over the cap, make its tables of members
    (cut_<i>_l, and cut_<i>_r for a key across columns) and mark them in ``table`` (column
    cut_<i>_l / cut_<i>_r: the rule's ordinary join leaves them out). The oversized blocks per
    rule (counts only)."""
    if cap is None:
        cap = block_cap(con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
    found = []
    for i, key in enumerate(RULE_KEYS):
        big = f"big_{i}"
        con.execute(f"CREATE OR REPLACE TEMP TABLE {big} AS {_oversized_sql(table, i, cap)}")
        count = con.execute(f"SELECT count(*) FROM {big}").fetchone()[0]
        found.append(count)
        if not count:
            con.execute(f"DROP TABLE {big}")
            continue
        sides = [("l", key.left)] if key.symmetric else [("l", key.left), ("r", key.right)]
        for side, cols in sides:
            con.execute(f"CREATE OR REPLACE TEMP TABLE cut_{i}_{side} AS {_members_sql(table, big, cols)}")
            con.execute(f"ALTER TABLE {table} ADD COLUMN cut_{i}_{side} BOOLEAN DEFAULT false")
            con.execute(f"UPDATE {table} SET cut_{i}_{side} = true "
                        f"WHERE unique_id IN (SELECT unique_id FROM cut_{i}_{side})")
        con.execute(f"DROP TABLE {big}")
    return found


def drop_cut_tables(con: Any, cut: list[int]) -> None:
    for i, count in enumerate(cut):
        if count:
            for side in ("l", "r"):
                con.execute(f"DROP TABLE IF EXISTS cut_{i}_{side}")


def splink_rules(cut: list[int] | None = None) -> list[str]:
    """The blocking rules for Splink's own predict. Those asking for the own names alike come last
    and without that condition (blocking_rules.splink_form): a pair whose first rule in this order
    is one of them (Splink's match_key, SPLINK_OWN_ALIKE_FROM or more) is found by no other, and
    is kept only if its own names compare at some level but "different" (SPLINK_KEPT),
    which is what the scorer's rules keep. A rule with cut blocks leaves their reports out (the
    cut_<i>_<side> columns added to what Splink sees); their pairs within bounds are scored apart
    (scoring.cut_apart)."""
    rules = []
    for i in SPLINK_ORDER:
        rule = splink_form(BLOCKING_RULES[i])
        if cut and cut[i]:
            right = "l" if RULE_KEYS[i].symmetric else "r"
            rule = f"{rule} AND NOT l.cut_{i}_l AND NOT r.cut_{i}_{right}"
        rules.append(rule)
    return rules


SPLINK_ORDER = ([i for i in range(len(BLOCKING_RULES)) if i not in OWN_ALIKE_RULES]
                + sorted(OWN_ALIKE_RULES))
SPLINK_OWN_ALIKE_FROM = len(BLOCKING_RULES) - len(OWN_ALIKE_RULES)
# Splink's predictions to keep under splink_rules: not a pair that only a rule asking for the own
# names alike found, whose own names are two names (the scorer's rules do not find it).
SPLINK_KEPT = f"NOT (CAST(match_key AS INTEGER) >= {SPLINK_OWN_ALIKE_FROM} AND gamma_given = 0)"


def cut_marks(cut: list[int]) -> list[str]:
    """The cut_<i>_<side> columns cut_blocks adds to the feature table."""
    return [f"cut_{i}_{side}" for i, count in enumerate(cut) if count
            for side in (("l",) if RULE_KEYS[i].symmetric else ("l", "r"))]

"""Batch scoring on the in-memory DuckDB in one SQL statement of our own: the same pairs, levels,
weights and probabilities as Splink's ``predict()`` under the model's settings (the Spark path and
training still go through Splink; tests hold the two to each other), at a fraction of the cost.

What Splink does that costs at a million reports, and what is done here instead:

* Candidate pairs: Splink keeps a pair found by several blocking rules once by testing, for every
  pair a rule finds, the conditions of all the rules before it (two dozen rules: some two hundred
  string tests per pair). Here each rule's pairs are found by its join alone and a pair seen by
  several rules is dropped by DISTINCT on one 64-bit key (both row numbers).
* Comparisons: each level's SQL condition (comparisons.py, verbatim) over the two rows' columns;
  weights are the model's constants per level, the term-frequency adjustment reads each report's
  frequency from a column joined once per report instead of once per pair.
* Output: only what ``PairTable`` keeps (row numbers, probability, a level number and a weight per
  comparison) and only pairs at or above ``keep``.

Everything stays in the in-memory DuckDB of engine.duckdb_connection (no temporary directory:
a run that does not fit fails rather than spill).
"""

from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .comparisons import BLOCKING_RULES, COMPARISONS, TF_COLUMNS, TF_MINIMUM_U
from .model import Model


# A run is scored in parts (predict): a part's candidate pairs are deduplicated in memory, which
# cannot spill. Each part joins the whole list again (its left reports against all), so parts
# cost; the blocking rules' conditions keep a million reports' candidate pairs (some 40 million
# on the synthetic population) within one part, and the parts grow with the list beyond it.
PART_REPORTS = 1_000_000


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
    return _columns_used()


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
    ks = ", ".join(f"k{i}" for i in range(len(cols)))
    on = " AND ".join(f"f.{c} = b.k{i}" for i, c in enumerate(cols))
    order = ", ".join(f"f.{c}" for c in _sig_columns())
    keys = ", ".join(f"b.k{i}" for i in range(len(cols)))
    return (f"SELECT f.unique_id, {keys}, "
            f"dense_rank() OVER (PARTITION BY {keys} ORDER BY {order}) AS g, "
            f"row_number() OVER (PARTITION BY {keys}, {order} ORDER BY f.unique_id) = 1 AS first "
            f"FROM {table} AS f JOIN {big} AS b ON {on}")


def _cut_pairs_sql(table: str, i: int, rule: str, key: _Key, neighbours: int) -> str:
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


def _literal(x: float) -> str:
    return repr(float(x))


def _gamma_sql(comp: Any) -> str:
    """Splink's level numbers: the null level -1, the others from the last ("else", 0) upwards."""
    levels = comp.levels
    top = len(levels) - 1
    whens = []
    for j, level in enumerate(levels[:-1]):
        gamma = -1 if level.null else top - j
        whens.append(f"WHEN {level.sql} THEN {gamma}")
    return f"CASE {' '.join(whens)} ELSE 0 END"


def _weight_sql(comp: Any, model: Model) -> str:
    """log2(m/u) of the pair's level, plus log2(u / the larger term frequency) on a level with a
    term-frequency column (model.Model.score's arithmetic)."""
    top = len(comp.levels) - 1
    whens = []
    for j, level in enumerate(comp.levels):
        if level.null:
            continue
        gamma = top - j
        p = model.parameters[comp.name][level.code]
        weight = _literal(math.log2(p["m"] / p["u"]))
        if level.tf_column:
            col = level.tf_column
            floor = _literal(TF_MINIMUM_U)
            tf = f"greatest(coalesce(tf_{col}_l, tf_{col}_r), coalesce(tf_{col}_r, tf_{col}_l), {floor})"
            weight = (f"{weight} + CASE WHEN coalesce(tf_{col}_l, tf_{col}_r) IS NULL THEN 0.0 "
                      f"ELSE {_literal(math.log2(p['u']))} - log2({tf}) END")
        whens.append(f"WHEN {gamma} THEN {weight}")
    return f"CASE gamma_{comp.name} {' '.join(whens)} ELSE 0.0 END"


def _columns_used() -> list[str]:
    used: list[str] = []
    for comp in COMPARISONS:
        for col in comp.columns:
            used.append(col)
        for level in comp.levels:
            if level.tf_column:
                used.append(level.tf_column)
    # Columns a level's SQL reads beyond the comparison's declared ones (the crosswise name level).
    from .features import NAMES

    text = " ".join(level.sql for comp in COMPARISONS for level in comp.levels)
    used += [name for name in NAMES if f"{name}_l" in text or f"{name}_r" in text]
    return list(dict.fromkeys(c for c in used if c != "unique_id"))


def with_frequencies(features: pa.Table, frequencies: dict[str, dict[str, float]]) -> pa.Table:
    """The feature table with ``tf_<column>``: each report's term frequency (null when unknown)."""
    for column, table in frequencies.items():
        values = pa.array(list(table), pa.string())
        found = pc.index_in(features.column(column), value_set=values)
        tf = pc.take(pa.array(list(table.values()), pa.float64()), found)
        features = features.append_column(f"tf_{column}", tf)
    return features


def _rule_sql(table: str, i: int, rule: str, share: str, cut: list[int] | None, neighbours: int) -> str:
    plain = (f"SELECT (l.unique_id::BIGINT << 32) | r.unique_id::BIGINT AS pair FROM {table} AS l "
             f"JOIN {table} AS r ON ({rule}) AND l.unique_id < r.unique_id{share}")
    if not cut or not cut[i]:
        return plain
    key = RULE_KEYS[i]
    # Reports of an oversized block are left out of the join itself (a condition on one side,
    # applied before the join) and paired by _cut_pairs_sql instead.
    plain += f" AND NOT l.cut_{i}_l AND NOT r.cut_{i}_{'l' if key.symmetric else 'r'}"
    limited = _cut_pairs_sql(table, i, rule, key, neighbours)
    if share:
        limited += share
    return f"{plain} UNION ALL {limited}"


def predict_sql(model: Model, table: str, keep: float, tf_columns: list[str], part: tuple[int, int] = (0, 1),
                cut: list[int] | None = None, neighbours: int = BLOCK_NEIGHBOURS) -> str:
    """The statement for the pairs whose left report's row number is ``part[0]`` modulo ``part[1]``;
    ``cut``: the oversized blocks per rule (cut_blocks), whose reports are paired within bounds."""
    share = f" AND l.unique_id % {part[1]} = {part[0]}" if part[1] > 1 else ""
    rules = " UNION ALL ".join(_rule_sql(table, i, rule, share, cut, neighbours)
                               for i, rule in enumerate(BLOCKING_RULES))
    cols = _columns_used() + [f"tf_{c}" for c in tf_columns]
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in cols)
    gammas = ", ".join(f"{_gamma_sql(c)} AS gamma_{c.name}" for c in COMPARISONS)
    tf_sides = ", ".join(f"tf_{c}_l, tf_{c}_r" for c in tf_columns)
    weights = ", ".join(f"{_weight_sql(c, model)} AS mw_{c.name}" for c in COMPARISONS)
    prior = model.effective_prior
    total = " + ".join([_literal(math.log2(prior / (1 - prior)))] + [f"mw_{c.name}" for c in COMPARISONS])
    floor = _literal(math.log2(keep / (1 - keep))) if 0 < keep < 1 else "-1e308"
    names = ", ".join(f"gamma_{c.name}, mw_{c.name}" for c in COMPARISONS)
    return f"""
    WITH pairs AS (SELECT DISTINCT pair FROM ({rules})),
    sides AS (
        SELECT (p.pair >> 32)::INTEGER AS unique_id_l, (p.pair & 4294967295)::INTEGER AS unique_id_r, {sides}
        FROM pairs AS p
        JOIN {table} AS l ON l.unique_id = (p.pair >> 32)::INTEGER
        JOIN {table} AS r ON r.unique_id = (p.pair & 4294967295)::INTEGER),
    levels AS (SELECT unique_id_l, unique_id_r, {gammas}{', ' + tf_sides if tf_sides else ''} FROM sides),
    weights AS (SELECT unique_id_l, unique_id_r, {', '.join(f'gamma_{c.name}' for c in COMPARISONS)}, {weights}
                FROM levels),
    totals AS (SELECT *, {total} AS match_weight FROM weights)
    SELECT unique_id_l, unique_id_r,
           CASE WHEN match_weight >= 0 THEN 1.0 / (1.0 + pow(2.0, -match_weight))
                ELSE pow(2.0, match_weight) / (1.0 + pow(2.0, match_weight)) END AS match_probability,
           {names}
    FROM totals WHERE match_weight >= {floor}
    """


def predict(con: Any, numbered: pa.Table, model: Model, keep: float, counts: dict[str, int] | None = None
            ) -> pa.Table:
    """Scored pairs of the feature table (``unique_id`` = row number, int32) as Arrow, with the
    columns of pairs.wanted_columns() but the term-frequency adjustment inside ``mw_<name>``.
    ``counts`` gets ``blocks_cut``: the rules' blocks over the cap, paired within bounds."""
    # Every term-frequency column, empty when the model holds none for it (no adjustment).
    frequencies = {col: (model.frequencies or {}).get(col, {}) for col in TF_COLUMNS}
    blocking = " ".join(BLOCKING_RULES)
    wanted = [n for n in numbered.column_names
              if n == "unique_id" or n in _columns_used() or f"l.{n}" in blocking or f"r.{n}" in blocking]
    features = with_frequencies(numbered.select(wanted), frequencies)
    con.register("features_in", features)
    try:
        con.execute("CREATE TEMP TABLE features AS SELECT * FROM features_in")
    finally:
        con.unregister("features_in")
    cut: list[int] = []
    # In parts by the left report, so that the set of distinct pairs DuckDB holds at once stays a
    # part of the whole.
    parts = max(1, math.ceil(numbered.num_rows / PART_REPORTS))
    try:
        cut = cut_blocks(con, "features")
        if counts is not None:
            counts["blocks_cut"] = sum(cut)
        return pa.concat_tables(
            con.sql(predict_sql(model, "features", keep, list(frequencies), (i, parts), cut)).to_arrow_table()
            for i in range(parts))
    finally:
        drop_cut_tables(con, cut)
        con.execute("DROP TABLE features")

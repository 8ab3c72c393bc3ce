"""Batch scoring on the in-memory DuckDB in one SQL statement of our own: the same pairs, levels,
weights and probabilities as Splink's ``predict()`` under the model's settings (the Spark path and
training still go through Splink; tests hold the two to each other), at a fraction of the cost.

What Splink does that costs at a million reports, and what is done here instead:

* Candidate pairs: Splink keeps a pair found by several blocking rules once by testing, for every
  pair a rule finds, the conditions of all the rules before it (two dozen rules: some two hundred
  string tests per pair). Here each rule's pairs are found by its join alone (a rule with an OR
  of equalities as one join per equality: blocking_rules.join_forms) and a pair seen by several rules
  is dropped by DISTINCT on one 64-bit key (both row numbers). The rules that ask the own names
  alike (a father's name and a fact or two: brothers and namesakes by the block) ask it once per
  pair of distinct given names found, not once per pair of reports (_own_alike_sql).
* Comparisons: each level's SQL condition (comparisons.py, name_levels.py, verbatim) over the two
  rows' columns, with cheap necessary tests before an edit distance (Level.scorer_sql: lengths, sets of letters);
  weights are the model's constants per level, the term-frequency adjustment reads each report's
  frequency from a column joined once per report instead of once per pair. The names, the dear
  comparisons, are compared only on pairs whose other facts leave them a chance of ``keep``, and
  once per pair of distinct names, not once per pair of reports (name_memo.py).
* Output: only what ``PairTable`` keeps (row numbers, probability, a level number and a weight per
  comparison) and only pairs at or above ``keep``.

Everything stays in the in-memory DuckDB of engine.duckdb_connection (no temporary directory:
a run that does not fit fails rather than spill).
"""

from __future__ import annotations

import math
import re
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from .blocking_rules import BLOCKING_RULES, MATES, OWN_ALIKE_RULES, join_forms, scorer_form, without_own_alike
from .blocks import BLOCK_NEIGHBOURS, RULE_KEYS, cut_blocks, cut_marks, cut_pairs_sql, drop_cut_tables
from .comparisons import COMPARISONS, GUARDED_COLUMNS, TF_COLUMNS, TF_MINIMUM_U, columns_used
from .model import Model
from .name_memo import crosswise_columns, crosswise_sql, drop_sql, gamma_sql, guard_sql, key_sql, memo_sql, \
    numbered_sql, tables_sql


# A run is scored in parts (predict): a part's candidate pairs are deduplicated in memory, which
# cannot spill. Each part joins the whole list again (its left reports against all), so parts
# cost; the blocking rules' conditions keep a million reports' candidate pairs (some 40 million
# on the synthetic population) within one part, and the parts grow with the list beyond it.
PART_REPORTS = 1_000_000


def _literal(x: float) -> str:
    return repr(float(x))


def _gamma_sql(comp: Any) -> str:
    """Splink's level numbers: the null level -1, the others from the last ("else", 0) upwards."""
    whens = [f"WHEN {level.scorer_sql} THEN {gamma}" for level, gamma in zip(comp.levels[:-1], comp.gammas)]
    return f"CASE {' '.join(whens)} ELSE 0 END"


def _weight_sql(comp: Any, model: Model) -> str:
    """The weight of the pair's level of ``comp`` (its ``gamma_<name>``): _level_weight_sql's."""
    whens = [f"WHEN {gamma} THEN {_level_weight_sql(comp, level, model)}"
             for level, gamma in zip(comp.levels, comp.gammas) if not level.null]
    return f"CASE gamma_{comp.name} {' '.join(whens)} ELSE 0.0 END"


def with_frequencies(features: pa.Table, frequencies: dict[str, dict[str, float]]) -> pa.Table:
    """The feature table with ``tf_<column>``: each report's term frequency (null when unknown)."""
    for column, table in frequencies.items():
        values = pa.array(list(table), pa.string())
        found = pc.index_in(features.column(column), value_set=values)
        tf = pc.take(pa.array(list(table.values()), pa.float64()), found)
        features = features.append_column(f"tf_{column}", tf)
    return features


def _rule_sql(table: str, i: int, rule: str, part: tuple[int, int], cut: list[int] | None, neighbours: int,
              only_cut: bool = False) -> tuple[list[str], list[str]]:
    """Rule ``i``'s candidate pairs, as selects of ``pair``, and as selects of ``pair, names,
    crosswise`` for the pairs whose own names are still to be asked alike (the plain joins of a rule
    with that condition: _own_alike_sql); ``only_cut``: only the pairs within bounds in its
    oversized blocks. A rule and its mirror (blocking_rules.MATES) are joined as one (the first of
    the two: both reports' orders, then ordered), a join of the whole list the fewer, unless either
    has oversized blocks."""
    key = RULE_KEYS[i]
    mate = MATES.get(i)
    as_one = mate is not None and not (cut and (cut[i] or cut[mate]))
    if as_one and mate < i:
        return [], []  # its pairs are its mirror's
    if as_one:
        left, right, order = "least(l.unique_id, r.unique_id)", "greatest(l.unique_id, r.unique_id)", "<>"
    else:
        left, right, order = "l.unique_id", "r.unique_id", "<"
    share = f" AND {left} % {part[1]} = {part[0]}" if part[1] > 1 else ""
    # Reports of an oversized block are left out of the join itself (a condition on one side,
    # applied before the join) and paired by cut_pairs_sql instead.
    apart = f" AND NOT l.cut_{i}_l AND NOT r.cut_{i}_{'l' if key.symmetric else 'r'}" if cut and cut[i] else ""
    limited = [cut_pairs_sql(table, i, scorer_form(rule), key, neighbours) + share] if apart else []
    if only_cut:
        return limited, []
    memo = i in OWN_ALIKE_RULES
    joined = without_own_alike(rule) if memo else scorer_form(rule)
    extra = f", {key_sql('given')} AS names, {crosswise_sql('given')} AS crosswise" if memo else ""
    plain = [f"SELECT ({left}::BIGINT << 32) | {right}::BIGINT AS pair{extra} FROM {table} AS l "
             f"JOIN {table} AS r ON ({form}) AND l.unique_id {order} r.unique_id{share}{apart}"
             for form in join_forms(joined)]
    return (limited, plain) if memo else (plain + limited, [])


def _own_alike_sql(memo: list[str]) -> str:
    """The pairs of the rules asking the own names alike (blocking_rules.OWN_ALIKE_RULES), found by
    their joins alone (``memo``: rule_sql's second part): kept where the crosswise tests hold, or
    where the given names are alike, which is asked once per pair of distinct given names
    (name_memo.py). At a million reports of the synthetic population those joins find some forty
    million pairs; asked per pair of reports, the names' levels took two thirds of the rules' time."""
    keys = "SELECT names AS key FROM own_raw WHERE NOT crosswise"
    return (f"own_raw AS MATERIALIZED ({' UNION ALL '.join(memo)}), {memo_sql('given', keys, 'own_memo')}, "
            f"own_pairs AS (SELECT pair FROM own_raw "
            f"WHERE crosswise OR names IN (SELECT key FROM own_memo WHERE own <> 0)), ")


# The name comparisons are the dear part of scoring (a dozen levels each, edit distances); the
# others cost next to nothing. A pair is scored on its names only if they could lift it to ``keep``
# (_bound_sql): at a million reports of the synthetic population over half of the candidate pairs
# cannot (two birth years, two ID numbers, two genders), and the probabilities are the same.
_NAMES = tuple(c for c in COMPARISONS if c.name in ("given", "father"))
_OTHERS = tuple(c for c in COMPARISONS if c not in _NAMES)
_SLACK = 1e-9  # sums taken in another order differ in the last bits


def _level_weight_sql(comp: Any, level: Any, model: Model) -> str:
    """log2(m/u) of the level, plus log2(u / the larger term frequency) on a level with a
    term-frequency column (model.Model.score's arithmetic)."""
    p = model.parameters[comp.name][level.code]
    weight = _literal(math.log2(p["m"] / p["u"]))
    if not level.tf_column:
        return weight
    col = level.tf_column
    return (f"({weight} + CASE WHEN coalesce(tf_{col}_l, tf_{col}_r) IS NULL THEN 0.0 "
            f"ELSE {_literal(math.log2(p['u']))} - log2({_tf_sql(col)}) END)")


def _tf_sql(col: str) -> str:
    """The pair's term frequency on ``col``: the larger of the two reports', at least TF_MINIMUM_U."""
    return f"greatest(coalesce(tf_{col}_l, tf_{col}_r), coalesce(tf_{col}_r, tf_{col}_l), {_literal(TF_MINIMUM_U)})"


def _bound_sql(comp: Any, model: Model) -> str:
    """The most a comparison can add to the pair's match weight: its best level (0 for missing).
    The levels with a term-frequency column all subtract the same log2 of it, taken once."""
    plain, by_tf = ["0.0"], {}
    for level in comp.levels:
        if level.null:
            continue
        p = model.parameters[comp.name][level.code]
        weight = math.log2(p["m"] / p["u"])
        if level.tf_column:
            col = level.tf_column
            best, best_adjusted = by_tf.get(col, (-math.inf, -math.inf))
            by_tf[col] = (max(best, weight), max(best_adjusted, weight + math.log2(p["u"])))
        else:
            plain.append(_literal(weight))
    for col, (best, best_adjusted) in by_tf.items():
        plain.append(f"CASE WHEN coalesce(tf_{col}_l, tf_{col}_r) IS NULL THEN {_literal(best)} "
                     f"ELSE {_literal(best_adjusted)} - log2({_tf_sql(col)}) END")
    return f"greatest({', '.join(plain)})"


def _sides(comps: tuple[Any, ...], extra: list[str]) -> str:
    cols = list(dict.fromkeys(c for comp in comps for c in _columns_of(comp))) + extra
    return ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in cols)


def _columns_of(comp: Any) -> list[str]:
    """The feature columns a comparison's levels read (scorer's form: its guards included)."""
    return [c for c in columns_used() + GUARDS
            if any(re.search(rf"\b{c}_[lr]\b", lv.scorer_sql) for lv in comp.levels)]


def predict_sql(model: Model, table: str, keep: float, tf_columns: list[str], part: tuple[int, int] = (0, 1),
                cut: list[int] | None = None, neighbours: int = BLOCK_NEIGHBOURS, only_cut: bool = False) -> str:
    """The statement for the pairs whose left report's row number is ``part[0]`` modulo ``part[1]``;
    ``cut``: the oversized blocks per rule (cut_blocks), whose reports are paired within bounds;
    ``only_cut``: only those pairs (for Splink's own predict, which leaves them out: cut_apart).
    Each pair's other facts are compared first; its names only if they could lift it to ``keep``."""
    plain: list[str] = []
    memo: list[str] = []
    for i, rule in enumerate(BLOCKING_RULES):
        found, to_ask = _rule_sql(table, i, rule, part, cut, neighbours, only_cut)
        plain, memo = plain + found, memo + to_ask
    rules = " UNION ALL ".join(plain + (["SELECT pair FROM own_pairs"] if memo else []))
    own = _own_alike_sql(memo) if memo else ""
    ids = "unique_id_l, unique_id_r"
    tf_cols = [f"tf_{c}" for c in tf_columns]
    tf_sides = "".join(f", {c}_l, {c}_r" for c in tf_cols)
    other_gammas = ", ".join(f"{_gamma_sql(c)} AS gamma_{c.name}" for c in _OTHERS)
    other_gamma_cols = ", ".join(f"gamma_{c.name}" for c in _OTHERS)
    other_weights = ", ".join(f"{_weight_sql(c, model)} AS mw_{c.name}" for c in _OTHERS)
    name_gammas = ", ".join(f"{gamma_sql(c.name, f'{c.name}_own')} AS gamma_{c.name}" for c in _NAMES)
    name_weights = ", ".join(f"{_weight_sql(c, model)} AS mw_{c.name}" for c in _NAMES)
    prior = model.effective_prior
    others = " + ".join([_literal(math.log2(prior / (1 - prior)))] + [f"mw_{c.name}" for c in _OTHERS])
    bounds = " + ".join(_bound_sql(c, model) for c in _NAMES)
    total = " + ".join([_literal(math.log2(prior / (1 - prior)))] + [f"mw_{c.name}" for c in COMPARISONS])
    floor = math.log2(keep / (1 - keep)) if 0 < keep < 1 else None
    hopeful = f"WHERE other_weight + {bounds} >= {_literal(floor - _SLACK)}" if floor is not None else ""
    final = f"WHERE match_weight >= {_literal(floor)}" if floor is not None else ""
    names = ", ".join(f"gamma_{c.name}, mw_{c.name}" for c in COMPARISONS)
    keys = ", ".join(f"{key_sql(c.name)} AS {c.name}_key" for c in _NAMES)
    memos = ", ".join(memo_sql(c.name, f"SELECT {c.name}_key AS key FROM hopeful", f"{c.name}_memo") for c in _NAMES)
    own_levels = ", ".join(f"{c.name}_memo.own AS {c.name}_own" for c in _NAMES)
    by_key = " ".join(f"JOIN {c.name}_memo ON {c.name}_memo.key = h.{c.name}_key" for c in _NAMES)
    crosswise = list(dict.fromkeys(col for c in _NAMES for col in crosswise_columns(c.name)))
    join = (f"JOIN {table} AS l ON l.unique_id = {{l}} "
            f"JOIN {table} AS r ON r.unique_id = {{r}}")
    # The pairs whose other facts leave them a chance are kept (narrow: their numbers, the other
    # levels and the keys of their names) for the names' memo and the rest of the statement.
    return f"""
    WITH {own}pairs AS (SELECT DISTINCT pair FROM ({rules})),
    facts AS (
        SELECT (p.pair >> 32)::INTEGER AS unique_id_l, (p.pair & 4294967295)::INTEGER AS unique_id_r,
               {_sides(_OTHERS, tf_cols)}, {keys}
        FROM pairs AS p {join.format(l="(p.pair >> 32)::INTEGER", r="(p.pair & 4294967295)::INTEGER")}),
    other_levels AS (SELECT {ids}, {other_gammas}{tf_sides}, {', '.join(f'{c.name}_key' for c in _NAMES)} FROM facts),
    other_weights AS (SELECT *, {other_weights} FROM other_levels),
    hopeful AS MATERIALIZED (
        SELECT {ids}, {other_gamma_cols}, {', '.join(f'{c.name}_key' for c in _NAMES)}
        FROM (SELECT *, {others} AS other_weight FROM other_weights) {hopeful}),
    {memos},
    sides AS (SELECT h.*, {own_levels}, {", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in crosswise + tf_cols)}
              FROM hopeful AS h {by_key} {join.format(l="h.unique_id_l", r="h.unique_id_r")}),
    levels AS (SELECT *, {name_gammas} FROM sides),
    weights AS (SELECT {ids}, {other_gamma_cols}, {other_weights}, {', '.join(f'gamma_{c.name}' for c in _NAMES)},
                       {name_weights} FROM levels),
    totals AS (SELECT *, {total} AS match_weight FROM weights)
    SELECT {ids},
           CASE WHEN match_weight >= 0 THEN 1.0 / (1.0 + pow(2.0, -match_weight))
                ELSE pow(2.0, match_weight) / (1.0 + pow(2.0, match_weight)) END AS match_probability,
           {names}
    FROM totals {final}
    """


# Each guarded name's length and set of letters (name_levels._guard), computed once per report.
GUARDS = [f"{c}_{part}" for c in GUARDED_COLUMNS for part in ("len", "bits")]
GUARD_SQL = guard_sql(GUARDED_COLUMNS)


def _load(con: Any, numbered: pa.Table, model: Model) -> list[str]:
    """The feature table (``unique_id`` = row number, int32) as the temporary table ``features``, with
    each report's term frequencies; the term-frequency columns (every one, empty when the model
    holds none for it: no adjustment)."""
    frequencies = {col: (model.frequencies or {}).get(col, {}) for col in TF_COLUMNS}
    blocking = " ".join(BLOCKING_RULES)
    wanted = [n for n in numbered.column_names
              if n == "unique_id" or n in columns_used() or f"l.{n}" in blocking or f"r.{n}" in blocking]
    features = with_frequencies(numbered.select(wanted), frequencies)
    con.register("features_in", features)
    try:
        for statement in tables_sql("features_in"):
            con.execute(statement)
        con.execute(f"CREATE TEMP TABLE features AS SELECT *, {GUARD_SQL} FROM ({numbered_sql('features_in')})")
    finally:
        con.unregister("features_in")
    return list(frequencies)


def _drop(con: Any) -> None:
    con.execute("DROP TABLE features")
    for statement in drop_sql():
        con.execute(statement)


def predict(con: Any, numbered: pa.Table, model: Model, keep: float, counts: dict[str, int] | None = None
            ) -> pa.Table:
    """Scored pairs of the feature table (``unique_id`` = row number, int32) as Arrow, with the
    columns of pairs.wanted_columns() but the term-frequency adjustment inside ``mw_<name>``.
    ``counts`` gets ``blocks_cut``: the rules' blocks over the cap, paired within bounds."""
    tf_columns = _load(con, numbered, model)
    cut: list[int] = []
    # In parts by the left report, so that the set of distinct pairs DuckDB holds at once stays a
    # part of the whole.
    parts = max(1, math.ceil(numbered.num_rows / PART_REPORTS))
    try:
        cut = cut_blocks(con, "features")
        if counts is not None:
            counts["blocks_cut"] = sum(cut)
        return pa.concat_tables(
            con.sql(predict_sql(model, "features", keep, tf_columns, (i, parts), cut)).to_arrow_table()
            for i in range(parts))
    finally:
        drop_cut_tables(con, cut)
        _drop(con)


def cut_apart(con: Any, numbered: pa.Table, model: Model, keep: float) -> tuple[list[int], pa.Table | None,
                                                                                 pa.Table | None]:
    """For Splink's own predict (Spark, or the reference on DuckDB), which must cut the blocks this
    module cuts: the oversized blocks per rule, each report's cut_<i>_<side> marks in row order (for
    blocks.splink_rules), and the pairs within bounds of the cut blocks scored here as predict()
    scores them. The marks and pairs are None when nothing was cut."""
    tf_columns = _load(con, numbered, model)
    cut: list[int] = []
    try:
        cut = cut_blocks(con, "features")
        if not any(cut):
            return cut, None, None
        marks = con.sql(f"SELECT {', '.join(cut_marks(cut))} FROM features ORDER BY unique_id").to_arrow_table()
        pairs = con.sql(predict_sql(model, "features", keep, tf_columns, cut=cut, only_cut=True)).to_arrow_table()
        return cut, marks, pairs
    finally:
        drop_cut_tables(con, cut)
        _drop(con)

"""The names compared once per pair of distinct names, not once per pair of reports (for the DuckDB
scorer, scoring.py).

A name comparison's levels (name_levels.py) read that name's own columns, but for the crosswise
tests, which read both of a report's names (levels.Level.own_sql and cross_sql). Names repeat: at a
million reports of the synthetic population some ten thousand distinct given names, and the tens of
millions of candidate pairs hold a few million pairs of distinct names. So each report's given and
father name is numbered (``given_id``, ``father_id``: one number per distinct set of the
comparison's columns, kept with its columns in ``given_names`` and ``father_names``), the own
parts of the levels are asked once per pair of numbers a statement meets (``<name>_memo``: the
first level whose own part holds), and a pair of reports takes its level from its pair of numbers
and its crosswise tests: the first level whose own part is that level or whose crosswise test holds,
which is the first level whose whole condition holds. Every comparison is symmetric, so a pair of
numbers is kept smaller first.
"""

from __future__ import annotations

import re

from .comparisons import BY_NAME, GUARDED_COLUMNS
from .levels import on_pair

NAMES = ("given", "father")
_MASK = "4294967295"


def guard_sql(columns: list[str] | tuple[str, ...]) -> str:
    """Each guarded name's length and set of letters (name_levels._guard), once per row."""
    return ", ".join(
        f"length({c}) AS {c}_len, list_reduce(list_transform(string_split({c}, ''), "
        f"lambda ch: 1::BIGINT << (unicode(ch) % 62)), lambda a, b: a | b, 0::BIGINT) AS {c}_bits" for c in columns)


def tables_sql(source: str) -> list[str]:
    """The statements that make ``<name>_names`` (each distinct name of ``source`` numbered, with
    its guards) for both names."""
    statements = []
    for name in NAMES:
        columns = ", ".join(BY_NAME[name].columns)
        guards = guard_sql([c for c in GUARDED_COLUMNS if c.startswith(f"{name}_")])
        statements.append(f"CREATE TEMP TABLE {name}_names AS SELECT (row_number() OVER ())::INTEGER AS {name}_id, *, "
                          f"{guards} FROM (SELECT DISTINCT {columns} FROM {source})")
    return statements


def numbered_sql(source: str) -> str:
    """``source``'s rows with their ``given_id`` and ``father_id``."""
    joins = " ".join(
        f"JOIN {name}_names AS n_{name} ON "
        + " AND ".join(f"s.{c} IS NOT DISTINCT FROM n_{name}.{c}" for c in BY_NAME[name].columns)
        for name in NAMES)
    return f"SELECT s.*, {', '.join(f'n_{n}.{n}_id' for n in NAMES)} FROM {source} AS s {joins}"


def drop_sql() -> list[str]:
    return [f"DROP TABLE IF EXISTS {name}_names" for name in NAMES]


def key_sql(name: str, left: str = "l", right: str = "r") -> str:
    """The pair's key of distinct names: both numbers in one 64-bit value, the smaller first."""
    a, b = f"{left}.{name}_id", f"{right}.{name}_id"
    return f"((least({a}, {b})::BIGINT << 32) | greatest({a}, {b})::BIGINT)"


def memo_sql(name: str, keys: str, cte: str) -> str:
    """A CTE ``cte`` (``key``, ``own``): for each distinct key of ``keys`` (a query with a column
    ``key``), the number of the first level of ``name`` whose own part holds (0: none)."""
    comp = BY_NAME[name]
    whens = " ".join(f"WHEN {on_pair(level.scorer_own_sql)} THEN {gamma}"
                     for level, gamma in zip(comp.levels[:-1], comp.gammas) if level.scorer_own_sql != "false")
    return (f"{cte} AS (SELECT d.key, CASE {whens} ELSE 0 END AS own FROM (SELECT DISTINCT key FROM ({keys})) AS d "
            f"JOIN {name}_names AS l ON l.{name}_id = (d.key >> 32)::INTEGER "
            f"JOIN {name}_names AS r ON r.{name}_id = (d.key & {_MASK})::INTEGER)")


def gamma_sql(name: str, own: str) -> str:
    """The pair's level number of the comparison ``name`` from ``own`` (the memo's number for its
    pair of names) and the crosswise tests on the pair's columns (suffixed _l and _r)."""
    comp = BY_NAME[name]
    whens = []
    for level, gamma in zip(comp.levels[:-1], comp.gammas):
        cross = f" OR ({level.cross_sql})" if level.cross_sql else ""
        whens.append(f"WHEN {own} = {gamma}{cross} THEN {gamma}")
    return f"CASE {' '.join(whens)} ELSE 0 END"


def crosswise_sql(name: str) -> str:
    """Any of the comparison's crosswise tests, on a pair's columns prefixed l. and r."""
    tests = [f"({level.cross_sql})" for level in BY_NAME[name].levels if level.cross_sql]
    return on_pair(f"coalesce({' OR '.join(tests)}, false)")


def crosswise_columns(name: str) -> list[str]:
    """The columns the comparison's crosswise tests read."""
    text = " ".join(level.cross_sql for level in BY_NAME[name].levels if level.cross_sql)
    return list(dict.fromkeys(re.findall(r"\b(\w+)_[lr]\b", text)))

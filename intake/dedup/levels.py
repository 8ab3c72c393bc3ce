"""A comparison and its levels: each level written once as SQL (for Splink on DuckDB or Spark,
over columns suffixed ``_l`` and ``_r``) and once as Python (for scoring one new report in
process), and the small conditions most levels are made of."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

Row = Mapping[str, Any]


@dataclass(frozen=True)
class Level:
    code: str
    sql: str                          # condition on columns suffixed _l and _r
    test: Callable[[Row, Row], bool]  # the same condition in Python (None fails, as NULL does)
    null: bool = False
    tf_column: str | None = None
    # The same condition with cheap necessary tests in front (see _guard), for the DuckDB scorer
    # alone: Splink and the Python test have no guard columns.
    guarded_sql: str | None = None
    # A name level's condition (scorer's form) split in two: ``own_sql``, what reads this name's
    # columns alone, and ``cross_sql``, the tests of a report's two names against the other's
    # (name_levels: either order, or through full_name_alt). The scorer asks the first once per
    # pair of distinct names rather than once per pair of reports (name_memo.py). None: the
    # scorer's whole condition is own, or nothing is crosswise.
    own_sql: str | None = None
    cross_sql: str | None = None

    @property
    def scorer_sql(self) -> str:
        return self.guarded_sql or self.sql

    @property
    def scorer_own_sql(self) -> str:
        return self.own_sql if self.own_sql is not None else self.scorer_sql


@dataclass(frozen=True)
class Comparison:
    name: str
    field: str        # what a reviewer sees it as
    columns: tuple[str, ...]
    levels: tuple[Level, ...]  # the null level first, "else" last

    @property
    def gammas(self) -> tuple[int, ...]:
        """Splink's number of each level: the null level -1, the others from the last ("else",
        0) upwards."""
        top = len(self.levels) - 1
        return tuple(-1 if level.null else top - j for j, level in enumerate(self.levels))

    def level_of(self, left: Row, right: Row) -> Level:
        for level in self.levels:
            if level.test(left, right):
                return level
        return self.levels[-1]


def on_pair(sql: str) -> str:
    """A level's condition (columns suffixed _l and _r) on two rows named l and r (prefixed l. and r.)."""
    return re.sub(r"\b(\w+)_([lr])\b", r"\2.\1", sql)


def both(*cols: str) -> Callable[[Row, Row], bool]:
    return lambda a, b: all(a.get(c) is not None and b.get(c) is not None for c in cols)


def null_sql(col: str) -> str:
    return f"{col}_l IS NULL OR {col}_r IS NULL"


def eq_sql(col: str) -> str:
    return f"{col}_l = {col}_r"


def eq(col: str) -> Callable[[Row, Row], bool]:
    return lambda a, b: a.get(col) is not None and a.get(col) == b.get(col)


def missing(col: str) -> Callable[[Row, Row], bool]:
    return lambda a, b: a.get(col) is None or b.get(col) is None


def otherwise(_a: Row, _b: Row) -> bool:
    return True

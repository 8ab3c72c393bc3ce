"""The DuckDB scorer's levels (Level.scorer_sql: cheap tests before an edit distance) are the model's
levels (Level.sql, which Splink runs) and the Python tests, on names and ID numbers a few edits
apart, of every length, in any script."""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from intake.dedup.blocking_rules import BLOCKING_RULES, join_forms
from intake.dedup.comparisons import BY_NAME
from intake.dedup.engine import duckdb_connection
from intake.dedup.features import NAMES, SCHEMA, feature_table
from intake.dedup.scoring import GUARD_SQL, GUARDS
from intake.resolution.name_match import lean

_LETTERS = "abdeghijklmnoqrstuwyzéöü阿布"


@st.composite
def _edited(draw, alphabet: str, max_size: int) -> tuple[str | None, str | None]:
    """A value and the same after zero to three edits (changed, dropped, added, swapped letters)."""
    first = draw(st.text(alphabet=alphabet, max_size=max_size))
    second = list(first)
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        kind = draw(st.sampled_from(("change", "drop", "add", "swap")))
        at = draw(st.integers(min_value=0, max_value=max(0, len(second) - 1)))
        letter = draw(st.sampled_from(alphabet))
        if kind == "add" or not second:
            second.insert(at, letter)
        elif kind == "change":
            second[at] = letter
        elif kind == "drop":
            del second[at]
        elif at + 1 < len(second):
            second[at], second[at + 1] = second[at + 1], second[at]
    return first or None, "".join(second) or None


def _levels(comparison: str, left: dict, right: dict) -> tuple[str, str, str, str]:
    """The level by the model's SQL, by the scorer's SQL, by the Python test, and by the scorer's
    SQL in its two parts (Level.own_sql, asked once per pair of distinct names, and cross_sql)."""
    comp = BY_NAME[comparison]
    rows = [{name: side.get(name) for name in NAMES} for side in (left, right)]
    rows[0]["unique_id"], rows[1]["unique_id"] = "x", "y"
    table = pa.Table.from_pylist(rows, schema=SCHEMA)
    columns = [*NAMES, *GUARDS]
    sides = ", ".join(f"l.{c} AS {c}_l, r.{c} AS {c}_r" for c in columns)
    con = duckdb_connection()
    try:
        con.register("f_in", table)
        con.execute(f"CREATE TEMP TABLE f AS SELECT *, {GUARD_SQL} FROM f_in")
        found = []
        split = (f"({lv.scorer_own_sql}) OR ({lv.cross_sql})" if lv.cross_sql else lv.scorer_own_sql
                 for lv in comp.levels[:-1])
        for sql in ((lv.sql for lv in comp.levels[:-1]), (lv.scorer_sql for lv in comp.levels[:-1]), split):
            cases = " ".join(f"WHEN {cond} THEN '{lv.code}'" for cond, lv in zip(sql, comp.levels))
            [(code,)] = con.sql(f"SELECT CASE {cases} ELSE '{comp.levels[-1].code}' END FROM (SELECT {sides} "
                                f"FROM f l, f r WHERE l.unique_id = 'x' AND r.unique_id = 'y')").fetchall()
            found.append(code)
    finally:
        con.close()
    return found[0], found[1], comp.level_of(left, right).code, found[2]


@settings(max_examples=150, deadline=None, database=None)
@given(skel=_edited(_LETTERS, 14), syl=_edited(_LETTERS, 16), latin=_edited(_LETTERS, 14),
       second=st.tuples(st.booleans(), st.booleans()),
       zh=st.tuples(st.booleans(), st.booleans()), comparison=st.sampled_from(("given", "father")))
def test_the_scorers_name_levels_are_the_models(skel, syl, latin, second, zh, comparison):
    # The lean form as features.py makes it from the cross-script form; a second reading that is
    # the other side's form or none (features: given_syl2, father_syl2).
    left = {f"{comparison}_skel": skel[0], f"{comparison}_syl": syl[0], f"{comparison}_zh": zh[0],
            f"{comparison}_latin": latin[0], f"{comparison}_lean": lean(syl[0]) if syl[0] else None,
            f"{comparison}_syl2": syl[1] if second[0] else None}
    right = {f"{comparison}_skel": skel[1], f"{comparison}_syl": syl[1], f"{comparison}_zh": zh[1],
             f"{comparison}_latin": latin[1], f"{comparison}_lean": lean(syl[1]) if syl[1] else None,
             f"{comparison}_syl2": syl[0] if second[1] else None}
    by_sql, by_scorer, by_python, by_parts = _levels(comparison, left, right)
    assert by_scorer == by_sql == by_python == by_parts
    # The scorer asks the own parts once per pair of distinct names, whichever report is "l".
    assert _levels(comparison, right, left)[3] == by_parts


_SOME = st.sampled_from(("tursun", "memet", "abliz", "ablizjan", None))


@settings(max_examples=150, deadline=None, database=None)
@given(left=st.tuples(_SOME, _SOME, _SOME, _SOME), right=st.tuples(_SOME, _SOME, _SOME, _SOME),
       comparison=st.sampled_from(("given", "father")))
def test_a_name_levels_own_and_crosswise_parts_make_the_level(left, right, comparison):
    # Both names of each side and the other full name's, drawn from a few so that they meet in
    # either order, through full_name_alt, or a slip apart.
    def side(names: tuple) -> dict:
        given, father, alt_given, alt_father = names
        row = {"given_syl": given, "father_syl": father, "alt_given_syl": alt_given, "alt_father_syl": alt_father}
        own = row[f"{comparison}_syl"]
        return {**row, f"{comparison}_skel": own, f"{comparison}_latin": own,
                f"{comparison}_lean": lean(own) if own else None}
    by_sql, by_scorer, by_python, by_parts = _levels(comparison, side(left), side(right))
    assert by_parts == by_scorer == by_sql == by_python
    assert _levels(comparison, side(right), side(left))[3] == by_parts


@settings(max_examples=200, deadline=None, database=None)
@given(number=_edited("0123456789X", 19), valid=st.tuples(st.booleans(), st.booleans()))
def test_the_scorers_id_levels_are_the_models(number, valid):
    left = {"id_raw": number[0], "id_valid": valid[0] if number[0] else None}
    right = {"id_raw": number[1], "id_valid": valid[1] if number[1] else None}
    by_sql, by_scorer, by_python, by_parts = _levels("id", left, right)
    assert by_parts == by_scorer == by_sql == by_python


def test_the_guards_spare_the_distance_only_where_it_could_not_hold():
    # One edit apart at every length from four letters, and far apart: near where the model says so.
    for name in ("abla", "ablimit", "abdurehimjan", "阿布都热依木"):
        slip = name[:-1] + ("x" if name[-1] != "x" else "y")
        assert _levels("given", {"given_skel": name, "given_syl": name},
                       {"given_skel": slip, "given_syl": slip})[:2] == ("near", "near")
    assert _levels("given", {"given_skel": "abdurehim", "given_syl": "abudureyimu"},
                   {"given_skel": "tursun", "given_syl": "tuerxun"})[:2] == ("different", "different")


def test_a_rules_join_forms_find_the_rules_pairs(small_population):
    # Kazakh q written 哈 (Qanat, 哈那提): frames a k apart, which only the k forms of the rule join.
    rows, _ = small_population
    base = {"father_name": "Tursun", "birth_date": "1980-05", "home_place": "Ghulja"}
    rows = [*rows, *({"report_id": rid, "given_name": name, **base}
                     for rid, name in (("q1", "Qanat"), ("q2", "哈那提"), ("q3", "Anat")))]
    table = feature_table(rows).set_column(0, "unique_id", pa.array(range(len(rows)), pa.int32()))
    con = duckdb_connection()
    split, k_only = 0, set()
    try:
        con.register("features", table)
        for rule in BLOCKING_RULES:
            def pairs(condition: str) -> set[tuple[int, int]]:
                return set(con.sql(f"SELECT l.unique_id, r.unique_id FROM features l JOIN features r "
                                   f"ON ({condition}) AND l.unique_id < r.unique_id").fetchall())
            forms = join_forms(rule)
            split += len(forms) > 1
            assert set().union(*(pairs(form) for form in forms)) == pairs(rule)
            assert all(pairs(form) <= pairs(rule) for form in forms)
            if len(forms) > 1:
                k_only |= set().union(*(pairs(form) for form in forms[1:])) - pairs(forms[0])
    finally:
        con.close()
    assert split >= 6  # the rules with the first-consonant test
    assert k_only  # Qanat and 哈那提 meet by a k form alone

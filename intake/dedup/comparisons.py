"""The comparisons of the model, each level written once as SQL (for Splink on DuckDB or Spark)
and once as Python (for scoring one new report in process); tests hold the two to the same
levels on every pair.

Levels go from the strongest agreement down; the first that holds is the pair's level. The
short codes (``same_name``, ``same_month``...) name the level in pairs.csv, in a
PairScore and in the model file. The name comparisons are in name_levels.py, what a level is in
levels.py; here the dates, place, ID number and gender, and the m fixed by meaning.
"""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz.distance import OSA

from .levels import Comparison, Level, Row, both, eq, eq_sql, missing, null_sql, otherwise
from .name_levels import CROSSWISE_COLUMNS, GUARDED_COLUMNS, name_comparison

__all__ = ["BY_NAME", "COMPARISONS", "CROSSWISE_COLUMNS", "FIXED_M", "GUARDED_COLUMNS", "NEUTRAL", "TF_COLUMNS",
           "TF_MINIMUM_U", "Comparison", "Level", "Row", "columns_used", "levels_of"]

# Term-frequency adjustments: a rare name that agrees counts for more, a common one for less,
# but never more than if one report in a thousand bore it (so a rare name alone cannot merge).
TF_MINIMUM_U = 0.001


# --- birth date ---------------------------------------------------------------------------------

def _parts_agree(a: Row, b: Row) -> bool:
    """No month or day that both give differs."""
    return all(a.get(c) is None or b.get(c) is None or a.get(c) == b.get(c) for c in ("birth_month", "birth_day"))


def _years_apart(n: int) -> Callable[[Row, Row], bool]:
    return lambda a, b: both("birth_year")(a, b) and abs(a["birth_year"] - b["birth_year"]) == n and \
        _parts_agree(a, b)


# A year misremembered or mistyped keeps the month and day; years apart and a month or day that
# both give and that differs too is a date wrong in two places: most often two people (brothers a
# year or two apart, namesakes), so such a pair falls to "different".
_PARTS_AGREE_SQL = 'NOT coalesce(birth_month_l <> birth_month_r OR birth_day_l <> birth_day_r, false)'


def _same_month(a: Row, b: Row) -> bool:
    return eq("birth_year")(a, b) and eq("birth_month")(a, b) and \
        (a.get("birth_day") is None or b.get("birth_day") is None)


def _same_year(a: Row, b: Row) -> bool:
    return eq("birth_year")(a, b) and (a.get("birth_month") is None or b.get("birth_month") is None)


BIRTH = Comparison("birth", "birth date", ("birth_year", "birth_month", "birth_day"), (
    Level("missing", null_sql("birth_year"), missing("birth_year"), null=True),
    Level("exact", f'{eq_sql("birth_year")} AND {eq_sql("birth_month")} AND {eq_sql("birth_day")}',
          lambda a, b: eq("birth_year")(a, b) and eq("birth_month")(a, b) and eq("birth_day")(a, b)),
    Level("same_month", f'{eq_sql("birth_year")} AND {eq_sql("birth_month")} AND '
          f'(birth_day_l IS NULL OR birth_day_r IS NULL)', _same_month),
    Level("same_year", f'{eq_sql("birth_year")} AND (birth_month_l IS NULL OR birth_month_r IS NULL)',
          _same_year),
    Level("same_year_other_date", eq_sql("birth_year"), eq("birth_year")),
    Level("one_year_apart", f'abs(birth_year_l - birth_year_r) = 1 AND {_PARTS_AGREE_SQL}', _years_apart(1)),
    Level("two_years_apart", f'abs(birth_year_l - birth_year_r) = 2 AND {_PARTS_AGREE_SQL}', _years_apart(2)),
    Level("different", "ELSE", otherwise),
))

# --- place --------------------------------------------------------------------------------------

PLACE = Comparison("place", "home place", ("county", "prefecture"), (
    Level("missing", null_sql("prefecture"), missing("prefecture"), null=True),
    Level("same_county", eq_sql("county"), eq("county")),
    Level("same_prefecture", f'{eq_sql("prefecture")} AND (county_l IS NULL OR county_r IS NULL)',
          lambda a, b: eq("prefecture")(a, b) and (a.get("county") is None or b.get("county") is None)),
    Level("other_county_same_prefecture", eq_sql("prefecture"), eq("prefecture")),
    Level("different", "ELSE", otherwise),
))

# --- ID number ----------------------------------------------------------------------------------


def _id_near(a: Row, b: Row) -> bool:
    x, y = a.get("id_raw"), b.get("id_raw")
    if x is None or y is None or (a.get("id_valid") and b.get("id_valid")):
        return False  # two valid numbers are never one typo apart: the check character says so
    return OSA.distance(x, y, score_cutoff=1) == 1


_NOT_BOTH_VALID = 'NOT (id_valid_l AND id_valid_r)'
# The scorer's guard of the near level (see _guard): numbers of one length one slip apart differ in
# one place or two (a swap); the distance of two 18-character numbers costs some 4 us in DuckDB.
_ID_GUARD = ('CASE WHEN length(id_raw_l) = length(id_raw_r) THEN hamming(id_raw_l, id_raw_r) <= 2 '
             'ELSE abs(length(id_raw_l) - length(id_raw_r)) = 1 END')


def _not_both_valid(a: Row, b: Row) -> bool:
    return not (a.get("id_valid") and b.get("id_valid"))


ID = Comparison("id", "ID number", ("id_raw", "id_valid", "id_head"), (
    Level("missing", null_sql("id_raw"), missing("id_raw"), null=True),
    Level("exact", eq_sql("id_raw"), eq("id_raw")),
    # Two valid numbers are never one typo apart (the check character says so), and a person has
    # one number: two valid numbers that differ are two people, twins included.
    Level("near", f'damerau_levenshtein(id_raw_l, id_raw_r) = 1 AND {_NOT_BOTH_VALID}', _id_near,
          guarded_sql=f'{_NOT_BOTH_VALID} AND {_ID_GUARD} AND damerau_levenshtein(id_raw_l, id_raw_r) = 1'),
    Level("region_and_date", f'{eq_sql("id_head")} AND {_NOT_BOTH_VALID}',
          lambda a, b: eq("id_head")(a, b) and _not_both_valid(a, b)),
    Level("different", 'id_valid_l AND id_valid_r', lambda a, b: bool(a.get("id_valid") and b.get("id_valid"))),
    Level("other", "ELSE", otherwise),
))

GENDER = Comparison("gender", "gender", ("gender",), (
    Level("missing", null_sql("gender"), missing("gender"), null=True),
    Level("same", eq_sql("gender"), eq("gender")),
    Level("different", "ELSE", otherwise),
))

# --- detention date -----------------------------------------------------------------------------

# When the person was taken, as the family remembers it: reports of one person mostly agree on
# the year, and those that give the month on the month; a brother taken in the same round-up
# agrees as well, a namesake in another family only by chance (most were taken in 2017 or 2018).
DETENTION = Comparison("detention", "detention date", ("detained_year", "detained_month"), (
    Level("missing", null_sql("detained_year"), missing("detained_year"), null=True),
    Level("same_month", f'{eq_sql("detained_year")} AND {eq_sql("detained_month")}',
          lambda a, b: eq("detained_year")(a, b) and eq("detained_month")(a, b)),
    Level("same_year", f'{eq_sql("detained_year")} AND ({null_sql("detained_month")})',
          lambda a, b: eq("detained_year")(a, b) and missing("detained_month")(a, b)),
    Level("same_year_other_month", eq_sql("detained_year"), eq("detained_year")),
    Level("one_year_apart", "abs(detained_year_l - detained_year_r) = 1",
          lambda a, b: both("detained_year")(a, b) and abs(a["detained_year"] - b["detained_year"]) == 1),
    Level("different", "ELSE", otherwise),
))

COMPARISONS: tuple[Comparison, ...] = (
    name_comparison("given", "name"), name_comparison("father", "father's name"), BIRTH, PLACE, ID, GENDER, DETENTION)
BY_NAME = {c.name: c for c in COMPARISONS}
TF_COLUMNS = tuple(dict.fromkeys(lv.tf_column for c in COMPARISONS for lv in c.levels if lv.tf_column))

# m fixed by what the data mean rather than trained: EM reads twins and brothers (same father,
# date and county) as one person with two names, and twins' ID numbers (same region and date) as
# one person's. A different own name, or two different valid numbers, is strong evidence against.
# Names agreeing only crosswise are as often a grandson named after his grandfather (his father's
# name is the grandfather's son's) as one person written in passport order. Two numbers sharing
# only the region and date say no more than the birth date and place already counted (twins' do):
# m about the u sampling finds (1e-5), so that the level is no evidence for a match (at 0.0005 it
# was 50 times more likely in a match). The model applies these when it loads a file, so a file
# trained before a value here changed scores with the current one. Places: EM sees no
# report with a wrong county in synthetic data, but families do give the county they live in, or
# the city for the county (Ghulja city and county): a different place must not outweigh the rest.
# Birth dates more than two years apart are two people to clustering (MAX_YEAR_SPREAD), and years
# apart with another month or day too are a date wrong in two places; EM, blocked on both names,
# reads brothers and namesakes there as one person (m 0.02).
FIXED_M: dict[tuple[str, str], float] = {
    ("given", "different"): 0.0002,
    ("father", "different"): 0.005,
    ("given", "other_order_or_name"): 0.002,
    ("father", "other_order_or_name"): 0.001,
    ("id", "different"): 0.0005,
    ("id", "region_and_date"): 0.00001,
    ("birth", "different"): 0.005,
    ("place", "other_county_same_prefecture"): 0.01,
    ("place", "different"): 0.005,
}

# Levels worth nothing either way (m set to the trained u, as FIXED_M is applied): detention dates
# that disagree. Families give the dates of different events (taken from home, sent to a camp,
# sentenced), and a person may have been taken more than once, so a date that differs says little;
# one that agrees says much. EM, trained on the generator (whose dates differ only by a family's
# slip), made a year two apart -4.3 bits against, which on a list whose detention dates are noise
# (a year drawn at random for each report) cost pairwise F1 0.960 -> 0.933 (tests/bench/bench_dedup.py).
NEUTRAL: frozenset[tuple[str, str]] = frozenset({
    ("detention", "same_year_other_month"), ("detention", "one_year_apart"), ("detention", "different")})


def levels_of(left: Row, right: Row) -> dict[str, Level]:
    return {c.name: c.level_of(left, right) for c in COMPARISONS}


def columns_used() -> list[str]:
    """The feature columns the comparisons read, term-frequency columns included."""
    used: list[str] = []
    for comp in COMPARISONS:
        used += comp.columns
        used += [level.tf_column for level in comp.levels if level.tf_column]
    # Columns a level's SQL reads beyond the comparison's declared ones (the crosswise name level).
    from .features import NAMES

    text = " ".join(level.sql for comp in COMPARISONS for level in comp.levels)
    used += [name for name in NAMES if f"{name}_l" in text or f"{name}_r" in text]
    return list(dict.fromkeys(c for c in used if c != "unique_id"))

"""The comparisons of the model, each level written once as SQL (for Splink on DuckDB or Spark)
and once as Python (for scoring one new report in process); tests hold the two to the same
levels on every pair.

Levels go from the strongest agreement down; the first that holds is the pair's level. The
short codes (``same_name``, ``same_month``...) name the level in pairs.csv, in a
PairScore and in the model file. Names are compared in the forms of resolution.names, tokens
joined: ``latin`` (canonical Latin), ``skel`` (spelling skeleton) and ``syl`` (the cross-script
form Chinese transcription reduces a name to); common names count for less (term frequencies on
``syl``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from rapidfuzz.distance import OSA, Levenshtein

Row = Mapping[str, Any]

# Term-frequency adjustments: a rare name that agrees counts for more, a common one for less,
# but never more than if one report in a thousand bore it (so a rare name alone cannot merge).
TF_MINIMUM_U = 0.001


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

    @property
    def scorer_sql(self) -> str:
        return self.guarded_sql or self.sql


@dataclass(frozen=True)
class Comparison:
    name: str
    field: str        # what a reviewer sees it as
    columns: tuple[str, ...]
    levels: tuple[Level, ...]  # the null level first, "else" last

    def level_of(self, left: Row, right: Row) -> Level:
        for level in self.levels:
            if level.test(left, right):
                return level
        return self.levels[-1]


def _both(*cols: str) -> Callable[[Row, Row], bool]:
    return lambda a, b: all(a.get(c) is not None and b.get(c) is not None for c in cols)


def _null_sql(col: str) -> str:
    return f"{col}_l IS NULL OR {col}_r IS NULL"


def _eq_sql(col: str) -> str:
    return f"{col}_l = {col}_r"


def _eq(col: str) -> Callable[[Row, Row], bool]:
    return lambda a, b: a.get(col) is not None and a.get(col) == b.get(col)


def _missing(col: str) -> Callable[[Row, Row], bool]:
    return lambda a, b: a.get(col) is None or b.get(col) is None


def _else(_a: Row, _b: Row) -> bool:
    return True


# --- names --------------------------------------------------------------------------------------

# An edit distance is the scorer's dearest test, and most candidate pairs have two other names. One
# edit changes a name's length by at most one and its set of letters by at most two (a letter gone,
# one new; a swap, none), so names whose lengths differ by more than k, or whose sets of letters
# (a bit per letter, the code point modulo 62) by more than 2k, are more than k edits apart: tested
# first, they spare the distance without changing any level. scoring.py adds the columns.
GUARDED_COLUMNS = ("given_skel", "given_syl", "father_skel", "father_syl")


def _guard(col: str, k: int) -> str:
    return (f"abs({col}_len_l - {col}_len_r) <= {k} AND "
            f"bit_count(xor({col}_bits_l, {col}_bits_r)) <= {2 * k}")


def _close_sql(col: str, two_from: int) -> str:
    longest = f"greatest(length({col}_l), length({col}_r))"
    return (f"({longest} >= 4 AND levenshtein({col}_l, {col}_r) <= "
            f"(CASE WHEN {longest} >= {two_from} THEN 2 ELSE 1 END))")


def _close(col: str, two_from: int) -> Callable[[Row, Row], bool]:
    """One edit apart (names of four letters or more), two from ``two_from`` letters on."""
    def test(a: Row, b: Row) -> bool:
        x, y = a.get(col), b.get(col)
        if x is None or y is None:
            return False
        longest = max(len(x), len(y))
        allowed = 2 if longest >= two_from else 1
        return longest >= 4 and Levenshtein.distance(x, y, score_cutoff=allowed) <= allowed
    return test


def _near_sql(col: str) -> str:
    return (f"(greatest(length({col}_l), length({col}_r)) >= 4 AND "
            f"damerau_levenshtein({col}_l, {col}_r) = 1)")


def _near(col: str) -> Callable[[Row, Row], bool]:
    """One slip apart (a letter changed, dropped or added, or two neighbours swapped), names of
    four letters or more."""
    def test(a: Row, b: Row) -> bool:
        x, y = a.get(col), b.get(col)
        if x is None or y is None:
            return False
        return max(len(x), len(y)) >= 4 and OSA.distance(x, y, score_cutoff=1) == 1
    return test


def _folded_apart_sql(latin: str, skel: str) -> str:
    return (f"(abs(length({latin}_l) - length({latin}_r)) <= 1 AND "
            f"length({latin}_l) - length({skel}_l) <> length({latin}_r) - length({skel}_r))")


def _folded_apart(latin: str, skel: str) -> Callable[[Row, Row], bool]:
    """Latin forms at most a letter apart in length whose skeletons the folding shortened by
    different amounts."""
    def test(a: Row, b: Row) -> bool:
        xl, yl, xs, ys = a.get(latin), b.get(latin), a.get(skel), b.get(skel)
        if xl is None or yl is None or xs is None or ys is None:
            return False
        return abs(len(xl) - len(yl)) <= 1 and len(xl) - len(xs) != len(yl) - len(ys)
    return test


def _one_a_for_e_sql(syl: str, zh: str) -> str:
    return (f"((coalesce({zh}_l, false) OR coalesce({zh}_r, false)) AND length({syl}_l) = length({syl}_r) "
            f"AND length({syl}_l) >= 4 AND replace({syl}_l, 'a', 'e') = replace({syl}_r, 'a', 'e') "
            f"AND levenshtein({syl}_l, {syl}_r) = 1)")


def _one_a_for_e(syl: str, zh: str) -> Callable[[Row, Row], bool]:
    """Cross-script forms equal but for one a written for e, one side through Chinese, which
    writes Uyghur e as a now and then (Abdurazaq 阿不都热扎克, Saadet 萨阿达提), as names.same_name_level
    reads them; one only, so Salam and Selim stay apart."""
    def test(a: Row, b: Row) -> bool:
        x, y = a.get(syl), b.get(syl)
        if x is None or y is None or not (a.get(zh) or b.get(zh)) or len(x) != len(y) or len(x) < 4:
            return False
        diffs = [(p, q) for p, q in zip(x, y) if p != q]
        return len(diffs) == 1 and set(diffs[0]) == {"a", "e"}
    return test


# Spelling skeletons this many edits apart are other names (see the close level).
_SKEL_FAR = 3


def _skel_within_sql(col: str, zh: str) -> str:
    return (f"(coalesce(levenshtein({col}_l, {col}_r) < {_SKEL_FAR}, true) "
            f"OR coalesce({zh}_l, false) OR coalesce({zh}_r, false))")


def _skel_within(col: str, zh: str) -> Callable[[Row, Row], bool]:
    def test(a: Row, b: Row) -> bool:
        x, y = a.get(col), b.get(col)
        if x is None or y is None or a.get(zh) or b.get(zh):
            return True
        return Levenshtein.distance(x, y, score_cutoff=_SKEL_FAR) < _SKEL_FAR
    return test


# Spellings: two edits from ten letters. Cross-script forms: from six, since transcription into
# Chinese adds and changes vowels (Ehmet and 艾买提 are eemete and amete).
_SKEL_TWO, _SYL_TWO = 10, 6


# Both names of one side against both of the other, in either order: the report's own names, or the
# other full name of full_name_alt (a name in another script, or in passport order: father first).
_OWN, _ALT = ("given_syl", "father_syl"), ("alt_given_syl", "alt_father_syl")
_SOURCES = ((_OWN, _ALT), (_ALT, _OWN), (_ALT, _ALT), (_OWN, _OWN))
CROSSWISE_COLUMNS = (*_OWN, *_ALT)  # what the crosswise level (other_order_or_name) reads


def _same_pair_sql() -> str:
    terms = []
    for left, right in _SOURCES:
        (a1, a2), (b1, b2) = left, right
        terms.append(f"({a1}_l = {b2}_r AND {a2}_l = {b1}_r)")  # either order
        if left != right:
            terms.append(f"({a1}_l = {b1}_r AND {a2}_l = {b2}_r)")
    return "(" + " OR ".join(terms) + ")"


def _same_pair(a: Row, b: Row) -> bool:
    for left, right in _SOURCES:
        x1, x2 = a.get(left[0]), a.get(left[1])
        y1, y2 = b.get(right[0]), b.get(right[1])
        if x1 is None or x2 is None or y1 is None or y2 is None:
            continue
        if (x1 == y2 and x2 == y1) or (left != right and x1 == y1 and x2 == y2):
            return True
    return False


# Both names in the same order through the other full name (a report's own names against the
# other's full_name_alt, or the two full_name_alt): the same name as much as the own fields agreeing
# (the report gave it as its person's name, in another script); only the other order is ambiguous.
_SAME_ORDER = ((_OWN, _ALT), (_ALT, _OWN), (_ALT, _ALT))


def _same_order_sql() -> str:
    return "(" + " OR ".join(f"({a1}_l = {b1}_r AND {a2}_l = {b2}_r)"
                             for (a1, a2), (b1, b2) in _SAME_ORDER) + ")"


def _same_order(a: Row, b: Row) -> bool:
    for left, right in _SAME_ORDER:
        x1, x2 = a.get(left[0]), a.get(left[1])
        if x1 is not None and x2 is not None and x1 == b.get(right[0]) and x2 == b.get(right[1]):
            return True
    return False


def _name(prefix: str, field: str) -> Comparison:
    latin, skel, syl, zh = f"{prefix}_latin", f"{prefix}_skel", f"{prefix}_syl", f"{prefix}_zh"
    return Comparison(prefix, field, (latin, skel, syl, zh), (
        Level("missing", _null_sql(syl), _missing(syl), null=True),
        # One level for the same name, whichever form agrees (canonical Latin, spelling skeleton
        # or cross-script form): the evidence is the name's rarity (term frequency of the
        # cross-script form), not which form the variant table happened to cover. With three
        # levels, EM learnt their m from how often training's names were in the table, and a name
        # agreeing only across scripts got ~3 bits less than the same name agreeing in Latin.
        # The reviewer's words still say which (explain.py reads the values). Both names agreeing
        # in the same order through the other full name count here too (the term frequency is
        # still the more common of the two own names').
        Level("same_name", f"({_eq_sql(latin)} OR {_eq_sql(skel)} OR {_eq_sql(syl)} OR {_same_order_sql()} "
                           f"OR {_one_a_for_e_sql(syl, zh)})",
              lambda a, b: _eq(latin)(a, b) or _eq(skel)(a, b) or _eq(syl)(a, b) or _same_order(a, b)
              or _one_a_for_e(syl, zh)(a, b),
              tf_column=syl),
        # Both names agree, but swapped (passport order, or a grandson named after his
        # grandfather), the own names or through the other full name (full_name_alt).
        Level("other_order_or_name", _same_pair_sql(), _same_pair),
        # One slip of the hand in the spelling skeleton (Mihrigul and Mihirgul, Qurban and
        # Qurbam, Abliz and Ablikz): the skeleton has already absorbed spelling habits and
        # scripts, so what is left one letter apart is mostly a typo of one name. A level of its
        # own, apart from close, which gave a typo'd name hardly any weight (on the synthetic
        # population about 9 in 10 candidate pairs one slip apart were one person, 1 in 4 of the
        # rest of close; tests/bench/bench_dedup.py).
        # Or one slip in the canonical Latin where the skeleton, folding a doubled letter the slip
        # made, puts it two apart (Zunun and Zuun: zunun, zun): the folding shortened the two
        # sides by different amounts (which also spares the distance on most pairs).
        Level("near", f"({_near_sql(skel)} OR ({_folded_apart_sql(latin, skel)} AND {_near_sql(latin)}))",
              lambda a, b: _near(skel)(a, b) or (_folded_apart(latin, skel)(a, b) and _near(latin)(a, b)),
              guarded_sql=f"(({_guard(skel, 1)} AND {_near_sql(skel)}) OR "
                          f"({_folded_apart_sql(latin, skel)} AND {_near_sql(latin)}))"),
        # Two edits from ten letters of a spelling, or the cross-script form close; but two
        # spellings three letters apart or more are other names however close their cross-script
        # forms (Musa and Muyesser, Qurban and Gulbahar, Abdulla and Abduweli: brothers and twins),
        # unless one came through Chinese, whose skeleton is a reading of the characters (艾比拜
        # reads "aba", Habibe "habiba").
        Level("close",
              f"{_close_sql(skel, _SKEL_TWO)} OR ({_close_sql(syl, _SYL_TWO)} AND {_skel_within_sql(skel, zh)})",
              lambda a, b: _close(skel, _SKEL_TWO)(a, b) or
              (_close(syl, _SYL_TWO)(a, b) and _skel_within(skel, zh)(a, b)),
              guarded_sql=f"({_guard(skel, 2)} AND {_close_sql(skel, _SKEL_TWO)}) OR "
                          f"({_guard(syl, 2)} AND {_close_sql(syl, _SYL_TWO)} AND {_skel_within_sql(skel, zh)})"),
        Level("different", "ELSE", _else),
    ))


# --- birth date ---------------------------------------------------------------------------------

def _parts_agree(a: Row, b: Row) -> bool:
    """No month or day that both give differs."""
    return all(a.get(c) is None or b.get(c) is None or a.get(c) == b.get(c) for c in ("birth_month", "birth_day"))


def _years_apart(n: int) -> Callable[[Row, Row], bool]:
    return lambda a, b: _both("birth_year")(a, b) and abs(a["birth_year"] - b["birth_year"]) == n and \
        _parts_agree(a, b)


# A year misremembered or mistyped keeps the month and day; years apart and a month or day that
# both give and that differs too is a date wrong in two places: most often two people (brothers a
# year or two apart, namesakes), so such a pair falls to "different".
_PARTS_AGREE_SQL = 'NOT coalesce(birth_month_l <> birth_month_r OR birth_day_l <> birth_day_r, false)'


def _same_month(a: Row, b: Row) -> bool:
    return _eq("birth_year")(a, b) and _eq("birth_month")(a, b) and \
        (a.get("birth_day") is None or b.get("birth_day") is None)


def _same_year(a: Row, b: Row) -> bool:
    return _eq("birth_year")(a, b) and (a.get("birth_month") is None or b.get("birth_month") is None)


BIRTH = Comparison("birth", "birth date", ("birth_year", "birth_month", "birth_day"), (
    Level("missing", _null_sql("birth_year"), _missing("birth_year"), null=True),
    Level("exact", f'{_eq_sql("birth_year")} AND {_eq_sql("birth_month")} AND {_eq_sql("birth_day")}',
          lambda a, b: _eq("birth_year")(a, b) and _eq("birth_month")(a, b) and _eq("birth_day")(a, b)),
    Level("same_month", f'{_eq_sql("birth_year")} AND {_eq_sql("birth_month")} AND '
          f'(birth_day_l IS NULL OR birth_day_r IS NULL)', _same_month),
    Level("same_year", f'{_eq_sql("birth_year")} AND (birth_month_l IS NULL OR birth_month_r IS NULL)',
          _same_year),
    Level("same_year_other_date", _eq_sql("birth_year"), _eq("birth_year")),
    Level("one_year_apart", f'abs(birth_year_l - birth_year_r) = 1 AND {_PARTS_AGREE_SQL}', _years_apart(1)),
    Level("two_years_apart", f'abs(birth_year_l - birth_year_r) = 2 AND {_PARTS_AGREE_SQL}', _years_apart(2)),
    Level("different", "ELSE", _else),
))

# --- place --------------------------------------------------------------------------------------

PLACE = Comparison("place", "home place", ("county", "prefecture"), (
    Level("missing", _null_sql("prefecture"), _missing("prefecture"), null=True),
    Level("same_county", _eq_sql("county"), _eq("county")),
    Level("same_prefecture", f'{_eq_sql("prefecture")} AND (county_l IS NULL OR county_r IS NULL)',
          lambda a, b: _eq("prefecture")(a, b) and (a.get("county") is None or b.get("county") is None)),
    Level("other_county_same_prefecture", _eq_sql("prefecture"), _eq("prefecture")),
    Level("different", "ELSE", _else),
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
    Level("missing", _null_sql("id_raw"), _missing("id_raw"), null=True),
    Level("exact", _eq_sql("id_raw"), _eq("id_raw")),
    # Two valid numbers are never one typo apart (the check character says so), and a person has
    # one number: two valid numbers that differ are two people, twins included.
    Level("near", f'damerau_levenshtein(id_raw_l, id_raw_r) = 1 AND {_NOT_BOTH_VALID}', _id_near,
          guarded_sql=f'{_NOT_BOTH_VALID} AND {_ID_GUARD} AND damerau_levenshtein(id_raw_l, id_raw_r) = 1'),
    Level("region_and_date", f'{_eq_sql("id_head")} AND {_NOT_BOTH_VALID}',
          lambda a, b: _eq("id_head")(a, b) and _not_both_valid(a, b)),
    Level("different", 'id_valid_l AND id_valid_r', lambda a, b: bool(a.get("id_valid") and b.get("id_valid"))),
    Level("other", "ELSE", _else),
))

GENDER = Comparison("gender", "gender", ("gender",), (
    Level("missing", _null_sql("gender"), _missing("gender"), null=True),
    Level("same", _eq_sql("gender"), _eq("gender")),
    Level("different", "ELSE", _else),
))

# --- detention date -----------------------------------------------------------------------------

# When the person was taken, as the family remembers it: reports of one person mostly agree on
# the year, and those that give the month on the month; a brother taken in the same round-up
# agrees as well, a namesake in another family only by chance (most were taken in 2017 or 2018).
DETENTION = Comparison("detention", "detention date", ("detained_year", "detained_month"), (
    Level("missing", _null_sql("detained_year"), _missing("detained_year"), null=True),
    Level("same_month", f'{_eq_sql("detained_year")} AND {_eq_sql("detained_month")}',
          lambda a, b: _eq("detained_year")(a, b) and _eq("detained_month")(a, b)),
    Level("same_year", f'{_eq_sql("detained_year")} AND ({_null_sql("detained_month")})',
          lambda a, b: _eq("detained_year")(a, b) and _missing("detained_month")(a, b)),
    Level("same_year_other_month", _eq_sql("detained_year"), _eq("detained_year")),
    Level("one_year_apart", "abs(detained_year_l - detained_year_r) = 1",
          lambda a, b: _both("detained_year")(a, b) and abs(a["detained_year"] - b["detained_year"]) == 1),
    Level("different", "ELSE", _else),
))

COMPARISONS: tuple[Comparison, ...] = (
    _name("given", "name"), _name("father", "father's name"), BIRTH, PLACE, ID, GENDER, DETENTION)
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

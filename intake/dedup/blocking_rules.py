"""The blocking rules: which pairs of reports are compared at all (docs/deduplication.md,
"Blocking"). Each rule is SQL over the two reports' feature columns (prefixed ``l.`` and ``r.``),
for Splink on DuckDB or Spark and for the DuckDB scorer (scoring.py), which joins a rule with an OR
of equalities as one join per equality (``join_forms``); blocks.py cuts a rule's oversized blocks.
"""

from __future__ import annotations

from .comparisons import BY_NAME
from .levels import on_pair

# Candidate pairs: every pair a reviewer would expect shares one of these. A rule is an equi-join
# (its key: what makes the join cheap) and may add conditions on the pair (tested on each joined
# pair, before the pair is kept): a block of one common name and one prefecture grows with the
# list, so its pairs grow with the square of it; the conditions keep only those with a second fact
# that does not contradict (a near or missing birth year, the county), which is where the pairs a
# reviewer would look at are (docs/deduplication.md, "Speed and memory").
_TWO_IDS = 'NOT coalesce(l.id_valid AND r.id_valid AND l.id_raw <> r.id_raw, false)'  # two people
_PREFECTURE_OPEN = '(l.prefecture = r.prefecture OR l.prefecture IS NULL OR r.prefecture IS NULL)'
_COUNTY_OPEN = '(l.county = r.county OR l.county IS NULL OR r.county IS NULL)'
_MONTH_OPEN = '(l.birth_month = r.birth_month OR l.birth_month IS NULL OR r.birth_month IS NULL)'
# A year two apart, or one typo apart (1960 and 1970, 1959 and 1995, 1890 and 1980): the
# differences a changed digit or two swapped neighbours make (a few more pass; it is a filter), as
# arithmetic, which costs nothing beside an edit distance on every pair of a large block.
_YEAR_GAP = 'abs(l.birth_year - r.birth_year)'
_YEAR_NEAR = (f'(l.birth_year IS NULL OR r.birth_year IS NULL OR {_YEAR_GAP} <= 9 '
              f'OR ({_YEAR_GAP} <= 90 AND ({_YEAR_GAP} % 10 = 0 OR {_YEAR_GAP} % 9 = 0)) '
              f'OR ({_YEAR_GAP} <= 900 AND ({_YEAR_GAP} % 100 = 0 OR {_YEAR_GAP} % 90 = 0)))')

_NAMES = 'l.gframe = r.gframe AND l.fframe = r.fframe'


def _own_names_alike(scorer: bool) -> str:
    """The own names compared at any level but "different", or one missing: the given-name
    comparison's levels themselves (the scorer's form, with its cheap tests first, or the model's)."""
    levels = BY_NAME["given"].levels[:-1]  # the null level first, "different" (else) last
    return on_pair("(" + " OR ".join(f"({lv.scorer_sql if scorer else lv.sql})" for lv in levels) + ")")


# The rules that meet by the father's name alone (the own name misspelt or missing) found brothers
# and namesakes in the main: at 300,000 reports of the synthetic population 1.9 million candidate
# pairs, a third of all, whose own names are two names (the comparison's "different"), of which one
# in two thousand scored at or above 0.01 and none at the threshold. So these rules ask the own
# names to be alike at some level of the comparison, or one missing, before a pair is a candidate.
_OWN_ALIKE = _own_names_alike(scorer=False)
_OWN_ALIKE_SCORER = _own_names_alike(scorer=True)
_SWAPPED = 'l.gframe = r.fframe AND l.fframe = r.gframe'

# The same first letter of the own name's frame, or one frame the other's with a k before it, or
# one side's frame through its second reading the other's (Yalqun and 亚尔坤: lkn, kn).
_FIRST_CONSONANT_FORMS = ("substr(l.gframe, 1, 1) = substr(r.gframe, 1, 1)",
                          "l.gframe = 'k' || r.gframe", "r.gframe = 'k' || l.gframe",
                          "l.gframe2 = r.gframe", "r.gframe2 = l.gframe")
_FIRST_CONSONANT = f"({' OR '.join(_FIRST_CONSONANT_FORMS)})"
_FATHER_INITIAL = 'l.finitial = r.finitial'
# One side's father's frame through its second reading the other's (哈那提 and Qanat: nt, knt).
_FATHER_SECOND = '<a>.fframe2 = <b>.fframe'
_OWN_SECOND = '<a>.gframe2 = <b>.gframe'
_A_YEAR_MISSING = '(l.birth_year IS NULL OR r.birth_year IS NULL)'
# The same birth year, or one year either way, as three equi-joins on the year and the next year
# (features.year_next): for a rule whose one side is the few (a report without a place), joined
# to the reports of its year and of the years beside it, not to two-year buckets on both sides.
# A year apart, the months too, where both give one. (one side's column, the other's, condition)
_YEAR_OR_NEXT = (('birth_year', 'birth_year', ''), ('birth_year', 'year_next', f' AND {_MONTH_OPEN}'),
                 ('year_next', 'birth_year', f' AND {_MONTH_OPEN}'))


def scorer_form(rule: str) -> str:
    """The rule as the DuckDB scorer tests it: the own-name condition with its cheap tests first
    (columns scoring.GUARDS adds; Splink's table has none)."""
    return rule.replace(_OWN_ALIKE, _OWN_ALIKE_SCORER)


# Each rule made by _either_side and its mirror, as made (MATES indexes them).
_MIRRORED: list[tuple[str, str]] = []


def _either_side(rule: str) -> tuple[str, str]:
    """A rule written for one side (``<a>.``, the other ``<b>.``) and its mirror, for the other:
    the two find the pairs one rule would with the sides unordered. The DuckDB scorer joins the two
    as one (scoring.py: each pair of reports in either order, then ordered), a join of the whole
    list the fewer; Splink keeps both."""
    first = rule.replace("<a>.", "l.").replace("<b>.", "r.")
    second = rule.replace("<a>.", "r.").replace("<b>.", "l.")
    _MIRRORED.append((first, second))
    return first, second


def without_own_alike(rule: str) -> str:
    """The rule without the own-name condition (the rule itself where it has none)."""
    return rule.replace(f" AND {_OWN_ALIKE}", "")


def splink_form(rule: str) -> str:
    """The rule as Splink runs it: without the own-name condition, which in Splink's plan (every
    rule excluding the pairs of those before it) is repeated into every later rule; Spark ran out
    of memory compiling it. The pairs it would drop are dropped after Splink's predict instead
    (blocks.splink_rules, pipeline._predict_with)."""
    return without_own_alike(rule)


def join_forms(rule: str) -> tuple[str, ...]:
    """The rule as the DuckDB scorer joins it: a rule with the first-consonant test as one rule per
    form of the test, each an equi-join; their pairs together are the rule's. As an OR, DuckDB
    joined the whole block of a father's name, a prefecture and a year and tested every pair of it
    (a seventh of the scorer's time at a million reports, for a tenth of its pairs). Splink (Spark,
    the reference) keeps the one rule."""
    if _FIRST_CONSONANT not in rule:
        return (rule,)
    return tuple(rule.replace(_FIRST_CONSONANT, form) for form in _FIRST_CONSONANT_FORMS)


BLOCKING_RULES: tuple[str, ...] = (
    'l.id_raw = r.id_raw',
    'l.id_head = r.id_head',  # a typo in the sequence or check character
    'l.id_tail = r.id_tail',  # a typo in the region
    # Both names, and the birth year give or take one, or the county, or the prefecture where one
    # side gives no county (and the years are near, one typo apart, or one is missing). A condition
    # on one side alone (a missing county) is applied before the join, so that such a rule does
    # not join the whole block of a common name and a prefecture.
    f'{_NAMES} AND l.year_a = r.year_a AND {_PREFECTURE_OPEN} AND {_TWO_IDS}',
    f'{_NAMES} AND l.year_b = r.year_b AND {_PREFECTURE_OPEN} AND {_TWO_IDS}',
    f'{_NAMES} AND l.county = r.county AND {_TWO_IDS}',
    *_either_side(f'{_NAMES} AND l.prefecture = r.prefecture AND <a>.county IS NULL AND {_YEAR_NEAR} AND {_TWO_IDS}'),
    # One name misspelt or missing: the other, the birth year (and month, if both give one) and
    # the place.
    f'l.gframe = r.gframe AND l.birth_year = r.birth_year AND l.prefecture = r.prefecture '
    f'AND {_MONTH_OPEN} AND {_COUNTY_OPEN} AND {_TWO_IDS}',
    f'l.fframe = r.fframe AND l.birth_year = r.birth_year AND l.prefecture = r.prefecture '
    f'AND {_MONTH_OPEN} AND {_COUNTY_OPEN} AND {_TWO_IDS} AND {_OWN_ALIKE}',
    # A typo in the own name (Ablikz, Reyhamgul) changes its frame but rarely its first consonant;
    # nor does Chinese, but for Kazakh q written 哈 (Qanat 哈那提, Qayrat 哈依拉提), whose h the
    # cross-script form drops: a frame that is the other's with a k before it also meets.
    f'l.fframe = r.fframe AND l.prefecture = r.prefecture AND l.year_a = r.year_a '
    f'AND {_FIRST_CONSONANT} AND {_COUNTY_OPEN} AND {_TWO_IDS} AND {_OWN_ALIKE}',
    f'l.fframe = r.fframe AND l.prefecture = r.prefecture AND l.year_b = r.year_b '
    f'AND {_FIRST_CONSONANT} AND {_COUNTY_OPEN} AND {_TWO_IDS} AND {_OWN_ALIKE}',
    # ... and where one side gives no place, the birth year; where one gives no year, the county.
    # (The year, or one year either way: _YEAR_OR_NEXT.)
    *(rule for a, b, month in _YEAR_OR_NEXT for rule in _either_side(
        f'l.fframe = r.fframe AND <a>.{a} = <b>.{b} AND <a>.prefecture IS NULL '
        f'AND {_FIRST_CONSONANT} AND {_TWO_IDS}{month} AND {_OWN_ALIKE}')),
    *_either_side(f'l.fframe = r.fframe AND l.county = r.county AND <a>.birth_year IS NULL '
                  f'AND {_FIRST_CONSONANT} AND {_TWO_IDS} AND {_OWN_ALIKE}'),
    # A misspelt father's name likewise keeps its first consonant (finitial, a key of the join):
    # with it the own name meets by the place and a year one off (Gulzire Tahir 1976 and Gulzire
    # Tahsr 1975, both of Keriye), by the year where one side gives no place, by the county where
    # one gives no year. (Either side's gap in one rule: Splink's plan for Spark grows with the
    # rules, each excluding the pairs of those before it.)
    *(f'l.gframe = r.gframe AND {_FATHER_INITIAL} AND l.{y} = r.{y} AND l.prefecture = r.prefecture '
      f'AND {_MONTH_OPEN} AND {_COUNTY_OPEN} AND {_TWO_IDS}' for y in ('year_a', 'year_b')),
    f'l.gframe = r.gframe AND {_FATHER_INITIAL} AND l.birth_year = r.birth_year '
    f'AND (l.prefecture IS NULL OR r.prefecture IS NULL) AND {_TWO_IDS}',
    f'l.gframe = r.gframe AND {_FATHER_INITIAL} AND l.county = r.county '
    f'AND (l.birth_year IS NULL OR r.birth_year IS NULL) AND {_TWO_IDS}',
    # The father's name through its second reading (Kazakh q written 哈: 阿布都热依木·哈依拉提 and
    # Abdurehim Qayrat, whose frames are lt and klt): the own name, and the birth year give or take
    # one, or the county, or the prefecture where one side gives no year; and the own name through
    # its second reading and the father's name likewise.
    *(rule for y in ('year_a', 'year_b') for rule in _either_side(
        f'l.gframe = r.gframe AND {_FATHER_SECOND} AND l.{y} = r.{y} AND {_PREFECTURE_OPEN} AND {_TWO_IDS}')),
    *_either_side(f'l.gframe = r.gframe AND {_FATHER_SECOND} AND l.county = r.county AND {_TWO_IDS}'),
    *_either_side(f'l.gframe = r.gframe AND {_FATHER_SECOND} AND l.prefecture = r.prefecture AND {_A_YEAR_MISSING} '
                  f'AND {_TWO_IDS}'),
    *_either_side(f'{_OWN_SECOND} AND l.fframe = r.fframe AND l.prefecture = r.prefecture AND {_A_YEAR_MISSING} '
                  f'AND {_TWO_IDS}'),
    # Names swapped: the birth year give or take one, or none on one side, and the place.
    f'{_SWAPPED} AND l.year_a = r.year_a AND {_PREFECTURE_OPEN} AND {_COUNTY_OPEN} AND {_TWO_IDS}',
    f'{_SWAPPED} AND l.year_b = r.year_b AND {_PREFECTURE_OPEN} AND {_COUNTY_OPEN} AND {_TWO_IDS}',
    *_either_side(f'{_SWAPPED} AND l.prefecture = r.prefecture AND <a>.birth_year IS NULL AND {_COUNTY_OPEN} '
                  f'AND {_TWO_IDS}'),
    # Agreeing only through the other full name (full_name_alt, either order).
    # (Saying that the other name is there changes no pair, but lets DuckDB build its hash table on
    # the few reports that give one rather than on the whole list.)
    *(rule for names in ('<a>.alt_given_syl = <b>.given_syl AND <a>.alt_father_syl = <b>.father_syl',
                         '<a>.alt_given_syl = <b>.father_syl AND <a>.alt_father_syl = <b>.given_syl')
      for rule in _either_side(f'<a>.alt_given_syl IS NOT NULL AND {names} AND {_PREFECTURE_OPEN} AND {_YEAR_NEAR} '
                               f'AND {_TWO_IDS}')),
    # Reports that give no year on one side and no place on the other still meet by both names, and
    # so do those with no place on one side and no year, or years two apart (which the two-year
    # buckets never join). (One rule for both: Spark's plan grows with every rule.)
    *_either_side(f'{_NAMES} AND <a>.birth_year IS NULL AND <b>.prefecture IS NULL AND {_TWO_IDS}'),
    *_either_side(f'{_NAMES} AND <a>.prefecture IS NULL AND (<a>.birth_year IS NULL OR {_YEAR_GAP} = 2) '
                  f'AND {_TWO_IDS}'),
)

# Each rule that has a mirror and the mirror's index, both ways round; the scorer joins the two as one.
MATES: dict[int, int] = {i: j for a, b in _MIRRORED
                         for i, j in ((BLOCKING_RULES.index(a), BLOCKING_RULES.index(b)),
                                      (BLOCKING_RULES.index(b), BLOCKING_RULES.index(a)))}
# The rules asking for the own names alike (by index): Splink runs them last and without it.
OWN_ALIKE_RULES = frozenset(i for i, rule in enumerate(BLOCKING_RULES) if _OWN_ALIKE in rule)

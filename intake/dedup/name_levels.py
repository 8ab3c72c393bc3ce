"""The name comparisons (``given`` and ``father``): levels on the forms of resolution.names,
tokens joined: ``latin`` (canonical Latin), ``skel`` (spelling skeleton) and ``syl`` (the
cross-script form Chinese transcription reduces a name to); common names count for less (term
frequencies on ``syl``). docs/deduplication.md, "Comparisons"."""

from __future__ import annotations

from collections.abc import Callable

from rapidfuzz.distance import OSA, Levenshtein

from ..resolution.name_match import ANY_VOWEL_FROM, ONE_VOWEL_MORE_FROM, one_vowel_for_another, one_vowel_more, \
    SECOND_VOWEL_FROM, VOWELS, both_read_gh, same_onset, second_reads_other, second_vowel_for_another
from ..resolution.phonemes import consonants
from .levels import Comparison, Level, Row, eq, eq_sql, missing, null_sql, otherwise

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


def _onset_sql(latin: str) -> str:
    """name_match._onset in SQL: an opening h or x as h, an opening vowel as v."""
    first = f"left(coalesce({latin}, ''), 1)"
    vowels = ", ".join(f"'{v}'" for v in sorted(VOWELS))
    return f"CASE WHEN {first} IN ('h', 'x') THEN 'h' WHEN {first} IN ({vowels}) THEN 'v' ELSE {first} END"


def _same_onset_sql(syl: str, latin: str, zh: str) -> str:
    """name_match.same_onset in SQL."""
    x, y = _onset_sql(f"{latin}_l"), _onset_sql(f"{latin}_r")
    return (f"(left({syl}_l, 1) = left({syl}_r, 1) OR {x} = {y} "
            f"OR ({x} = 'v' AND {y} = 'h' AND coalesce({zh}_l, false)) "
            f"OR ({x} = 'h' AND {y} = 'v' AND coalesce({zh}_r, false)))")


def _vowel_for_vowel_sql(a: str, b: str, shortest: int, also: str) -> str:
    """name_match.one_vowel_for_another in SQL on two column expressions, from ``shortest`` letters,
    with the condition ``also`` tested before the distance."""
    return (f"(length({a}) = length({b}) AND length({a}) >= {shortest} "
            f"AND (replace({a}, 'a', 'e') = replace({b}, 'a', 'e') OR (length({a}) >= {ANY_VOWEL_FROM} "
            f"AND replace({a}, 'u', 'e') = replace({b}, 'u', 'e'))) AND {also} AND levenshtein({a}, {b}) = 1)")


def _one_vowel_for_another_sql(syl: str, latin: str, zh: str) -> str:
    return (f"((coalesce({zh}_l, false) OR coalesce({zh}_r, false)) "
            f"AND {_vowel_for_vowel_sql(f'{syl}_l', f'{syl}_r', 4, _same_onset_sql(syl, latin, zh))})")


def _vowel_for_vowel(syl: str, latin: str, zh: str) -> Callable[[Row, Row], bool]:
    """One vowel for another in the cross-script forms, one side through Chinese; at the start,
    only where the names open alike (name_match.same_onset: 哈森 Hesen and 亚森 Yasin are two names)."""
    def test(a: Row, b: Row) -> bool:
        x, y = a.get(syl), b.get(syl)
        return x is not None and y is not None and bool(a.get(zh) or b.get(zh)) and one_vowel_for_another(x, y) \
            and same_onset(x, y, a.get(latin), b.get(latin), bool(a.get(zh)), bool(b.get(zh)))
    return test


def _through_chinese(syl: str, zh: str, rule: Callable[[str, str], bool]) -> Callable[[Row, Row], bool]:
    """``rule`` of name_match (as same_name_level reads cross-script forms) on the two reports'
    cross-script forms, where one side came through Chinese: one e or u between two consonants
    more (Tilwaldi 提力瓦尔迪; the SQL compares each report's lean form, features ``<name>_lean``)."""
    def test(a: Row, b: Row) -> bool:
        x, y = a.get(syl), b.get(syl)
        return x is not None and y is not None and bool(a.get(zh) or b.get(zh)) and rule(x, y)
    return test


def _vowel_apart_sql(a: str, b: str) -> str:
    """name_match.second_vowel_for_another in SQL, on two column expressions."""
    return _vowel_for_vowel_sql(a, b, SECOND_VOWEL_FROM, f"left({a}, 1) = left({b}, 1)")


def _second_reading_sql(syl: str, syl2: str, zh: str, latin: str) -> str:
    other_latin = f"(CASE WHEN coalesce({zh}_l, false) THEN {latin}_r ELSE {latin}_l END)"
    return (f"(coalesce({zh}_l, false) <> coalesce({zh}_r, false) "
            f"AND ({syl2}_l = {syl}_r OR {syl}_l = {syl2}_r "
            f"OR {_vowel_apart_sql(f'{syl2}_l', f'{syl}_r')} OR {_vowel_apart_sql(f'{syl}_l', f'{syl2}_r')} "
            f"OR ({syl2}_l = {syl2}_r AND {other_latin} LIKE '%gh%'))"
            f" OR (coalesce({zh}_l, false) AND coalesce({zh}_r, false) "
            f"AND (({syl2}_l = {syl}_r AND {latin}_l LIKE '%h%') OR ({syl}_l = {syl2}_r AND {latin}_r LIKE '%h%'))))")


def _second_reading(syl: str, syl2: str, zh: str, latin: str) -> Callable[[Row, Row], bool]:
    """One side through Chinese and the other not, and one side's second reading the other's
    cross-script form, or one vowel for another apart past the first letter (巴哈提 Baqit): Kazakh q
    that Chinese writes with h (海拉提 Qayrat), Uyghur gh that it writes with g (吐尔贡 Turghun), a
    closing l that it writes 尔 (亚尔坤 Yalqun), a closing h 克 (雪克来提 Shöhret); plain-Latin x and q
    as pinyin reads them (Dilxat); an Uzbek o for a (Gulbahor): second_reading.py.
    Or both second readings alike where the other side's name has a gh, which Chinese writes with
    g or h (努尔加力 Nurghali, 哈尔力哈西 Qarlighash: name_match.both_read_gh). Between two Chinese
    forms, one's second reading the other's form where the one has an h (Kazakh q written 哈 by one
    and 卡 by the other: 哈纳提 and 卡纳提 Qanat: name_match.second_reads_other)."""
    def test(a: Row, b: Row) -> bool:
        if a.get(zh) and b.get(zh):
            return second_reads_other(a.get(syl2), b.get(syl), a.get(latin)) \
                or second_reads_other(b.get(syl2), a.get(syl), b.get(latin))
        if bool(a.get(zh)) == bool(b.get(zh)):
            return False
        x, y, x2, y2 = a.get(syl), b.get(syl), a.get(syl2), b.get(syl2)
        if x2 is not None and y is not None and (x2 == y or second_vowel_for_another(x2, y)):
            return True
        if both_read_gh(x2, y2, (b if a.get(zh) else a).get(latin)):
            return True
        return y2 is not None and x is not None and (x == y2 or second_vowel_for_another(x, y2))
    return test


def _one_vowel_more_sql(syl: str, lean: str, zh: str) -> str:
    return (f"((coalesce({zh}_l, false) OR coalesce({zh}_r, false)) "
            f"AND abs(length({syl}_l) - length({syl}_r)) = 1 "
            f"AND least(length({syl}_l), length({syl}_r)) >= {ONE_VOWEL_MORE_FROM} "
            f"AND {lean}_l = {lean}_r AND levenshtein({syl}_l, {syl}_r) = 1)")


# Spelling skeletons this many edits apart are other names (see the close level).
_SKEL_FAR = 3


def _skel_within_sql(col: str, zh: str) -> str:
    # Through Chinese first: most pairs it is asked of are, and it spares the distance.
    return (f"(coalesce({zh}_l, false) OR coalesce({zh}_r, false) "
            f"OR coalesce(levenshtein({col}_l, {col}_r) < {_SKEL_FAR}, true))")


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


def _consonants_sql(col: str) -> str:
    """phonemes.consonants in SQL: a skeleton's vowels a, i, u left out."""
    return f"replace(replace(replace({col}, 'a', ''), 'i', ''), 'u', '')"


def _other_skeleton_sql(skel: str, skel2: str) -> str:
    def one(x: str, y: str) -> str:
        return (f"({skel2}_{x} IS NOT NULL AND ({skel2}_{x} = {skel}_{y} "
                f"OR {skel2}_{x} = '=' || {_consonants_sql(f'{skel}_{y}')} "
                f"OR {skel2}_{x} = '=' || {_consonants_sql(f'{skel2}_{y}')}))")
    return f"({one('l', 'r')} OR {one('r', 'l')})"


def _other_skeleton(skel: str, skel2: str) -> Callable[[Row, Row], bool]:
    """One side's other skeleton (features: ``<name>_skel2``) the other side's skeleton: read with
    pinyin's x and q (Dilxat and Dilshat, Buhelqem and Buhelchem), Russian's kh for Kazakh q
    (Bakhytbek and Baqytbek), Uzbek o as a (Bekbolot) or a Kazakh sh as ch (Shynar: habits.py),
    or, after "=", the consonants of a spelling typed without short vowels (گلهمار and Gülhumar,
    تاشپلات and Tashpolat: words.BARE_FROM), which meet the other's skeleton, or its other
    skeleton, without its vowels (موهممت and Muhemmet, listed as Memet and read as written)."""
    def one(x2: object, y: object, y2: object) -> bool:
        if not isinstance(x2, str) or not isinstance(y, str):
            return False
        return x2 == y or x2 == "=" + consonants(y) or (isinstance(y2, str) and x2 == "=" + consonants(y2))
    return lambda a, b: one(a.get(skel2), b.get(skel), b.get(skel2)) or one(b.get(skel2), a.get(skel), a.get(skel2))


def name_comparison(prefix: str, field: str) -> Comparison:
    latin, skel, syl, zh = f"{prefix}_latin", f"{prefix}_skel", f"{prefix}_syl", f"{prefix}_zh"
    lean, syl2, skel2 = f"{prefix}_lean", f"{prefix}_syl2", f"{prefix}_skel2"
    vowel_for_vowel = _vowel_for_vowel(syl, latin, zh)
    vowel_more = _through_chinese(syl, zh, one_vowel_more)
    second = _second_reading(syl, syl2, zh, latin)
    other_skeleton = _other_skeleton(skel, skel2)
    own_same = (f"({eq_sql(latin)} OR {eq_sql(skel)} OR {_other_skeleton_sql(skel, skel2)} "
                f"OR ({eq_sql(syl)} AND {_skel_within_sql(skel, zh)}) "
                f"OR {_one_vowel_for_another_sql(syl, latin, zh)} OR {_one_vowel_more_sql(syl, lean, zh)} "
                f"OR {_second_reading_sql(syl, syl2, zh, latin)})")
    return Comparison(prefix, field, (latin, skel, syl, zh, lean, syl2, skel2), (
        Level("missing", null_sql(syl), missing(syl), null=True),
        # One level for the same name, whichever form agrees (canonical Latin, spelling skeleton
        # or cross-script form): the evidence is the name's rarity (term frequency of the
        # cross-script form), not which form the variant table happened to cover. With three
        # levels, EM learnt their m from how often training's names were in the table, and a name
        # agreeing only across scripts got ~3 bits less than the same name agreeing in Latin.
        # The reviewer's words still say which (explain.py reads the values). Both names agreeing
        # in the same order through the other full name count here too (the term frequency is
        # still the more common of the two own names'). The cross-script form alone, which folds much
        # together, counts only through Chinese or for spellings near each other, as in close
        # (Gülzire and Gülchéhre, Mihray and Mahire fold alike: two names).
        Level("same_name", f"({own_same} OR {_same_order_sql()})",
              lambda a, b: eq(latin)(a, b) or eq(skel)(a, b) or other_skeleton(a, b)
              or (eq(syl)(a, b) and _skel_within(skel, zh)(a, b))
              or _same_order(a, b)
              or vowel_for_vowel(a, b) or vowel_more(a, b) or second(a, b),
              tf_column=syl, own_sql=own_same, cross_sql=_same_order_sql()),
        # Both names agree, but swapped (passport order, or a grandson named after his
        # grandfather), the own names or through the other full name (full_name_alt).
        Level("other_order_or_name", _same_pair_sql(), _same_pair, own_sql="false", cross_sql=_same_pair_sql()),
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
        Level("different", "ELSE", otherwise),
    ))

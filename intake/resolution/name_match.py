"""Whether two name fields name the same name: ``same_name_level`` over their NameKeys (token
order ignored, passports reverse it), and the words a reviewer reads for it (``explain``). The
matcher's own levels are dedup/name_levels.py; this is the resolution package's reading, which
benches and the review face use."""

from __future__ import annotations

import itertools
import re

from rapidfuzz.distance import Levenshtein

from ..wording import Said, said
from . import scripts
from .names import NameKey
from .phonemes import consonants

EXACT, CROSS_SCRIPT, CLOSE, DIFFERENT = 3, 2, 1, 0


def _allowed(a: str, b: str) -> int:
    longest = max(len(a), len(b))
    return 0 if longest < 4 else 1 if longest < 10 else 2


def _close(a: str, b: str) -> bool:
    allowed = _allowed(a, b)
    return allowed > 0 and Levenshtein.distance(a, b, score_cutoff=allowed) <= allowed


# Cross-script forms this long may differ by u for e (see one_vowel_for_another).
ANY_VOWEL_FROM = 7


def one_vowel_for_another(a: str, b: str) -> bool:
    """Cross-script forms equal but for one vowel written for another. Chinese writes Uyghur e as
    a now and then (Saadet 萨阿达提, Dewlet 达吾列提), and in longer names u or o for a reduced i or e
    (Zulpiqar 祖力甫卡尔, Nizamidin 尼扎木丁): a for e in forms of four letters or more, u for e
    from ANY_VOWEL_FROM letters (Memet and Mehmut, memete and memute, stay apart); never u for a,
    which is another name (Gülnur and Gülnar, kulenul and kulenal); one only, so Salam and Selim
    stay apart."""
    if len(a) != len(b) or len(a) < 4:
        return False
    diffs = [(x, y) for x, y in zip(a, b) if x != y]
    if len(diffs) != 1:
        return False
    pair = set(diffs[0])
    return pair == {"a", "e"} or (len(a) >= ANY_VOWEL_FROM and pair == {"e", "u"})


# A second reading meets a form one vowel apart from this many letters (second_vowel_for_another).
SECOND_VOWEL_FROM = 6


def second_vowel_for_another(a: str, b: str) -> bool:
    """A second reading and a cross-script form one vowel for another apart, not the first letter,
    in forms of SECOND_VOWEL_FROM letters or more (巴哈提 read bakate, Baqit bakete; 阿依汗 read ekan
    is not Erkin eken)."""
    return len(a) >= SECOND_VOWEL_FROM and a[:1] == b[:1] and one_vowel_for_another(a, b)


# The letters that open a name with a vowel in its canonical Latin form (same_onset).
VOWELS = frozenset("aeiouéöü")


def _onset(latin: str | None) -> str:
    first = (latin or "")[:1]
    return "h" if first in ("h", "x") else "v" if first in VOWELS else first


def same_onset(syl_a: str, syl_b: str, latin_a: str | None, latin_b: str | None, zh_a: bool, zh_b: bool) -> bool:
    """Whether two cross-script forms one vowel apart may be one name where that vowel opens them.
    The cross-script form drops an opening h or y (哈森 Hesen and 亚森 Yasin: esen, asen; Ehmet emete,
    哈米提 Hemit amete), so the names must open alike: both with a vowel (Erkin, Arkin), both with h
    or x, both with y; or with h on one side and a vowel on a Chinese side, since Chinese drops an
    h at will (艾米提 and 哈米提, both Hemit). An opening vowel written in another script is one."""
    if syl_a[:1] == syl_b[:1]:
        return True
    x, y = _onset(latin_a), _onset(latin_b)
    return x == y or ((x, y) == ("v", "h") and zh_a) or ((x, y) == ("h", "v") and zh_b)


# An e or u with a consonant on both sides of a cross-script form: the vowel Chinese gives a
# consonant cluster of a longer name, or leaves out (Tilwaldi 提力瓦尔迪, Tashpolat 塔西甫拉提,
# Gulsum 古力斯姆).
_BETWEEN_CONSONANTS = re.compile("(?<=[^aeu])[eu](?=[^aeu])")
# The shorter form of a pair one such vowel apart has at least this many letters (Salam and
# Islam, selamu and slamu, stay apart).
ONE_VOWEL_MORE_FROM = 6


def lean(form: str) -> str:
    """The cross-script form without the vowels that stand between two consonants."""
    return _BETWEEN_CONSONANTS.sub("", form)


def one_vowel_more(a: str, b: str) -> bool:
    """Cross-script forms one letter apart, the letter an e or u between two consonants: Chinese
    writes a vowel into a cluster of a longer name, or leaves one out, at will."""
    if abs(len(a) - len(b)) != 1 or min(len(a), len(b)) < ONE_VOWEL_MORE_FROM:
        return False
    return lean(a) == lean(b) and Levenshtein.distance(a, b, score_cutoff=1) == 1


def both_read_gh(second_a: str | None, second_b: str | None, latin_not_chinese: str | None) -> bool:
    """Both second readings alike where the side not through Chinese has a gh in its canonical Latin:
    Chinese writes gh with g or h (努尔加力 Nurghali, 哈尔力哈西 Qarlighash), which is each side's
    second reading, the Chinese form's h or jia read as k or ga and the other's gh read as g. Only
    for a gh: a closing l read as r beside an h read as k makes Dolqun of Turghun. The matcher's
    level (dedup/name_levels.py) calls this too."""
    return bool(second_a) and second_a == second_b and "gh" in (latin_not_chinese or "")


def second_reads_other(second: str | None, other: str | None, latin: str | None) -> bool:
    """Between two Chinese forms: one's second reading is the other's form where the one has an h in
    its Latin (Kazakh q written 哈 by one and 卡 by the other: 哈纳提 and 卡纳提 Qanat). Two Uyghur
    names stay apart (哈森 Hesen's second reading is not 卡斯木 Qasim's form). The matcher's level
    (dedup/name_levels.py) calls this too, and writes it in SQL beside it."""
    return bool(second) and second == other and "h" in (latin or "")


def _token_level(x: tuple[str, ...], y: tuple[str, ...], cross: bool, zh: tuple[bool, bool] = (False, False)) -> int:
    """Two words' levels; a word is (latin, skeleton, syllables, second reading, skeleton as another
    habit reads it (pinyin's x and q, Russian's kh for q), consonants if typed without short
    vowels); ``zh`` says which of the two came through Chinese."""
    if x[0] == y[0]:
        return EXACT
    if (x[5] and x[5] in (consonants(y[1]), consonants(y[4]))) or \
            (y[5] and y[5] in (consonants(x[1]), consonants(x[4]))):
        # گلهمار and Gülhumar, تاشپلات and 塔什甫拉提: a spelling without short vowels (words.BARE_FROM),
        # also against the other's other skeleton (موهممت and Muhemmet, which the table lists as Memet)
        return CROSS_SCRIPT
    if cross:
        if x[2] == y[2] or (one_vowel_for_another(x[2], y[2]) and same_onset(x[2], y[2], x[0], y[0], *zh)) \
                or one_vowel_more(x[2], y[2]):
            return CROSS_SCRIPT
        # Kazakh q that Chinese writes with h, Uyghur gh that it writes with g, a closing l that it
        # writes 尔 (second_reading.py): between Chinese and another script.
        if zh[0] != zh[1] and (x[3] == y[2] or x[2] == y[3] or second_vowel_for_another(x[3], y[2])
                               or second_vowel_for_another(x[2], y[3])
                               or both_read_gh(x[3], y[3], (y if zh[0] else x)[0])):
            return CROSS_SCRIPT
        if zh[0] and zh[1] and (second_reads_other(x[3], y[2], x[0]) or second_reads_other(y[3], x[2], y[0])):
            return CROSS_SCRIPT
        return CLOSE if _close(x[2], y[2]) else DIFFERENT
    if x[1] == y[1] or x[4] == y[1] or x[1] == y[4]:  # Dilxat and Dilshat, Bakhyt and Baqyt (habits.py)
        return CROSS_SCRIPT
    if x[2] == y[2] and Levenshtein.distance(x[1], y[1]) <= max(2, max(len(x[1]), len(y[1])) // 3):
        return CROSS_SCRIPT  # same Chinese-side form, spellings a few letters apart (undetected pinyin)
    return CLOSE if _close(x[1], y[1]) else DIFFERENT


def same_name_level(a: NameKey | None, b: NameKey | None) -> int:
    """3 same canonical name, 2 the same name in another spelling or script, 1 close, 0 different.

    Token order does not matter (passports reverse it). Names with different numbers of tokens
    are compared as written together (阿布力米提吐尔逊 and Ablimit Tursun), and a name whose tokens
    all appear in the other counts as close at most.
    """
    if a is None or b is None:
        return DIFFERENT
    cross = a.script in scripts.CHINESE_SCRIPTS or b.script in scripts.CHINESE_SCRIPTS
    zh = (a.script in scripts.CHINESE_SCRIPTS, b.script in scripts.CHINESE_SCRIPTS)
    ta = tuple((*t, s, h, c) for t, s, h, c in zip(a.tokens, a.seconds, a.habits, a.bares))
    tb = tuple((*t, s, h, c) for t, s, h, c in zip(b.tokens, b.seconds, b.habits, b.bares))
    if len(ta) == len(tb):
        orders = itertools.permutations(tb) if len(tb) <= 4 else [tb]
        return max(min(_token_level(x, y, cross, zh) for x, y in zip(ta, order)) for order in orders)
    short, long_ = (ta, tb) if len(ta) < len(tb) else (tb, ta)
    if short is tb:
        zh = (zh[1], zh[0])
    best = DIFFERENT
    for order in (itertools.permutations(long_) if len(long_) <= 4 else [long_]):
        joined = (*("".join(part[i] for part in order) for i in range(5)),
                  "".join(part[5] for part in order) if all(part[5] for part in order) else "")
        if len(short) == 1:
            best = max(best, _token_level(short[0], joined, cross, zh))
    if all(max(_token_level(s, t, cross, zh) for t in long_) >= CROSS_SCRIPT for s in short):
        best = max(best, CLOSE)
    return best


_SCRIPT_WORDS = {
    scripts.ARABIC: said("Uyghur Arabic script"), scripts.CHINESE: said("Chinese characters"),
    scripts.PINYIN: said("pinyin"), scripts.ULY: said("Uyghur Latin"), scripts.TURKISH: said("Turkish spelling"),
    scripts.KAZAKH_LATIN: said("Kazakh Latin"), scripts.LATIN: said("Latin letters"),
    scripts.UYGHUR_CYRILLIC: said("Uyghur Cyrillic"), scripts.KAZAKH_CYRILLIC: said("Kazakh Cyrillic"),
    scripts.RUSSIAN_CYRILLIC: said("Russian-style Cyrillic"), scripts.OTHER: said("another script"),
}


def _script_of(raw: object) -> str:
    if isinstance(raw, NameKey):
        return raw.script
    if isinstance(raw, str):
        return scripts.detect(raw)
    return scripts.OTHER


def explain(a_raw: object, b_raw: object, level: int) -> str:
    """Short words for a reviewer about two names (NameKeys or raw strings) at ``level``.

    The words name the scripts, never the names, so they may be stored and logged."""
    return str(explain_said(a_raw, b_raw, level))


def explain_said(a_raw: object, b_raw: object, level: int) -> Said:
    """`explain` as a translatable message (the page shows it in the reviewer's language)."""
    sa, sb = _script_of(a_raw), _script_of(b_raw)
    if sa == sb:
        if level >= EXACT:
            return said("same name")
        if level == CROSS_SCRIPT:
            return said("same name, spelled differently")
        return said("similar names") if level == CLOSE else said("different names")
    first, second = _SCRIPT_WORDS.get(sa, Said(sa)), _SCRIPT_WORDS.get(sb, Said(sb))
    if level >= EXACT or level == CROSS_SCRIPT:
        return said("same name across scripts (%(first)s and %(second)s)", first=first, second=second)
    if level == CLOSE:
        return said("similar names across scripts (%(first)s and %(second)s)", first=first, second=second)
    return said("different names")

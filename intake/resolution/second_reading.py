"""The second reading: sounds Chinese writes two ways, which the common form cannot hold both of.

Kazakh q, which Chinese writes with h (哈 海 胡 合: Qayrat 海拉提, Qanat 哈纳提, Toqtar 托合塔尔, Ardaq
阿尔达合) as often as Uyghur q with k (卡 克 库); Uyghur gh, which it leaves out (吐尔洪 Turghun, 阿不都艾尼
Abdugheni) or writes with g (吐尔贡); and a closing l, which it writes 力 or 尔 (see below). The common
form (chinese.py) reads h and gh as nothing; the second reading is the form with them read as k (and
the closing l as r), compared across Chinese and another script (name_match), and between two
Chinese forms only where the one read has an h (哈纳提 and 卡纳提 Qanat; 哈森 Hesen is not 卡森 Qasim).
Three more have readings of their own below: a 希 inside a name read as hi, a 加 inside one as ga,
and a word's closing Kazakh -qan as -xan, which Chinese writes 汗.
"""

from __future__ import annotations

import re

from .chinese import fold_syllables, transcribe
from .endings import QAN, stem
from .phonemes import NG_BEFORE_VOWEL, syllable_count

__all__ = ["pinyin_habit", "second_reading_phonemes", "second_reading_pinyin"]


# A 希 read as hi leaves a form this long at the least: shorter ones meet too many (阿西亚 Asiya: e).
_HI_FROM = 4


def second_reading_pinyin(syllables: tuple[str, ...] | list[str], hanzi: str = "") -> str | None:
    """A Chinese form's common form with its h read as Kazakh q (k), or else its jia as ga, or else its
    希 inside the name as hi (``hanzi``: the characters, a syllable each), or else with the closing n
    of its last syllable (before a closing 古丽) read as m; None without any."""
    lower = [s.lower() for s in syllables]
    hi_at = {i for i, c in enumerate(hanzi) if c == "希"} if len(hanzi) == len(lower) else set()
    # not the h of Muhammad's names, after an opening 木 or 穆 (Kazakh Muxametqali 木哈买提哈力: its
    # 哈力 is qali; Qalamqas 哈拉木哈斯 is not one)
    as_q = ["k" + s[1:] if s.startswith("h") and not (i == 1 and lower[0] == "mu") else s
            for i, s in enumerate(lower)]
    if as_q != lower:
        return fold_syllables(as_q)
    if "jia" in lower[1:]:
        # 加 jia is ga as in the names Chinese took from the west (加拿大 Canada), and writes Uyghur
        # and Kazakh g and gh so now and then (努尔加力 Nurghali, 尼加热 Nigare) beside ja (加帕尔);
        # not opening a name, where it is ja (加米拉 Jamila is not Kamila)
        return fold_syllables([s if i == 0 or s != "jia" else "ga" for i, s in enumerate(lower)])
    # 希 inside a name is hi as Chinese writes Arabic names (Hisham 希沙姆): Uyghur h before i, which
    # Uyghur names write 依 as often (Mahire 玛希热 and 玛依热, Shahide 夏希达). Only the character:
    # pinyin's xi is also 西, whose shi is Reshit's (阿不都热西提, not Abdulehet). Not at the end
    # (a closing sh), nor where that leaves fewer than _HI_FROM letters.
    as_hi = [s if i not in hi_at or i in (0, len(lower) - 1) else "hi" for i, s in enumerate(lower)]
    if as_hi != lower and len(folded := fold_syllables(as_hi)) >= _HI_FROM:
        return folded
    last = len(lower) - 3 if lower[-2:] == ["gu", "li"] else len(lower) - 1
    # 旦 dan closes a feminine -de (Shahide 夏依旦: tidy's -edan), not an m
    if last >= 2 and lower[last].endswith("n") and lower[last] != "dan":
        return fold_syllables(lower, closing_m=last)
    return None


# An l that closes a syllable before another consonant, which Chinese writes 尔 as well as 力
# (Yalqun 亚尔坤 and 亚力坤, Obulqasim 吾布尔卡斯木): read as r, whose 尔 the common form drops
# there. A doubled l is one sound (Abdulla). Not at the end of a word, where 尔 is r (吾甫尔 Ghopur
# is not Obul). Nor in an opening Gül, which Chinese always writes 古丽 or 古力 (Gülzire is not Güzel).
_CODA_L = re.compile("(?<!l)(?<!^gü)(?<!^gu)l(?=[^aeéiouöül])")


# An h or x (kh) that closes a syllable, which Chinese writes 合 and now and then 克 (Shöhret 肖合来提
# and 雪克来提; Kazakh q that Latin writes kh, Makhsat 马克萨提): read as k.
_CODA_H = re.compile("[hx](?=[^aeéiouöühx])")


# Pinyin's q before e or i is ch (切 qie, 其 qi), and Latin spellings learnt from pinyin write it so
# (Gulqehre, Buhelqem for Gülchéhre, Buhelchem); Uyghur q goes with back vowels.
_PINYIN_Q = re.compile("q(?=[eéi])")


def pinyin_habit(phonemes: str) -> str | None:
    """A plain-Latin word's phonemes with x read as sh and q before e or i as ch, as people schooled
    in pinyin write them (Dilxat, Ayxe, Buhelqem: Dilshat, Ayshe, Buhelchem), or None without either."""
    if "x" not in phonemes and not _PINYIN_Q.search(phonemes):
        return None
    return _PINYIN_Q.sub("ç", phonemes.replace("x", "ş"))


# A closing r after a vowel, which Chinese leaves out now and then as it leaves out 尔 before a
# consonant (Ekber 艾克拜 beside 艾克拜尔, Gülnar 古丽娜): not read where the form
# left is shorter than _FINAL_R_FROM letters (Enwer is not 艾尼 Gheni).
_FINAL_R = re.compile("(?<=[aeéiouöü])r$")
_FINAL_R_FROM = 5


# A closing l after i at the end of a word, which Chinese writes 尔 as often as 力 (Adil 阿迪尔,
# Ismayil 伊斯马伊尔, Jelil 加里尔): read as r. After i only: 吾甫尔 Ghopur is not Obul.
_FINAL_IL = re.compile("(?<=i)l$")


# Uyghur and Kazakh o stands in a word's first syllable only; an o after it is Uzbek, Kyrgyz or
# Tajik spelling of a (Gulbahor, Cholpon for Gülbahar, Cholpan: 古丽巴哈尔, 乔力潘).
_FIRST_SYLLABLE = re.compile("^[^aeéiouöü]*[aeéiouöü]+")


# Uzbek and Tajik closings that are Uyghur -ar and -at (Ilyor, Dildor, Dilmurod: Ilyar, Dildar,
# Dilmurat), which no Kazakh name's later o closes, so they read as a after a closing l too.
_UZBEK_CLOSING = re.compile("o[rd]$")


# Kazakh -qan (endings.QAN) after a stem of two syllables or more, which Chinese writes 汗 as it
# writes -xan (居马汗 beside 卡吉木汗 Qajimuqan): read as -xan, whose x the common form drops. (A
# Chinese form's second reading reads every h as k, its 汗 as kan, which meets the -qan as written.)
_QAN_STEM_SYLLABLES = 2


def _qan_as_xan(phonemes: str) -> str:
    found = stem(phonemes, QAN)
    return found[0] + "xan" if found and syllable_count(found[0]) >= _QAN_STEM_SYLLABLES else phonemes


def _later_o(phonemes: str) -> str | None:
    first = _FIRST_SYLLABLE.match(phonemes)
    if first is None or "o" not in phonemes[first.end():]:
        return None
    return phonemes[:first.end()] + phonemes[first.end():].replace("o", "a")


def second_reading_phonemes(phonemes: str, plain_latin: bool = False, later_o: bool = False,
                            ng_letter: bool = False) -> str | None:
    """A word's common form with its gh read as g (k), a closing l as r (before a consonant, or
    after i at the end), a closing h as k and a closing -qan as -xan, as Chinese writes them now and
    then, or None without any.

    ``plain_latin``: the word is in plain Latin written with x or q (habits.pinyin_letters), whose x
    may be sh as in pinyin (Dilxat, Ilxat for Dilshat, Ilshat: 迪力夏提), not kh as in ULY, and q
    before e or i ch (_PINYIN_Q); such a word's second reading is that (its closing l stays: 力 as
    Chinese writes it before 夏). ``later_o``: the word is in Latin or Russian-style Cyrillic, where
    an o past the first syllable is Uzbek a (_later_o), and is read so instead (in Uyghur Arabic it
    is a slip for u: تۇرغون Turghun). ``ng_letter``: the word's ng before a vowel may be n (habits.ng_as_n:
    ң, ڭ, ñ, or Latin's ng for Kazakh ң), read so, as Chinese writes it (Жаңабек 加纳别克, Zhengis 杰尼斯)."""
    g = phonemes.replace("ğ", "g")
    if ng_letter:
        g = NG_BEFORE_VOWEL.sub("n", g)
    # A closing l goes first: Kazakh names keep their later o (Eldos 叶尔多斯, Nurbol 努尔波力);
    # not before an Uzbek closing (Dildor 迪丽达尔).
    as_a = _later_o(g) if later_o and (not _CODA_L.search(g) or _UZBEK_CLOSING.search(g)) else None
    if plain_latin and (habit := pinyin_habit(g)) is not None:
        changed = habit
    elif as_a is not None:
        changed = as_a
    else:
        changed = _qan_as_xan(_CODA_H.sub("k", _CODA_L.sub("r", g)))
        without_r = _FINAL_R.sub("", changed)
        # A gh that Chinese writes with g or k (阿不都卡帕尔 Abdughappar) goes first: its 尔 stays.
        if "ğ" not in phonemes and without_r != changed and len(form := transcribe(without_r)) >= _FINAL_R_FROM:
            return form
        changed = _FINAL_IL.sub("r", changed)
    return transcribe(changed) if changed != phonemes else None

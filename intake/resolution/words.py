"""One word of a name read into its comparable forms: a ``Token``.

Rules applied to each word, in order: Kazakh, Kyrgyz and Uyghur patronymics (-uly, -qyzy, -ұлы,
-қызы, oghli, qizi) and Russian-style surnames and patronymics (-ov, -ova, -ovich, -ovna) reduced
to the father's name, with the gender they reveal; the endearment suffix -jan (-жан, -җан, -جان,
江, jiang) dropped; then the variant table (variants.py) and the script's own reading, with the
readings of other writing habits (habits.py) and the second reading (second_reading.py). Whole
name fields, split and oriented, are names.py's.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from . import arabic_names, chinese, habits, scripts, second_reading, variants
from .endings import ADDED_LETTER, HAJI, JAN, PATRONYMIC_WORDS, SUFFIX_ENDINGS, SUFFIXES, XAN, stem
from .phonemes import consonants, skeleton, to_latin, to_phonemes, variant_key


# A word typed without its short vowels is compared by its consonants from this many on (fewer
# fall on other names: Memet and Mamut are both mmt).
BARE_FROM = 4


@dataclass(frozen=True, slots=True)
class Token:
    latin: str
    skeleton: str
    syllables: str
    patronymic: str | None = None  # "m" or "f" when the token named the father (Serikuly, Tursunova)
    marker: str | None = None      # "m"/"f" when the word is itself "uly", "qyzy", "oghli"...
    title: bool = False            # Haji, Axun...
    second: str = ""               # the second reading of the cross-script form (chinese.py), if any
    habit: str = ""                # the skeleton as another writing habit reads it (habits.py), if any
    bare: str = ""                 # the consonants of a word typed without its short vowels, if any

    @property
    def forms(self) -> tuple[str, str, str]:
        return self.latin, self.skeleton, self.syllables


def same_word(a: tuple[str, str, str], b: tuple[str, str, str]) -> bool:
    """Two words' forms (latin, skeleton, syllables) name the same name in one of them."""
    return a[0] == b[0] or a[1] == b[1] or bool(a[2]) and a[2] == b[2]


# Separators of a full name in one field: spaces, the middle dots of Chinese (·, •, ・, ‧) and
# full stops, commas, slashes. Hyphens join (Abdu-rehim is one name).
_SEPARATORS = re.compile(r"[\s·•・‧∙⋅．.,，،/\\|_;:()\[\]\"“”«»]+")
_HYPHENS = re.compile(r"[\-‐‑‒–—ـ]+")


def split_tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text)
    return [t for t in (_HYPHENS.sub("", part) for part in _SEPARATORS.split(text)) if t]


def _listed(latin: str) -> bool:
    """A name the variant table lists, or one with -gül or -xan after a listed name (Tursungül,
    Patemxan)."""
    phonemes = to_phonemes(latin, scripts.ULY)
    return variants.canonical(phonemes) is not None or \
        (phonemes.endswith(("gul", "xan")) and variants.canonical(phonemes[:-3]) is not None)


def _listed_as(spellings: list[str], script: str) -> Token | None:
    """The first of these spellings of a word that reads as a listed name, read so; or None."""
    for spelling in spellings:
        again = analyse_token(spelling, script)
        if again is not None and _listed(again.latin):
            return again
    return None


@lru_cache(maxsize=131072)
def analyse_token(token: str, script: str) -> Token | None:
    """One word of a name in its three forms; None when it has no letters we can read."""
    if script in scripts.CHINESE_SCRIPTS or chinese.HAN.search(token):
        return _chinese_token(token)
    phonemes = to_phonemes(token, script).replace(" ", "")
    if not phonemes:
        return None
    key = variant_key(phonemes)
    marker = PATRONYMIC_WORDS.get(key)
    title = variants.is_title(phonemes)
    gender = None
    if stem(phonemes, ADDED_LETTER, 2) is not None and variants.canonical(phonemes) is None:
        # Tursunguli, Gulnura: Tursungül, Gülnur; not a name listed as written (Zaynura: Zeynure)
        phonemes = phonemes[:-1]
    elif phonemes.endswith(HAJI):  # Rozihaji: Rozihajim
        phonemes += "m"
    elif variants.canonical(phonemes) is None:
        found = stem(phonemes, SUFFIX_ENDINGS)
        if found is not None:
            phonemes, gender = found[0], SUFFIXES[found[1]][1]
    # -jan also after a stem of two letters (Kazakh Erjan, Uljan, Ayjan): Chinese drops 江 after
    # the stem's two syllables (叶尔, 阿依), and Cyrillic Е gives the stem a y (Ержан: Yer).
    # (Again while one is left, as -jan said twice: the name read must read so again.)
    while (jan := stem(phonemes, JAN, 2)) is not None:
        # Latin dj and Russian дж are one sound, j, so Muhammadjan and Мухаммеджан lose the d of the
        # name before -jan, and Dutch zj is that j too (Ezizjan): put the letter back where that
        # makes a listed name.
        phonemes = next((jan[0] + back for back in ("d", "z") if variants.canonical(jan[0]) is None
                         and variants.canonical(jan[0] + back)), jan[0])
    canon = variants.canonical(phonemes) or \
        (arabic_names.keyboard_canonical(token, phonemes) if script == scripts.ARABIC else None)
    if canon is None and (xan := stem(phonemes, XAN)) and (listed := variants.canonical(xan[0])):
        canon = listed + "xan"
    # A spelling the table lists under a name of other consonants (Sabit under Sawut) still meets
    # the spellings of what it says as written, which the table does not list (Sabid). Not under
    # one that differs by vowels only (Gulnor under Gülnar), whose skeleton may be another name's.
    written = phonemes if canon is not None and \
        consonants(skeleton(phonemes)) != consonants(skeleton(to_phonemes(canon, scripts.ULY))) else None
    if canon is not None:  # one name, one set of forms: normalising a normalised name changes nothing
        phonemes = to_phonemes(canon, scripts.ULY)
    if canon is None and script == scripts.LATIN:
        if (dutch := habits.dutch_spelling(token)) is not None:  # Noerbek: Nurbek
            return analyse_token(dutch, script)
        # Jerbol, Aischan, Rosi: Erbol, Ayjan, Rozi
        if (again := _listed_as(habits.european_spellings(token, listed=True), script)) is not None:
            return again
        if (french := habits.french_spelling(token)) is not None:  # Djalalidine, Chemsidine: Jalalidin, Shemsidin
            return analyse_token(french, script)
    if canon is None and habits.german_umlauts(token, script) and \
            (again := _listed_as(habits.european_spellings(token), script)) is not None:  # Rosigül, Jünüs
        return again
    if canon is None and script == scripts.RUSSIAN_CYRILLIC and token[:1] in "Гг" and \
            (again := _listed_as(["Х" + token[1:]], script)) is not None:
        return again  # Russian writes the h of Arabic names as г (Гасан, Гусейн: Hesen, Hüseyin)
    if canon is None and (canon := habits.listed_reading(token, phonemes, script)) is not None:  # Sobit: Sabit
        phonemes = to_phonemes(canon, scripts.ULY)
    habit = habits.other_reading(token, phonemes, script) if canon is None else None
    if habit and (habit_jan := stem(habit, JAN, 2)):  # German sch for zh: Aruschan; Jerzhan
        habit = habit_jan[0]
    habit = written or habit
    letters = arabic_names.letters_only(token) if script == scripts.ARABIC and canon is None else None
    bare = consonants(skeleton(letters)) if letters else ""
    second = second_reading.second_reading_phonemes(phonemes, habits.pinyin_letters(token, script),
                                                    script in habits.UZBEK_O, habits.ng_as_n(token, script)) or ""
    return Token(canon or to_latin(phonemes), skeleton(phonemes), chinese.transcribe(phonemes), gender,
                 marker, title, second, skeleton(habit) if habit else "", bare if len(bare) >= BARE_FROM else "")


def _chinese_token(token: str) -> Token | None:
    if token.isascii():
        syllables = chinese.split_pinyin(token)
        # Not pinyin after all, or a Latin spelling the table lists that cuts into syllables
        # (Mamatimin, ma-ma-ti-min): read it as Latin.
        # Nor is a French spelling closing on a silent e (Nizamidine, ni-za-mi-di-ne).
        if syllables is None or (variants.canonical(to_phonemes(token, scripts.LATIN)) and not variants.listed_chinese(syllables)) \
                or (syllables[-1].lower() == "ne" and habits.french_spelling(token) is not None):
            return analyse_token(token, scripts.LATIN)
        if len(syllables) >= 3 and syllables[-1].lower() == "shen":
            # 什 closing a name is shi (Quwanish 库瓦尼什), which converters read as in 什么, shen
            syllables = (*syllables[:-1], "shi")
    else:
        syllables = chinese.hanzi_to_pinyin(token)
    if not syllables:
        return None
    # -jan as Chinese writes it: 江 jiang, and 占 zhan for Kazakh -zhan (叶尔占 Erzhan, 努尔占 Nurzhan),
    # 江 also after one syllable, as Latin's -jan after a stem of two letters (艾江 Ayzhan, Ayjan);
    # 占 there closes a name of its own (巴占); and 加恩 jia-en after two syllables, 恩 for the n.
    tail = [s.lower() for s in syllables[-2:]]
    if syllables[-1] == "jiang" and len(syllables) >= 2 or syllables[-1] == "zhan" and len(syllables) >= 3:
        syllables = syllables[:-1]
        token = token[:-1] if token[-1:] in "江占" else token
    elif tuple(syllables[-2:]) == ("jia", "en") and len(syllables) >= 3:  # 加恩, -jan with 恩 for its n (古丽加恩)
        syllables = syllables[:-2]
        token = token[:-2] if token.endswith("加恩") else token
    elif tail == ["ha", "ji"] or (tail == ["a", "ji"] and len(syllables) >= 3):
        syllables = (*syllables, "mu")  # 哈吉 -haji as 哈吉木 -hajim (endings.HAJI)
        token = token + "木" if token[-1:] == "吉" else token
    elif tail == ["en", "si"] and len(syllables) >= 3:
        # 恩斯 closing a name is -nis, as 尼斯: Kazakh's weak і before a closing с is left out and
        # its ң written 恩 (Жеңіс 杰恩斯 and 杰尼斯)
        syllables = (*syllables[:-2], "ni", "si")
    canon = variants.canonical_chinese(token, syllables)
    if canon is None and syllables[-1].lower() == "han" and len(chinese.pinyin_to_phonemes(syllables[:-1])) >= 3 \
            and (listed := variants.listed_chinese(syllables[:-1])):
        canon = listed + "xan"  # 汗 -xan after a name listed as written (see XAN)
    if canon is not None:
        phonemes = to_phonemes(canon, scripts.ULY)
        return Token(canon, skeleton(phonemes), chinese.transcribe(phonemes))
    phonemes = chinese.pinyin_to_phonemes(syllables)
    # Chinese keeps the l of Arabic ʿAbd al- as 力 (阿不都力艾米提, 阿不都力克里木) where Uyghur
    # spelling has Abdu- (Abduhémit, Abdukérim; phonemes._ABDUL): the second reading drops it.
    lower = [s.lower() for s in syllables]
    without_li = len(lower) > 4 and lower[0] == "a" and lower[1] in ("bu", "bo") and lower[2] in ("du", "dou") \
        and lower[3] == "li"
    second = chinese.fold_syllables(syllables[:3] + syllables[4:]) if without_li else \
        second_reading.second_reading_pinyin(syllables, token)
    return Token(to_latin(phonemes), skeleton(phonemes), chinese.fold_syllables(syllables), second=second or "")

"""The curated table of name variants (``data/name_variants.json``) and its lookups.

Rules join most spellings; the table joins what rules cannot: Muhammad, Mehmet and Memet are one
name, Hasan is written 艾山 in Chinese, Yusuf ends in p in Uyghur. Each spelling is indexed by a
light folding of its sounds (phonemes.variant_key; Latin, Arabic and Cyrillic spellings share it) and each Chinese form by its
characters and by its folded syllables, so an entry also covers spellings it does not list.
Names marked as parts are looked up inside compounds (Nur+memet, Abdu+rehim, Ay+gul).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from . import chinese, scripts
from .phonemes import to_phonemes, variant_key

_KEY_VOWELS = frozenset("aeiouy")  # variant_key folds é, ö, ü onto e, o, u


@dataclass(frozen=True, slots=True)
class Table:
    by_key: dict[str, str]          # variant_key of a spelling -> canonical
    by_hanzi: dict[str, str]
    by_syllables: dict[tuple[str, int, str], str]  # (folded syllables, how many, opening) -> canonical
    parts: dict[str, str]           # variant_key of a compound part -> canonical
    chinese_parts: dict[tuple[str, int, str], str]  # a part's Chinese form, keyed as by_syllables
    titles: frozenset[str]
    by_pinyin: dict[tuple[str, ...], str]  # a listed Chinese form's pinyin syllables, exactly -> canonical
    kazakh_sh: frozenset[str]       # variant_key of a Kazakh name whose sh is Turkic ch


def opening(syllables: tuple[str, ...] | list[str]) -> str:
    """The consonant a Chinese form opens with as pinyin writes it (y and w included), or "": the
    folding makes 叶 ye and 艾 ai one e, but Chinese writes Kazakh Er- 叶尔 and Uyghur E- 艾, so a
    form is only looked up among listed forms that open alike (叶尔纳尔 Ernar is not 艾尼瓦尔 Enwer)."""
    first = syllables[0].lower() if syllables else ""
    return first[: len(first) - len(first.lstrip("bcdfghjklmnpqrstwxyz"))]


def _syllable_key(syllables: tuple[str, ...] | list[str]) -> tuple[str, int, str]:
    """A Chinese form's folded syllables, how many syllables it has and its opening."""
    return chinese.fold_syllables(syllables), len(syllables), opening(syllables)


def _pinyin(form: str) -> tuple[str, ...]:
    syllables = chinese.split_pinyin(form) if form.isascii() else chinese.hanzi_to_pinyin(form)
    return tuple(s.lower() for s in syllables or ())


def _chinese_syllables(form: str) -> tuple[str, int, str]:
    """The key (_syllable_key) of a listed Chinese form, in characters or pinyin."""
    return _syllable_key(_pinyin(form))


@lru_cache(maxsize=1)
def table() -> Table:
    raw = json.loads(resources.files("intake.resolution").joinpath("data/name_variants.json")
                     .read_text("utf-8"))
    by_key: dict[str, str] = {}
    by_hanzi: dict[str, str] = {}
    syllable_owners: dict[tuple[str, int, str], set[str]] = {}
    parts: dict[str, str] = {}
    part_names: set[str] = set()
    by_pinyin: dict[tuple[str, ...], str] = {}
    for group in raw["groups"]:
        name = group["name"]
        for spelling in [name, *group["latin"]]:
            key = variant_key(to_phonemes(spelling, scripts.LATIN))
            by_key.setdefault(key, name)
            if group.get("part"):
                parts.setdefault(key, name)
                part_names.add(name)
        for form in group.get("zh", []):
            if not form.isascii():
                by_hanzi[form] = name
            syllable_owners.setdefault(_chinese_syllables(form), set()).add(name)
            by_pinyin.setdefault(_pinyin(form), name)
    # A folded syllable string shared by two names identifies neither.
    by_syllables = {key: next(iter(names)) for key, names in syllable_owners.items() if len(names) == 1}
    chinese_parts = {key: name for key, name in by_syllables.items() if name in part_names}
    return Table(by_key, by_hanzi, by_syllables, parts, chinese_parts, _keys(raw["titles"]), by_pinyin,
                 _keys(raw["kazakh_sh"]))


def _keys(words: list[str]) -> frozenset[str]:
    return frozenset(variant_key(to_phonemes(word, scripts.LATIN)) for word in words)


@lru_cache(maxsize=65536)
def canonical(phonemes: str) -> str | None:
    """The canonical name of a token given by its phonemes: a listed spelling, or two listed parts."""
    t = table()
    key = variant_key(phonemes)
    found = t.by_key.get(key)
    if found is not None:
        return found
    for cut in range(2, len(key) - 1):
        head, tail = t.parts.get(key[:cut]), t.parts.get(key[cut:])
        # The key writes a doubled letter once, so a part that ends on the letter the next one
        # starts with shares it (Muhemmet+tursun: muhemetursun).
        if tail is None and key[cut - 1] not in _KEY_VOWELS:
            tail = t.parts.get(key[cut - 1:])
        if head is not None and tail is not None:
            return _compound(head + tail)
    return None


def _compound(joined: str) -> str:
    """Two parts joined, or the name the table lists that compound under (Abdu+eziz is Abliz, the
    Uyghur form of Abdulaziz)."""
    return table().by_key.get(variant_key(to_phonemes(joined, scripts.ULY)), joined)


def canonical_chinese(hanzi: str, syllables: tuple[str, ...] | list[str]) -> str | None:
    """The canonical name of a Chinese form (its characters or pinyin, and its syllables): listed
    (as characters, or syllable for syllable), or with the folded syllables of a listed form and as
    many syllables (a syllable more is another name: 阿丽娅 Aliye is not 阿里 Ali, though the folding
    drops a final a after i) and the same opening (see `opening`); or two listed parts' forms one after the other, as the Latin side
    reads compounds (努尔穆罕默德 and NUERMUHEMAITI, Nur+memet, as Nurmuhemmet)."""
    t = table()
    # A listed form's own syllables first: its folding may be another name's too (安瓦尔 Enwer,
    # 阿娜尔 Anar), which leaves the folded key to neither.
    found = t.by_hanzi.get(hanzi) or listed_chinese(syllables) or t.by_syllables.get(_syllable_key(syllables))
    if found is not None or len(syllables) < 3:
        return found
    for cut in range(1, len(syllables)):
        head, tail = _syllable_key(syllables[:cut]), _syllable_key(syllables[cut:])
        if head in t.chinese_parts and tail in t.chinese_parts:
            return _compound(t.chinese_parts[head] + t.chinese_parts[tail])
    return None


def listed_chinese(syllables: tuple[str, ...] | list[str]) -> str | None:
    """The canonical name of a Chinese form the table lists, syllable for syllable (no folding)."""
    return table().by_pinyin.get(tuple(s.lower() for s in syllables))


def is_kazakh_sh(phonemes: str) -> bool:
    """A Kazakh name whose sh is Turkic ch (Шынар, Uyghur چىنار Chinar)."""
    return variant_key(phonemes) in table().kazakh_sh


def is_title(phonemes: str) -> bool:
    return variant_key(phonemes) in table().titles

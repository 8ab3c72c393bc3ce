"""Places in any script or language resolved to GB/T 2260 county and prefecture codes.

The names come from the places thesaurus (``intake/data/places.json``: Chinese, Uyghur, Latin,
pinyin) and from ``data/place_variants.json`` (exonyms such as Kashgar, Yarkand, Ghulja, Russian,
Kazakh and Turkish spellings, other romanisations). Every name is indexed by its Chinese form
without level words (县, 市, 地区, 新疆...) or by its skeleton (see phonemes.py) without level
words (County, Nahiyisi, Xian, уезд...), so Kashgar, Kashghar, Qeshqer and قەشقەر are one key.

A name shared by a prefecture and its seat ("Kashgar", "Aksu", "Hotan") resolves to the
prefecture, at prefecture level, unless a level word says which ("Kashgar City", 喀什市); a text
naming several places ("Yarkand, Kashgar", 喀什地区莎车县) resolves to the county that agrees
with the rest. Codes retired since (old Ili, Turpan, Kumul codes) lose to current ones of the same
name. A name that could be two places in different prefectures resolves to nothing.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from ..services import thesauri
from . import scripts
from .pinyin import is_han
from .phonemes import skeleton, to_phonemes


@dataclass(frozen=True, slots=True)
class PlaceMatch:
    code: str               # the county's code, or the prefecture's when only that is known
    level: str              # "county" or "prefecture"
    county: str | None      # GB/T 2260 county-level code
    prefecture: str | None  # GB/T 2260 prefecture-level code
    confidence: float       # 1.0 named with its level, 0.9 by name alone, 0.7 by a near spelling


@dataclass(frozen=True, slots=True)
class _Index:
    chinese: dict[str, frozenset[str]]
    sounds: dict[str, frozenset[str]]
    level_words: dict[str, str]     # skeleton or Chinese word -> level hint
    noise: frozenset[str]           # skeletons and Chinese words that say nothing about which place
    chinese_suffixes: tuple[tuple[str, str], ...]
    chinese_noise: tuple[str, ...]


_PARTS = re.compile(r"[,;/|()（）、，；\n]+")
_WORDS = re.compile(r"[\s·•・.\-]+")


def _word_key(word: str) -> str:
    script = scripts.detect(word)
    return skeleton(to_phonemes(word, script if script != scripts.PINYIN else scripts.LATIN)).replace(" ", "")


@lru_cache(maxsize=1)
def _index() -> _Index:
    data = json.loads(resources.files("intake.resolution").joinpath("data/place_variants.json")
                      .read_text("utf-8"))
    level_words: dict[str, str] = {}
    suffixes: list[tuple[str, str]] = []
    for level, words in data["level_words"].items():
        for word in words:
            if all(is_han(ch) for ch in word):
                suffixes.append((word, level))
            else:
                for part in _WORDS.split(word):
                    level_words.setdefault(_word_key(part), level)
    chinese_noise = tuple(sorted((w for w in data["noise_words"] if all(is_han(ch) for ch in w)), key=len,
                                 reverse=True))
    noise = frozenset(_word_key(w) for w in data["noise_words"] if not all(is_han(ch) for ch in w))
    # The words to strip first, then the names keyed with them stripped.
    index = _Index({}, {}, level_words, noise, tuple(sorted(suffixes, key=lambda s: -len(s[0]))),
                   chinese_noise)
    chinese: dict[str, set[str]] = {}
    sounds: dict[str, set[str]] = {}
    names: list[tuple[str, str]] = []
    for place in thesauri.places():
        if place.level == "region":
            continue
        names += [(place.code, place.zh), (place.code, place.ug), (place.code, place.latin),
                  (place.code, place.pinyin)]
    for code, variants in data["places"].items():
        names += [(code, v) for v in variants]
    for code, name in names:
        if any(is_han(ch) for ch in name):
            key, _ = _chinese_key(index, name)
            if key:
                chinese.setdefault(key, set()).add(code)
        else:
            for key in _sound_keys(index, name)[0]:
                sounds.setdefault(key, set()).add(code)
    return _Index({k: frozenset(v) for k, v in chinese.items()}, {k: frozenset(v) for k, v in sounds.items()},
                  level_words, noise, index.chinese_suffixes, chinese_noise)


def _chinese_text(index: _Index, text: str) -> str:
    """The Chinese characters of a place text without the words that name no place (新疆...)."""
    text = "".join(ch for ch in text if is_han(ch))
    for word in index.chinese_noise:
        if text != word:
            text = text.replace(word, "")
    return text


def _chinese_key(index: _Index, text: str) -> tuple[str, str | None]:
    text = _chinese_text(index, text)
    for suffix, level in index.chinese_suffixes:
        if text.endswith(suffix) and len(text) > len(suffix) + 1:
            return text[: -len(suffix)], level
    return text, None


def _sound_keys(index: _Index, text: str) -> tuple[list[str], str | None]:
    """Keys to try for a non-Chinese place name, most specific first, and its level word if any."""
    keys = [k for k in (_word_key(w) for w in _WORDS.split(text) if w) if k]
    hint = next((index.level_words[k] for k in keys if k in index.level_words), None)
    meaningful = [k for k in keys if k not in index.noise]
    bare = [k for k in meaningful if k not in index.level_words]
    out = ["".join(meaningful)] if meaningful else []
    if bare and "".join(bare) not in out:
        out.append("".join(bare))
    return out, hint


@dataclass(frozen=True, slots=True)
class _Found:
    codes: frozenset[str]
    hint: str | None
    confidence: float


def _kind(code: str) -> str:
    place = thesauri.place(code)
    if place is None:
        return "unknown"
    if place.level == "prefecture":
        return "city" if place.zh.endswith("市") else "prefecture"
    if place.kind == "city_districts":
        return place.kind  # 克拉玛依市市辖区: a city's districts together, no one place
    return {"市": "city", "县": "county", "区": "district"}.get(place.zh[-1:], "county")


def _find_part(index: _Index, part: str) -> list[_Found]:
    if any(is_han(ch) for ch in part):
        key, hint = _chinese_key(index, part)
        if key in index.chinese:
            return [_Found(index.chinese[key], hint, 1.0 if hint else 0.9)]
        segments = _chinese_segments(index, _chinese_text(index, part))
        if segments:
            return segments
        found = []
        for name, codes in index.chinese.items():  # several places written together: 喀什地区莎车县
            if len(name) >= 2 and name in key:
                found.append(_Found(codes, None, 0.9))
        return found
    keys, hint = _sound_keys(index, part)
    for key in keys:
        if key in index.sounds:
            codes = index.sounds[key]
            if key != keys[-1] and keys[-1] in index.sounds and all(_retired(c) for c in codes):
                codes = codes | index.sounds[keys[-1]]  # "Turpan Prefecture", retired: the name's current place too
            return [_Found(codes, hint, 1.0 if hint else 0.9)]
    words = [k for k in (_word_key(w) for w in _WORDS.split(part) if w) if k and k not in index.noise]
    found = [_Found(index.sounds[w], hint, 0.9) for w in words if w in index.sounds]
    if found or not keys:
        return found
    key = keys[-1]
    if len(key) >= 5:
        best = process.extractOne(key, index.sounds.keys(), scorer=Levenshtein.distance,
                                  score_cutoff=1)
        if best is not None:
            return [_Found(index.sounds[best[0]], hint, 0.7)]
    return []


def _chinese_segments(index: _Index, text: str) -> list[_Found] | None:
    """Several places written together, each name with its level word (和田地区和田县, 伊犁州伊宁市,
    吐鲁番市高昌区), cut at the longest known name and the longest level word after it; None unless
    the whole text cuts into two or more. Each keeps its level word, so a county that shares its
    prefecture's name (和田县 in 和田地区) is told from it."""
    found: list[_Found] = []
    i = 0
    while i < len(text):
        end = next((j for j in range(len(text), i + 1, -1) if text[i:j] in index.chinese), None)
        if end is None:
            return None
        level = next(((suffix, lv) for suffix, lv in index.chinese_suffixes if text.startswith(suffix, end)), None)
        found.append(_Found(index.chinese[text[i:end]], level and level[1], 1.0 if level else 0.9))
        i = end + (len(level[0]) if level else 0)
    return found if len(found) >= 2 else None


def _retired(code: str) -> bool:
    place = thesauri.place(code)
    return place is None or place.historical


def _narrow(found: _Found) -> set[str]:
    codes = set(found.codes)
    # A retired code loses to a current one of the same name before the level word is read: 库车县
    # and "Kucha county" are the county that became 库车市 in 2019, as "Kuqa" is.
    codes = {c for c in codes if not _retired(c)} or codes
    if found.hint:
        if found.hint == "prefecture":
            kept = {c for c in codes if thesauri.place(c) and thesauri.place(c).level == "prefecture"}  # type: ignore[union-attr]
        elif found.hint == "district":
            # 克拉玛依区 is the district, not the city 克拉玛依市; "Hotan District", with no district
            # of that name, the city
            kept = {c for c in codes if _kind(c) == "district"} or {c for c in codes if _kind(c) == "city"}
        else:
            kept = {c for c in codes if _kind(c) == found.hint}  # county, city
        codes = kept or codes
    return codes


def _prefecture(code: str) -> str | None:
    pref = thesauri.prefecture_of(code)
    return pref.code if pref else None


def _decide(codes: set[str], prefectures_named: set[str]) -> tuple[str, str | None, str | None] | None:
    if not codes:
        return None
    levels = {c: thesauri.place(c).level for c in codes}  # type: ignore[union-attr]
    prefs = {c if levels[c] == "prefecture" else _prefecture(c) for c in codes}
    prefs.discard(None)
    counties = {c for c in codes if levels[c] == "county"}
    if prefectures_named:
        counties = {c for c in counties if _prefecture(c) in prefectures_named} or counties
        prefs = (prefs & prefectures_named) or prefs
    if len(counties) == 1 and not any(levels[c] == "prefecture" for c in codes):
        county = next(iter(counties))
        return county, county, _prefecture(county)
    if len(prefs) == 1:
        pref = next(iter(prefs))
        return pref, None, pref
    return None


@lru_cache(maxsize=65536)
def resolve_place(text: str | None) -> PlaceMatch | None:
    """The county or prefecture a free-text place names, in any script; None if unknown or ambiguous."""
    if text is not None and not isinstance(text, str):
        raise TypeError("a place must be text")
    if not text or not text.strip():
        return None
    index = _index()
    text = unicodedata.normalize("NFKC", text)
    found = [f for part in _PARTS.split(text) if part.strip() for f in _find_part(index, part)]
    if not found:
        return None
    narrowed = [(f, _narrow(f)) for f in found]
    # Parts that name only a prefecture (at that level) steer the choice among counties.
    named_prefs: set[str] = set()
    for f, codes in narrowed:
        decided = _decide(codes, set())
        if decided and decided[1] is None and decided[2]:
            named_prefs.add(decided[2])
    best: PlaceMatch | None = None
    for f, codes in narrowed:
        decided = _decide(codes, named_prefs)
        if decided is None:
            continue
        code, county, pref = decided
        confidence = f.confidence
        if county and named_prefs and pref in named_prefs:
            confidence = min(1.0, confidence + 0.1)
        match = PlaceMatch(code, "county" if county else "prefecture", county, pref, confidence)
        if best is None or (match.county and not best.county) or \
                (bool(match.county) == bool(best.county) and match.confidence > best.confidence):
            best = match
    return best


def place_of_code(code: str | None) -> PlaceMatch | None:
    """A GB/T 2260 code from the form's place picker as a match (None if not a Xinjiang code)."""
    if not code:
        return None
    place = thesauri.place(code.strip())
    if place is None or place.level == "region":
        return None
    if place.level == "prefecture":
        return PlaceMatch(place.code, "prefecture", None, place.code, 1.0)
    return PlaceMatch(place.code, "county", place.code, _prefecture(place.code), 1.0)


def place_of_id_region(region: str | None) -> PlaceMatch | None:
    """Where an ID number was issued (its first six digits), as a place: the county when its code
    is in force, the prefecture when a retired county code's prefecture is (old cards carry codes
    since renamed), else None. The issuing county is the registered home, most often the county
    families name, but not always (people move): prepare() takes it only where the report is
    silent or agrees (see there)."""
    if not region:
        return None
    place = thesauri.place(region)
    if place is None or place.level != "county" or place.non_place:
        return None
    prefecture = _prefecture(region)
    current_prefecture = prefecture is not None and not thesauri.place(prefecture).historical  # type: ignore[union-attr]
    if not place.historical and current_prefecture:
        return PlaceMatch(place.code, "county", place.code, prefecture, 0.8)
    if current_prefecture:
        assert prefecture is not None
        return PlaceMatch(prefecture, "prefecture", None, prefecture, 0.8)
    return None

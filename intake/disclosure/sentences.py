"""A sentence as families write it ("10 years", "ئون يىل", "有期徒刑十年", "пожизненно", "P15Y") to a band.

The text itself never leaves this module: exports and statistics only see the band key. Bands,
keywords, units and number words are data (`intake/data/sentence_bands.toml`), so a language or a
spelling can be added without touching the code.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources


@dataclass(frozen=True, slots=True)
class Band:
    key: str
    label: str
    coarse: str
    min_months: int | None = None
    max_months: int | None = None  # exclusive; None = no upper edge


@dataclass(frozen=True, slots=True)
class _Words:
    bands: tuple[Band, ...]
    coarse_labels: dict[str, str]
    keywords: tuple[tuple[str, tuple[str, ...]], ...]
    years: frozenset[str]
    months: frozenset[str]
    numbers: dict[str, int]


@cache
def _words() -> _Words:
    raw = tomllib.loads(resources.files("intake.data").joinpath("sentence_bands.toml").read_text("utf-8"))
    bands = tuple(Band(key=b["key"], label=b["label"], coarse=b["coarse"], min_months=b.get("min_months"),
                       max_months=(b.get("max_months") or None) if "min_months" in b else None)
                  for b in raw["band"])
    fold = _fold
    numbers: dict[str, int] = {}
    for table in raw["numbers"].values():
        numbers.update({fold(word): value for word, value in table.items()})
    return _Words(
        bands=bands,
        coarse_labels=dict(raw["coarse"]),
        keywords=tuple((key, tuple(fold(w) for w in raw["keywords"][key])) for key in ("death_reprieve", "death", "life")),
        years=frozenset(fold(u) for u in raw["units"]["years"]),
        months=frozenset(fold(u) for u in raw["units"]["months"]),
        numbers=numbers,
    )


def bands() -> tuple[Band, ...]:
    """Every band, shortest first, then life, death with reprieve, death."""
    return _words().bands


def coarse_labels() -> dict[str, str]:
    return dict(_words().coarse_labels)


# Arabic-script letters typed from Persian or Arabic keyboards, folded to one form for matching:
# Persian yeh and alef maksura to yeh, keheh to kaf; tatweel and direction marks dropped.
_ARABIC_FOLD = str.maketrans({"\u06cc": "\u064a", "\u0649": "\u064a", "\u06a9": "\u0643",
                              "\u0640": None, "\u200e": None, "\u200f": None, "\u200c": None})


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold().translate(_ARABIC_FOLD)


_CHINESE_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CHINESE_NUMBER = re.compile("[零〇一二两三四五六七八九十]+")
_ISO_DURATION = re.compile(r"p(?:(\d+)y)?(?:(\d+)m)?")
_TOKEN = re.compile(r"\d+(?:[.,]\d+)?|[^\W\d_]+")
# "5-9 years", "10 to 15 years", "5至10年": a range counts as its lower end.
_RANGE = re.compile(r"(?<!\d)(\d{1,2})\s*(?:-|–|—|~|\bto\b|\bдо\b|\bile\b|至|到)\s*\d{1,2}(?!\d)")
_CJK_UNITS = ("个月", "月", "年")
_MAX_YEARS = 100


def _chinese_to_digits(match: re.Match[str]) -> str:
    text = match.group(0)
    if "十" not in text:
        return "".join(str(_CHINESE_DIGITS[c]) for c in text)
    tens, _, units = text.partition("十")
    value = (_CHINESE_DIGITS.get(tens[-1], 1) if tens else 1) * 10 + (_CHINESE_DIGITS.get(units[:1], 0) if units else 0)
    return str(value)


def _ascii_digits(text: str) -> str:
    return "".join(str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch for ch in text)


def _unit(token: str, words: _Words) -> str | None:
    if token in words.years:
        return "years"
    if token in words.months:
        return "months"
    # Inflected forms (лет/года, жылға, yıllık, يىللىق): a known unit of 3+ letters at the start.
    for unit, table in (("months", words.months), ("years", words.years)):
        if any(len(u) >= 3 and token.startswith(u) for u in table):
            return unit
    return None


def _split_cjk(tokens: list[str]) -> list[str]:
    """"有期徒刑10年6个月" tokenises as one word per run of letters; cut the units off their runs."""
    out: list[str] = []
    for token in tokens:
        for unit in _CJK_UNITS:
            if token in _CJK_UNITS:
                out.append(token)
                break
            if token.endswith(unit):
                out += [token[: -len(unit)], unit]
                break
        else:
            out.append(token)
    return out


def months_of(text: str | None) -> int | None:
    """The length of a fixed-term sentence in months, or None when the text gives none."""
    if not text:
        return None
    words = _words()
    folded = _ascii_digits(_fold(text))
    iso = _ISO_DURATION.fullmatch(folded.replace(" ", ""))
    if iso and any(iso.groups()):
        return int(iso.group(1) or 0) * 12 + int(iso.group(2) or 0)
    folded = _RANGE.sub(r"\1", _CHINESE_NUMBER.sub(_chinese_to_digits, folded))
    tokens = _split_cjk(_TOKEN.findall(folded))
    total, pending, saw_unit = 0.0, None, False
    for token in tokens:
        if token[0].isdigit():
            pending = (pending or 0) + float(token.replace(",", "."))
        elif token in words.numbers:
            pending = (pending or 0) + words.numbers[token]
        elif (unit := _unit(token, words)) and pending is not None:
            # "2019 г." or "in 2019 y." is a date, not a length: no sentence runs a hundred years.
            if pending < (_MAX_YEARS if unit == "years" else _MAX_YEARS * 12):
                total += pending * (12 if unit == "years" else 1)
                saw_unit = True
            pending = None
        else:
            pending = None  # "on 5 March 2019 to 10 years": numbers add up only next to each other
    if not saw_unit and pending is not None and len(tokens) == 1 and pending < _MAX_YEARS:
        total = pending * 12  # a bare number: years, as every list we have seen writes them
    months = round(total)
    return months if months > 0 else None


def band_of(text: str | None) -> str | None:
    """The band key of a sentence text or code (a band key itself is accepted), or None if unknown."""
    if not text:
        return None
    words = _words()
    folded = _fold(text).strip()
    for band in words.bands:  # a band key or label given as the value itself
        if folded in (band.key, _fold(band.label)):
            return band.key
    for key, needles in words.keywords:
        if any(n in folded for n in needles):
            return key
    months = months_of(text)
    if months is None:
        return None
    for band in words.bands:
        if band.min_months is not None and band.min_months <= months and (
                band.max_months is None or months < band.max_months):
            return band.key
    return None

"""Place names in a list to GB/T 2260 codes: a simple lookup, behind one function.

`resolve` is the only entry point the import uses, so that the cross-script place resolver of
`intake/resolution/` (spelling variants, English exonyms, Cyrillic and Arabic script) can replace
it without touching anything else. This version knows each division's Chinese, Uyghur, Latin and
pinyin names, with or without the division word (县, County, ناھىيىسى...), and six-digit codes.
A name shared by divisions of different prefectures is ambiguous and stays unresolved.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from ..services import thesauri

# Division words, longest first, stripped from the end of a folded name.
_SUFFIXES = sorted((
    "维吾尔自治区", "自治区", "自治州", "自治县", "地区", "县", "市", "区", "州",
    "uyghurautonomousregion", "autonomousprefecture", "autonomouscounty", "prefecture", "county", "city",
    "district", "zizhizhou", "zizhixian", "diqu", "xian", "shi", "qu",
    "ناھىيىسى", "ناھىيەسى", "شەھىرى", "ۋىلايىتى", "رايونى", "ئوبلاستى", "ئاپتونوم",
    "уезд", "район", "город", "округ", "ilçesi", "ili", "şehri",
), key=len, reverse=True)


@dataclass(frozen=True)
class PlaceMatch:
    code: str | None  # a county, or a prefecture when that is all the name tells
    exact: bool  # the text was a code or a full official name


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", text.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate({0x06CC: 0x064A, 0x0649: 0x064A, 0x06A9: 0x0643})
    return "".join(ch for ch in unicodedata.normalize("NFC", text) if unicodedata.category(ch)[0] in "LN")


def _stripped(key: str) -> str:
    for suffix in _SUFFIXES:
        if key.endswith(suffix) and len(key) > len(suffix) + 1:
            return key[: -len(suffix)]
    return key


@cache
def _index() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    full: dict[str, set[str]] = {}
    short: dict[str, set[str]] = {}
    for place in thesauri.places():
        if place.level == "region" or place.zh.endswith("市辖区"):
            continue
        for name in (place.zh, place.ug, place.latin, place.pinyin):
            key = _fold(name)
            full.setdefault(key, set()).add(place.code)
            short.setdefault(_stripped(key), set()).add(place.code)
    return full, short


def _one(codes: set[str]) -> str | None:
    """One code; several divisions of one prefecture: that prefecture; otherwise none."""
    current = {c for c in codes if not (thesauri.place(c) and thesauri.place(c).historical)} or codes
    if len(current) == 1:
        return next(iter(current))
    prefectures = {p.code for c in current if (p := thesauri.prefecture_of(c))}
    return prefectures.pop() if len(prefectures) == 1 else None


def resolve(text: str | None) -> PlaceMatch:
    """The GB/T 2260 code a place name or code stands for, if this lookup can tell."""
    if not text or not text.strip():
        return PlaceMatch(None, False)
    code = re.match(r"\s*(65\d{4})\b", text)
    if code and thesauri.is_xinjiang_code(code.group(1)):
        return PlaceMatch(code.group(1), True)
    full, short = _index()
    key = _fold(text)
    if key in full and (found := _one(full[key])):
        return PlaceMatch(found, True)
    key = _stripped(key)
    for table in (short, full):
        if key in table and (found := _one(table[key])):
            return PlaceMatch(found, False)
    return PlaceMatch(None, False)

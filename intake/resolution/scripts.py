"""Which script (and which spelling convention) a name is written in.

Codes follow BCP 47 where one exists, and match what the public form stores (``ug-Arab``,
``zh-Hans``, ``Latn``, ``Cyrl``) with finer Latin and Cyrillic codes:

========== ================================================================
ug-Arab    Uyghur Arabic script (also Arabic or Persian letters typed for it)
zh-Hans    Chinese characters (traditional ones too)
zh-Latn    Hanyu pinyin (TUERXUN ABULIMITI, Abudureyimu)
ug-Latn    Uyghur Latin (ULY) with é, ö or ü
tr-Latn    Turkish spelling (ş, ç, ğ, ı)
kk-Latn    Kazakh Latin (ä, ğ, ı, ñ, ū ... or a -uly/-qyzy patronymic)
Latn       any other Latin: informal English spellings, ULY without diacritics
ug-Cyrl    Uyghur Cyrillic (җ, or Uyghur letters without Kazakh ones)
kk-Cyrl    Kazakh Cyrillic (ұ, і, or Kazakh letters with ы)
ru-Cyrl    Russian-style Cyrillic (no Turkic letters)
other      anything else, or no letters at all
========== ================================================================
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .latin import NOT_JAN
from .pinyin import looks_like_pinyin

ARABIC, CHINESE, PINYIN = "ug-Arab", "zh-Hans", "zh-Latn"
ULY, TURKISH, KAZAKH_LATIN, LATIN = "ug-Latn", "tr-Latn", "kk-Latn", "Latn"
UYGHUR_CYRILLIC, KAZAKH_CYRILLIC, RUSSIAN_CYRILLIC = "ug-Cyrl", "kk-Cyrl", "ru-Cyrl"
OTHER = "other"

LATIN_SCRIPTS = frozenset({ULY, TURKISH, KAZAKH_LATIN, LATIN})
CYRILLIC_SCRIPTS = frozenset({UYGHUR_CYRILLIC, KAZAKH_CYRILLIC, RUSSIAN_CYRILLIC})
CHINESE_SCRIPTS = frozenset({CHINESE, PINYIN})

_KAZAKH_ONLY = frozenset("ұіҰІ")
_UYGHUR_ONLY = frozenset("җҖ")
_TURKIC_CYRILLIC = frozenset("әғқңөүһӘҒҚҢӨҮҺ")
_KAZAKH_HINT = frozenset("ыЫ")
_ULY_MARKS = frozenset("éöüÉÖÜ")
_TURKISH_MARKS = frozenset("şçğıŞÇĞİ")
_KAZAKH_LATIN_MARKS = frozenset("äūÄŪñÑǵńóúáÁǴŃÓÚ")
# German writes sh as sch, Dutch and Scandinavian spellings as sj (tsj for ch, zj for zh), and ö
# and ü as ULY does (Schöhret, Gülschen, Sjöhret, Tsjölpan); ULY has no name with s before ch, nor
# a j after s, t or z but in -jan, -jon (Ilyasjan).
_EUROPEAN_SH = re.compile(f"sch|(?:t?s|z)j{NOT_JAN}", re.IGNORECASE)
_KAZAKH_PATRONYMIC = ("uly", "uli", "uulu", "qyzy", "kyzy", "qizi")  # not -sulu (Aysulu)


def family(script: str) -> str:
    """The letters a script code is written in: arabic, han, cyrillic, latin (pinyin too) or other."""
    if script == ARABIC:
        return "arabic"
    if script == PINYIN:
        return "latin"
    if script == CHINESE or script.startswith("zh"):
        return "han"
    if script in CYRILLIC_SCRIPTS or script.endswith("Cyrl"):
        return "cyrillic"
    if script in LATIN_SCRIPTS or script.endswith("Latn"):
        return "latin"
    return "other"


def _block(ch: str) -> str:
    code = ord(ch)
    if code < 0x80:
        return "latin" if ch.isalpha() else ""
    if 0x00C0 <= code <= 0x024F or 0x1E00 <= code <= 0x1EFF:
        return "latin" if ch.isalpha() else ""
    if 0x0600 <= code <= 0x06FF or 0x0750 <= code <= 0x077F or 0xFB50 <= code <= 0xFDFF \
            or 0xFE70 <= code <= 0xFEFF:
        return "arabic"
    if 0x0400 <= code <= 0x052F:
        return "cyrillic"
    if 0x4E00 <= code <= 0x9FFF or 0x3400 <= code <= 0x4DBF or 0xF900 <= code <= 0xFAFF \
            or 0x20000 <= code <= 0x2FA1F:
        return "han"
    if ch.isalpha() and unicodedata.name(ch, "").startswith("LATIN"):
        return "latin"
    return "other" if ch.isalpha() else ""


@lru_cache(maxsize=65536)
def detect(text: str) -> str:
    """The script code of ``text`` (one name or a full name); the majority script of its letters."""
    counts: dict[str, int] = {}
    for ch in text:
        block = _block(ch)
        if block:
            counts[block] = counts.get(block, 0) + 1
    if not counts:
        return OTHER
    block = max(counts, key=lambda b: (counts[b], b != "other"))
    if block == "arabic":
        return ARABIC
    if block == "han":
        return CHINESE
    if block == "cyrillic":
        return _cyrillic_kind(text)
    if block == "latin":
        return _latin_kind(text)
    return OTHER


def _cyrillic_kind(text: str) -> str:
    letters = set(text)
    if letters & _UYGHUR_ONLY:
        return UYGHUR_CYRILLIC
    if letters & _KAZAKH_ONLY:
        return KAZAKH_CYRILLIC
    if letters & _TURKIC_CYRILLIC:
        return KAZAKH_CYRILLIC if letters & _KAZAKH_HINT else UYGHUR_CYRILLIC
    return RUSSIAN_CYRILLIC


def _latin_kind(text: str) -> str:
    letters = set(text)
    if letters & _TURKISH_MARKS and not letters & _ULY_MARKS - {"ö", "ü", "Ö", "Ü"}:
        return TURKISH
    if letters & _KAZAKH_LATIN_MARKS:
        return KAZAKH_LATIN
    if letters & _ULY_MARKS and not _EUROPEAN_SH.search(text):
        return ULY
    if looks_like_pinyin(text):
        return PINYIN
    lowered = text.casefold()
    if any(word.endswith(_KAZAKH_PATRONYMIC) for word in lowered.replace("-", " ").split()[1:]):
        return KAZAKH_LATIN
    return LATIN

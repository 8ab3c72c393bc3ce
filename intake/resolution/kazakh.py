"""Kazakh and Russian-style Cyrillic to phonemes (umsc's CTS alphabet, see uyghur.py).

Kazakh letters map to the nearest Uyghur sound (ә e, ғ ğ, қ q, ң ñ, ө ö, ұ u, ү ü, һ h, і and ы i),
so a Kazakh name in Cyrillic meets the same name in Uyghur or Chinese. Russian-style spellings
(Абдурахим Турсунов) have no Turkic letters: х stands for q, k and kh alike, е at the start of a
word or after a vowel is "ye", ж for the j of Jume as often as for zh, дж for j (Джамал, Ниджат:
Russian has no letter of its own for it), and я after a consonant for a front a (Гулям). Russian
has no gh either: г stands for it where informal Latin's g does (latin.informal_g: Гани, Абдугаппар).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from .latin import informal_g

_KAZAKH = {
    "а": "a", "ә": "e", "б": "b", "в": "v", "г": "g", "ғ": "ğ", "д": "d", "е": "é", "ё": "yo",
    "ж": "c", "з": "z", "и": "i", "й": "y", "к": "k", "қ": "q", "л": "l", "м": "m", "н": "n",
    "ң": "ñ", "о": "o", "ө": "ö", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ұ": "u",
    "ү": "ü", "ф": "f", "х": "x", "һ": "h", "ц": "ts", "ч": "ç", "ш": "ş", "щ": "şç", "ъ": "",
    "ы": "i", "і": "i", "ь": "", "э": "e", "ю": "yu", "я": "ya", "җ": "c",
}
_RUSSIAN = dict(_KAZAKH, е="e", ж="c", и="i")
_VOWEL = "аәеёиоөуұүыіэюя"
# я after a consonant is Russian's soft a, which writes the front a of Turkic names (Гулям, Куляш,
# Ляззат: Ghulam, Külesh, Lezzet), not a y; but for -yar, "friend", closing names (Диляр, Иляр:
# Dilyar, Ilyar).
_SOFT_A = re.compile("(?<=[бвгдзклмнпрстфхцчшщ])я(?!р)")
_INITIAL_E = re.compile(r"(?:(?<=^)|(?<=[\s\-" + _VOWEL + r"ьъ]))е")


def _convert(text: str, table: dict[str, str]) -> str:
    return "".join(table.get(ch, ch) for ch in text)


@lru_cache(maxsize=65536)
def kazakh_to_phonemes(text: str) -> str:
    return _convert(unicodedata.normalize("NFC", text).lower(), _KAZAKH)


@lru_cache(maxsize=65536)
def russian_to_phonemes(text: str) -> str:
    text = _INITIAL_E.sub("йе", unicodedata.normalize("NFC", text).lower()).replace("дж", "ж")
    text = _SOFT_A.sub("а", text)
    return informal_g(_convert(text, _RUSSIAN))

"""Uyghur (Arabic script) place names written in Kazakh Cyrillic or in the Turkish alphabet.

Used by ``build_places.py`` only for names that have no established Kazakh or Turkish form in
``place_names.py``; every name made here is marked ``translit`` in ``places.json`` so that a
native reader knows which names to check first.

The rules are the ordinary letter correspondences between the three Turkic alphabets. Uyghur
spells ``i`` with one letter (ى) where Kazakh and Turkish tell a back ``ы``/``ı`` from a front
``і``/``i``. Kazakh follows vowel harmony: the vowel of the nearest syllable before it decides,
then the one after it, then a back or front consonant (ق غ / ك گ). Turkish renderings of Uyghur
names keep the Uyghur ``i`` front (Piçan, Nilka, Çira) except next to ``k``/``ğ`` from ق/غ, and
after a back ``ı`` (Kızılsu, Çakılık), as Turkish writers spell them.
"""

from __future__ import annotations

HAMZA = "\u0626"  # ئ: the carrier of a word-initial vowel, not a sound of its own
BACK_VOWELS = frozenset("اوۇ")
FRONT_VOWELS = frozenset("ەېۆۈ")
BACK_CONSONANTS = frozenset("قغ")
FRONT_CONSONANTS = frozenset("كگ")
I_LETTER = "ى"

# Uyghur letter -> (Kazakh, Turkish). The letter ى is decided by harmony (below).
LETTERS: dict[str, tuple[str, str]] = {
    "ا": ("а", "a"), "ە": ("е", "e"), "ې": ("е", "e"), "و": ("о", "o"), "ۇ": ("ұ", "u"),
    "ۆ": ("ө", "ö"), "ۈ": ("ү", "ü"), "ب": ("б", "b"), "پ": ("п", "p"), "ت": ("т", "t"),
    "ج": ("ж", "c"), "چ": ("ш", "ç"), "خ": ("х", "h"), "د": ("д", "d"), "ر": ("р", "r"),
    "ز": ("з", "z"), "ژ": ("ж", "j"), "س": ("с", "s"), "ش": ("ш", "ş"), "غ": ("ғ", "ğ"),
    "ف": ("ф", "f"), "ق": ("қ", "k"), "ك": ("к", "k"), "گ": ("г", "g"), "ڭ": ("ң", "ng"),
    "ل": ("л", "l"), "م": ("м", "m"), "ن": ("н", "n"), "ھ": ("һ", "h"), "ۋ": ("у", "v"),
    "ي": ("й", "y"),
}
# ى: (Kazakh back, Kazakh front, Turkish back, Turkish front)
I_FORMS = ("ы", "і", "ı", "i")
VOWELS = BACK_VOWELS | FRONT_VOWELS | {I_LETTER}


def _is_back(word: list[str], index: int) -> bool:
    """Harmony of the ى at ``index``: the closest vowel before it, else after it, else a consonant."""
    for ch in reversed(word[:index]):
        if ch in BACK_VOWELS:
            return True
        if ch in FRONT_VOWELS:
            return False
    for ch in word[index + 1:]:
        if ch in BACK_VOWELS:
            return True
        if ch in FRONT_VOWELS:
            return False
    if any(ch in FRONT_CONSONANTS for ch in word):
        return False
    return any(ch in BACK_CONSONANTS for ch in word)


def _turkish_back(letters: list[str], index: int, decided: list[bool]) -> bool:
    """Turkish ı for the ى at ``index``: next to ق or غ (unless a front vowel comes just before),
    or right after a back ı."""
    around = letters[max(index - 1, 0):index + 2]
    after_back_i = index >= 2 and letters[index - 2] == I_LETTER and decided[index - 2]
    after_front = index >= 2 and letters[index - 2] in FRONT_VOWELS
    return (any(ch in BACK_CONSONANTS for ch in around) and not after_front) or after_back_i


def _word(word: str, lang: str) -> str:
    turkish = lang == "tr"
    letters = [ch for ch in word if ch != HAMZA]
    out: list[str] = []
    decided = [False] * len(letters)  # Turkish: was the ى at this index written back (ı)?
    skip = False
    for i, ch in enumerate(letters):
        if skip:  # the second letter of a pair written as one
            skip = False
            continue
        prev = letters[i - 1] if i else ""
        nxt = letters[i + 1] if i + 1 < len(letters) else ""
        if ch == I_LETTER and turkish:
            decided[i] = _turkish_back(letters, i, decided)
            out.append(I_FORMS[2] if decided[i] else I_FORMS[3])
        elif ch == I_LETTER:
            out.append(I_FORMS[0] if _is_back(letters, i) else I_FORMS[1])
        elif turkish and ch == "غ" and (not prev or nxt in VOWELS or prev == "ڭ"):
            out.append("g")  # Turkish ğ never starts a word and is written g before a vowel
        elif turkish and ch == "ڭ" and nxt == "غ":
            out.append("n")  # ڭغ: one "ng" sound, not "ngg"
        elif not turkish and ch == "ي" and prev == I_LETTER:
            out[-1] = "и"  # Kazakh и is ый/ій
        elif not turkish and ch == "ي" and not prev and nxt in ("ې", "ە"):
            pass  # Kazakh е at the start of a word is said "ye": Еңісар, not Йеңісар
        elif not turkish and ch == "ي" and nxt in ("ا", "ۇ", "ۈ"):
            out.append("я" if nxt == "ا" else "ю")  # Kazakh writes йа, йу as я, ю
            skip = True
        elif not turkish and ch == "ۇ" and prev == "س" and not nxt:
            out.append("у")  # -су, "water", as in Ақсу, Қызылсу
        elif ch in LETTERS:
            out.append(LETTERS[ch][1 if turkish else 0])
        else:
            raise ValueError(f"no {lang} rule for the letter U+{ord(ch):04X} in a place name")
    text = "".join(out)
    if not text:
        return text
    first = text[0]
    if turkish:  # Turkish capitals of i and ı differ from every other language's
        first = {"i": "İ", "ı": "I"}.get(first, first.upper())
    else:
        first = first.upper()
    return first + text[1:]


def from_uyghur(name: str, lang: str) -> str:
    """``name`` (Uyghur Arabic script, one or more words) in Kazakh (``kk``) or Turkish (``tr``) letters."""
    if lang not in ("kk", "tr"):
        raise ValueError(f"no transliteration into {lang!r}")
    return " ".join(_word(word, lang) for word in name.split())

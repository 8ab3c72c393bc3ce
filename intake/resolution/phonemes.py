"""Any non-Chinese spelling of a name to phonemes, and the phonemes to the two Latin-side forms.

* ``to_phonemes``: Uyghur Arabic and Cyrillic (umsc), names in Arabic or Persian orthography
  (arabic_names.py), Kazakh and Russian-style Cyrillic, every Latin convention, into umsc's CTS
  letters (see uyghur.py);
* ``to_latin``: the phonemes in ASCII Uyghur Latin (ç ch, ş sh, ğ gh, ñ ng, c j, j zh, x kh,
  é e, ö o, ü u, v w) - the readable canonical form;
* ``skeleton``: the phonemes folded so that informal spellings of one name meet: vowels a e é
  -> a, o u ö ü -> u, i and y -> i; x/kh/h -> h, q/k/g/gh -> k, j/ch/zh -> j, sh/s -> s, p/f -> p,
  d/t -> t, w/v -> v, ng/n -> n (ng before a vowel: n+g); doubled letters once. Hasan, Hesen and Khasan all give "hasan";
  Memet and Mehmut, Tursun and Tursunay, Abdurehim and Abdurahman stay apart.
"""

from __future__ import annotations

import re
from functools import lru_cache

from . import scripts
from .arabic_names import arabic_to_phonemes
from .kazakh import kazakh_to_phonemes, russian_to_phonemes
from .latin import latin_to_phonemes
from .uyghur import cyrillic_to_phonemes

PHONEMES = frozenset("aeéiouöübptcçxdrzjsşfñlmhvyqkgnğ")
# Arabic ʿAbd al- ("servant of the") is Uyghur Abdu-: Turkish, Arabic and Russian-style spellings
# keep the article's l before a consonant (Abdulkadir, Abdülhamit, Абдулхамид for Abduqadir,
# Abduhémit), and spellings learnt in Arab countries or from French and Persian write the article
# el, al or ol (Abdelkader, Abdalrahman, Abdolrahim). Not before a vowel or l: Abdulla is ʿAbd
# Allah, Abdulehed ʿAbd al-Ahad.
_ABDUL = re.compile("(?<![a-zéöüçşñğ])abd[uüaeo]l(?=[bptcçxdrzjsşfñmhvyqkgnğ])")
# Kazakh and Kyrgyz write the same Abdu- as Әбді-, Абды- (Abdirakhman, Abdikadir, Ebdiqadir).
_ABDI = re.compile("(?<![a-zéöüçşñğ])[ae]bdi(?=[bptcçxdrzjsşfñmhvyqkgnğ][aeéiouöü])")
# Arabic Abu'l- ("father of the") opening a name is Uyghur Ubul- or Obul- (Ubulhesen, Obulqasim);
# informal, Turkish and Russian-style spellings keep Arabic's a (Abulhasan, Ebulkasım, Абулкасим).
# Before a consonant only: Abulimit and Abulikim are Ablimit and Ablikim.
_ABUL = re.compile("(?<![a-zéöüçşñğ])[ae]bul(?=[bptcçxdrzjsşfñmhvyqkgnğ])")
# Allah closing a name is -ulla in Uyghur; Arabic, Turkish and Russian-style spellings keep its h
# (Abdullah, Hamdullah, Nurullah, Абдуллах).
_ALLAH = re.compile("(?<=ll)a[hx](?![a-zéöüçşñğ])")


# Cyrillic у opening a word before a vowel is the w of Kazakh (Уәлихан, Уалихан: Walikhan), and so
# is у after а or ә and before a vowel (Бауыржан: Bawirjan); no Uyghur or Russian name opens with u
# and another vowel.
_CYRILLIC_W = re.compile("(?:(?<![а-яёәөүұқғңһҗіы])|(?<=[аә]))у(?=[аәеэиоөыі])", re.IGNORECASE)


def to_phonemes(text: str, script: str) -> str:
    """Phonemes of ``text`` (letters outside the alphabet dropped, word breaks kept as spaces)."""
    if script in scripts.CYRILLIC_SCRIPTS:
        text = _CYRILLIC_W.sub("в", text)
    if script == scripts.ARABIC:
        raw = arabic_to_phonemes(text)
    elif script == scripts.UYGHUR_CYRILLIC:
        raw = cyrillic_to_phonemes(text)
    elif script == scripts.KAZAKH_CYRILLIC:
        raw = kazakh_to_phonemes(text)
    elif script == scripts.RUSSIAN_CYRILLIC:
        raw = russian_to_phonemes(text)
    else:
        raw = latin_to_phonemes(text, uly=script == scripts.ULY)
    kept = "".join(ch if ch in PHONEMES else " " if ch.isspace() else "" for ch in raw.lower()).strip()
    return _ABUL.sub("ubul", _ALLAH.sub("a", _ABDI.sub("abdu", _ABDUL.sub("abdu", kept))))


_LATIN = str.maketrans({"ç": "ch", "ş": "sh", "ğ": "gh", "ñ": "ng", "c": "j", "j": "zh", "é": "e",
                        "ö": "o", "ü": "u", "v": "w"})
_SKELETON = str.maketrans({"e": "a", "é": "a", "o": "u", "ö": "u", "ü": "u", "y": "i", "x": "h",
                           "q": "k", "g": "k", "ğ": "k", "c": "j", "ç": "j", "ş": "s", "f": "p",
                           "d": "t", "w": "v", "ñ": "n"})


# Letter pairs that one of latin.py's readings joins into one sound (kh, ng, ee, the h+c of shch...).
_JOINS = frozenset({"kh", "gh", "ch", "sh", "zh", "dj", "ng", "ou", "oo", "ee", "ck", "hc", "dz"})


@lru_cache(maxsize=65536)
def to_latin(phonemes: str) -> str:
    """ASCII Uyghur Latin, with ULY's apostrophe where two letters would otherwise read as one
    (n'g, s'h, vowels in hiatus), so that reading the result again, as ULY or as informal Latin,
    gives the same phonemes (yo'o: ULY reads yoo as yu, informal Latin gyo as gö)."""
    out = ""
    for ch in phonemes:
        piece = ch.translate(_LATIN)
        if out and out[-1] + piece[0] in _JOINS:
            tail = out[-3:]
            if any(latin_to_phonemes(tail + piece, uly) != latin_to_phonemes(tail, uly) + latin_to_phonemes(piece, uly)
                   for uly in (False, True)):
                piece = "'" + piece
        out += piece
    return out


_VARIANT = str.maketrans({"é": "e", "ö": "o", "ü": "u", "x": "h", "q": "k", "ğ": "g", "ñ": "n",
                          "j": "c", "w": "v"})


@lru_cache(maxsize=65536)
def variant_key(phonemes: str) -> str:
    """The light folding the variant table is looked up by: x/kh/h, q/k, gh/g, w/v, é/e, ö/o,
    ü/u, ng/n, j/zh joined, doubled letters once; a/e, o/u and s/sh stay apart, so that short
    names (Isa, Ishe, Esa) do not fall onto each other."""
    folded = phonemes.translate(_VARIANT)
    return "".join(ch for i, ch in enumerate(folded) if i == 0 or ch != folded[i - 1])


# ng (ñ) before a vowel: n+g in the skeleton (Tursungul is Tursun-gül; see chinese.transcribe);
# n in the other and second readings where a word writes it as a letter of its own or in Latin
# (habits.ng_as_n, second_reading.second_reading_phonemes: Жеңіс Zhenis, Kenges Kenes, Жаңабек 加纳别克).
NG_BEFORE_VOWEL = re.compile("ñ(?=[aeéiouöü])")

_VOWEL_GROUPS = re.compile("[aeéiouöü]+")


def syllable_count(phonemes: str) -> int:
    """How many syllables a word of phonemes has: its groups of vowels."""
    return len(_VOWEL_GROUPS.findall(phonemes))


# An i or y in the syllable after a rounded first vowel is u, as Uyghur writes it: Kazakh and
# Kyrgyz ы, and Arabic's short i, after a rounded vowel are where Uyghur has u (Жұлдыз Zhuldyz,
# Julduz; Тұрсынбек, Tursunbek; Yunis, Yunus). Not after a u that a spelling put into a cluster
# (Abulimit is Ablimit). Folded letters: a word's first vowel u (after a y, folded to i: Yunis),
# then one or two consonants.
_ROUNDED_NEXT = re.compile("((?:^| )[^aiu ]*i?u[^aiu ]{1,2})i(?=[^aiu ])")


# Arabic -al-din after a name of a syllable or more: the vowel that joins it is Arabic's case
# ending, written a, i or u (Shemsidin, Shamsuddin, Şemsettin, Шамсутдин; Kemalidin, Kamaluddin),
# and the din itself din or dun. Folded letters: d is t, doubled letters are one.
_JOINED_DIN = re.compile("(?<=[^aiu ]{2}|[aiu][^aiu ])[aiu]t[iu]n(?= |$)")


# n before b is said m, and spellings write either (Janbolat, Jambolat; Qanbar, Qambar, Қамбар): one
# in the skeleton, which the other scripts compare. Not in the phonemes, whose m before -bek or -bay
# is a name's own and Chinese writes it 木 (Alimbek 阿力木别克, Kerimbay 克热木拜).
_M_BEFORE_B = re.compile("m(?=b)")


# A closing b is said p, as Uyghur and Turkish write it (Yaqup, Zeynep, Ghalip, Rejep; Yakup,
# Zeynep, Galip, Recep), and Arabic and European spellings b (Yaqub, Jakub, Zainab, Ghalib, Rajab):
# one in the skeleton. Chinese writes both 甫 or 布 already (fold_pinyin's b).
_CLOSING_B = re.compile("b(?= |$)")


# A skeleton's vowels (a e é, o u ö ü, i y folded).
_SKELETON_VOWELS = re.compile("[aiu]")


def consonants(skel: str) -> str:
    """A skeleton without its vowels (and the y folded with i)."""
    return _SKELETON_VOWELS.sub("", skel)


@lru_cache(maxsize=65536)
def skeleton(phonemes: str) -> str:
    folded = _M_BEFORE_B.sub("n", NG_BEFORE_VOWEL.sub("ng", phonemes).translate(_SKELETON))
    out: list[str] = []
    for ch in folded:
        if not out or ch != out[-1] or ch == " ":
            out.append(ch)
    return _CLOSING_B.sub("p", _JOINED_DIN.sub("itin", _ROUNDED_NEXT.sub(r"\1u", "".join(out))))

"""Latin spellings of Turkic names to phonemes (umsc's CTS alphabet, see uyghur.py).

One reader for every Latin convention a family may use, since a name field rarely says which:
Uyghur Latin (ULY: x = kh, q, gh, ng, j, zh, é/ö/ü), informal English (kh, dzh, ou, ee), Turkish
(ş, ç, ğ, ı, c = j) and Kazakh Latin (ä, ğ, ı, ñ, ū, zh). Pinyin is not read here: x and q mean
something else in it, so pinyin goes through chinese.py.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters with their own sound in one of the conventions, before accents are stripped.
_LETTERS = str.maketrans({
    "ş": "ş", "ç": "ç", "ğ": "ğ", "ı": "i", "ä": "e", "ə": "e", "ǝ": "e", "á": "e", "ó": "ö",
    "ú": "ü", "ū": "u", "ǵ": "ğ", "ń": "ñ", "ñ": "ñ", "é": "é", "ö": "ö", "ü": "ü", "ž": "j",
    "š": "ş", "č": "ç", "ǧ": "ğ", "ḥ": "h", "ŋ": "ñ", "ø": "ö", "ë": "é", "ê": "é", "è": "é",
    "ș": "ş", "ţ": "t", "ț": "t", "ý": "w", "ÿ": "y",
})
# Longest first. Apostrophes separate (n'g is n + g in ULY) and then vanish.
_GROUPS = [
    ("shch", "şç"), ("n'gh", "nğ"), ("dzh", "c"), ("n'g", "ng"),
    ("kh", "x"),
    ("gh", "ğ"), ("ch", "ç"), ("sh", "ş"), ("zh", "j"), ("dj", "c"), ("ng", "ñ"), ("ou", "u"),
    ("oo", "u"), ("ee", "i"), ("ck", "k"), ("j", "c"), ("w", "v"),
    ("c", "c"), ("'", ""), ("’", ""), ("`", ""), ("ʻ", ""), ("ʼ", ""),
]
# Outside ULY (where each of these is two letters), spellings of the diaspora in Europe: German tsch
# and Dutch tsj for ch, German dsch and Dutch dzj for j, German sch and Dutch sj for sh, Dutch zj
# for zh, French tch for ch. (Dutch oe for u is habits.european_spellings': a slip makes oe too.)
_EUROPEAN = [("tsch", "ç"), ("dsch", "c"), ("dzj", "c"), ("sch", "ş"), ("tch", "ç"), ("tsj", "ç"),
             ("sj", "ş"), ("zj", "j")]
# Not the s of a name before -jan, -jon (Ilyasjan, Yunusjan, Abbasjan: Ilyas-jan, not Ilyashan),
# which closes far more names than Dutch -sjan does.
NOT_JAN = "(?![ao]n\\b)"
SJ_NOT_JAN = "sj" + NOT_JAN
_GROUP_MAP = dict(_GROUPS + _EUROPEAN)
_ULY_GROUP = re.compile("|".join(re.escape(src) for src, _ in _GROUPS))
_GROUP = re.compile("|".join(SJ_NOT_JAN if src == "sj" else re.escape(src)
                             for src, _ in sorted(_GROUPS + _EUROPEAN, key=lambda g: -len(g[0]))))
_VOWELS = "aeéiouöü"
# Letters that must survive accent stripping are parked on upper-case ASCII (the text is lower-case).
_PARK = str.maketrans({"é": "E", "ö": "O", "ü": "U", "ş": "S", "ç": "C", "ğ": "G", "ñ": "N"})
_UNPARK = str.maketrans({"E": "é", "O": "ö", "U": "ü", "S": "ş", "C": "ç", "G": "ğ", "N": "ñ"})
# A name that starts with g and a starts with gh: Uyghur keeps g for front vowels, and informal,
# Turkish and Russian-style spellings write gh as g (Galip for Ghalip, Gani for Ghéni, Gayret
# for Gheyret). Not inside a word (Nigare), nor before o (Gövher is written Govher), nor in ULY.
_BACK_G = re.compile(r"(?<![^\W\d_])g(?=a)")
# After Abdu- ("servant of") comes one of the names of God, and those with g are Ghappar, Ghopur,
# Ghéni: informal spellings write them with g (Abdugappar, Abdugopur, Abdugeni).
_ABDU_G = re.compile(r"(?:(?<=\babdu)|(?<=\babdul))g(?=[aeéiouöü])")
# Inside a word, g after a back vowel (and a consonant or none) and before a is gh: Turkic g goes
# with front vowels, gh with back ones, and Russian-style and informal spellings of Kazakh ғ write g
# (Talgat, Талгат for Talghat 塔力哈提; Nurgali for Nurghali). Not after e or i (Ergash, Dilgar).
_BACK_VOWEL_G = re.compile(r"(?:(?<=[aou])|(?<=[aou][lrmnsz]))g(?=a)")
# u after a or e and before a vowel is w: Kazakh Latin and English spellings write Kazakh у so
# (Bauyrzhan, Sauytbek for Bawirjan, Sawutbek). Not in ULY, which writes w as w, and whose y is
# never a vowel: its u there is the u of Uyghur Arabic ئۇ. So is a word's first u before a or e,
# as no Turkic word opens on two vowels (Ualikhan, Uälihan for Walixan, Уәлихан).
_U_AS_W = re.compile("(?<=[aeE])u(?=[aeiouyEOU])|(?<![^\\W\\d_])u(?=[aeE])")  # after _PARK: E, O, U are é, ö, ü
# ch before a consonant is kh, as German spellings write it (Achmet, Machmut for Exmet, Mexmut): an
# English ch (Uyghur ç) does not close a syllable of a name.
_CH_AS_KH = re.compile("(?<![stdSCç])ch(?=[bdfgklmnpqrstvwxz])")
# In a word with French ou, ch is sh (Abdouchoukour, Chouhrat for Abdushükür, Shöhret),
_FRENCH_WORD = re.compile(r"\w*ou\w*")
FRENCH_CH = re.compile("(?<![tdsS])ch")  # not the ch of tch, dch, sch (S: a parked ş)
# and ou before a vowel is w, after a consonant, an a or e, or at the start (Anouar, Ouali, Haoua:
# Enwer, Weli, Hawa).
_FRENCH_W = re.compile("(?:(?<=[aeklmnqrstz])|(?<![^\\W\\d_]))ou(?=[aeéiE])")
# y between consonants or after one at the end of a word is a vowel (Kazakh Serikuly, Jaqsylyq).
_VOWEL_Y = re.compile(f"(?<=[^{_VOWELS}\\s])y(?=[^{_VOWELS}]|$)")
# Kazakh Latin of 2017 marks a letter with an apostrophe after it (A' Ә, G' Ғ, I' И and Й, N' Ң,
# O' Ө, S' Ш, C' Ч, U' Ү, Y' У: Ary'jan, Da'y'let, S'olpan for Arujan, Däulet, Sholpan), as
# Uzbek Latin marks o' and g' (Ro'zi, G'ulom). Not where ULY's apostrophe parts two letters: n'g,
# s'h, c'h, g'h, and a vowel before a vowel.
_MARKED = re.compile("([aouyi])['’ʻʼ`](?![aeiouéöü])|([scg])['’ʻʼ`](?!h)|n['’ʻʼ`](?![gk])")
_MARKED_LETTER = {"a": "ä", "o": "ö", "u": "ü", "y": "u", "s": "ş", "c": "ç", "g": "ğ"}
# Russian-style Latin writes the ü and ö of Turkic names after g and k as yu and yo, as Russian
# writes гю, кю (Gyulnara, Tursungyul, Kyuresh: Gülnara, Tursungül, Küresh).
_SOFT_VOWEL = re.compile("(?<=[gk])y([uo])")
_ENGLISH_TH = re.compile(r"th\b")
_ENGLISH_PH = re.compile(r"ph(?!an\b)")


def _marked(m: re.Match) -> str:
    letter = m.group(1) or m.group(2)
    if letter is None:
        return "ñ"
    if letter == "i":  # И after a consonant, Й after a vowel (Ai'gu'l: Aygül)
        return "y" if m.start() and m.string[m.start() - 1] in _VOWELS else "i"
    return _MARKED_LETTER[letter]


@lru_cache(maxsize=65536)
def latin_to_phonemes(text: str, uly: bool = False) -> str:
    """Phonemes of a Latin spelling; ``uly`` when it is known to be ULY (where g is always g, and a
    European letter group two letters)."""
    text = unicodedata.normalize("NFC", text).lower()
    if not uly:
        text = _SOFT_VOWEL.sub(lambda m: "ü" if m.group(1) == "u" else "ö", _MARKED.sub(_marked, text))
        # English ph and a closing th (Yusuph, Elzath); not the p closing a name before -han (Zeynephan)
        text = _ENGLISH_TH.sub("t", _ENGLISH_PH.sub("f", text))
    text = text.translate(_LETTERS).translate(_PARK)
    text = text if uly else _U_AS_W.sub("w", text)
    text = "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))
    if uly:
        text = _ULY_GROUP.sub(lambda m: _GROUP_MAP[m.group()], text).translate(_UNPARK)
        return _VOWEL_Y.sub("i", text)
    text = _FRENCH_WORD.sub(lambda m: _FRENCH_W.sub("w", FRENCH_CH.sub("sh", m.group())), text)
    text = _GROUP.sub(lambda m: _GROUP_MAP[m.group()], _CH_AS_KH.sub("kh", text)).translate(_UNPARK)
    return _VOWEL_Y.sub("i", informal_g(text))


def informal_g(phonemes: str) -> str:
    """g read as gh where a spelling without a letter for gh means it (_BACK_G, _ABDU_G, _BACK_VOWEL_G)."""
    return _BACK_VOWEL_G.sub("ğ", _ABDU_G.sub("ğ", _BACK_G.sub("ğ", phonemes)))

"""Uyghur in Arabic and Cyrillic script to phonemes, through ``umsc``.

The phoneme alphabet is umsc's Common Turkic Script (CTS): one letter per Uyghur sound
(a e é i o u ö ü b p t c ç x d r z j s ş f ñ l m h v y q k g n ğ; c is j as in Jume, j is zh,
x is kh). Every other module speaks it too.

Before conversion the Arabic text is repaired for what families actually type: presentation
forms (from PDFs and old fonts) folded by NFKC; tatweel, harakat, joiners and stray direction
marks removed; Persian and Arabic letters typed for Uyghur ones mapped (ی, ي, ه, ة, ک, أ ...; ه
before a non-joiner or between consonants as ە); a missing initial hamza needs nothing before a
and e, since umsc drops it anyway, and before o, u, ö, ü, é and i the alef typed for it is its seat.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from umsc import UgMultiScriptConverter

_ARABIC = UgMultiScriptConverter("UAS", "CTS")
_CYRILLIC = UgMultiScriptConverter("UCS", "CTS")

# Invisible or decorative: tatweel, harakat and Quranic marks, superscript alef, direction marks
# (LRM, RLM, ALM), joiners and the byte-order mark.
INVISIBLE = re.compile("[\u0640\u064b-\u065f\u0670\u06d6-\u06ed\u200b-\u200f\u061c\u2060\ufeff]")
# Uyghur vowel letters, for deciding what a Persian/Arabic yeh stands for.
_VOWELS = frozenset("اەېىوۇۆۈ")
_LETTER = re.compile(r"[\u0620-\u064a\u066e-\u06d5\u06ee\u06ef\u06fa-\u06ff]")
_SIMPLE = str.maketrans({
    "\u06a9": "\u0643",  # Persian keheh -> kaf
    "\u0629": "\u06d5",  # teh marbuta -> ae
    "\u0621": "\u0626",  # lone hamza -> hamza on yeh
    "\u0624": "\u0626",
    "\u0623": "\u0626\u0627", "\u0625": "\u0626\u0649", "\u0622": "\u0626\u0627", "\u0671": "\u0627",
    "\u062d": "\u06be", "\u0639": "", "\u0635": "\u0633", "\u062b": "\u0633", "\u0636": "\u0632",
    "\u0630": "\u0632", "\u0638": "\u0632", "\u0637": "\u062a",  # Arabic-only consonants
    "\u06c1": "\u06be", "\u06c0": "\u06d5",  # Urdu heh goal, heh with yeh
})
# Arabic-Indic and Persian digits, punctuation that may sit inside a name.
_NOT_NAME = re.compile(r"[\u0660-\u0669\u06f0-\u06f9\u060c\u061b\u061f\u066a-\u066d\u06d4]")


# A Persian keyboard's heh before a zero-width non-joiner takes its final shape inside a word: it
# is how one types Uyghur ە there (مه‌مه‌ت Memet), not an h.
_HEH_NON_JOINER = re.compile("\u0647\u200c")


# A Persian or Arabic keyboard has one heh for Uyghur ە (e) and ھ (h). Uyghur writes every vowel,
# so in a word spelled the Uyghur way an h never stands between two consonants: a heh there is the
# e (مهھمۇد Mehmud, داۋلهتبهک Dewletbek, ھهمدۇللا Hemdulla), as it is after the hamza that opens
# a word on a vowel (ئهنۋهر Enwer); next to a vowel it is the h (پهرهات Perhat, ئىلهام Ilham).
# Yeh is not taken for a consonant here: it may be the vowel i. Persian orthography leaves short
# vowels out and keeps the h there (مهری Mehri): arabic_names says which spelling a word is
# (``heh_e``).
_CONSONANTS = frozenset("بپتجچخدرزژسشغفقكگڭلمنھۋ")


def _consonant(ch: str) -> bool:
    return ch in _CONSONANTS


# A word that opens on a vowel other than a or e carries a hamza (ئو ئۇ ئۆ ئۈ ئې ئى); a keyboard
# without it gives alef, as Persian writes an opening o, u or i (اوسمان Osman, اوبۇلقاسىم Obulqasim,
# اىمىن Imin): that alef is the hamza's seat, not an a. Yeh is left alone: اي is Ay as often
# (اينۇر Aynur).
_ALEF_SEAT = re.compile("(?:^|(?<=\\s))\u0627(?=[\u0648\u06c7\u06c6\u06c8\u06d0\u0649])")


# Uyghur spelling sets a vowel letter after the hamza that opens a word; a consonant there means a
# vowel left out in typing, as often as not the i (ئسمايىل, ئبراھىم, ئلیار: Ismayil, Ibrahim, Ilyar),
# which is put back rather than the hamza dropped (semayil).
_BARE_HAMZA = re.compile("(?:^|(?<=\\s))\u0626(?=[" + "".join(sorted(_CONSONANTS)) + "])")


def _waw_is_w(before: str, after: str) -> bool:
    """A Persian or Arabic keyboard has one waw for Uyghur ۋ (w) and the vowels o, u, ö, ü. Uyghur
    never sets two vowels side by side (a hamza parts them), so a waw beside a vowel letter is the
    w (باوىرجان Bawirjan, قوانیش Quwanish, ریزوانگۈل Rizwangül, ساووت Sawut); after the hamza that
    opens a word it is the vowel (ئوسمان Osman)."""
    return before != "\u0626" and (before in _VOWELS or after in _VOWELS)


def clean_arabic(text: str, heh_e: bool = True) -> str:
    """Uyghur Arabic script as the Uyghur keyboard would have typed it (``heh_e``: a heh between
    consonants is ە, as in a word spelled the Uyghur way)."""
    text = _HEH_NON_JOINER.sub("\u06d5", unicodedata.normalize("NFKC", text))
    text = INVISIBLE.sub("", text)
    text = _ALEF_SEAT.sub("\u0626", _NOT_NAME.sub(" ", text.translate(_SIMPLE)))
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch in "\u06cc\u064a":  # Persian yeh / Arabic yeh: y beside a vowel, i between consonants
            before = out[-1] if out else ""  # as read: a waw before it may be the w (باویرجان Bawirjan)
            after = text[i + 1] if i + 1 < len(text) else ""
            if before == "\u0626":
                ch = "\u0649"
            elif before in _VOWELS or after in _VOWELS:
                ch = "\u064a"
            else:
                ch = "\u0649"
        elif ch == "\u0648" and _waw_is_w(out[-1] if out else "", text[i + 1] if i + 1 < len(text) else ""):
            ch = "\u06cb"
        elif ch == "\u0647":  # Arabic heh: ae at the end of a word or between consonants, h elsewhere
            after = text[i + 1] if i + 1 < len(text) else ""
            before = out[-1] if out else ""
            between = heh_e and _consonant(before) and (after == "\u0647" or _consonant(after))
            ch = "\u06d5" if not _LETTER.match(after) or between or before == "\u0626" else "\u06be"
        out.append(ch)
    return _BARE_HAMZA.sub("\u0626\u0649", "".join(out))


@lru_cache(maxsize=65536)
def arabic_to_phonemes(text: str, heh_e: bool = True) -> str:
    return _ARABIC.UAS2CTS(clean_arabic(text, heh_e)).replace("'", "")


# Russian letters that umsc's Uyghur Cyrillic table leaves alone.
_CYRILLIC_REST = str.maketrans({"ы": "i", "э": "e", "ё": "yo", "ц": "ts", "щ": "şç", "ъ": "", "ь": "",
                                "і": "i", "ұ": "u"})


@lru_cache(maxsize=65536)
def cyrillic_to_phonemes(text: str) -> str:
    """Uyghur Cyrillic (ә = e, е = é, җ = j, ж = zh ...)."""
    return _CYRILLIC.UCS2CTS(unicodedata.normalize("NFC", text)).translate(_CYRILLIC_REST)

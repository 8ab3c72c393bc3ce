"""Names written in Arabic or Persian orthography, read as their Uyghur forms.

Families typing on an Arabic or Persian keyboard often spell a relative's name as those languages
do, not as Uyghur does: short vowels left out (محمد, حسن, فاطمه), Arabic letters Uyghur has no use
for (ح ع ص ط ث ذ ة), the article al- (عبدالرحیم). Read letter by letter such a spelling has too few
vowels to meet the name's Uyghur, Latin or Chinese forms (محمد is mhmd). Spellings of the common
names are looked up in ``data/arabic_names.txt`` and read as their Uyghur form:

* a listed name: محمد Muhemmed, فاطمه Patime;
* Abd al- (or a Persian keyboard's ابدو) and a name: عبدالرحیم, عبد الرحیم, ابدوسلام Abdurehim,
  Abdusalam; the article's l goes before a consonant as in every other script (phonemes._ABDUL);
* a name and al-Din, Allah or al-Nisa: نورالدین Nuridin, امان الله Amanulla, رحمة الله Rehmetulla
  (teh marbuta said t), قمرالنساء Qemernisa;
* a name and -jan: حسنجان Hesenjan (names.py then drops the -jan), or -gül: تاجیگل Tajigül;
* two listed names written as one: نورمحمد Nurmuhemmed, آیگل Aygul;
* Abu al- and a name: ابوالقاسم Ubulqasim.

A word with a Uyghur-only letter (ە ې ۇ ۆ ۈ ۋ ڭ; ە at the end of a word excepted, as a Uyghur
keyboard gives it for a final heh) or opening with hamza is Uyghur orthography and is not looked
up. Anything not listed is read letter by letter (uyghur.arabic_to_phonemes), with the e a
Persian or Arabic keyboard cannot type put back (``_unlisted``).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from importlib import resources

from .latin import latin_to_phonemes
from .uyghur import INVISIBLE
from .uyghur import arabic_to_phonemes as uyghur_to_phonemes

_FOLD = str.maketrans({
    "\u064a": "\u06cc", "\u0649": "\u06cc", "\u0626": "\u06cc",  # yeh, alef maksura, yeh with hamza
    "\u0643": "\u06a9",  # Arabic kaf
    "\u0629": "\u0647", "\u06c0": "\u0647", "\u06be": "\u0647", "\u06c1": "\u0647",  # teh marbuta, hehs
    "\u0623": "\u0627", "\u0625": "\u0627", "\u0622": "\u0627", "\u0671": "\u0627",  # alef forms
    "\u0624": "\u0648", "\u0621": "",  # hamza on waw, lone hamza
})
_UYGHUR_ONLY = frozenset("\u06d5\u06d0\u06c7\u06c6\u06c8\u06cb\u06ad")  # ە ې ۇ ۆ ۈ ۋ ڭ
_HAMZA = "\u0626"

_ABD = ("عبدال", "ابدال", "عبدول", "ابدول", "عبدو", "ابدو", "عبد", "ابد")  # longest first
_ARTICLE = "ال"
# A Persian keyboard has no ۈ: -gül closing a name is گل or گول (تاجیگل Tajigül).
_ENDINGS = (("الدین", "idin"), ("الله", "ulla"), ("النسا", "nisa"), ("جان", "jan"), ("گول", "gül"), ("گل", "gül"))
# Arabic's teh marbuta before Allah is said t (رحمة الله Rehmetulla, نعمة الله Nimetulla), as
# Persian spelling writes it (رحمت الله); folded, it is a heh.
_TEH_MARBUTA_BEFORE = "الله"
# Abu al- is Uyghur Ubul- (ابوالقاسم Ubulqasim, ابوالحسن Ubulhesen), as Latin Abul- is (phonemes.py).
_ABU_AL = "ابوال"
_SHORTEST = 2  # letters of a compound's part


@lru_cache(maxsize=65536)
def fold(word: str) -> str:
    """A spelling as the list is looked up by: one letter for each letter's Arabic and Persian
    forms, harakat, tatweel and joiners gone."""
    # A heh before a non-joiner is a Persian keyboard's ە (uyghur.py), no Persian spelling's h.
    word = INVISIBLE.sub("", unicodedata.normalize("NFKC", word).replace("\u0647\u200c", "\u06d5"))
    if word.endswith("\u06d5"):
        word = word[:-1] + "\u0647"
    return word.translate(_FOLD)


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, str]:
    """Folded spelling -> ULY form."""
    text = resources.files("intake.resolution").joinpath("data/arabic_names.txt").read_text("utf-8")
    out: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            uly, spellings = line.split("\t")
            for spelling in spellings.split():
                out.setdefault(fold(spelling), uly)
    return out


@lru_cache(maxsize=65536)
def is_uyghur_spelling(word: str) -> bool:
    """Written in Uyghur orthography: a letter only Uyghur has, the initial hamza, ھ (Arabic and
    Persian keyboards type ه), or ى inside a word (Uyghur's i; Arabic writes alef maksura only at a
    word's end, Persian ی): زىن is Uyghur Zin, not زین Zeyn."""
    word = INVISIBLE.sub("", unicodedata.normalize("NFKC", word))
    return (word.startswith(_HAMZA) or not _UYGHUR_ONLY.isdisjoint(word.rstrip("\u06d5"))
            or "\u06be" in word or "\u0649" in word[:-1])


def _listed(folded: str) -> str | None:
    uly = _lexicon().get(folded)
    return None if uly is None else latin_to_phonemes(uly, uly=True)


# A Persian or Arabic keyboard has no letter for Uyghur e (ە, ې), so a Uyghur name typed on one
# loses it (ممتیمین Memtimin, ممتلی Memtili, شکر Sheker): where a word then opens or closes on
# two consonants, or holds three together, which Uyghur does not, an e goes back between them.
_C = "bptcçxdrzjsşfñlmhvyqkgnğ"
_OPEN = re.compile(f"^([{_C}])(?=[{_C}])")
# Before a w the vowel left out is u: one waw typed for ۇۋ (قوانیش, Kazakh قۋانىش: Quwanish).
_OPEN_W = re.compile(f"^([{_C}])(?=v)")


def _opened(phonemes: str) -> str:
    """A word that opens on two consonants with its vowel back between them."""
    return _OPEN.sub(r"\1e", _OPEN_W.sub(r"\1u", phonemes))


def _closing(last: str) -> re.Pattern[str]:
    """Between a word's last two letters when both are consonants, the last one of ``last``."""
    return re.compile(f"(?<=[{_C}])(?=[{last}]$)")


_CLOSE = _closing(_C)
# The consonants that close a Uyghur spelling on two: not w or y (Kazakh writes its у ۋ: ايسۇلۋ Aysulu).
_C_CLOSING = _C.replace("v", "").replace("y", "")
# After a w the vowel left out before a closing consonant is u (ساۋت Sawut, داۋت Dawut).
_CLOSE_W = re.compile(f"(?<=v)(?=[{_C_CLOSING}]$)")


def _closed(closing: re.Pattern[str], phonemes: str) -> str:
    """A word that closes on two consonants (``closing``) with its vowel back between them."""
    return closing.sub("e", _CLOSE_W.sub("u", phonemes))
_THREE = re.compile(f"(?<=[{_C}]{{2}})(?=[{_C}])")


# A word without a single vowel letter but heh (سهمهت Semet) is no Persian spelling: Persian writes
# the long vowels. Its hehs between consonants are Uyghur ە typed on a keyboard without it.
_VOWEL_LETTERS = frozenset("\u0627\u0648\u06cc\u064a\u0649")  # ا و ی ي ى


@lru_cache(maxsize=65536)
def _heh_is_e(word: str) -> bool:
    """Whether a heh between consonants is Uyghur ە typed on a Persian or Arabic keyboard rather than
    Persian spelling's h: in a word without a vowel letter (above), and where the h would leave three
    consonants together, which no Uyghur name holds, and the e leaves a word spelled as Uyghur spells
    it, every vowel written (شهمسیدین Shemsidin, موتهللیپ Mutellip, اومهر Ömer, سانوبهر Sanuber,
    مهمهتتورسون Memettursun). Persian spelling leaves short vowels out elsewhere too (گلهمار
    Gülhumar: gl- opens it), and its common names with that h are listed (مهری, مهربان, بهرام)."""
    if _VOWEL_LETTERS.isdisjoint(word):
        return True
    as_e = uyghur_to_phonemes(word, True)
    return _THREE.search(uyghur_to_phonemes(word, False)) is not None and _THREE.search(as_e) is None \
        and _OPEN.match(as_e) is None and _CLOSE.search(as_e) is None


# An ʿayn after alef and before a consonant closes a syllable, which Arabic names seldom do after a
# long a (Jaʿfar, Yaʿqub have none before it) and Kazakh Arabic script's ғ does (باعلان Baghlan,
# تاعجان Taghjan): gh.
_AYN_CLOSING = re.compile("(?<=ا)ع(?=[^اويىیەېۇۆۈئه])")


def _unlisted(word: str) -> str:
    """A word the list does not know, read letter by letter, with the e a keyboard without it left out."""
    word = _AYN_CLOSING.sub("غ", word)
    phonemes = uyghur_to_phonemes(word, _heh_is_e(word))
    if " " in phonemes:
        return phonemes
    return _THREE.sub("e", _closed(_CLOSE, _opened(phonemes)))


def _part(folded: str) -> str:
    """A compound's part: listed, or read letter by letter."""
    return _listed(folded) or _unlisted(folded)


def _compound(folded: str) -> str | None:
    """The phonemes of a folded word the list knows, alone or in one of the compounds above."""
    found = _listed(folded)
    if found is not None:
        return found
    for prefix in _ABD:
        rest = folded[len(prefix):]
        if folded.startswith(prefix) and len(rest) >= _SHORTEST and rest != _ARTICLE:
            article = prefix.endswith(("ال", "ول"))
            if rest.startswith(_ARTICLE) and len(rest) > len(_ARTICLE) + 1:
                rest, article = rest[len(_ARTICLE):], True
            return ("abdul" if article else "abdu") + _part(rest)
    if folded.startswith(_ABU_AL) and len(folded) - len(_ABU_AL) >= _SHORTEST:
        return latin_to_phonemes("ubul", uly=True) + _part(folded[len(_ABU_AL):])
    for ending, reading in _ENDINGS:
        stem = folded[: -len(ending)]
        if folded.endswith(ending) and len(stem) >= _SHORTEST:
            if ending == _TEH_MARBUTA_BEFORE and stem.endswith("\u0647") and len(stem) > _SHORTEST:
                stem = stem[:-1] + "\u062a"
            return _part(stem) + latin_to_phonemes(reading, uly=True)
    for cut in range(len(folded) - _SHORTEST, _SHORTEST - 1, -1):
        head, tail = _listed(folded[:cut]), _listed(folded[cut:])
        if head is not None and tail is not None:
            return head + tail
    return None


@lru_cache(maxsize=65536)
def letters_only(word: str) -> str | None:
    """A word of Arabic script neither in Uyghur spelling nor listed, read letter by letter with no
    vowel put back; None for any other word. The short vowels a Persian or Arabic keyboard leaves
    out are unknown (گلهمار Gülhumar, تاشپلات Tashpolat, خیرنسا Xeyrinisa), so only such a word's
    consonants can be compared (names.py)."""
    if is_uyghur_spelling(word) or _compound(fold(word)) is not None:
        return None
    return uyghur_to_phonemes(word, _heh_is_e(word)).replace(" ", "")


# Kazakh Arabic script writes ғ with ʿayn (قارلىعاش Qarlighash, نۇرعالى Nurghali), a letter Uyghur
# spelling has not: in a word spelled with Uyghur's vowels it is gh. Not the ʿayn of ʿAbd (عابدۇراھمان
# typed by one who knows the Arabic), which Uyghur drops.
_AYN_GH = re.compile("\u0639(?!ا?بد)")


@lru_cache(maxsize=65536)
def word_to_phonemes(word: str) -> str:
    """One word of Arabic script: Uyghur spelling as umsc reads it, Arabic or Persian orthography
    as the list reads it, or letter by letter with the e a keyboard without it left out."""
    if is_uyghur_spelling(word):
        phonemes = uyghur_to_phonemes(_AYN_GH.sub("\u063a", word))
        # A name the variant table lists is read as written (Kazakh مەرۋەرت Meruert closes on rt).
        from .variants import canonical  # variants reads spellings through this module
        return phonemes if canonical(phonemes) is not None else _with_e_again(phonemes)
    return _compound(fold(word)) or _unlisted(word)


# A Uyghur spelling's last two letters both consonants, the last one of _C_CLOSING.
_CLOSE_UYGHUR = _closing(_C_CLOSING)


# Three consonants together, which Uyghur names do not hold either: the typist left out a vowel,
# most often i (ئابلكىم Ablikim, تۇرنسا Turnisa, گۈلنسا Gülnisa, بەختيار Bextiyar); before -jan,
# -xan, -gül or -bek it belongs to the name before the suffix, which does not close on two
# consonants either (ئالمجان Alimjan, ئىمنجان Iminjan, باۋرجان Bawirjan, روشنگۈل Roshengül).
_THREE_UYGHUR = re.compile(f"[{_C}]{{3}}")
_SUFFIXES = ("can", "xan", "gül", "bek")  # -jan, -xan, -gül, -bek as umsc's letters write them


# Turkic names do hold r or l before s and a consonant (Arslan, Arslanbek).
_KEPT = re.compile(f"[rl][sş][{_C}]")


def _vowel_in_three(phonemes: str) -> str:
    start = 0
    while (run := _THREE_UYGHUR.search(phonemes, start)) is not None:
        start = run.start() + 1
        if _KEPT.match(run.group()):
            continue
        at = run.start() + (1 if phonemes[run.start() + 2:] in _SUFFIXES else 2)
        phonemes = phonemes[:at] + "i" + phonemes[at:]
    return phonemes


def _with_e_again(phonemes: str) -> str:
    """A Uyghur spelling that opens or closes on two consonants, which Uyghur names do not, with
    the e that the typist left out put back (ممەت Memet, ئەھمت Ehmet, گۈلشن Gülshen, ئەكرم Ekrem),
    and one that holds three with its i (_THREE_UYGHUR)."""
    if " " in phonemes:
        return phonemes
    return _vowel_in_three(_closed(_CLOSE_UYGHUR, _opened(phonemes)))


# What one key of a Persian or Arabic keyboard stands for in a Uyghur name, in umsc's letters:
# waw for o, u, ö and ü (variants fold ö and ü), and an Arabic keyboard's ب for پ, ك for گ, ج for چ.
_ONE_KEY = (("o", "u"), ("b", "p"), ("k", "g"), ("c", "ç"))


@lru_cache(maxsize=65536)
def keyboard_canonical(word: str, phonemes: str) -> str | None:
    """The name the variant table lists that a word typed on a Persian or Arabic keyboard spells
    (``phonemes``, as read), when read letter by letter it is none: with u for its o, p for its b, g
    for its k or ch for its j, and é for one of its i, which the keyboard types as yeh (موههممهتجان
    Muhemmetjan, read mohemmet; ابدوغینی Abdughéni; كولنور Gülnur). Never for a word in Uyghur
    spelling, whose letters say which they are."""
    if is_uyghur_spelling(word):
        return None
    from .variants import canonical  # variants reads spellings through this module
    forms = [phonemes]
    for one, other in _ONE_KEY:
        forms += [form.replace(one, other) for form in forms if one in form]
    for form in forms:
        if form != phonemes and (found := canonical(form)):
            return found
    for form in forms:
        for at in (i for i, ch in enumerate(form) if ch == "i"):
            if found := canonical(form[:at] + "é" + form[at + 1:]):
                return found
    return None


def arabic_to_phonemes(text: str) -> str:
    """Phonemes of Arabic-script text, word by word."""
    return " ".join(word_to_phonemes(word) for word in text.split())


_SON_OF = frozenset({"بن", "ابن", "بنت"})  # bin, ibn, bint: the father's name follows


def join_words(words: list[str]) -> list[str]:
    """A name's words with the parts Arabic writes apart joined: Abd and the name after it
    (عبد الرحیم), al-Din and Allah with the name before them (نور الدین, امان الله), a lone article
    with the next word; bin and bint between two names left out, since the father's name already
    follows the person's (محمد بن عمر is Muhemmed Ömer)."""
    out: list[str] = []
    glue = False
    for i, word in enumerate(words):
        folded = fold(word)
        if out and not glue and folded in _SON_OF and i + 1 < len(words):
            continue
        if out and (glue or (folded in ("الدین", "الله") and not is_uyghur_spelling(out[-1]))):
            out[-1] += word
        else:
            out.append(word)
        glue = folded in _ABD or folded in ("ابو", _ARTICLE) or (glue and folded == _ARTICLE)
    return out

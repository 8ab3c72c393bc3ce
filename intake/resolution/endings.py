"""The endings of a name's words, in phonemes: Kazakh, Kyrgyz and Uyghur patronymics and
Russian-style surnames (with the gender they say), the endearment -jan, -xan after a name,
informal Latin's -guli, Russian's -nura and -haji written without the m of -hajim, Kazakh -qan;
and a word's stem without one (words.py and second_reading.py read them)."""

from __future__ import annotations

# Patronymic endings, in phonemes, with the gender they say; longest first. A stem must keep
# three letters and a vowel (so Imin and Yasin are not read as surnames). Kyrgyz writes uulu, and
# Kazakh ұлы is uly or uli; a plain -ulu is Kazakh сұлу "beautiful", which ends women's names
# (Aysulu, Nursulu, Gülsulu), not a father's.
SUFFIXES = (("oviç", "m"), ("éviç", "m"), ("eviç", "m"), ("ovna", "f"), ("évna", "f"),
            ("evna", "f"), ("qizi", "f"), ("kizi", "f"), ("uulu", "m"), ("ğli", "m"), ("ğlu", "m"),
            ("uli", "m"), ("ova", "f"), ("éva", "f"), ("eva", "f"), ("ov", "m"), ("év", "m"),
            ("ev", "m"))
# The same words standing alone after the father's name (Serik uly, Tursun oghli).
# Looked up by phonemes.variant_key, so q/k, gh/g and ü/u spellings all count.
PATRONYMIC_WORDS = {"uli": "m", "ulu": "m", "ogli": "m", "oglu": "m", "kizi": "f"}
# -jan in phonemes (c is j, j is zh), and as Uzbek and Tajik spell it (-jon, Russian-style -джон).
JAN = ("can", "jan", "con")
# -xan, which Uyghur and Kazakh put after a name as -jan (Patemxan, Walixan, Qasimxan), informal
# Latin writing it -han (Patemhan): after a listed name, that name's canonical form and -xan, so
# that Patemxan, Fatimakhan and 帕提曼汗 are one name.
XAN = ("xan", "han")
# Kazakh -qan closing a name (Жұмақан Jumaqan, Мырзақан), which Chinese writes 汗 as it writes -xan
# (居马汗): read as -xan in the second reading after a stem of two syllables or more (second_reading.py).
QAN = ("qan", "kan")
# Endings whose last letter a spelling adds to the name, left out: informal Latin writes -gül as
# pinyin spells 古丽, -guli (Baharguli, Tursunguli; the name's own ending, not the Kazakh patronymic
# -uli: no father's name ends in g); Russian gives a woman's name that closes on a consonant an -a,
# which Latin spellings learnt from Russian keep (Гүлнұр, Айнур: Гульнура, Айнура), after -nur,
# which closes women's names (Gülnur, Aynur, Balnur, Dilnur). Not after -nar: Dinara is a name of
# its own (迪娜拉), not Dinar.
ADDED_LETTER = ("guli", "ñuli", "nura")
# Hajim, "my hajji", which closes men's names (Rozihajim, Ehmethajim) and is as often written haji
# (Rozihaji, Ahmethaji; Chinese 哈吉 beside 哈吉木, names.py): read with its m, which a typo of the
# name keeps (Hajeim, Haijim). Only after h (Russian x): Naji and Najim are two names.
HAJI = ("haci", "xaci")
SUFFIX_ENDINGS = tuple(ending for ending, _ in SUFFIXES)

_VOWELS = set("aeéiouöü")
_ROUNDED = str.maketrans("öü", "ou")


def stem(phonemes: str, endings: tuple[str, ...], shortest: int = 3) -> tuple[str, int] | None:
    """``phonemes`` without the first of ``endings`` it ends with (ö, ü read as o, u), and which."""
    folded = phonemes.translate(_ROUNDED)
    for i, ending in enumerate(endings):
        if folded.endswith(ending):
            rest = phonemes[: -len(ending)]
            if len(rest) >= shortest and not _VOWELS.isdisjoint(rest):
                return rest, i
    return None

"""Names: whole name fields split and oriented into the comparable forms of a ``NameKey``.

A ``NameKey`` holds three forms of a name (tokens joined by single spaces, in the same order in
every form):

* ``latin``: canonical Latin (ASCII Uyghur Latin, curated variants unified, -jan dropped);
* ``skeleton``: the folded form for comparing spellings in Latin, Arabic and Cyrillic scripts;
* ``syllables``: the form Chinese transcription reduces a name to (see chinese.py), comparable
  between Chinese characters or pinyin and every other script.

Each word is read by words.py (patronymics, -jan, the variant table, the script's reading); here
titles (Haji, Axun) are dropped when other words remain, a patronymic word gives its gender to the
word before it, and a field's order (given name first, or a passport's family name first) is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache

from . import arabic_names, chinese, scripts
from .words import Token, analyse_token, same_word, split_tokens

__all__ = ["Analysis", "NameKey", "Token", "analyse", "analyse_token", "name_key", "same_word", "split_tokens"]


@dataclass(frozen=True, slots=True)
class NameKey:
    latin: str      # canonical Latin form (variants unified), lower-case ASCII, tokens joined by " "
    skeleton: str   # folded form for fuzzy comparison
    syllables: str  # cross-script form comparable between Chinese/pinyin and the other scripts
    script: str     # detected script of the original
    # The cross-script form's second reading (chinese.py, "the second reading": h and gh read as k,
    # a closing l as r), tokens as in ``syllables`` (a token without one repeats its syllables);
    # "" when no token has one.
    second: str = ""
    # The skeleton as another writing habit reads it (habits.other_reading: pinyin's x sh and q ch, or
    # Russian's kh or х for Kazakh q), tokens as in ``skeleton``; "" when no token has one.
    habit: str = ""
    # The consonants of each token typed in Arabic script without its short vowels
    # (arabic_names.letters_only), "-" for a token typed otherwise; "" when none was.
    bare: str = ""

    @property
    def tokens(self) -> tuple[tuple[str, str, str], ...]:
        return tuple(zip(self.latin.split(" "), self.skeleton.split(" "), self.syllables.split(" ")))

    @property
    def seconds(self) -> tuple[str, ...]:
        """Each token's second reading, or its cross-script form where it has none."""
        return tuple((self.second or self.syllables).split(" "))

    @property
    def habits(self) -> tuple[str, ...]:
        """Each token's skeleton as another writing habit reads it, or its skeleton where it has none."""
        return tuple((self.habit or self.skeleton).split(" "))

    @property
    def bares(self) -> tuple[str, ...]:
        """Each token's consonants where it was typed without its short vowels, else ""."""
        if not self.bare:
            return ("",) * len(self.skeleton.split(" "))
        return tuple("" if b == "-" else b for b in self.bare.split(" "))


@dataclass(frozen=True, slots=True, eq=False)  # identity hash: analyses come from analyse()'s cache
class Analysis:
    """A name field read token by token, in the order written."""

    script: str
    tokens: tuple[Token, ...]
    passport_order: bool  # family name first: upper-case Latin or pinyin, as on passports
    gender: str | None    # what a patronymic or surname says

    def key(self, tokens: tuple[Token, ...] | None = None) -> NameKey | None:
        if tokens is None:
            return _whole_key(self)
        return self._key(tokens)

    def first_key(self) -> NameKey | None:
        """The first word alone (a father's name field holds his name first)."""
        return _first_key(self)

    def _key(self, tokens: tuple[Token, ...] | None = None) -> NameKey | None:
        chosen = self.tokens if tokens is None else tokens
        # An initial (A. Tursun) names no one; a Chinese character or its pinyin is never one (艾 of
        # 艾江 Ayzhan, AIJIANG).
        if not chosen or (self.script not in scripts.CHINESE_SCRIPTS and all(len(t.latin) == 1 for t in chosen)):
            return None
        second = " ".join(t.second or t.syllables or "-" for t in chosen) if any(t.second for t in chosen) else ""
        habit = " ".join(t.habit or t.skeleton for t in chosen) if any(t.habit for t in chosen) else ""
        bare = " ".join(t.bare or "-" for t in chosen) if any(t.bare for t in chosen) else ""
        return NameKey(" ".join(t.latin for t in chosen), " ".join(t.skeleton for t in chosen),
                       " ".join(t.syllables or "-" for t in chosen), self.script, second, habit, bare)

    def given_and_father(self) -> tuple[NameKey | None, NameKey | None]:
        """The person's own name and the father's, by the conventions of how the name was written:
        a patronymic or -ov surname names the father wherever it stands; passports put the family
        name first; otherwise the given name comes first (Uyghur, and Chinese with a middle dot)."""
        return _given_and_father(self)

    def _given_and_father(self) -> tuple[NameKey | None, NameKey | None]:
        tokens = self.tokens
        if not tokens:
            return None, None
        marked = [i for i, t in enumerate(tokens) if t.patronymic]
        if marked and len(tokens) > 1:
            father = tokens[marked[0]]
            rest = tuple(t for i, t in enumerate(tokens) if i != marked[0])
            return self.key(rest[:1]), self.key((father,))
        if len(tokens) == 1:
            return self.key(tokens), None
        if self.passport_order:
            return self.key(tokens[1:2]), self.key(tokens[:1])
        return self.key(tokens[:1]), self.key(tokens[1:2])


@lru_cache(maxsize=131072)
def _given_and_father(analysis: Analysis) -> tuple[NameKey | None, NameKey | None]:
    return analysis._given_and_father()


@lru_cache(maxsize=131072)
def _whole_key(analysis: Analysis) -> NameKey | None:
    return analysis._key()


@lru_cache(maxsize=131072)
def _first_key(analysis: Analysis) -> NameKey | None:
    return analysis._key(analysis.tokens[:1])


# A bracketed part of a name field: "Ablimit (Abulimiti)", "Ablimit [ئابلىمىت] Tursun".
_BRACKETED = re.compile(r"\s*[(\[（【]([^()\[\]（）【】]*)[)\]）】]")

# "Son of" or "daughter of" written between the two names (Ablimit bin Tursun, Gulnar binti Tursun,
# Ablimit s/o Tursun as South Asian papers write it): a word that is no name. Only between two
# words, so that a name Bin at either end stays a name. Arabic script writes it بن, بنت, or in
# Uyghur letters بىن, بىنتى.
_CONNECTOR = re.compile(r"(?<=\w)\s+(?:bin|binti|s\s*/\s*o|d\s*/\s*o|بن|بنت|بىن|بىنتى)\.?\s+(?=\w)",
                        re.IGNORECASE)


def _inverted(text: str) -> bool:
    """Whether the field reads "Tursun, Ablimit": one comma with a name on either side puts the
    family name first, as English lists write it ("Last, First"); a Uyghur's is the father's."""
    parts = text.split(",")
    return len(parts) == 2 and all(any(ch.isalpha() for ch in part) for part in parts)


def _spells_again(again: tuple[Token, ...], before: tuple[Token, ...]) -> bool:
    """Whether the words ``again`` only name once more the last words of ``before``."""
    return bool(again) and len(before) >= len(again) and all(
        same_word(a.forms, b.forms) for a, b in zip(again, before[-len(again):]))


def _without_alternates(text: str) -> str:
    """The field without the brackets that only spell again the words just before them, in another
    spelling or script ("Ablimit (Abulimiti) Tursun"): read as words, they would be taken for the
    father's name. Brackets that say anything else stay and are read as before."""
    out = text
    for match in reversed(list(_BRACKETED.finditer(text))):
        inner, before = match.group(1), text[:match.start()]
        if not inner.strip() or not before.strip():
            continue
        if _spells_again(analyse(inner).tokens, analyse(before).tokens):
            out = out[:match.start()] + out[match.end():]
    return out


def _without_respelling(text: str) -> str:
    """The field without the words after a slash that only spell again the words just before it
    ("Ablimit / Abulimiti Tursun", "Ablimit Tursun / 阿布力米提·吐尔逊"), as brackets do; a slash between
    two names ("Ablimit/Tursun") stays a separator."""
    before, after = text.split("/")
    said_before, words = analyse(before).tokens, split_tokens(after)
    for k in range(min(len(said_before), len(words)), 0, -1):
        again = analyse(" ".join(words[:k])).tokens
        if len(again) == k and _spells_again(again, said_before):
            return " ".join([before, *words[k:]])
    return text


@lru_cache(maxsize=131072)
def analyse(text: str, script: str | None = None) -> Analysis:
    """Read one name field (a given name, or a full name in either order) in any script."""
    if _BRACKETED.search(text):
        text = _without_alternates(text)
    text, connected = _CONNECTOR.subn(" ", text)  # "X bin Y": X's own name first, whatever the case
    if text.count("/") == 1:
        text = _without_respelling(text)
    detected = scripts.detect(text)
    # The script the family chose is kept when it is finer than detection can tell (ULY, Kazakh
    # Cyrillic) and agrees with the letters; otherwise the letters decide.
    if script in (None, "", "other", "Cyrl", "Latn") or scripts.family(script) != scripts.family(detected) \
            or detected == scripts.CHINESE:
        script = detected
    words = split_tokens(text)
    if script == scripts.ARABIC:
        words = arabic_names.join_words(words)
    tokens: list[Token] = []
    for word in words:
        # A field may mix scripts: Ablimit (ئابلىمىت).
        word_script, own = script, scripts.detect(word)
        if scripts.family(own) not in (scripts.family(script), "other"):
            word_script = own
        elif script == scripts.PINYIN and own in scripts.LATIN_SCRIPTS:
            word_script = own  # a word that is not pinyin beside pinyin (Erzhan Maihemuti)
        elif script == scripts.LATIN and own == scripts.PINYIN and chinese.pinyin_beside_latin(word):
            word_script = own  # a passport's pinyin beside Latin (Abudukapaer Dulat)
        token = analyse_token(word, word_script)
        if token is None:
            continue
        if token.marker and tokens:
            last = tokens.pop()
            # "Serik uly": the word names the father (its gender), and is no marker or title itself.
            tokens.append(replace(last, patronymic=token.marker, marker=None, title=False))
            continue
        tokens.append(token)
    titled = any(t.title for t in tokens)  # "Gulnar, daughter of Tursun": the words say the order
    if len(tokens) > 1:
        tokens = [t for t in tokens if not t.title] or tokens
    letters = [ch for ch in text if ch.isalpha()]
    inverted = not titled and script in scripts.LATIN_SCRIPTS | scripts.CYRILLIC_SCRIPTS and _inverted(text)
    passport = not connected and len(tokens) > 1 and (inverted or (
        script in scripts.LATIN_SCRIPTS | {scripts.PINYIN} and bool(letters) and all(ch.isupper() for ch in letters)))
    return Analysis(script, tuple(tokens), passport, next((t.patronymic for t in tokens if t.patronymic), None))


def name_key(text: str | None, script: str | None = None) -> NameKey | None:
    """The comparable forms of a whole name field (None when it holds no readable name)."""
    if text is not None and not isinstance(text, str):
        raise TypeError("a name must be text")  # never the value: it may be a name
    if not text or not text.strip():
        return None
    return analyse(text, script).key()

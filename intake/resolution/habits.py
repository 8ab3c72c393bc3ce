"""A word as another writing habit reads it: the letters a family's schooling or keyboard gave it,
read back as the sounds Uyghur spelling writes. The reading's skeleton (``NameKey.habit``) meets
another spelling's skeleton as the same name (name_match, and the matcher's other skeleton), while
the word keeps its own cross-script form, so Chinese is compared with what was written."""

from __future__ import annotations

import re

from . import latin, scripts, second_reading, variants
from .phonemes import NG_BEFORE_VOWEL, syllable_count

# Scripts in which Uzbek, Kyrgyz and Tajik spellings write a as o (Gulbahor, Чолпон).
UZBEK_O = frozenset({scripts.LATIN, scripts.RUSSIAN_CYRILLIC})

# Uyghur and Kazakh o stands in a word's first syllable (or a compound part's: Nurbolat). Where
# Uzbek, Kyrgyz and Tajik spellings write o, Uyghur has a (_uzbek_a):
# * in a last syllable past the first: Bekbolot, Mehribon, Gulbahor, Cholpon, Mukhtor;
# * elsewhere in a word without e, which Uzbek spelling has none of for Arabic's a (Bakhodir, Sobir,
#   Oyimxon for Bahadir, Sabir, Ayimxan), and which Uyghur spelling mostly has: its o is then an
#   ö or u (Hosen for Hüsen is not Hesen);
# * but not an o before an o, the Kyrgyz rounding that follows one (Bolot, Nurbolot for Bolat).
_VOWELS = re.compile("[aeéiouöü]+")
# Pinyin's ong closes a syllable; before a vowel the g opens the next one (Jahongir, Rayhongul).
_ONG = re.compile("ñ(?![aeéiouöü])")


def _uzbek_a(phonemes: str) -> tuple[str, bool] | None:
    """The word with its Uzbek o read as a, and whether one of them was past the first syllable;
    None without any. Only an o alone, not pinyin's ao, ou, uo or closing ong (Abuduoxi)."""
    vowels = list(_VOWELS.finditer(phonemes))
    no_e = "e" not in phonemes and "é" not in phonemes
    out, later = list(phonemes), False
    for i, v in enumerate(vowels):
        if v.group() != "o" or _ONG.match(phonemes, v.end()):
            continue
        last = i == len(vowels) - 1
        if (last and i > 0) or (not last and vowels[i + 1].group() != "o" and no_e):
            out[v.start()] = "a"
            later = later or i > 0
    changed = "".join(out)
    return (changed, later) if changed != phonemes else None


# German, Dutch and Scandinavian spellings write y as j (Jusup, Iljas, Ajgul, Jerlan for Yüsüp,
# Ilyas, Aygül, Erlan), German kh as ch (Ilcham), ü as ue (Tursunguel), the zh of Kazakh ж as sch
# (Bakytschan, Schanar) and often z as s (Rosi, Nasgul); Dutch u as oe (Toersoen, Noerlan). Each
# is also an English or ULY spelling of something else (j, ch, s), or a slip (Abduvoeli), so they
# are read only where the word is not a listed name as written (words.analyse_token) or as the
# other reading.
_EUROPEAN_J = re.compile("(?<![dzs])j")
# Kazakh Latin and English write Kazakh zh as j too (Julduz, Janar), so a word read as a listed
# name takes j as y only where Kazakh zh seldom stands: before e at the start (Jerbol, Jermek, Kazakh
# Е: Yerbol), between a vowel and a consonant or at the end (Ajgul, Mihraj), between two vowels
# (Danijar, Razije, Majsa) and after l, n or r before a vowel (Iljas, Iljar); or anywhere in a
# word spelt in German or Dutch letters (Jussup, Abdoeljakup).
_LISTED_J = re.compile("^j(?=e)|(?<=[aeiouéöü])j(?=[^aeiouéöü]|$)|(?<=[aeiouéöülnr])j(?=[aeiouéöü])")
_GERMAN_OR_DUTCH = re.compile(f"sch|ue|oe|{latin.SJ_NOT_JAN}|zj|ch(?=[bdfgklmnpqrstvwxz])")
_EUROPEAN_CH = re.compile("(?<=[a-zé])(?<![tds])ch")
_EUROPEAN_SCH = re.compile("(?<!d)sch")
_EUROPEAN_S = re.compile("(?<![s])s(?![shjc])")
_FRENCH_GU = re.compile("gu(?=[eiéèï])")
_FRENCH_C = re.compile("c(?![eiéhy])")
_FRENCH_E = re.compile("(?<=[aeiouy][nd])e$")
# What only French spelling writes: ou, dj, a closing c (Abdoukerim, Djamal, Kurmanbec); a long
# word's closing e after n or d (_FRENCH_E: Nizamidine) as well.
_FRENCH_MARK = re.compile("ou|dj|c$")
_NORDIC_CH = re.compile("[tk]j")
# Swedish, Norwegian, Danish and Finnish y is ü (Gylnisa, Nazgyl, Tömyr for Gülnisa, Nazgül, Tömür);
# between consonants in English letters it is as often Kazakh ы (Baqytzhan, Zhuldyz), so it is
# read as ü only for a listed name or as the other reading.
_NORDIC_Y = re.compile("(?<=[^aeiouyéöü])y(?=[^aeiouyéöü])")
_CLOSING_J = re.compile("(?<=[aeiouéöü])j(?=[bcdfgklmnpqrstvwxz]|$)")
# German writes ü and ö as ULY does, so a German spelling with them is taken for ULY (Jünüs,
# Hüssejin for Yünüs, Hüseyin); é it has not.
_GERMAN_UMLAUT = re.compile("[üö]")
_CLOSING_H = re.compile("[aeéiouöü].*[^aeéiouöü][ae]h$")
# Kazakh and Uyghur ng written as a letter of its own (ң, ڭ, ñ), which informal Latin and
# Russian-style spellings write as n before a vowel (phonemes.NG_BEFORE_VOWEL: Жеңіс Zhenis, Теңіз
# Teniz, Таңат Tanat); before a consonant the skeleton folds it to n already.
_NG_LETTER = re.compile("[ңڭñŋ]")


# Dutch spelling, known by its oe for u before a consonant or at the end (Noerbek, Toersoengoel,
# Mevloede), which no English, Turkish or Uyghur Latin spelling writes: a word that has it is read
# as Dutch throughout, ie as i, tj as ch, j as y and ch as kh (Abdoerrehiem, Boeheltjem, Zoelpija,
# Tochtinijaz), so its Chinese forms too are compared with what it means; unless the word without
# that o, or with another letter for it, is a listed name: a slip of one letter (Abduvoeli, Ehoet).
_DUTCH_OE = re.compile("(?<=[^aeiouéöü])oe(?![aeiou])")
_DUTCH = re.compile("oe|ie(?![aeiou])|tj|(?<![dzs])j|(?<![st])ch")
_DUTCH_SOUNDS = {"oe": "u", "ie": "i", "tj": "ch", "j": "y", "ch": "kh"}


def dutch_spelling(token: str) -> str | None:
    """A word in Dutch letters (_DUTCH_OE) as English letters write it, or None when it is not."""
    lower = token.lower()
    if not (oe := _DUTCH_OE.search(lower)):
        return None
    head, tail = lower[:oe.start()], lower[oe.start() + 1:]
    if any(variants.canonical(latin.latin_to_phonemes(head + typed + tail)) is not None
           for typed in ("", *"abcdefghijklmnopqrstuvwxyzéöü")):
        return None
    return _DUTCH.sub(lambda m: _DUTCH_SOUNDS[m.group()], lower)


def european_spellings(token: str, listed: bool = False) -> list[str]:
    """The word as a European spelling means it, in English letters: without and with s as z;
    none when nothing in it is read otherwise. ``listed``: for reading it as a listed name
    (_LISTED_J), and then also as a French or Scandinavian spelling."""
    lower = token.lower()
    j = _EUROPEAN_J if not listed or _GERMAN_OR_DUTCH.search(lower) else _LISTED_J
    changed = _EUROPEAN_SCH.sub("zh", _EUROPEAN_CH.sub("kh", j.sub("y", lower)))
    changed = changed.replace("ue", "ü").replace("oe", "u")
    out = [changed] if changed != lower else []
    with_z = _EUROPEAN_S.sub("z", changed)
    out += [with_z] if with_z != changed else []
    if listed:  # French ch as sh, gu as g, c as k and a closing e silent (Abdourahmane, Seric:
        # Abdurahman, Sérik); Swedish and Norwegian tj and kj as ch (Uyghur -jan after t or k writes
        # tj and kj too, Metjan: only where that makes a listed name)
        french = _NORDIC_CH.sub("ch", _french(lower))
        out += [french] if french not in (lower, *out) else []
        nordic = _NORDIC_Y.sub("ü", lower)
        out += [nordic] if nordic not in (lower, *out) else []
    return out


def _silent_e(word: str) -> bool:
    """A closing e after n or d that French leaves silent: in a word of four vowels or more, not a
    short woman's name (Amine, Emine)."""
    return syllable_count(word) >= 4 and _FRENCH_E.search(word) is not None


def _french(lower: str) -> str:
    french = _FRENCH_C.sub("k", _FRENCH_GU.sub("g", lower))
    if _silent_e(french):
        french = _FRENCH_E.sub("", french)
    return latin.FRENCH_CH.sub("sh", french)


def french_spelling(token: str) -> str | None:
    """A word in French letters (_FRENCH_MARK) as English letters write it (ch sh, c k, a long
    word's closing e silent: Djalalidine, Chemsidine, Kurmanbec: Jalalidin, Shemsidin, Qurmanbek),
    or None when it is not one or reads the same. Read so throughout, its Chinese forms too, as a
    Dutch spelling is (dutch_spelling); a ch in a word without such a mark stays German kh."""
    lower = token.lower()
    if not _FRENCH_MARK.search(lower) and not _silent_e(lower):
        return None
    french = _french(lower)
    return french if french != lower else None


# Kazakh Е opening a name is said ye, which German, Dutch and Scandinavian spellings write je
# (Jermek, Jerzhan, Jesenbaj: Ermek, Erzhan, Esenbay); Russian-style ye meets e through the
# cross-script form already.
_OPENING_YE = re.compile("^y(?=e[^aeéiouöü])")


def _european(token: str, s_as_z: bool = True) -> str | None:
    """The word as a European spelling means it (european_spellings' first); ``s_as_z=False``: not
    where that is only its s read as z."""
    spellings = european_spellings(token)
    if not spellings or (not s_as_z and spellings[0] == _EUROPEAN_S.sub("z", token.lower())):
        return None
    phonemes = latin.latin_to_phonemes(spellings[0])
    return _OPENING_YE.sub("", phonemes) if token[:1] in "jJ" else phonemes


def other_reading(token: str, phonemes: str, script: str) -> str | None:
    """A word's phonemes as another writing habit reads them, or None (one reading, the first that
    applies):
    * Kazakh sh where Uyghur says ch, in the names the variant table lists so (Shynar: Chinar);
    * in Latin or Russian-style Cyrillic, an Uzbek o past a first syllable as a, and the word's
      other Uzbek o with it (_uzbek_a: Bekbolot, Bakhodir: Bekbolat, Bahadir);
    * pinyin's x and q in plain Latin (second_reading.pinyin_habit: Dilxat is Dilshat);
    * the kh or Russian х that stands for Kazakh q, which Russian has no letter for (Bakhytbek,
      Бахытбек: Baqytbek; Khanat: Qanat);
    * else an Uzbek o in a first syllable as a (Sobir: Sabir);
    * else, but in plain Latin, an ng before a vowel as n, written as a letter of its own or in
      ULY, Turkish or Kazakh Latin (ng_as_n: Жеңіс, Tañat, Kéngés: Zhenis, Tanat, Kenes);
    * else, in plain Latin, the first of: a European j as y and ch as kh (_european:
      Iljas, Ilcham, Oraltaj); an English closing h after a vowel as not there (Aminah); a y
      between consonants as Scandinavian ü (Gylnisa); ng before a vowel as n (Kenges); a German s
      as z (Rosi);
    * else, in a word taken for ULY that may be German, its European reading (german_umlauts:
      Jünüs, Hüssejin)."""
    if script == scripts.LATIN and _CLOSING_J.search(token.lower()):
        return _european(token)  # a j that closes a syllable is no English, Turkish or Uzbek j (Ajdos, Oraltaj)
    reading = _own_reading(token, phonemes, script)
    if reading is None and script == scripts.LATIN:
        return _european(token, s_as_z=False) or _without_closing_h(phonemes) or _nordic_y(token) \
            or (_ng_as_n(phonemes) if ng_as_n(token, script) else None) or _european(token)
    if reading is None and german_umlauts(token, script):
        return _european(token)
    return reading


def german_umlauts(token: str, script: str) -> bool:
    """A word taken for ULY that may be German: written with ü or ö and without é."""
    lower = token.lower()
    return script == scripts.ULY and _GERMAN_UMLAUT.search(lower) is not None and "é" not in lower


def _nordic_y(token: str) -> str | None:
    """A y between consonants read as Scandinavian ü (_NORDIC_Y), or None without one."""
    nordic = _NORDIC_Y.sub("ü", token.lower())
    return latin.latin_to_phonemes(nordic) if nordic != token.lower() else None


def _without_closing_h(phonemes: str) -> str | None:
    """A closing h after a or e as English letters write Arabic's ta marbuta (Gulnarah, Aminah), read
    as not there; only as the other reading, since some names close on a real h (Fettah)."""
    return phonemes[:-1] if _CLOSING_H.search(phonemes) else None


def listed_reading(token: str, phonemes: str, script: str) -> str | None:
    """The listed name a word unlisted as written is under its other reading (Sobit, Akhbota,
    Dilxat: Sabit, Aqbota, Dilshat), which then gives it all its forms, Chinese included; not under
    the European reading, which reads a listed name only where its j stands so
    (words.analyse_token: Julduz is Kazakh Juldyz, not Yultuz)."""
    reading = _own_reading(token, phonemes, script)
    return variants.canonical(reading) if reading else None


def ng_as_n(token: str, script: str) -> bool:
    """A word whose ng before a vowel may be n: written as a letter of its own (ң, ڭ, ñ, ŋ), or in
    Latin, where Kazakh ң is ng (Kenges, Zhengis) and Russian-style spelling n (Кенес, Zhenis)."""
    lower = token.lower()
    return _NG_LETTER.search(lower) is not None or (script in scripts.LATIN_SCRIPTS and "ng" in lower)


def pinyin_letters(token: str, script: str) -> bool:
    """A plain Latin word written with x or q, which may be pinyin's sh and ch (Dilxat); a kh or k is
    not (Bakhtiyor)."""
    lower = token.lower()
    return script == scripts.LATIN and ("x" in lower or "q" in lower)


def _own_reading(token: str, phonemes: str, script: str) -> str | None:
    """other_reading's readings but the European one."""
    if variants.is_kazakh_sh(phonemes):
        return phonemes.replace("ş", "ç")
    uzbek = _uzbek_a(phonemes) if script in UZBEK_O else None
    if uzbek and uzbek[1]:
        return uzbek[0]
    lower = token.lower()
    if pinyin_letters(token, script) and (habit := second_reading.pinyin_habit(phonemes)):
        return habit
    if (script == scripts.LATIN and "kh" in lower) or (script == scripts.RUSSIAN_CYRILLIC and "х" in lower):
        return phonemes.replace("x", "q")
    if uzbek:
        return uzbek[0]
    if script == scripts.LATIN or not ng_as_n(token, script):
        return None  # plain Latin's ng comes after its European readings (other_reading)
    return _ng_as_n(phonemes)


def _ng_as_n(phonemes: str) -> str | None:
    without_g = NG_BEFORE_VOWEL.sub("n", phonemes)
    return without_g if without_g != phonemes else None

"""A word as another writing habit reads it: the letters a family's schooling or keyboard gave it,
read back as the sounds Uyghur spelling writes. The reading's skeleton (``NameKey.habit``) meets
another spelling's skeleton as the same name (name_match, and the matcher's other skeleton), while
the word keeps its own cross-script form, so Chinese is compared with what was written."""

from __future__ import annotations

import re

from . import chinese, scripts, variants

# Scripts in which Uzbek, Kyrgyz and Tajik spellings write a as o (Gulbahor, Чолпон).
UZBEK_O = frozenset({scripts.LATIN, scripts.RUSSIAN_CYRILLIC})

# Uyghur and Kazakh o stands in a word's first syllable (or a compound part's: Nurbolat); an o in
# the last syllable past it is Uzbek or Kyrgyz spelling of a: Bekbolot, Mehribon, Gulbahor, Cholpon
# for Bekbolat, Mehriban, Gülbahar, Cholpan.
_LAST_O = re.compile("o(?=[^aeéiouöü]*$)")
_FIRST_VOWELS = re.compile("[aeéiouöü]+")


def other_reading(token: str, phonemes: str, script: str) -> str | None:
    """A word's phonemes as another writing habit reads them, or None (one reading, the first that
    applies):
    * Kazakh sh where Uyghur says ch, in the names the variant table lists so (Shynar: Chinar);
    * pinyin's x and q in plain Latin (chinese.pinyin_habit: Dilxat is Dilshat);
    * the kh or Russian х that stands for Kazakh q, which Russian has no letter for (Bakhytbek,
      Бахытбек: Baqytbek; Khanat: Qanat);
    * an Uzbek o in a last syllable, in Latin or Russian-style Cyrillic, as a (Bekbolot: Bekbolat)."""
    if variants.is_kazakh_sh(phonemes):
        return phonemes.replace("ş", "ç")
    lower = token.lower()
    if script == scripts.LATIN and ("x" in lower or "q" in lower):
        return chinese.pinyin_habit(phonemes)
    if (script == scripts.LATIN and "kh" in lower) or (script == scripts.RUSSIAN_CYRILLIC and "х" in lower):
        return phonemes.replace("x", "q")
    if script in UZBEK_O and (last_o := _LAST_O.search(phonemes)) and last_o.start() > _first_syllable_end(phonemes):
        return phonemes[:last_o.start()] + "a" + phonemes[last_o.end():]
    return None


def _first_syllable_end(phonemes: str) -> int:
    first = _FIRST_VOWELS.search(phonemes)
    return first.end() if first else len(phonemes)

"""Spellings of the diaspora in Europe: German, French, Dutch and Scandinavian letters for Uyghur
and Kazakh sounds (latin.py's letter groups, habits.european_spellings), each rule on real forms,
with the English and ULY spellings they must not change and the look-alikes kept apart."""

from __future__ import annotations

import pytest

from intake.resolution.name_match import CROSS_SCRIPT
from intake.resolution.names import name_key

from .name_keys import key, level


# Letter groups that mean one sound in every convention that has them: German tsch, dsch, sch;
# French tch, dj, ou (w before a vowel); Dutch tsj, dzj, sj; and ch before a consonant (German kh).
@pytest.mark.parametrize(("a", "b"), [
    ("Dschappar", "Jappar"), ("Dschappar", "加帕尔"), ("Tschimengul", "Chimengül"), ("Tchimengoul", "چىمەنگۈل"),
    ("Abduschukur", "Abdushükür"), ("Adildschan", "阿迪力江"),
    ("Achmet", "Ehmet"), ("Achmet", "艾合买提"), ("Machmut", "Mexmut"), ("Machmut", "麦合木提"),
    ("Abdouchoukour", "Abdushükür"), ("Abdouchoukour", "ئابدۇشۈكۈر"), ("Chouhrat", "Shöhret"),
    ("Anouar", "Enwer"), ("Anouar", "ئەنۋەر"),
])
def test_european_letter_groups_read_as_their_sounds(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# j for y, sch for Kazakh zh, s for z, ue for ü, Dutch oe for u, French ch for sh: read so where the word, so read, is a listed name
# and as written is none, in every script.
@pytest.mark.parametrize(("a", "b"), [
    ("Jerbol", "Erbol"), ("Jerbol", "Ербол"), ("Jusup", "玉素甫"), ("Aischan", "Ayjan"), ("Aischan", "Айжан"),
    ("Bakytschan", "巴合提江"), ("Rosi", "肉孜"), ("Rosi", "روزى"), ("Nasgul", "Nazgül"),
    ("Toersoen", "Tursun"), ("Toersoen", "吐尔逊"), ("Noerlan", "Нурлан"),
    # French ch as sh, gu as g, also without ou
    ("Aïchem", "Ayshem"), ("Gulchen", "Gülshen"), ("Charif", "شېرىپ"), ("Aïguerim", "Aygérim"),
])
def test_a_european_spelling_of_a_listed_name_is_that_name(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# Otherwise only as the other reading, whose skeleton meets another spelling's.
@pytest.mark.parametrize(("a", "b"), [("Iljas", "Ilyas"), ("Ilcham", "Ilham"), ("Ajgul", "Aygül")])
def test_a_european_j_or_ch_is_the_other_reading(a: str, b: str) -> None:
    assert level(a, b) >= 2


def test_english_and_uly_j_ch_and_s_stay_as_written() -> None:
    assert key("Jappar").latin == key("جاپپار").latin
    assert key("Julduz").skeleton == key("Жұлдыз").skeleton != key("Yulduz").skeleton  # Kazakh Latin j is zh
    assert name_key("asja", "ug-Latn").skeleton == key("ئاسجا").skeleton  # ULY s and j
    assert key("Chimengul").latin == key("Chimengül").latin
    assert key("Musa").latin == key("موسا").latin
    assert key("Schirin").latin == key("Shirin").latin       # a listed name as written: no other reading
    assert key("Aychürek").skeleton == key("ئايچۈرەك").skeleton  # ch before a vowel is ch
    assert key("Abduvoeli").latin != key("Abduvuli").latin     # oe, a slip here, read as written


@pytest.mark.parametrize(("a", "b"), [("Jerbol", "Erkin"), ("Iljas", "Ilham"), ("Ilcham", "Ilyas"),
                                      ("Jusup", "Yunus"), ("Aischan", "Hesen"), ("Nasgul", "Nasir")])
def test_look_alikes_stay_apart(a: str, b: str) -> None:
    assert level(a, b) < 2

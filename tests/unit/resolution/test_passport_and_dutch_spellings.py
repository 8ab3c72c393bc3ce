"""Passport pinyin cut as pinyin spelling cuts it (pinyin.py), Dutch spellings (habits.dutch_spelling)
and a word unlisted as written that is a listed name under another writing habit
(habits.listed_reading)."""

from __future__ import annotations

import pytest

from intake.resolution import pinyin
from intake.resolution.name_match import CROSS_SCRIPT

from .name_keys import level


# Pinyin writes an apostrophe before a syllable that opens on a vowel after one that closes on a
# consonant; a passport leaves it out where none is needed, so a consonant before a vowel opens the
# next syllable.
@pytest.mark.parametrize(("word", "syllables"), [
    ("HANATI", ("ha", "na", "ti")), ("JIAHANGEER", ("jia", "han", "ge", "er")),
    ("GULINAER", ("gu", "li", "na", "er")), ("AYINAGULI", ("a", "yi", "na", "gu", "li")),
    ("ZAITUNA", ("zai", "tu", "na")), ("GULISANAIMU", ("gu", "li", "sa", "nai", "mu")),
    # a vowel after a vowel needs no apostrophe, and a word cuts one way only stays so
    ("TUERXUN", ("tu", "er", "xun")), ("ABUDUAINI", ("a", "bu", "du", "ai", "ni")), ("XIAN", ("xian",)),
    ("XI'AN", ("xi", "an")),
])
def test_a_consonant_before_a_vowel_opens_the_next_syllable(word: str, syllables: tuple[str, ...]) -> None:
    assert pinyin.split_pinyin(word) == syllables


def test_a_long_word_still_splits_in_linear_time() -> None:
    assert pinyin.split_pinyin("na" * 2000) == ("na",) * 2000
    assert pinyin.split_pinyin("ana" * 500 + "q") is None


@pytest.mark.parametrize(("a", "b"), [
    ("HANATI", "哈那提"), ("JIAHANGEER", "加汗格尔"), ("GULINAER", "古丽娜尔"), ("JIANAER", "加娜尔"),
    ("SANAWAER", "萨娜瓦尔"),
])
def test_passport_pinyin_meets_its_characters(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# Dutch oe is u, and a word that has it is Dutch throughout: ie is i, tj ch, j y, ch kh.
@pytest.mark.parametrize(("a", "b"), [
    ("Noerbek", "努尔别克"), ("Noerbek", "Nurbek"), ("Toersoengoel", "吐尔逊古丽"), ("Toersoengoel", "Tursungül"),
    ("Abdoerrehiem", "Abdurehim"), ("Abdoerrehiem", "阿不都热依木"), ("Boeheltjem", "Buhelchem"),
    ("Zoelpija", "Zulpiye"), ("Joesoep", "Yüsüp"), ("Joesoep", "玉素甫"), ("Mevloede", "Mewlude"),
    ("Kajoem", "Qeyyum"), ("Tochtinijaz", "Toxtiniyaz"),
])
def test_dutch_spellings(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_an_oe_a_slip_made_stays_a_slip() -> None:
    # one letter more or another letter for one in a listed name (Abduweli, Ehmet) is no Dutch u
    assert level("Abduvoeli", "Abduweli") >= CROSS_SCRIPT
    assert level("Ehoet", "Ehut") < level("Noerbek", "Nurbek")  # not read as Dutch Ehut


@pytest.mark.parametrize(("a", "b"), [
    ("Noerbek", "Nurlan"), ("Toersoengoel", "Tursun"), ("Joesoep", "Yunus"), ("Kajoem", "Qasim"),
])
def test_dutch_readings_make_no_other_name_meet(a: str, b: str) -> None:
    assert level(a, b) < CROSS_SCRIPT


# Uzbek spelling writes a as o (Sobit), Russian's kh stands for Kazakh q (Akhbota): a word that no
# listed name is as written but one is under that reading takes that name's forms, Chinese included.
@pytest.mark.parametrize(("a", "b"), [
    ("Sobit", "Sabit"), ("Sobit", "沙比提"), ("Sobit", "سابىت"), ("Собит", "Сабит"),
])
def test_another_habits_listed_name(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# Pinyin's ong closes a syllable; in a Latin word an o before ng and a vowel is Uzbek o for a.
@pytest.mark.parametrize(("a", "b"), [("Jahongir", "Jahangir"), ("Rayhongul", "Reyhangül")])
def test_an_uzbek_o_before_ng_and_a_vowel(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_pinyins_ong_before_a_consonant_keeps_its_o() -> None:
    assert level("Hongli", "Hangli") < CROSS_SCRIPT

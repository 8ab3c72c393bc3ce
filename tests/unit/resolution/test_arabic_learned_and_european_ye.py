"""The readings of version 37: names in Arabic orthography as families in the Gulf type them (teh
marbuta before Allah said t, al-Nisa closing a name, listed spellings), Dutch and Scandinavian sj
for sh beside ö and ü, Kazakh Е written je, a Latin spelling the table knows as two names that cuts
into pinyin syllables, and the names the table lists with the forms families write them in."""

from __future__ import annotations

import pytest

from intake.resolution.name_match import CROSS_SCRIPT
from intake.resolution.names import name_key
from intake.resolution.scripts import LATIN, ULY, detect

from .name_keys import level


@pytest.mark.parametrize(("a", "b"), [
    # teh marbuta before Allah is t, as Persian spelling writes it (رحمت الله)
    ("رحمةالله", "Rahmatullah"), ("رحمة الله", "رەھمىتۇللا"), ("رحمةالله", "Rehmitulla"),
    # al-Nisa closing a name, its hamza left out or not
    ("قمرالنساء", "Qemernisa"), ("قمرالنسا", "قەمەرنىسا"),
    # listed Arabic and Persian spellings, alone and in a compound
    ("ميسر", "Muyesser"), ("زلفية", "Zulpiye"), ("زلفیه", "Zulfiya"), ("دولتبک", "Dewletbek"),
    ("هاجره", "Hejer"), ("کنجگول", "Kenjegül"),
])
def test_arabic_orthography_of_the_gulf(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_teh_marbuta_is_t_only_before_allah() -> None:
    # alone a closing teh marbuta is the a or e of a woman's name (فاطمة Patime), no t
    assert level("فاطمة", "Patime") >= CROSS_SCRIPT
    assert level("رحمةالله", "Rehmanulla") < CROSS_SCRIPT


@pytest.mark.parametrize(("a", "b"), [
    ("Sjöhret", "Shöhret"), ("Sjöhret", "شۆھرەت"), ("Tsjölpan", "Cholpan"), ("Sjøhret", "Шөһрәт"),
])
def test_dutch_and_scandinavian_sj_beside_umlauts(a: str, b: str) -> None:
    assert detect(a) == LATIN  # not ULY, which has no sj but in -jan (Ilyasjan)
    assert level(a, b) >= CROSS_SCRIPT


def test_sj_before_jan_stays_uly() -> None:
    assert detect("Yünüsjan") == ULY
    assert detect("Ürüzjan") == ULY
    assert level("Yünüsjan", "Yunusjan") >= CROSS_SCRIPT


@pytest.mark.parametrize(("a", "b"), [
    ("Jermek", "Ermek"), ("Jerzhan", "Erzhan"), ("Jerzjan", "Erjan"), ("Jesenbaj", "Esenbay"),
    ("Jernar", "Ernar"), ("Jerzhan", "ئەرجان"),
])
def test_kazakh_opening_e_written_je(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_opening_je_keeps_other_names_apart() -> None:
    assert level("Jamila", "Amila") < CROSS_SCRIPT
    assert level("Jermek", "Ermat") < CROSS_SCRIPT


def test_a_compound_the_table_knows_that_cuts_into_pinyin_is_latin() -> None:
    # Mamatali cuts into ma-ma-ta-li, but is Memet and Eli as Kyrgyz and Uzbek spelling writes them
    assert level("Mamatali", "Muhemmetéli") >= CROSS_SCRIPT
    assert level("Mamatali", "مۇھەممەتئېلى") >= CROSS_SCRIPT
    # true pinyin stays pinyin
    assert name_key("Maimaitiaili").script == "zh-Latn"
    assert level("Maimaitiaili", "买买提艾力") >= CROSS_SCRIPT


@pytest.mark.parametrize(("a", "b"), [
    ("Ramizan", "Ramazan"), ("Remezan", "Ramadhan"), ("رمضان", "رامىزان"),
    ("Hajra", "Hejer"), ("Hajira", "ھەجەر"), ("Hacer", "Hajar"),
    ("Ummekulsum", "Ümügülsüm"), ("Ummukulsoom", "ئۈمۈگۈلسۈم"),
    ("Khwaja", "Xoja"), ("Khawaja", "خوجا"), ("Khwajaniyaz", "Xojaniyaz"),
    ("Dhakir", "Zakir"), ("Zakeer", "ذاكر"),
])
def test_names_the_table_lists(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_listed_names_stay_apart() -> None:
    assert level("Zakir", "Shakir") < CROSS_SCRIPT
    assert level("Hejer", "Xediche") < CROSS_SCRIPT
    assert level("Xoja", "Xojaniyaz") < CROSS_SCRIPT


def test_a_russian_a_after_nur_kept_where_the_name_is_listed_as_written() -> None:
    # -nura is Russian's a after -nur (Gulnura: Gülnur), but Zaynura is Zeynure
    assert level("Zaynura", "Zeynure") >= CROSS_SCRIPT
    assert level("Зайнура", "زەينۇرە") >= CROSS_SCRIPT
    assert level("Gulnura", "Gülnur") >= CROSS_SCRIPT
    assert level("Zaynura", "Zeynep") < CROSS_SCRIPT

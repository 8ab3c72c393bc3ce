"""Spellings learnt in Arab countries (the article of ʿAbd al- as el or al, a long i as English ee),
Turkish -eddin after a name closing on a vowel, Meryem inside compounds, Kazakh sh for Turkic ch
in Gülchéhre, n before b written m, Kazakh Arabic script's ʿayn for gh, and Russian's -a after a
woman's -nur; the s of a name before -jan."""

from __future__ import annotations

import pytest

from intake.resolution import scripts
from intake.resolution.name_match import CROSS_SCRIPT
from intake.resolution.names import name_key

from .name_keys import level


# ʿAbd al- with its article written el, al or ol before a consonant is Uyghur Abdu-, as Abdul- is.
@pytest.mark.parametrize(("a", "b"), [
    ("Abdelkader", "Abduqadir"), ("Abdalrahman", "Abdurahman"), ("Abdelrahman", "ئابدۇراھمان"),
    ("Abdolrahim", "Abduréhim"), ("Abdelghani", "阿布都艾尼"), ("Abdalrahiim", "Абдурахим"),
])
def test_the_article_written_el_or_al(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_the_article_before_a_vowel_or_l_is_no_abdu() -> None:
    # ʿAbd Allah keeps its l (Abdalla is Abdulla), and before a vowel the name is another one
    assert level("Abdalla", "Abdulla") >= CROSS_SCRIPT
    assert level("Abdalla", "Abduwaliy") < CROSS_SCRIPT
    key = name_key("Abdelaziz")
    assert key is not None and key.latin != "abdueziz"


# English ee for a long i cuts into pinyin (a-le-e-ya), but no transcription writes 额 after 勒.
@pytest.mark.parametrize(("a", "b"), [("Aleeya", "Aliya"), ("Aleeya", "阿丽亚"), ("Saleema", "Salime")])
def test_english_ee_is_no_pinyin(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_english_ee_words_are_latin_and_pinyin_ee_stays_pinyin() -> None:
    assert scripts.detect("Aleeya") != scripts.PINYIN
    assert scripts.detect("KADEER") == scripts.PINYIN  # 卡德尔 ka-de-er
    assert level("KADEER", "卡德尔") >= CROSS_SCRIPT


# Turkish and Arabic -eddin, -uddin after a name closing on a vowel (Ziya, Baha, Ala): Uyghur -wudun.
@pytest.mark.parametrize(("a", "b"), [
    ("Ziyaeddin", "Ziyawudun"), ("Ziyaeddin", "孜亚吾东"), ("Ziyauddin", "زىياۋۇدۇن"),
    ("Bahaeddin", "Bahawudun"), ("Alaeddin", "Alawudun"), ("Alaettin", "阿拉吾丁"),
])
def test_din_after_a_vowel(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_ziyawudun_is_not_bahawudun() -> None:
    assert level("Ziyaeddin", "Bahaeddin") < CROSS_SCRIPT


# Meryem inside a compound, in every script (Maryamgul, 麦尔耶姆古丽).
@pytest.mark.parametrize(("a", "b"), [
    ("Maryamgul", "麦尔耶姆古丽"), ("Марьямгуль", "麦尔耶姆古丽"), ("Maryamgul", "مەريەمگۈل"),
])
def test_meryem_in_compounds(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_meryemgul_is_not_meryem() -> None:
    assert level("Maryamgul", "Maryam") < CROSS_SCRIPT


# Kazakh writes Turkic ch as sh: Gulshehra is Gülchéhre (its Chinese form stays Kazakh's, 夏).
@pytest.mark.parametrize("b", ["Gülchéhre", "Гүлчеһрә", "گۈلچېھرە"])
def test_kazakh_sh_in_gulchehre(b: str) -> None:
    assert level("Gulshehra", b) >= CROSS_SCRIPT


# n before b is said m: Jambolat, Qambar are Janbolat, Qanbar between the scripts other than Chinese.
@pytest.mark.parametrize(("a", "b"), [
    ("Jambolat", "Janbolat"), ("Jambolat", "Жанболат"), ("Qambar", "Qanbar"), ("Қамбар", "قانبار"),
])
def test_n_before_b_written_m(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# A name's own m before -bek or -bay, which Chinese writes 木, stays m against Chinese.
@pytest.mark.parametrize(("a", "b"), [
    ("Alimbek", "阿力木别克"), ("Kerimbay", "克热木拜"), ("Rustembek", "如斯坦木别克"), ("Alimbek", "ALIMUBIEKE"),
])
def test_a_names_own_m_before_bek(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_m_before_another_letter_stays_m() -> None:
    assert level("Jamila", "Janila") < CROSS_SCRIPT


# Kazakh Arabic script writes ғ with ʿayn, which Uyghur spelling has not.
@pytest.mark.parametrize(("a", "b"), [
    ("قارلىعاش", "Qarlighash"), ("قارلىعاش", "Қарлығаш"), ("نۇرعالى", "Nurghali"), ("تولعاناي", "Tolghanay"),
])
def test_kazakh_arabic_ayn_is_gh(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_the_ayn_of_abd_stays_silent() -> None:
    assert level("عابدۇراھمان", "Abdurahman") >= CROSS_SCRIPT
    assert level("عبدالرحیم", "Abdurehim") >= CROSS_SCRIPT  # Arabic orthography, as before


# Russian's -a after a woman's name closing on -nur (Гульнура, Aynura), which Chinese and Uyghur do
# not write; a name's own closing -a stays (Dinara, Nura).
@pytest.mark.parametrize(("a", "b"), [
    ("Gulnura", "Gülnur"), ("Aynura", "Aynur"), ("Balnura", "Балнұр"), ("Гульнура", "古丽努尔"),
    ("Aynura", "阿依努尔"), ("Dinara", "迪娜拉"),
])
def test_russian_a_after_nur(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


@pytest.mark.parametrize(("a", "b"), [("Gulnura", "Gulnara"), ("Dinara", "Dinar"), ("Nura", "Nur")])
def test_russian_a_keeps_names_apart(a: str, b: str) -> None:
    assert level(a, b) < CROSS_SCRIPT


# The s of a name before -jan is no Dutch sj (sh): Ilyasjan is Ilyas-jan, in every script.
@pytest.mark.parametrize(("a", "b"), [
    ("Ilyasjan", "ئىلياسجان"), ("Yunusjan", "玉努斯江"), ("Abbasjan", "Abbas"), ("Idrisjan", "Идрисжан"),
])
def test_s_before_jan(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_dutch_sj_elsewhere_is_still_sh() -> None:
    assert level("Sjamsidin", "Shemsidin") >= CROSS_SCRIPT

"""-haji written for -hajim, a closing -il that Chinese writes 尔, the h of Muhammad's names beside
Kazakh q that Chinese writes 哈, Russian's я after a consonant for a front a, and names the table
lists."""

from __future__ import annotations

import pytest

from intake.resolution.name_match import CROSS_SCRIPT, EXACT

from .name_keys import level


# Hajim, "my hajji", closing a man's name, is as often written haji, in every script.
@pytest.mark.parametrize(("a", "b"), [
    ("Rozihajim", "Rozihaji"), ("Ehmethajim", "Ahmathaji"), ("Ehmethajim", "艾合买提阿吉"),
    ("Rozihaji", "肉孜哈吉木"), ("Haji", "哈吉木"), ("Хаджим", "Haji"), ("Hajim", "哈吉"),
    ("روزىھاجىم", "Rozihaji"),
])
def test_haji_for_hajim(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_a_typo_of_hajim_stays_close_and_naji_is_not_najim() -> None:
    assert level("Hajem", "Hajim") >= CROSS_SCRIPT
    assert level("Hajim", "Haji") == EXACT
    assert level("Naji", "Najim") < CROSS_SCRIPT


# A closing l after i, which Chinese writes 尔 as often as 力.
@pytest.mark.parametrize(("a", "b"), [
    ("Adil", "阿迪尔"), ("Ismayil", "伊斯马伊尔"), ("Ismail", "YISIMAYIER"), ("Jelil", "加里尔"),
    ("Kamil", "卡米尔"), ("ئادىل", "阿迪尔"), ("Адил", "阿迪尔"),
])
def test_closing_il_written_er(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_only_a_closing_il() -> None:
    # 吾甫尔 is Ghopur, not Obul; 塔依尔 stays Tahir
    assert level("Obul", "吾甫尔") < CROSS_SCRIPT
    assert level("Tahir", "塔依尔") == EXACT


# Muhammad's h after an opening 木 or 穆 stays h where a later 哈 is Kazakh q.
@pytest.mark.parametrize(("a", "b"), [
    ("Muxametqali", "木哈买提哈力"), ("Mukhametkali", "木合买提哈力"), ("Muhametkali", "穆哈麦提卡力"),
    ("Qalamqas", "哈拉木哈斯"), ("Qanat", "哈纳提"), ("Muhemmet", "木哈买提"),
])
def test_muhammads_h_beside_kazakh_q(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# Russian я after a consonant is a front a, not a y; but for -yar closing a name.
@pytest.mark.parametrize(("a", "b"), [
    ("Гулям", "Ghulam"), ("Гулям", "غۇلام"), ("Куляш", "Külesh"), ("Куляш", "Күләш"), ("Ляззат", "Lezzet"),
    ("Диляр", "Dilyar"), ("Иляр", "Ilyar"), ("Ильяс", "Ilyas"),
])
def test_russian_soft_a(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# The table: Ablimit is Abdulhemit said short (as Ablikim is Abdulhakim); ʿUbayd Allah; Hotan's Bu-
# before a woman's name (Bumeryem, Buayshem, Buzeynep).
@pytest.mark.parametrize(("a", "b"), [
    ("Abdulhamit", "Ablimit"), ("Abduhémit", "阿布力米提"), ("阿不都力艾米提", "Ablimit"),
    ("Ebeydulla", "Ubaydulla"), ("Убайдулла", "艾拜都拉"), ("Obeydulla", "ئەبەيدۇللا"),
    ("Bumaryam", "布麦尔耶姆"), ("Buayshem", "布阿依先木"), ("Buzaynap", "布再乃普"), ("Бумарьям", "Bumeryem"),
])
def test_table_names(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_table_names_stay_apart_from_their_neighbours() -> None:
    assert level("Ebeydulla", "Abdulla") < CROSS_SCRIPT
    assert level("Ablimit", "Ablikim") < CROSS_SCRIPT
    assert level("Buayshem", "Ayshem") < CROSS_SCRIPT


# ng written as a letter of its own (ң, ڭ) before a vowel, which Chinese writes as n: in the second
# reading, compared with Chinese forms.
@pytest.mark.parametrize(("a", "b"), [
    ("جاڭابەك", "加纳别克"), ("Жаңабек", "加纳别克"), ("Жеңіс", "哲尼斯"), ("جەڭىس", "哲尼斯"),
])
def test_ng_letter_written_n_in_chinese(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_latin_ng_keeps_its_g_before_chinese() -> None:
    # Latin's ng before a vowel is as often n and g: Tursungül is Tursun-gül, 吐尔逊古丽
    assert level("Tursungül", "吐尔逊古丽") >= CROSS_SCRIPT
    assert level("Reyhangül", "热依汗古丽") >= CROSS_SCRIPT

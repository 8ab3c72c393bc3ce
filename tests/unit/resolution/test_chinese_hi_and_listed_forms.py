"""希 inside a Chinese form (the character, not pinyin's xi) read as hi in the second reading, and names the table lists with the
forms families and documents write them in."""

from __future__ import annotations

import pytest

from intake.resolution.name_match import CROSS_SCRIPT
from intake.resolution.names import name_key

from .name_keys import level


# Chinese writes Arabic names' hi 希 (Hisham 希沙姆), and Uyghur h before i so too, beside the 依 of
# the usual transcription (Mahire 玛依热): the second reading reads a 希 inside the name as hi.
@pytest.mark.parametrize(("a", "b"), [
    ("Mahire", "玛希热"), ("Mahinur", "玛希努尔"), ("ماھىنۇر", "玛希努尔"), ("Shahide", "夏希达"),
    ("Махинур", "玛希努尔"),
])
def test_chinese_xi_inside_a_name_as_hi(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_xi_as_hi_is_a_second_reading_only() -> None:
    # the common form keeps 希 as si: Hashim, and a closing 西 is sh (库来西 Küresh)
    assert level("Hashim", "哈希木") >= CROSS_SCRIPT
    assert level("Küresh", "库来西") >= CROSS_SCRIPT
    assert name_key("玛希热").second != name_key("玛希热").syllables
    assert name_key("库来西").second == ""


def test_xi_as_hi_keeps_names_apart() -> None:
    # only the character: pinyin's xi is 西 too, whose shi is Reshit's
    assert level("Abdulehet", "阿不都热西提") < CROSS_SCRIPT
    assert level("Abdulehet", "ABUDOUREXITI") < CROSS_SCRIPT
    assert level("Mahinur", "玛希拉") < CROSS_SCRIPT
    assert level("Ayshe", "阿希木") < CROSS_SCRIPT


# The table: Yolbars (the Kazakh and Kyrgyz form of Yolwas), Chinese 尧乐博斯; Kazakh Sholpan, Chinese 绍尔潘; Nigare, Chinese 尼加热 and 尼格拉; Abdushükür as informal Latin
# writes it without the second ü.
@pytest.mark.parametrize(("a", "b"), [
    ("Yolbars", "Yolwas"), ("Yulbars", "尧乐博斯"), ("Йолвас", "Yolbars"),
    ("Sholpan", "绍尔潘"), ("Шолпан", "绍尔潘"), ("Nigare", "尼加热"), ("نىگارە", "尼格拉"), ("Abdushukir", "Abdushükür"),
    ("Abdushukr", "ئابدۇشۈكۈر"),
])
def test_names_the_table_lists(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_listed_names_stay_apart() -> None:
    # a Chinese form the table lists takes the forms that fold as it does: Abylai's 阿布赖 would take
    # Ablajan's 阿布拉江, so the table lists none of Abylai's
    assert level("Ablajan", "阿布拉江") >= CROSS_SCRIPT
    assert level("Yolwas", "Yoldash") < CROSS_SCRIPT
    assert level("Abdushükür", "Abdushökret") < CROSS_SCRIPT

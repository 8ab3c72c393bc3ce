"""Chinese has no closing m: a name's closing m is written 木 mu or as the n of its last syllable
(麦尔燕 Meryem, 吾拉音 Urayim, 阿依格林 Aygerim), which the second reading reads back as m."""

from __future__ import annotations

import pytest

from intake.resolution.name_match import CROSS_SCRIPT

from .name_keys import key, level


@pytest.mark.parametrize(("a", "b"), [("Meryem", "麦尔燕"), ("مەريەم", "MAIERYAN"), ("Urayim", "吾拉音"),
                                      ("Aygerim", "阿依格林"), ("Айгерім", "阿依格林"), ("Meryemgül", "麦尔燕古丽")])
def test_a_closing_m_written_as_n(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_only_across_scripts_and_only_the_last_syllable() -> None:
    assert key("麦尔燕").second == key("麦尔燕木").syllables
    assert level("麦尔燕", "麦尔燕木") < CROSS_SCRIPT   # two Chinese forms: each as written
    assert not key("吐尔逊阿依").second          # 逊 inside the word is Tursun's n
    assert not key("克林").second                # two syllables: a name of its own
    assert level("Tursun", "吐尔逊") >= CROSS_SCRIPT and level("Tursum", "Tursun") < CROSS_SCRIPT

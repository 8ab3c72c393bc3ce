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


# 加 jia is ga in the names Chinese took from the west (加拿大), and writes a Kazakh or Uyghur gh so
# now and then; both sides' second readings then agree (gh read as g, jia as ga).
@pytest.mark.parametrize(("a", "b"), [("Nurghali", "努尔加力"), ("نۇرغالى", "NUERJIALI"), ("Қарлығаш", "哈尔力哈西")])
def test_gh_that_chinese_writes_with_jia_or_h(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_jia_stays_ja_and_both_readings_meet_only_for_a_gh() -> None:
    assert level("Gulzhana", "古丽加娜") >= CROSS_SCRIPT   # its first reading: ja
    assert level("Dolqun", "吐尔洪") < CROSS_SCRIPT        # closing l as r, h as k: Turghun's form

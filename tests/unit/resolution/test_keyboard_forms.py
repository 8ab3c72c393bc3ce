"""Forms families type that were read as something else: a Turkish or Russian-style v read as
pinyin's ü, and Abu al- in Arabic orthography. Each rule on real forms, with the look-alikes beside
it kept apart."""

from __future__ import annotations

import pytest

from intake.resolution.name_match import CROSS_SCRIPT
from intake.resolution.scripts import detect

from .name_keys import level


# v stands for ü only when pinyin is typed on a keyboard, and no Chinese form of a Uyghur or Kazakh
# name holds nü or lü: Turkish Enver split as e-nv-er and was read as pinyin.
@pytest.mark.parametrize("text", ["Enver", "ENVER", "Enver Tursun"])
def test_a_word_with_v_is_not_pinyin(text: str) -> None:
    assert detect(text) != "zh-Latn"


@pytest.mark.parametrize(("a", "b"), [("Enver", "Enwer"), ("Enver", "ئەنۋەر"), ("Enver", "艾尼瓦尔"),
                                      ("Enver", "Әнвәр"), ("Anvar", "安瓦尔")])
def test_turkish_enver_meets_the_other_scripts(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_pinyin_without_v_is_still_pinyin() -> None:
    assert detect("AINIWAER") == "zh-Latn"
    assert level("AINIWAER", "Enver") >= CROSS_SCRIPT


def test_the_syllable_lv_alone_is_still_pinyin() -> None:
    assert detect("LV JIANGUO") == "zh-Latn"
    assert detect("Lv Jianguo") == "zh-Latn"


# Abu al- (the father of) is Uyghur Ubul-, Obul-: Arabic orthography writes it ابوال.
@pytest.mark.parametrize(("a", "b"), [("ابوالقاسم", "Obulqasim"), ("ابوالقاسم", "ئوبۇلقاسىم"),
                                      ("ابوالقاسم", "吾布力卡斯木"), ("ابوالحسن", "ئۇبۇلھەسەن"),
                                      ("ابوالحسن", "Ubulhesen")])
def test_abu_al_is_ubul(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_abu_al_keeps_the_name_after_it() -> None:
    assert level("ابوالقاسم", "ابوالحسن") == 0
    assert level("ابوالقاسم", "Qasim") == 0

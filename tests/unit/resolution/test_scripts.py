"""Script detection per string, on real spellings."""

from __future__ import annotations

import pytest

from intake.resolution.pinyin import split_pinyin
from intake.resolution.names import name_key
from intake.resolution.scripts import detect


@pytest.mark.parametrize(("text", "script"), [
    ("ئابلىمىت تۇرسۇن", "ug-Arab"),
    ("ابدۇرېھىم", "ug-Arab"),               # missing initial hamza
    ("ﺋﺎﺑﻠﯩﻤﯩﺖ", "ug-Arab"),                # presentation forms
    ("阿布力米提·吐尔逊", "zh-Hans"),
    ("阿不都熱依木", "zh-Hans"),             # a traditional character
    ("TUERXUN ABULIMITI", "zh-Latn"),        # passport pinyin
    ("Abudureyimu", "zh-Latn"),
    ("Maimaiti Tuerxun", "zh-Latn"),
    ("Abdurehim", "Latn"),
    ("Ablimit Tursun", "Latn"),
    ("Eli", "Latn"),                          # splits into pinyin (e li) but is not pinyin
    ("Musa", "Latn"),
    ("Hesen", "Latn"),
    ("Memeteli", "Latn"),                     # me-me-te-li: 么, the syllable me, writes no name
    ("Erzhan", "Latn"),                       # Kazakh -zhan (-jan), not er-zhan
    ("Aizhan", "Latn"),
    ("Musazhan", "Latn"),
    ("MUSAZHAN", "Latn"),
    ("Ercan", "Latn"),                        # Turkish -can (Erjan), not er-can
    ("ZHAN WEI", "zh-Latn"),                  # zhan alone, or after a word that is pinyin, stays pinyin
    ("ZHANG LIZHAN", "zh-Latn"),
    ("Xiaozhan", "zh-Latn"),
    ("Abduréhim", "ug-Latn"),
    ("Ömer Tursun", "ug-Latn"),
    ("Ayşe Kadıoğlu", "tr-Latn"),
    ("Nurlan Serikuly", "kk-Latn"),
    ("Ainur Serikqyzy", "kk-Latn"),
    ("Аблимит Турсун", "ru-Cyrl"),
    ("Абдурахим Турсунов", "ru-Cyrl"),
    ("Мәмәт Тохти", "ug-Cyrl"),
    ("Җүмә Ниязов", "ug-Cyrl"),
    ("Нұрлан Серікұлы", "kk-Cyrl"),
    ("Айгүл Серікқызы", "kk-Cyrl"),
    ("Қайрат Жақсылықов", "kk-Cyrl"),
    ("1981-03-17", "other"),
    ("", "other"),
])
def test_detects_the_script_of_real_spellings(text: str, script: str) -> None:
    assert detect(text) == script


@pytest.mark.parametrize("text", ["a" * 3000, "ana" * 600 + "q", "TUERXUN" * 300])
def test_a_name_field_of_any_length_is_read(text: str) -> None:
    # Pinyin is split by the longest syllable whose rest splits too; tried by backtracking, a long
    # word ran out of stack and "ana" many times over took exponential time.
    assert detect(text) in ("zh-Latn", "Latn")
    assert name_key(text) is not None


def test_pinyin_splits_as_before() -> None:
    assert split_pinyin("Abudureyimu") == ("a", "bu", "du", "re", "yi", "mu")
    assert split_pinyin("xi'an") == ("xi", "an")
    assert split_pinyin("tuerxun") == ("tu", "er", "xun")
    assert split_pinyin("Ablimit") is None

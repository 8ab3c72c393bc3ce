"""Uyghur typed on Persian and Arabic keyboards (one heh for ە and ھ, one waw for o, u, ö, ü and w,
one yeh for i and é), German spellings of Kazakh and Uyghur names (sch, ch, ö and ü), and Chinese
forms the variant table lists (uyghur.py, arabic_names.py, names.py, scripts.py, variants.py)."""

from __future__ import annotations

import pytest

from intake.resolution import scripts
from intake.resolution.name_match import CROSS_SCRIPT

from .name_keys import key, level


# A heh where h would leave three consonants together, which no Uyghur name holds, is the ە the
# keyboard has no key for.
@pytest.mark.parametrize(("a", "b"), [
    ("شهمسیدین", "Shemsidin"), ("شهمسيدين", "شەمسىدىن"), ("موتهللیپ", "Mutellip"), ("موتهلليب", "Mutallip"),
    ("اومهر", "Ömer"), ("اومهر", "Омер"), ("سانوبهر", "Sanuber"), ("پهزیلهت", "Pezilet"), ("پهزیلهت", "Pazilat"),
    ("مهمهتتورسون", "Memettursun"),
])
def test_a_heh_between_consonants_is_the_e_a_persian_keyboard_lacks(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# Persian spelling leaves short vowels out and keeps its h: where the h leaves no three
# consonants, or the name is listed, the heh stays h.
@pytest.mark.parametrize(("a", "b"), [
    ("مهری", "Mehri"), ("مهربان", "Méhriban"), ("بهرام", "Behram"), ("زهرا", "Zöhre"), ("پهرهات", "Perhat"),
])
def test_persian_spelling_keeps_its_h(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


@pytest.mark.parametrize(("a", "b"), [
    ("موههممهتجان", "Muhemmetjan"), ("موههممهتجان", "木合买提江"), ("ابدوغینی", "Abdughéni"),
    ("ابدوغيني", "Abdugheni"), ("باویرجان", "Bawirjan"), ("باویرجان", "Бауыржан"), ("كولنور", "Gülnur"),
])
def test_one_waw_and_one_yeh_for_several_letters(a: str, b: str) -> None:
    # The waw read as o and the yeh as i find a listed name with u and é there, and an Arabic
    # keyboard's ك one with g; a yeh after a waw read as w is i, not y.
    assert level(a, b) >= CROSS_SCRIPT


@pytest.mark.parametrize(("a", "b"), [
    ("موههممهتجان", "Mexmut"), ("اومهر", "Ömür"), ("كولنور", "Gülnar"), ("سانوبهر", "Sanam"), ("شهمسیدین", "Shemshi"),
    ("ابدوغینی", "Abdughopur"), ("ایلهام", "Ilyas"),
])
def test_keyboard_readings_make_no_other_name_meet(a: str, b: str) -> None:
    assert level(a, b) < CROSS_SCRIPT


@pytest.mark.parametrize(("a", "b"), [
    ("Schöhret", "Shöhret"), ("Schöhret", "شۆھرەت"), ("Gülschen", "Gülshen"), ("Gülschen", "Гүлшән"),
    ("Patemchan", "Patemxan"), ("Patemchan", "帕提曼汗"), ("Aruschan", "Aruzhan"), ("Ulschan", "Uljan"),
    ("Ezizjan", "Eziz"), ("Ezizjan", "ئەزىزجان"),
])
def test_german_and_dutch_spellings(a: str, b: str) -> None:
    # German sch beside ö or ü is no ULY (which has no s before ch), German ch before -xan is kh,
    # German sch for Kazakh zh before -jan, Dutch zj likewise.
    assert level(a, b) >= CROSS_SCRIPT


def test_uly_with_its_marks_is_still_uly() -> None:
    assert scripts.detect("Shöhret") == scripts.ULY
    assert scripts.detect("Gülchéhre") == scripts.ULY
    assert scripts.detect("Schöhret") == scripts.LATIN


@pytest.mark.parametrize(("a", "b"), [
    ("ANWAER", "Enwer"), ("ANWAER", "安瓦尔"), ("马克苏提", "Maqsut"), ("MAKESUTI", "Maksud"),
    ("Патамхан", "Patemxan"), ("帕塔木汗", "Patemxan"),
])
def test_chinese_and_russian_forms_the_table_lists(a: str, b: str) -> None:
    # 安瓦尔's folded syllables are 阿娜尔 Anar's too: the listed form's own syllables find it.
    assert level(a, b) >= CROSS_SCRIPT


def test_a_folding_two_names_share_still_identifies_neither() -> None:
    assert level("阿娜尔", "Enwer") < CROSS_SCRIPT
    assert level("ANWAER", "Anar") < CROSS_SCRIPT
    assert key("ANWAER").latin == key("Enwer").latin

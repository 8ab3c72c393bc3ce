"""Names typed in Arabic or Persian orthography (short vowels left out, Arabic letters, al-) meet
their Uyghur, Latin and Chinese forms; other names stay apart, and Uyghur spelling is read as before."""

from __future__ import annotations

from importlib import resources

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.resolution.name_match import CROSS_SCRIPT, same_name_level
from intake.resolution.names import analyse, name_key
from intake.resolution.places import resolve_place

from .test_properties import SETTINGS


def level(a: str, b: str) -> int:
    return same_name_level(name_key(a), name_key(b))


# A listed name, in Arabic or Persian letters, with or without harakat.
@pytest.mark.parametrize(("a", "b"), [
    ("محمد", "Muhammad"), ("محمد", "买买提"), ("مُحَمَّد", "مۇھەممەت"), ("فاطمة", "Patime"),
    ("فاطمه", "帕提曼"), ("عثمان", "Osman"), ("عثمان", "吾斯曼"), ("يوسف", "Yusup"), ("یوسف", "玉素甫"),
    ("خديجة", "Xediche"), ("حسين", "Hüseyin"), ("عمر", "Ömer"), ("ابراهيم", "依不拉音"),
    ("إسماعيل", "Ismayil"), ("مریم", "Meryem"), ("حلیمه", "Helime"), ("گلنار", "古丽娜尔"),
    ("ذوالنون", "Zunun"), ("ذوالنون", "祖农"), ("ضیاءالدین", "Зиявудун"), ("ضياء الدين", "孜亚吾丁"),
    ("كاملة", "Kamile"), ("ناظره", "Nazira"), ("سلطنت", "Saltanat"),
])
def test_a_listed_name_meets_its_other_forms(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# Abd al- and a name of God, written as one word or two, or as a Persian keyboard gives Uyghur Abdu-.
@pytest.mark.parametrize(("a", "b"), [
    ("عبد الرحمن", "Abdurahman"), ("عبدالرحمان", "阿不都热合曼"), ("عبدالکریم", "Abdukérim"),
    ("عبدالله", "Abdulla"), ("عبدالسلام", "Abdusalam"), ("ابدوسلام", "Abdusalam"),
    ("عبد الرزاق", "Abdurazaq"),
])
def test_abd_al_compounds(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


# al-Din and Allah after a name (apart or joined, with a zero-width non-joiner), -jan, two names as one.
@pytest.mark.parametrize(("a", "b"), [
    ("سيف الدين", "Seypidin"), ("سیف‌الدین", "赛甫丁"), ("نور الله", "Nurulla"), ("نورمحمد", "Nurmemet"),
    ("آیگل", "Aygül"), ("نورگل", "Nurgül"), ("حسنجان", "Hesenjan"), ("محمد عمر", "Memet Ömer"),
])
def test_compounds_and_full_names(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


def test_bin_between_two_names_leaves_the_father_second() -> None:
    for text in ("محمد بن عمر", "فاطمة بنت حسن"):
        given, father = analyse(text).given_and_father()
        plain = analyse(text.replace(" بن ", " ").replace(" بنت ", " ")).given_and_father()
        assert (given, father) == plain
        assert father is not None and father.latin in ("omer", "hesen")


# Uyghur names typed on a Persian keyboard, which has no letter for e: it goes back where the word
# opens or closes on two consonants, or holds three.
@pytest.mark.parametrize(("a", "b"), [("شکر", "Sheker"), ("ممتلی", "Memtili"), ("ممتلی", "买买提力"),
                                      ("کرم", "Kerem")])
def test_an_e_left_out_by_the_keyboard(a: str, b: str) -> None:
    assert level(a, b) >= CROSS_SCRIPT


@pytest.mark.parametrize(("a", "b"), [
    ("حسین", "Hesen"), ("سلیم", "Salam"), ("جمیله", "Jamal"), ("حامد", "Ehmet"), ("علی", "Alim"),
    ("کریم", "Rehim"), ("کریمه", "Kérim"), ("رحیم", "Rehman"), ("نورالدین", "Nurulla"),
    ("عبدالرحیم", "Abdurehman"),
])
def test_other_names_stay_apart(a: str, b: str) -> None:
    assert level(a, b) < CROSS_SCRIPT


@pytest.mark.parametrize(("text", "latin"), [
    ("ئارسلان", "arslan"),     # three consonants together, in Uyghur spelling: no e put back
    ("ابدۇرېھىم", "abdurehim"),  # no initial hamza, but Uyghur vowel letters: not read as Abd + a name
    ("مەمەتجان", "memet"),
    ("زىن", "zin"),            # ى inside a word is Uyghur i (Arabic writes it only at the end): not زین Zeyn
    ("خىر", "xir"),
    ("ھېلىم", "helim"),         # ھ: Uyghur's h (Arabic and Persian keyboards type ه)
])
def test_uyghur_spelling_is_read_as_before(text: str, latin: str) -> None:
    key = name_key(text)
    assert key is not None and key.latin == latin


def _listed() -> list[str]:
    text = resources.files("intake.resolution").joinpath("data/arabic_names.txt").read_text("utf-8")
    return [s for line in text.splitlines() if "\t" in line and not line.startswith("#")
            for s in line.split("\t")[1].split()]


_ARABIC_LETTERS = str.maketrans({"ی": "ي", "ک": "ك"})
_MARKS = ["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u0640", "\u200c"]  # harakat, tatweel, ZWNJ


@SETTINGS
@given(st.sampled_from(_listed()), st.booleans(), st.lists(st.tuples(st.integers(1, 8), st.sampled_from(_MARKS)),
                                                           max_size=3))
def test_a_listed_spelling_reads_the_same_in_arabic_letters_and_with_marks(
        spelling: str, arabic: bool, marks: list[tuple[int, str]]) -> None:
    typed = spelling.translate(_ARABIC_LETTERS) if arabic else spelling
    for at, mark in marks:
        if mark == "\u200c" and typed[at - 1:at] == "\u0647":
            continue  # a heh before a non-joiner is how a Persian keyboard types ە, another letter
        typed = typed[:at] + mark + typed[at:]
    a, b = name_key(spelling), name_key(typed)
    assert a is not None and b is not None
    assert (b.latin, b.skeleton, b.syllables) == (a.latin, a.skeleton, a.syllables)


# Places are read by the same reader: a Persian keyboard leaves out their e as well.
@pytest.mark.parametrize(("text", "code"), [("خوتن", "653200"), ("قشقر", "653100"), ("غلجا", "654000")])
def test_a_place_typed_without_its_e(text: str, code: str) -> None:
    place = resolve_place(text)
    assert place is not None and code in (place.county, place.prefecture)


# Typed without the vowel between its w and a closing consonant, a word gets u back there, not the
# e it gets elsewhere (ساۋت Sawut, داۋت Dawut; ممەت is still Memet).
@pytest.mark.parametrize(("a", "b"), [("ساۋت", "Sawut"), ("داۋت", "Dawut"), ("ساۋت", "萨吾提"), ("ممەت", "Memet")])
def test_a_vowel_left_out_after_w_is_u(a: str, b: str) -> None:
    assert same_name_level(name_key(a), name_key(b)) >= 2

"""Sentences as families write them, in six languages, to bands; the text itself never survives."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.disclosure.sentences import band_of, bands, months_of


@pytest.mark.parametrize(("text", "band"), [
    ("10 years", "10_14y"),
    ("sentenced on 5 March 2019 to 10 years", "10_14y"),  # the date is not a length
    ("3 years and 6 months", "1_4y"),
    ("three years and six months", "1_4y"),
    ("18 months", "1_4y"),
    ("6 months", "under_1y"),
    ("twenty five years", "20y_plus"),
    ("5-9 years", "5_9y"),  # a range counts as its lower end
    ("P15Y", "15_19y"),  # ISO 8601 duration
    ("10y", "10_14y"),
    ("7", "5_9y"),  # a bare number is years
    ("ئون يىل", "10_14y"),  # Uyghur, Arabic script
    ("ئون بەش يىل", "15_19y"),
    ("۱۰ یىل", "10_14y"),  # Persian digits and yeh from a Persian keyboard
    ("on besh yil", "15_19y"),  # Uyghur Latin
    ("有期徒刑十年", "10_14y"),  # Chinese numerals
    ("有期徒刑10年6个月", "10_14y"),
    ("二十五年", "20y_plus"),
    ("无期徒刑", "life"),
    ("死缓", "death_reprieve"),
    ("死刑", "death"),
    ("осуждён в 2019 г. на 10 лет", "10_14y"),  # Russian, with a year that is not a length
    ("пятнадцать лет", "15_19y"),
    ("пожизненно", "life"),
    ("жиырма жыл", "20y_plus"),  # Kazakh
    ("6 ай", "under_1y"),
    ("20 yıl", "20y_plus"),  # Turkish
    ("müebbet hapis", "life"),
    ("idam", "death"),
    ("death sentence with two-year reprieve", "death_reprieve"),
    ("life imprisonment", "life"),
    ("5_9y", "5_9y"),  # a band key
    ("15-19 years", "15_19y"),  # a band label
])
def test_sentence_texts_fall_in_their_band(text: str, band: str) -> None:
    assert band_of(text) == band


@pytest.mark.parametrize("text", [None, "", "not known", "unknown", "بىلمەيمەن", "released", "2019"])
def test_texts_without_a_length_are_unknown(text: str | None) -> None:
    assert band_of(text) is None


def test_bands_cover_every_length_without_gaps() -> None:
    fixed = [b for b in bands() if b.min_months is not None]
    assert fixed[0].min_months == 0 and fixed[-1].max_months is None
    for lower, upper in zip(fixed, fixed[1:], strict=False):
        assert lower.max_months == upper.min_months
    for months in range(1, 600):
        assert band_of(f"{months} months") is not None


@given(st.text(max_size=80))
def test_any_text_gives_a_band_or_none_and_never_fails(text: str) -> None:
    assert band_of(text) in {b.key for b in bands()} | {None}
    result = months_of(text)
    assert result is None or result > 0

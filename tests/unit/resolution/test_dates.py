"""Dates as lists write them, read leniently for the matcher (`dates.approximate`), with the same
reader the importer uses strictly."""

from __future__ import annotations

import calendar

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.resolution import dates
from intake.resolution.prepare import prepare


@pytest.mark.parametrize(("text", "expected"), [
    ("1978", (1978, None, None)), ("1978-12", (1978, 12, None)), ("1978-12-24", (1978, 12, 24)),
    ("1978/12/24", (1978, 12, 24)), ("1978.12.24", (1978, 12, 24)), ("24.12.1978", (1978, 12, 24)),
    ("24/12/1978", (1978, 12, 24)), ("12/24/1978", (1978, 12, 24)),  # month first, as the US writes it
    ("05/06/1978", (1978, 6, 5)),  # either way round: day first
    ("19781224", (1978, 12, 24)), ("1978年12月24日", (1978, 12, 24)), ("1978年12月", (1978, 12, None)),
    ("１９７８年１２月", (1978, 12, None)), ("١٩٧٨-١٢-٢٤", (1978, 12, 24)), ("24 December 1978", (1978, 12, 24)),
    ("Dec 1978", (1978, 12, None)), ("1978-12-24 00:00:00", (1978, 12, 24)),
    ("1978-12-24 (about)", (1978, 12, 24)), ("about 1980", (1980, None, None)), ("1885-02", (1885, 2, None)),
    ("1978-13", (1978, None, None)), ("19781324", (1978, None, None)), ("78", (None, None, None)),
    ("1978-02-30", (1978, 2, None)), ("1978-04-31", (1978, 4, None)), ("19790229", (1979, 2, None)),
    ("1980-02-29", (1980, 2, 29)),  # a day its month does not have is a typo; the month still says something
    ("unknown", (None, None, None)),
    # As spreadsheets and Russian, Turkish or American lists write them.
    ("December 24, 1978", (1978, 12, 24)), ("Dec 24 1978", (1978, 12, 24)), ("24-Dec-1978", (1978, 12, 24)),
    ("24.12.1978 00:00:00", (1978, 12, 24)), ("24 декабря 1978 г.", (1978, 12, 24)), ("декабрь 1978", (1978, 12, None)),
    ("5 мая 1978 года", (1978, 5, 5)), ("24 Aralık 1978", (1978, 12, 24)), ("Şubat 1978", (1978, 2, None)),
    ("24 Smarch 1978", (1978, None, None)),
    # A month and year as European lists write them; a decade is no one year, a short span its middle.
    ("12.1978", (1978, 12, None)), ("03/1978", (1978, 3, None)), ("13.1978", (1978, None, None)),
    ("1970s", (None, None, None)), ("1970's", (None, None, None)), ("1978-1980", (1979, None, None)),
    ("1978–1980", (1979, None, None)), ("1978 or 1979", (1978, None, None)), ("1979/1978", (None, None, None)),
    ("1975-1985", (None, None, None)), ("1978-1980 (about)", (1979, None, None)),
    ("c. 1978", (1978, None, None)), ("1978?", (1978, None, None)), ("~1978", (1978, None, None)),
    ("۱۹۷۸", (1978, None, None)), ("1978-12-24T00:00:00", (1978, 12, 24)),
])
def test_dates_as_lists_write_them(text, expected):
    assert dates.approximate(text) == expected


def test_the_matcher_reads_them_from_a_list():
    record = prepare({"report_id": "1", "given_name": "Ablimit", "birth_date": "1978年12月24日"})
    assert (record.birth_year, record.birth_month, record.birth_day) == (1978, 12, 24)


@given(st.dates(min_value=__import__("datetime").date(1880, 1, 1), max_value=__import__("datetime").date(2100, 12, 31)),
       st.sampled_from(["{:%Y-%m-%d}", "{:%Y/%m/%d}", "{:%d.%m.%Y}", "{:%Y%m%d}", "{:%Y}年{:%m}月{:%d}日"]))
def test_every_real_date_in_every_way_of_writing_reads_back(day, pattern):
    text = pattern.format(day, day, day) if "年" in pattern else pattern.format(day)
    assert dates.approximate(text) == (day.year, day.month, day.day)


@given(st.text(max_size=30))
def test_any_text_gives_a_plausible_date_or_nothing(text):
    year, month, day = dates.approximate(text)
    assert year is None or 1880 <= year <= 2100
    assert month is None or (year is not None and 1 <= month <= 12)
    assert day is None or (month is not None and 1 <= day <= calendar.monthrange(year, month)[1])

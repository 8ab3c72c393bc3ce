"""Pure parts of the review workspace: counties named in any script, the inbox cursor, and the
field-by-field comparison of a person's reports."""

from __future__ import annotations

import uuid

import pytest

from intake.services import comparison, place_lookup
from intake.services.inbox import Cursor


@pytest.mark.parametrize("text", ["653101", "Kashgar City", "kashgar city", "قەشقەر شەھىرى", "喀什市", "Kashi Shi",
                                  " kashi-shi ", "Қашқар қаласы"])
def test_a_county_by_any_of_its_names(text: str) -> None:
    assert place_lookup.county_code(text) == "653101"


@pytest.mark.parametrize("text", ["Yarkand", "Yeken", "莎车", "يەكەن", "Shache", "Яркенд", "yarkand county"])
def test_a_county_by_a_short_name_or_exonym(text: str) -> None:
    assert place_lookup.county_code(text) == "653125"


@pytest.mark.parametrize("text", ["", "   ", "Atlantis", "650000", "6531", "x" * 200, "Kashgar", "Ghulja"])
def test_no_county_for_what_names_none(text: str) -> None:
    assert place_lookup.county_code(text) is None


def test_cursor_round_trip_and_garbage() -> None:
    cursor = Cursor(1234, uuid.uuid4())
    assert Cursor.decode(cursor.encode()) == cursor
    for bad in (None, "", "garbage", "1.2.3", "-1." + "0" * 32, "12." + "z" * 32, "9" * 30 + "." + "0" * 32,
                "1." + "0" * 100):
        assert Cursor.decode(bad) is None


def test_comparison_marks_disagreements_only() -> None:
    rows = {r.field: r for r in comparison.compare(
        ["gender", "birth_date", "home_county", "occupation", "facility"],
        [{"gender": "male", "birth_date": "1984", "home_county": "653101", "occupation": "Teacher ", "facility": None},
         {"gender": "female", "birth_date": "1984-06", "home_county": "653101", "occupation": "teacher",
          "facility": "Camp 3"},
         {"gender": "male", "birth_date": "1985", "home_county": "653101", "occupation": None, "facility": ""}])}
    assert rows["gender"].disagree and rows["birth_date"].disagree  # 1985 against 1984
    assert not rows["home_county"].disagree and not rows["occupation"].disagree  # case and spaces do not count
    assert not rows["facility"].disagree  # one report knows, the others are silent
    assert rows["gender"].values == ["male", "female", "male"]
    only = comparison.compare(["birth_date"], [{"birth_date": "1984"}, {"birth_date": "1984-06-17"}])
    assert not only[0].disagree

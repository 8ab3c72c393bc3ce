"""Hierarchies: every value has a place at every level, and the trees say what the thesauri say."""

from __future__ import annotations

import pytest

from intake.disclosure.hierarchies import COLUMNS, STAR, UNKNOWN, hierarchies
from intake.services import thesauri

H = {h.column: h for h in hierarchies(2026)}


def shown(column: str, raw: object, level: str) -> str:
    h = H[column]
    return h.labels[h.up[h.level(level)][h.encode([raw])[0]]]


@pytest.mark.parametrize("column", COLUMNS)
def test_every_node_maps_to_every_level_and_levels_nest(column: str) -> None:
    h = H[column]
    assert h.up.shape == (h.top + 1, h.nodes)
    assert (h.up[h.top] == STAR).all()
    assert (h.up[: h.top, UNKNOWN] == UNKNOWN).all()
    for level in range(h.top):
        # Generalising twice is generalising once: level L+1 of a value is level L+1 of its level-L value.
        assert (h.up[level + 1][h.up[level]] == h.up[level + 1]).all()
        # A value never gets more precise by going up.
        assert (h.node_level[h.up[level + 1]] >= h.node_level[h.up[level]]).all()
    assert len(set(h.labels)) == h.nodes
    loss = h.loss()
    assert (0 <= loss).all() and (loss <= 1).all() and loss[STAR] == 1 and loss[UNKNOWN] == 1


def test_places_generalise_county_to_prefecture_to_region() -> None:
    assert shown("home_place", "653125", "county") == "Yarkand County"
    assert shown("home_place", "653125", "prefecture") == "Kashgar Prefecture"
    assert shown("home_place", "653125", "region") == "Southern Xinjiang"
    assert shown("home_place", "650402", "region") == "Eastern Xinjiang"
    assert shown("home_place", "654002", "region") == "Northern Xinjiang"


def test_places_given_only_in_part_or_in_old_codes_still_have_a_place() -> None:
    assert shown("home_place", "653100", "county") == "Kashgar Prefecture"  # prefecture only
    assert shown("home_place", "653199", "county") == "Kashgar Prefecture"  # unlisted county code
    assert shown("home_place", "650101", "county") == "Ürümchi City"  # "City Districts" is no place
    assert shown("home_place", "652923", "county") == "Kucha City"  # Kucha County, renamed in 2019
    assert shown("home_place", "652401", "prefecture") == "Ili Kazakh Autonomous Prefecture"
    assert shown("home_place", "659002", "prefecture") == "Aral City"  # XPCC city, its own unit
    assert shown("home_place", "659002", "region") == "Southern Xinjiang"
    assert shown("home_place", "650000", "region") == "Xinjiang, region not known"
    for raw in (None, "", "110101", "not a code", 653125):
        assert shown("home_place", raw, "county") == "unknown"


def test_every_current_county_reaches_a_real_region() -> None:
    regions = {"Northern Xinjiang", "Southern Xinjiang", "Eastern Xinjiang"}
    for place in thesauri.places():
        if place.level == "county" and not place.historical:
            assert shown("home_place", place.code, "region") in regions, place.code


def test_years_and_dates_generalise_in_bands() -> None:
    assert [shown("birth_year", 1984, level) for level in ("year", "5 years", "10 years", "*")] == [
        "1984", "1980-1984", "1980-1989", "*"]
    assert shown("birth_year", "1984-06-17", "year") == "1984"
    assert shown("birth_year", 2031, "year") == "unknown"
    assert [shown("detention_date", "2017-05-12", level) for level in ("month", "quarter", "year")] == [
        "2017-05", "2017-Q2", "2017"]
    assert shown("detention_date", "2017", "month") == "2017"  # the year is all the family knew
    assert shown("detention_date", "2017-13", "month") == "2017"
    assert shown("detention_date", "yesterday", "month") == "unknown"


def test_vocabularies_group_then_star() -> None:
    assert shown("facility_type", "camp", "group") == "detention"
    assert shown("facility_type", "house_arrest", "group") == "non_detention"
    assert shown("facility_type", "unknown", "facility_type") == "unknown"
    assert shown("status", "sentenced", "group") == "held"
    assert shown("status", "released", "group") == "released"  # a group of one is the value itself
    assert shown("status", "no such status", "status") == "unknown"
    assert shown("ethnicity", "tatar", "group") == "other_turkic"
    assert shown("verification", "documented", "group") == "verified"
    assert [shown("report_count", n, "band") for n in (1, 2, 3, 4, 5, 40)] == ["1", "2", "3-4", "3-4", "5+", "5+"]
    assert shown("report_count", 7, "coarse band") == "2+"
    assert shown("report_count", 0, "band") == "unknown"


def test_status_can_never_be_generalised_away() -> None:
    assert H["status"].max_level == 1


def test_every_vocabulary_code_has_a_node() -> None:
    for column, vocabulary in (("ethnicity", "ethnicities"), ("facility_type", "facility_types"),
                               ("status", "statuses"), ("verification", "verification_levels"),
                               ("gender", "genders")):
        for term in thesauri.vocabulary(vocabulary):
            label = shown(column, term.code, H[column].level_names[0])
            assert label in (term.code, "unknown")

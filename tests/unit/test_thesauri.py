"""Shipped place list and controlled vocabularies, and their typed loader."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from intake.services import thesauri as th

# Uyghur script letters live in the Arabic block; the other characters are the
# punctuation the labels legitimately use.
ARABIC_LETTER = re.compile(r"[\u0600-\u06FF]")
UYGHUR_ALLOWED = re.compile(r"^[\u0600-\u06FF \-()«»]+$")
CYRILLIC_ALLOWED = re.compile(r"^[\u0400-\u04FF \-(),«»]+$")
CJK = re.compile(r"[\u4E00-\u9FFF]")

EXPECTED_VOCABULARIES = {
    "ethnicities": ["uyghur", "kazakh", "kyrgyz", "hui", "uzbek", "tajik", "tatar", "mongol", "han", "other"],
    "relationships": [
        "parent", "child", "sibling", "spouse", "grandparent", "grandchild", "uncle_aunt",
        "nephew_niece", "cousin", "in_law", "friend", "colleague", "other",
    ],
    "statuses": ["detained", "sentenced", "released", "died", "disappeared", "unknown"],
    "genders": ["female", "male", "other", "unknown"],
    "verification_levels": ["reported", "partially_verified", "corroborated", "documented"],
    "facility_types": ["camp", "detention_centre", "prison", "labour_transfer", "house_arrest", "unknown"],
}


def raw(filename: str):
    return json.loads(resources.files("intake.data").joinpath(filename).read_text(encoding="utf-8"))


# --- places -----------------------------------------------------------------


def test_codes_are_unique_six_digit_xinjiang_codes_sorted():
    codes = [p.code for p in th.places()]
    assert len(codes) > 150  # all of GB/T 2260 block 65, not a sample
    assert len(set(codes)) == len(codes)
    assert codes == sorted(codes)
    for code in codes:
        assert re.fullmatch(r"65\d{4}", code), code


def test_levels_follow_the_code_structure():
    for p in th.places():
        expected = "region" if p.code.endswith("0000") else "prefecture" if p.code.endswith("00") else "county"
        assert p.level == expected, p.code


def test_region_row():
    region = th.place("650000")
    assert region is not None
    assert (region.level, region.parent, region.zh) == ("region", None, "新疆维吾尔自治区")
    assert [p.code for p in th.places() if p.level == "region"] == ["650000"]


def test_every_county_has_an_existing_prefecture_parent():
    for p in th.places():
        if p.level == "county":
            parent = th.place(p.parent)
            assert parent is not None, p.code
            assert parent.level == "prefecture", p.code
            assert parent.code[:4] == p.code[:4], p.code
        elif p.level == "prefecture":
            assert p.parent == "650000", p.code


def test_current_prefectures():
    current = {p.code for p in th.prefectures(include_historical=False)}
    # 14 prefecture-level divisions plus 659000, the region-administered cities.
    assert current == {
        "650100", "650200", "650400", "650500", "652300", "652700", "652800",
        "652900", "653000", "653100", "653200", "654000", "654200", "654300", "659000",
    }
    assert {"652100", "652200", "654100"} <= {p.code for p in th.prefectures()}


def test_kashgar():
    kashgar = th.place("653100")
    assert kashgar is not None
    assert kashgar.zh == "喀什地区"
    assert kashgar.ug.startswith("قەشقەر ")
    city = th.place("653101")
    assert city in th.counties("653100")
    assert city.zh == "喀什市"
    assert city.ug == "قەشقەر شەھىرى"
    assert city.latin.startswith("Kashgar")
    assert city.pinyin.startswith("Kashi")
    # Yarkand is in Kashgar, not Hotan.
    assert th.place("653125") in th.counties("653100")
    assert th.place("653125") not in th.counties("653200")


@pytest.mark.parametrize(
    ("code", "ug", "latin", "pinyin"),
    [
        ("653201", "خوتەن", "Hotan", "Hetian"),
        ("652901", "ئاقسۇ", "Aksu", "Akesu"),
        ("650100", "ئۈرۈمچى", "Ürümchi", "Wulumuqi"),
        ("654002", "غۇلجا", "Ghulja", "Yining"),
    ],
)
def test_well_known_names(code, ug, latin, pinyin):
    p = th.place(code)
    assert p is not None
    assert p.ug.split()[0] == ug
    assert p.latin.split()[0] == latin
    assert p.pinyin.split()[0] == pinyin


def test_same_name_different_divisions_are_distinguishable():
    # Hotan is a prefecture, a city and a county: the labels must differ.
    hotans = [th.place(c) for c in ("653200", "653201", "653221")]
    for attr in ("zh", "ug", "latin", "pinyin"):
        assert len({getattr(p, attr) for p in hotans}) == 3, attr


def test_every_place_has_names_in_the_right_scripts():
    for p in th.places():
        assert p.zh and p.ug and p.latin and p.pinyin, p.code
        assert UYGHUR_ALLOWED.match(p.ug), (p.code, p.ug)
        assert ARABIC_LETTER.search(p.ug), p.code
        assert CJK.search(p.zh), p.code
        assert not ARABIC_LETTER.search(p.latin) and not CJK.search(p.latin), p.code
        assert re.fullmatch(r"[A-Za-z' ]+", p.pinyin), (p.code, p.pinyin)


def test_historical_codes():
    assert th.place("652100").historical and th.place("652100").until == 2015  # Turpan prefecture
    assert not th.place("650400").historical and th.place("650400").since == 2015  # Turpan city
    assert th.place("652923").historical  # Kucha county, now a city (652902)
    assert "652923" not in {p.code for p in th.counties("652900", include_historical=False)}
    assert "652923" in {p.code for p in th.counties("652900")}
    for row in raw("places.json"):
        assert row["historical"] is (row["until"] is not None), row["code"]
        if row["since"] and row["until"]:
            assert row["since"] <= row["until"], row["code"]


def test_places_match_stdnum_table():
    # Codes and Chinese names come from python-stdnum's GB/T 2260 table.
    from stdnum import numdb

    loc = numdb.get("cn/loc")
    for p in th.places():
        parts = loc.info(p.code)
        assert len(parts) == 2 and parts[1][0] == p.code[2:], p.code
        assert p.zh.endswith(parts[1][1]["county"].rsplit("]", 1)[-1]), p.code


def test_prefecture_of():
    assert th.prefecture_of("653101").code == "653100"
    assert th.prefecture_of("654002").code == "654000"
    assert th.prefecture_of("653100").code == "653100"
    assert th.prefecture_of("659001").code == "659000"
    assert th.prefecture_of("650000") is None
    assert th.prefecture_of("110101") is None
    assert th.prefecture_of("659999") is None


def test_counties_of_unknown_prefecture_is_empty():
    assert th.counties("110000") == ()


def test_label_languages():
    city = th.place("653101")
    assert th.label(city, "ug") == "قەشقەر شەھىرى"
    assert th.label(city, "zh_Hans") == "喀什市"
    assert th.label(city, "zh") == "喀什市"
    assert th.label(city, "en") == city.latin
    assert th.label(city, "kk") == "Қашқар қаласы"
    assert th.label(city, "ru-RU") == "город Кашгар"
    assert th.label(city, "tr") == "Kaşgar Şehri"
    assert th.label(city, "fr") == city.latin  # a language we do not show: English


def test_is_xinjiang_code():
    assert th.is_xinjiang_code("653101")
    assert th.is_xinjiang_code("652100")  # retired codes still count
    assert not th.is_xinjiang_code("110101")
    assert not th.is_xinjiang_code("659999")
    assert not th.is_xinjiang_code("65310")


# --- vocabularies -----------------------------------------------------------


def test_vocabulary_names_match_the_file():
    assert set(th.VOCABULARIES) == set(raw("thesauri.json")) == set(EXPECTED_VOCABULARIES)


@pytest.mark.parametrize("name", sorted(EXPECTED_VOCABULARIES))
def test_vocabulary_codes(name):
    assert [t.code for t in th.vocabulary(name)] == EXPECTED_VOCABULARIES[name]


@pytest.mark.parametrize("name", sorted(EXPECTED_VOCABULARIES))
def test_every_item_has_all_six_labels(name):
    for item in raw("thesauri.json")[name]:
        assert set(item) == {"code", *th.LANGUAGES}, item["code"]
        assert all(item[lang].strip() for lang in th.LANGUAGES), item["code"]
        assert UYGHUR_ALLOWED.match(item["ug"]), item["ug"]
        assert CYRILLIC_ALLOWED.match(item["kk"]), item["kk"]
        assert CYRILLIC_ALLOWED.match(item["ru"]), item["ru"]
        assert CJK.search(item["zh"]), item["zh"]


def test_term_labels_and_fallback():
    uyghur = th.term("ethnicities", "uyghur")
    assert uyghur.label("ug") == "ئۇيغۇر"
    assert uyghur.label("zh_Hans") == "维吾尔族"
    assert uyghur.label("kk") == "Ұйғыр"
    assert uyghur.label("fr") == "Uyghur"
    assert hash(uyghur) == hash(th.term("ethnicities", "uyghur"))
    with pytest.raises(TypeError):
        uyghur.labels["en"] = "changed"  # shared across requests: must be read-only


def test_unknown_term_is_none():
    assert th.term("statuses", "executed") is None


def test_unknown_vocabulary_raises_key_error():
    with pytest.raises(KeyError, match="unknown vocabulary 'colours'"):
        th.vocabulary("colours")
    with pytest.raises(KeyError):
        th.term("colours", "red")

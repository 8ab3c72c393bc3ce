"""Places in every script resolved to GB/T 2260 codes."""

from __future__ import annotations

import pytest

from intake.resolution.places import place_of_code, resolve_place

YARKAND, KASHGAR_PREF, KASHGAR_CITY = "653125", "653100", "653101"


@pytest.mark.parametrize("text", [
    "莎车县", "莎车", "新疆喀什地区莎车县", "新疆维吾尔自治区莎车县", "Yarkand", "Yarkand County", "Yarkent",
    "Yeken", "Yeken Nahiyisi", "Yəkən", "يەكەن", "يەكەن ناھىيىسى", "Shache Xian", "Shache", "Яркенд",
    "Yarkand, Kashgar", "Yeken (Qeshqer)", "Yarkend",
])
def test_yarkand_in_every_script(text: str) -> None:
    match = resolve_place(text)
    assert match is not None
    assert (match.level, match.county, match.prefecture) == ("county", YARKAND, KASHGAR_PREF)


@pytest.mark.parametrize("text", ["Kashgar", "Kashi", "Qeshqer", "قەشقەر", "Кашгар", "Қашқар", "Kaşgar",
                                  "喀什", "喀什地区", "Kashgar Prefecture", "Qeshqer Wilayiti"])
def test_kashgar_alone_is_the_prefecture(text: str) -> None:
    match = resolve_place(text)
    assert match is not None
    assert (match.level, match.code, match.county, match.prefecture) == ("prefecture", KASHGAR_PREF, None,
                                                                          KASHGAR_PREF)


@pytest.mark.parametrize("text", ["Kashgar City", "喀什市", "Qeshqer Shehiri", "قەشقەر شەھىرى"])
def test_kashgar_city_is_the_county_level_city(text: str) -> None:
    match = resolve_place(text)
    assert match is not None and match.county == KASHGAR_CITY and match.prefecture == KASHGAR_PREF


@pytest.mark.parametrize(("text", "county", "prefecture"), [
    ("Aksu", None, "652900"), ("Aqsu", None, "652900"), ("Аксу", None, "652900"),
    ("Aksu City", "652901", "652900"), ("阿克苏市", "652901", "652900"),
    ("Hotan", None, "653200"), ("Khotan", None, "653200"), ("和田地区", None, "653200"),
    ("Khotan County", "653221", "653200"), ("Qaraqash", "653222", "653200"), ("墨玉县", "653222", "653200"),
    ("Ghulja", None, "654000"), ("Gulja", None, "654000"), ("Құлжа", None, "654000"),
    ("伊宁县", "654021", "654000"), ("Ghulja City", "654002", "654000"),
    ("Urumqi", None, "650100"), ("Ürümchi", None, "650100"), ("乌鲁木齐", None, "650100"),
    ("Turfan", None, "650400"), ("Toksun", "650422", "650400"), ("Tokhsun", "650422", "650400"),
    ("Kuqa", "652902", "652900"), ("Kucha", "652902", "652900"), ("库车", "652902", "652900"),
    # A county since renamed, named with its old level word: the current code, as its bare name gives.
    ("库车县", "652902", "652900"), ("Kucha County", "652902", "652900"), ("كۇچا ناھىيىسى", "652902", "652900"),
    ("Turpan Prefecture", None, "650400"), ("Kumul Prefecture", None, "650500"), ("吐鲁番地区", None, "650400"),
    ("Artux", "653001", "653000"), ("Атуш", "653001", "653000"),
    ("Kargilik", "653126", "653100"), ("Qaghiliq", "653126", "653100"), ("叶城县", "653126", "653100"),
    ("Peyzawat", "653129", "653100"), ("伽师县", "653129", "653100"),
    ("Chöchek", "654201", "654200"), ("Altay", None, "654300"),
])
def test_places_across_scripts(text: str, county: str | None, prefecture: str) -> None:
    match = resolve_place(text)
    assert match is not None
    assert (match.county, match.prefecture) == (county, prefecture)


@pytest.mark.parametrize("text", ["", "   ", "Sydney", "Istanbul", "Yéngisheher", "12345"])
def test_unknown_or_ambiguous_places_resolve_to_nothing(text: str) -> None:
    # Yéngisheher is both a district of Ürümchi and a county of Kashgar.
    assert resolve_place(text) is None


def test_a_code_from_the_picker() -> None:
    match = place_of_code(YARKAND)
    assert match is not None and (match.county, match.prefecture) == (YARKAND, KASHGAR_PREF)
    pref = place_of_code(KASHGAR_PREF)
    assert pref is not None and pref.level == "prefecture" and pref.county is None
    assert place_of_code("110101") is None and place_of_code(None) is None


@pytest.mark.parametrize(("text", "county", "prefecture"), [
    # A county or city that shares its prefecture's name, written together with it as documents do.
    ("和田地区和田县", "653221", "653200"), ("新疆和田地区和田县", "653221", "653200"), ("和田地区 和田县", "653221", "653200"),
    ("和田地区和田市", "653201", "653200"), ("阿克苏地区阿克苏市", "652901", "652900"),
    ("伊犁州伊宁市", "654002", "654000"), ("伊犁哈萨克自治州伊宁县", "654021", "654000"),
    ("塔城地区塔城市", "654201", "654200"), ("乌鲁木齐市乌鲁木齐县", "650121", "650100"),
    ("吐鲁番市高昌区", "650402", "650400"), ("哈密市伊州区", "650502", "650500"),
    # 区 is the district, not the city of the same name, nor the city's districts together.
    ("克拉玛依区", "650203", "650200"), ("Karamay District", "650203", "650200"),
    # Short Chinese forms, another romanisation, an old name (米泉, merged into 米东区 in 2007).
    ("巴州", None, "652800"), ("博州", None, "652700"), ("塔县", "653131", "653100"), ("察县", "654022", "654000"),
    ("Usu", "654202", "654200"), ("Urumqi County", "650121", "650100"), ("米泉", "650109", "650100"),
    ("Miquan", "650109", "650100"), ("Charqiliq", "652824", "652800"),
])
def test_places_written_together_short_forms_and_old_names(text: str, county: str | None, prefecture: str) -> None:
    match = resolve_place(text)
    assert match is not None
    assert (match.county, match.prefecture) == (county, prefecture)

"""Place names in every language of the public pages, where each comes from, and the non-places."""

from __future__ import annotations

import json
import re
from importlib import resources

import pytest

from intake.data import build_places
from intake.data.place_names import ESTABLISHED, PALLADIUS, TRANSLIT, uyghur_name
from intake.data.place_translit import from_uyghur
from intake.services import thesauri as th

# The letters each language's labels may use; punctuation the labels legitimately carry.
SCRIPTS = {
    "ug": re.compile(r"^[\u0600-\u06FF ()\-]+$"),
    "zh": re.compile(r"^[\u4E00-\u9FFF（）]+$"),
    "kk": re.compile(r"^[\u0400-\u04FF ()\-]+$"),
    "ru": re.compile(r"^[\u0400-\u04FF ()\-]+$"),
    # The Turkish alphabet: no q, w or x.
    "tr": re.compile(r"^[A-PR-VYZa-pr-vyzÇçĞğİıÖöŞşÜüÂâÎîÛû ()\-]+$"),
    "en": re.compile(r"^[A-Za-zÉéÖöÜü' ()\-]+$"),
}
# English words that must not appear in a Turkish label (Turkish shares the Latin letters).
ENGLISH = re.compile(r"\b(City|County|Prefecture|District|Region|Autonomous|units?|known|XPCC)\b", re.I)


def rows() -> list[dict]:
    return json.loads(resources.files("intake.data").joinpath("places.json").read_text(encoding="utf-8"))


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_every_place_has_a_label_in_the_script_of_each_language(lang):
    for place in th.places():
        label = th.label(place, lang)
        assert SCRIPTS[lang].match(label), (place.code, lang, label)
        if lang == "tr":
            assert not ENGLISH.search(label), (place.code, label)


@pytest.mark.parametrize(("code", "kk", "ru", "tr"), [
    ("654002", "Құлжа қаласы", "город Кульджа (Инин)", "Gulca Şehri"),
    ("654201", "Шәуешек қаласы", "город Чугучак (Тачэн)", "Çöçek Şehri"),
    ("653100", "Қашқар аймағы", "округ Кашгар", "Kaşgar Vilayeti"),
    ("653125", "Жаркент (Яркенд) ауданы", "уезд Яркенд", "Yarkent İlçesi"),
    ("652900", "Ақсу аймағы", "округ Аксу", "Aksu Vilayeti"),
    ("653201", "Хотан қаласы", "город Хотан", "Hotan Şehri"),
    ("650400", "Тұрпан қаласы", "город Турфан", "Turfan Şehri"),
    ("650500", "Құмыл қаласы", "город Хами (Кумул)", "Kumul Şehri"),
    ("654300", "Алтай аймағы", "округ Алтай", "Altay Vilayeti"),
    ("654000", "Іле Қазақ автономиялық облысы", "Или-Казахский автономный округ", "İli Kazak Özerk Oblastı"),
])
def test_established_names(code, kk, ru, tr):
    place = th.place(code)
    assert (th.label(place, "kk"), th.label(place, "ru"), th.label(place, "tr")) == (kk, ru, tr)


def test_every_kazakh_russian_and_turkish_name_says_where_it_comes_from():
    for row in rows():
        assert set(row["display"]) == {"en", "ug", "zh", "kk", "ru", "tr"}, row["code"]
        assert set(row["display_sources"]) == {"kk", "ru", "tr"}, row["code"]
        assert set(row["display_sources"].values()) <= {ESTABLISHED, PALLADIUS, TRANSLIT}, row["code"]


def test_a_transliterated_name_is_what_the_rules_make_of_the_uyghur():
    """"translit" must mean it: the Kazakh or Turkish name is the rule's output for the Uyghur name."""
    checked = 0
    for row in rows():
        for lang in ("kk", "tr"):
            if row["display_sources"][lang] == TRANSLIT:
                assert from_uyghur(uyghur_name(row["ug"]), lang) in row["display"][lang], (row["code"], lang)
                checked += 1
    assert checked > 20


@pytest.mark.parametrize(("uyghur", "kk", "tr"), [
    ("قىزىلسۇ", "Қызылсу", "Kızılsu"),  # back vowels: ы / ı
    ("كېرىيە", "Керие", "Keriye"),  # front vowels; Kazakh и for ий
    ("يېڭىسار", "Еңісар", "Yengisar"),  # Kazakh е says "ye" at the start of a word
    ("پىچان", "Пышан", "Piçan"),  # Turkish keeps the Uyghur i front
    ("غۇلجا", "Ғұлжа", "Gulca"),  # Turkish ğ never starts a word
    ("ئاقسۇ", "Ақсу", "Aksu"),  # Kazakh -су "water"
    ("ئىلى", "Ілі", "İli"),  # Turkish capital dotted İ
])
def test_transliteration_rules(uyghur, kk, tr):
    assert (from_uyghur(uyghur, "kk"), from_uyghur(uyghur, "tr")) == (kk, tr)


def test_transliteration_refuses_what_it_cannot_write():
    with pytest.raises(ValueError, match="into 'ru'"):
        from_uyghur("قەشقەر", "ru")
    with pytest.raises(ValueError, match="no kk rule"):
        from_uyghur("قەشقەرX", "kk")


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_the_places_a_picker_offers_are_told_apart_in_every_language(lang):
    """Within a prefecture, no two choices read the same (Hotan city and Hotan county!)."""
    for prefecture, counties in th.picker():
        labels = [th.label(prefecture, lang)] + [th.label(c, lang) for c in counties]
        assert len(labels) == len(set(labels)), (prefecture.code, lang, labels)


def test_the_districts_of_a_city_are_no_place_and_are_not_offered():
    non_places = {p.code for p in th.places() if p.non_place}
    assert non_places == {"650101", "650120", "650201", "650401", "650501"}
    offered = {c.code for _, counties in th.picker() for c in counties}
    assert not offered & non_places
    assert not any(c.historical for _, counties in th.picker() for c in counties)
    assert "653101" in offered and "659001" in offered
    # Still known, for identity numbers that carry the code, and labelled for what they are.
    assert th.is_xinjiang_code("650101")
    assert th.label(th.place("650101"), "en") == "Ürümchi City (district not known)"
    assert th.label(th.place("650101"), "kk") == "Үрімжі қаласы (ауданы белгісіз)"


def test_the_bingtuan_cities_are_named_as_such():
    group = th.place("659000")
    assert group.kind == "xpcc_cities"
    assert th.label(group, "en") == "XPCC (Bingtuan) cities"
    assert th.label(group, "zh") == "兵团城市"
    assert th.label(group, "ru") == "Города Бинтуаня"
    assert group.zh == "自治区直辖县级行政单位"  # the reference name stays GB/T 2260's


def test_places_json_is_what_the_builder_makes():
    assert build_places.main(["--check"]) == 0, "run .venv/bin/python intake/data/build_places.py"

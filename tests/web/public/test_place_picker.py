"""The county picker of the report form, as each language's page serves it: every group and option
in that language's script and spelling, no English inside another language, no non-place."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest

from intake.services import thesauri
from tests.place_labels import NON_PLACE_WORDS, SCRIPT, label_problems
from tests.web.public.pages import text_of

PICKER = "relatives-0-home_county"


@dataclass
class Picker(HTMLParser):
    """The optgroups and options of one select, in page order."""

    select_id: str
    groups: list[str] = field(default_factory=list)
    options: list[tuple[str, str]] = field(default_factory=list)  # (value, label)
    _inside: bool = False
    _option: str | None = None

    def __post_init__(self) -> None:
        super().__init__(convert_charrefs=True)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "select":
            self._inside = values.get("id") == self.select_id
        elif self._inside and tag == "optgroup":
            self.groups.append(values.get("label") or "")
        elif self._inside and tag == "option":
            self._option = values.get("value") or ""
            self.options.append((self._option, ""))

    def handle_data(self, data: str) -> None:
        if self._inside and self._option is not None:
            value, label = self.options[-1]
            self.options[-1] = (value, label + data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "option":
            self._option = None
        elif tag == "select":
            self._inside = False


def picker(client, lang: str) -> Picker:  # noqa: ANN001
    response = client.get(f"/report?lang={lang}")
    assert response.status_code == 200
    parsed = Picker(PICKER)
    parsed.feed(text_of(response))
    assert parsed.options, f"no county picker on the {lang} page"
    return parsed


@pytest.mark.parametrize("lang", sorted(SCRIPT))
def test_every_choice_is_written_in_the_language_of_the_page(client, lang):
    parsed = picker(client, lang)
    wrong = label_problems(lang, parsed.groups + [label.strip() for _, label in parsed.options])
    assert not wrong, f"{lang}: " + "; ".join(wrong[:10])


@pytest.mark.parametrize("lang", sorted(SCRIPT))
def test_no_non_place_and_no_retired_code_is_offered(client, lang):
    parsed = picker(client, lang)
    offered = {value for value, _ in parsed.options if value}
    for code in offered:
        place = thesauri.place(code)
        assert place is not None and not place.non_place and not place.historical, (lang, code)
    shown = " ".join(parsed.groups + [label for _, label in parsed.options])
    assert not [word for word in NON_PLACE_WORDS if word in shown], lang
    # Everything a family may choose is there: each current prefecture (alone) and its places.
    expected = {p.code for p, _ in thesauri.picker()} | {c.code for _, cs in thesauri.picker() for c in cs}
    assert offered == expected


@pytest.mark.parametrize(("lang", "group", "whole", "county"), [
    ("kk", "Іле Қазақ автономиялық облысы", "Іле Қазақ автономиялық облысы (ауданы белгісіз)", "Құлжа қаласы"),
    ("ru", "округ Кашгар", "округ Кашгар (уезд неизвестен)", "уезд Яркенд"),
    ("tr", "Kaşgar Vilayeti", "Kaşgar Vilayeti (ilçesi bilinmiyor)", "Yarkent İlçesi"),
    ("ug", "قەشقەر ۋىلايىتى", "قەشقەر ۋىلايىتى (ناھىيىسى نامەلۇم)", "يەكەن ناھىيىسى"),
    ("zh_Hans", "喀什地区", "喀什地区（县不详）", "莎车县"),
    ("en", "Bingtuan", "XPCC (Bingtuan) cities (city not known)", "Shihezi City"),
])
def test_prefectures_and_counties_read_naturally(client, lang, group, whole, county):
    parsed = picker(client, lang)
    labels = [label.strip() for _, label in parsed.options]
    assert any(group in g for g in parsed.groups), (lang, parsed.groups)
    assert whole in labels and county in labels, lang


@pytest.mark.parametrize(("lang", "label"), [
    ("en", "XPCC (Bingtuan) cities (city not known)"), ("zh_Hans", "兵团城市（城市不详）"),
    ("ug", "بىڭتۇەن شەھەرلىرى (شەھىرى نامەلۇم)"), ("kk", "Бинтуан қалалары (қаласы белгісіз)"),
    ("ru", "Города Бинтуаня (город неизвестен)"), ("tr", "Bingtuan Şehirleri (şehri bilinmiyor)"),
])
def test_the_bingtuan_group_is_named_for_what_it_is(client, lang, label):
    parsed = picker(client, lang)
    assert ("659000", label) in [(value, text.strip()) for value, text in parsed.options]

"""Records: prepare() from CSV columns, prepare_report() from a decrypted report, blocking values."""

from __future__ import annotations

import pytest
from stdnum.cn import ric

from intake.resolution import RAW_FIELDS, blocking_values, prepare, prepare_report
from intake.resolution.prepare import parse_date

BODY = "65312519810317003"
ID = BODY + ric.calc_check_digit(BODY + "0")


def row(**fields: str) -> dict[str, str]:
    return {name: fields.get(name, "") for name in RAW_FIELDS}


def test_the_issue_example_in_every_script_shares_its_blocking_values() -> None:
    spellings = [
        row(report_id="1", given_name="ئابلىمىت", father_name="تۇرسۇن", birth_date="1981", home_place="يەكەن"),
        row(report_id="2", given_name="Ablimit", father_name="Tursun", birth_date="1981-03", home_place="Yarkand"),
        row(report_id="3", full_name_alt="阿布力米提·吐尔逊", birth_date="1981-03-17", home_place="莎车县"),
        row(report_id="4", full_name_alt="TUERXUN ABULIMITI", birth_date="1981", home_place="Shache"),
        row(report_id="5", given_name="Аблимит", father_name="Турсун", birth_date="1981", home_place="Яркенд"),
        row(report_id="6", given_name="Abliemit Tursun", birth_date="1981", home_place="Yeken, Kashgar"),
    ]
    values = [blocking_values(prepare(r)) for r in spellings]
    for key in ("name_birth_year", "father_county"):
        shared = set.intersection(*(v[key] for v in values))
        assert shared, key


@pytest.mark.parametrize(("latin", "chinese"), [
    # Kazakh q that Chinese writes with h, Uyghur gh that it writes with g: the second reading's frame
    (row(report_id="1", given_name="Qayrat", father_name="Tursun", birth_date="1981", home_place="Yarkand"),
     row(report_id="2", given_name="哈依拉提", father_name="吐尔逊", birth_date="1981", home_place="莎车县")),
    (row(report_id="1", given_name="Ablimit", father_name="Qayrat", birth_date="1981", home_place="Yarkand"),
     row(report_id="2", given_name="阿布力米提", father_name="海拉提", birth_date="1981", home_place="莎车县")),
    (row(report_id="1", given_name="Ablimit", father_name="Turghun", birth_date="1981", home_place="Yarkand"),
     row(report_id="2", given_name="阿布力米提", father_name="吐尔贡", birth_date="1981", home_place="莎车县")),
])
def test_a_name_chinese_writes_with_h_or_g_shares_its_blocking_values(latin, chinese) -> None:
    values = [blocking_values(prepare(r)) for r in (latin, chinese)]
    for key in ("name_birth_year", "father_county"):
        assert values[0][key] & values[1][key], key


def test_fields_read_from_a_csv_row() -> None:
    record = prepare(row(report_id="r7", given_name="Ablimit", father_name="Tursun", gender="M",
                         birth_date="1981-03-17", home_place="Yarkand County", chinese_id=ID.lower(),
                         detention_year="2017-05", facility="  Yarkand   No. 2 ", reporter_relationship="son",
                         ))
    assert record.record_id == "r7"
    assert record.given is not None and record.given.latin == "ablimit"
    assert record.father is not None and record.father.latin == "tursun"
    assert (record.gender, record.birth_year, record.birth_month, record.birth_day) == ("m", 1981, 3, 17)
    assert (record.county, record.prefecture) == ("653125", "653100")
    assert (record.id_number, record.id_raw, record.id_region, record.id_birth) == (ID, ID, "653125", "19810317")
    assert (record.detention_year, record.detention_month) == (2017, 5)
    assert record.facility == "yarkand no 2"


def test_unknown_extra_columns_and_blank_fields_are_fine() -> None:
    record = prepare({"report_id": "x", "given_name": "  ", "colour": "blue"})
    assert record.given is None and record.father is None and record.other_names == ()
    assert blocking_values(record) == {"id_number": set(), "id_region_birth_year": set(), "name_birth_year": set(),
                                       "father_county": set()}


def test_a_full_name_in_the_given_field_is_split() -> None:
    record = prepare(row(given_name="Memet Tursun"))
    assert (record.given.latin, record.father.latin) == ("memet", "tursun")  # type: ignore[union-attr]


@pytest.mark.parametrize(("given", "father", "own"), [
    ("Ablimit Tursun", "Tursun", "ablimit"),          # the full name, the father's name given again
    ("TURSUN ABLIMIT", "Tursun", "ablimit"),          # in passport order
    ("阿布力米提·吐尔逊", "Tursun", "ablimit"),          # in another script than the father's field
    ("Ablimit Tursunov", "Tursun", "ablimit"),        # the father's name as a surname
    ("Erlan Nurlanuly", "Nurlan", "erlan"),           # a Kazakh patronymic
    ("Ablimit Tursun", "Tursun Memet", "ablimit"),    # the father's field with the grandfather's name
    ("Abdu Rehim", "Tursun", "abdurehim"),            # a compound name stays whole
    ("Tursun Tursun", "Tursun", "tursun"),            # named after his father
])
def test_the_fathers_name_repeated_in_the_given_field_is_left_out(given: str, father: str, own: str) -> None:
    record = prepare(row(given_name=given, father_name=father))
    assert record.given is not None and record.given.latin.replace(" ", "") == own
    assert record.father is not None and record.father.latin in ("tursun", "nurlan")
    stored = prepare_report({"id": "1", "names": [{"value": given, "kind": "given"}, {"value": father, "kind": "father"}]})
    assert stored.given == record.given


@pytest.mark.parametrize(("fields", "own", "father"), [
    ({"given_name": "Ablimit (Abulimiti)"}, "ablimit", None),            # not a father named Abulimiti
    ({"given_name": "Ablimit (Abulimiti)", "father_name": "Tursun"}, "ablimit", "tursun"),
    ({"given_name": "Ablimit (Abulimiti) Tursun"}, "ablimit", "tursun"),
    ({"given_name": "Ablimit [ئابلىمىت] Tursun (吐尔逊)"}, "ablimit", "tursun"),
    ({"given_name": "Ablimit Tursun (阿布力米提·吐尔逊)"}, "ablimit", "tursun"),
    ({"given_name": "Ablimit (Tursun)"}, "ablimit", "tursun"),           # another name: read as before
    # A slash does the same: the words after it that spell the words before it again are left out,
    # and a slash between two names stays a separator.
    ({"full_name_alt": "Ablimit / Abulimiti Tursun"}, "ablimit", "tursun"),
    ({"given_name": "Gulnar/Gulnara", "father_name": "Tursun"}, "gulnar", "tursun"),
    ({"given_name": "Ablimit/ئابلىمىت"}, "ablimit", None),
    ({"full_name_alt": "Ablimit/Tursun"}, "ablimit", "tursun"),
])
def test_brackets_that_spell_a_name_again_are_not_another_name(fields: dict[str, str], own: str,
                                                                father: str | None) -> None:
    record = prepare(row(**fields))
    assert record.given is not None and record.given.latin == own
    assert (record.father.latin if record.father else None) == father


@pytest.mark.parametrize(("text", "own", "father"), [
    ("Mr. Ablimit Tursun", "ablimit", "tursun"), ("Dr Ablimit Tursun", "ablimit", "tursun"),
    ("Ablimit son of Tursun", "ablimit", "tursun"), ("Gulnar, daughter of Tursun", "gulnar", "tursun"),
    ("Ablimit ibn Tursun", "ablimit", "tursun"),
    # Son or daughter of between the names, as Arabic and South Asian papers write it; the own
    # name first even in capitals (which otherwise read in passport order, the father's first).
    ("Ablimit bin Tursun", "ablimit", "tursun"), ("Gulnar binti Tursun", "gulnar", "tursun"),
    ("Ablimit s/o Tursun", "ablimit", "tursun"), ("Gulnar D/O Tursun", "gulnar", "tursun"),
    ("ABLIMIT BIN TURSUN", "ablimit", "tursun"),
    ("Mir Tursun", "mir", "tursun"), ("Sun Tursun", "sun", "tursun"),  # names that look like the words
    ("Bin Tursun", "bin", "tursun"),  # Bin at either end is a name
])
def test_english_titles_and_son_of_are_not_names(text: str, own: str, father: str) -> None:
    record = prepare(row(given_name=text))
    assert record.given is not None and record.father is not None
    assert (record.given.latin, record.father.latin) == (own, father)


@pytest.mark.parametrize(("fields", "own", "father"), [
    # An initial names no one: unknown, not a name "A" that differs from every other.
    ({"full_name_alt": "A. Tursun"}, None, "tursun"), ({"full_name_alt": "Ablimit T."}, "ablimit", None),
    ({"given_name": "A.", "father_name": "Tursun"}, None, "tursun"),
    ({"given_name": "Ablimit", "father_name": "T"}, "ablimit", None),
    # One comma between names: the family name (the father's) first, as English lists write it.
    ({"full_name_alt": "Tursun, Ablimit"}, "ablimit", "tursun"),
    ({"given_name": "Турсун, Аблимит"}, "ablimit", "tursun"),
    ({"given_name": "Tursun, Ablimit", "father_name": "Tursun"}, "ablimit", "tursun"),
    ({"full_name_alt": "Ablimit Tursun, 45"}, "ablimit", "tursun"),  # no name after the comma
])
def test_initials_and_a_family_name_before_a_comma(fields: dict[str, str], own: str | None,
                                                   father: str | None) -> None:
    record = prepare(row(**fields))
    assert (record.given.latin if record.given else None) == own
    assert (record.father.latin if record.father else None) == father


def test_passport_order_in_the_alternative_field() -> None:
    record = prepare(row(given_name="Ablimit", father_name="Tursun", full_name_alt="TUERXUN ABULIMITI"))
    assert [k.latin for k in record.other_names] == ["ablimit tursun"]


@pytest.mark.parametrize(("fields", "gender"), [
    ({"given_name": "Nurlan Serikuly"}, "m"),
    ({"given_name": "Айнұр Серікқызы"}, "f"),
    ({"given_name": "Aygul", "father_name": "Tursunova"}, "f"),
    ({"given_name": "Ablimit", "chinese_id": ID}, "m"),
    ({"given_name": "Ablimit", "gender": "女"}, "f"),
    ({"given_name": "Ablimit", "gender": "ئەر"}, "m"),
    ({"given_name": "Ablimit", "gender": "ئەركەك"}, "m"),
    ({"given_name": "Ablimit", "gender": "ئايال"}, "f"),
    ({"given_name": "Ablimit", "gender": "женский"}, "f"),
    ({"given_name": "Ablimit", "gender": "unknown"}, None),
    ({"given_name": "Ablimit", "gender": "Kız"}, "f"),
    ({"given_name": "Ablimit", "gender": "Эркек"}, "m"),
    ({"given_name": "Ablimit", "gender": "Bayan"}, "f"),
    ({"given_name": "Ablimit", "gender": "M (erkek)"}, "m"),  # every part says the same
    ({"given_name": "Ablimit", "gender": "女 / female"}, "f"),
    ({"given_name": "Ablimit", "gender": "M/F"}, None),  # a form's label left as it was
    ({"given_name": "Ablimit", "gender": "M (F)"}, None),
])
def test_gender_from_the_field_the_id_or_a_patronymic(fields: dict[str, str], gender: str | None) -> None:
    assert prepare(row(**fields)).gender == gender


def test_the_field_wins_over_the_id_for_gender() -> None:
    assert prepare(row(given_name="Ablimit", gender="f", chinese_id=ID)).gender == "f"


@pytest.mark.parametrize(("text", "parts"), [
    ("1978", (1978, None, None)), ("1978-12", (1978, 12, None)), ("1978-12-24", (1978, 12, 24)),
    ("1978/12/24", (1978, 12, 24)), ("24.12.1978", (1978, 12, 24)), ("١٩٧٨-١٢", (1978, 12, None)),
    ("about 1978", (1978, None, None)), ("1978-13", (1978, None, None)), ("", (None, None, None)),
    ("unknown", (None, None, None)), ("0001", (None, None, None)),
])
def test_dates(text: str, parts: tuple[int | None, int | None, int | None]) -> None:
    assert parse_date(text) == parts


def test_the_id_stands_in_for_a_missing_birth_date() -> None:
    record = prepare(row(given_name="Ablimit", chinese_id=ID))
    assert (record.birth_year, record.birth_month, record.birth_day) == (1981, 3, 17)
    assert "653125|1981" in blocking_values(record)["id_region_birth_year"]


@pytest.mark.parametrize(("given", "expected"), [
    ("1981", (1981, 3, 17)), ("1981-03", (1981, 3, 17)),      # a valid number completes the date
    ("1982", (1982, None, None)), ("1981-04", (1981, 4, None)),  # one that disagrees is not taken
])
def test_a_valid_id_completes_a_partial_birth_date(given: str, expected: tuple) -> None:
    record = prepare(row(given_name="Ablimit", birth_date=given, chinese_id=ID))
    assert (record.birth_year, record.birth_month, record.birth_day) == expected


def test_a_mistyped_id_does_not_complete_a_date_or_a_place() -> None:
    typo = ID[:15] + ("1" if ID[15] != "1" else "2") + ID[16:]
    record = prepare(row(given_name="Ablimit", birth_date="1981", chinese_id=typo))
    assert (record.birth_year, record.birth_month, record.county) == (1981, None, None)


@pytest.mark.parametrize(("place", "county", "prefecture"), [
    ("", "653125", "653100"),             # no place: where the number was issued (Yarkand)
    ("Kashgar", "653125", "653100"),      # the prefecture only: narrowed to the county in it
    ("喀什地区", "653125", "653100"),
    ("Kargilik", "653126", "653100"),     # another county: the report's own word stands
    ("Hotan", None, "653200"),            # another prefecture: the same
])
def test_a_valid_id_completes_the_home_place(place: str, county: str | None, prefecture: str) -> None:
    record = prepare(row(given_name="Ablimit", home_place=place, chinese_id=ID))
    assert (record.county, record.prefecture) == (county, prefecture)


def test_a_mistyped_id_still_blocks_with_its_region_and_year() -> None:
    typo = ID[:15] + ("1" if ID[15] != "1" else "2") + ID[16:]
    record = prepare(row(chinese_id=typo))
    assert record.id_number is None and record.id_raw == typo
    values = blocking_values(record)
    assert values["id_number"] == {typo} and values["id_region_birth_year"] == {"653125|1981"}


def test_prepare_report_reads_the_form_fields() -> None:
    fields = {
        "id": "b7c4", "names": [{"value": "ئابلىمىت تۇرسۇن", "script": "ug-Arab"},
                                {"value": "阿布力米提·吐尔逊", "script": ""}, {"value": "", "script": "Latn"}],
        "gender": "male", "birth_date": "1981-03", "home_county": "653125", "home_place_text": None,
        "id_number": ID, "detention_date": "2017-04", "facility": "camp",
    }
    record = prepare_report(fields)
    assert record.record_id == "b7c4"
    assert (record.given.latin, record.father.latin) == ("ablimit", "tursun")  # type: ignore[union-attr]
    assert [k.script for k in record.other_names] == ["zh-Hans"]
    assert (record.gender, record.birth_year, record.county, record.detention_year) == ("m", 1981, "653125", 2017)
    assert record.detention_month == 4


@pytest.mark.parametrize(("text", "parts"), [("2017", (2017, None)), ("2017-04-12", (2017, 4)), ("04.2018", (2018, 4)),
                                             ("2018年3月", (2018, 3)), ("", (None, None)), ("autumn", (None, None))])
def test_detention_dates(text: str, parts: tuple[int | None, int | None]) -> None:
    record = prepare(row(report_id="d", given_name="Ablimit", detention_year=text))
    assert (record.detention_year, record.detention_month) == parts


def test_prepare_report_with_free_text_place_and_kinds() -> None:
    record = prepare_report({"id": "1", "names": [{"value": "Tursun", "kind": "father"},
                                                   {"value": "Ablimit", "kind": "given"}],
                             "home_county": None, "home_place_text": "Qeshqer"})
    assert (record.given.latin, record.father.latin) == ("ablimit", "tursun")  # type: ignore[union-attr]
    assert (record.county, record.prefecture) == (None, "653100")


def test_as_row_is_flat() -> None:
    flat = prepare(row(report_id="1", given_name="Ablimit", father_name="Tursun", full_name_alt="阿布力米提")).as_row()
    assert flat["given_latin"] == "ablimit" and flat["father_syllables"] == "tusun"
    assert flat["other_latin"] == ["ablimit"] and isinstance(flat["name_tokens"], list)
    assert all(isinstance(v, (str, int, list, type(None))) for v in flat.values())


def test_the_father_comes_from_a_fuller_name_in_another_script() -> None:
    record = prepare_report({"id": "1", "names": [{"value": "Ablimit"}, {"value": "阿布力米提·吐尔逊"}]})
    assert (record.given.latin, record.father.latin) == ("ablimit", "tursun")  # type: ignore[union-attr]
    record = prepare_report({"id": "2", "names": [{"value": "Ablimit"}, {"value": "Memet Tursun"}]})
    assert record.father is None  # another person's name, not a fuller form of this one

"""Mapping headers in six languages, and each row checked in words a volunteer understands."""

from __future__ import annotations

import datetime as dt

import pytest
from stdnum.cn import ric

from intake.imports import MappingError, confirm, suggest
from intake.imports.reading import SheetRow
from intake.imports.validation import DateProblem, parse_date, validate

TODAY = dt.date(2026, 6, 1)


@pytest.mark.parametrize(("header", "target"), [
    ("Name", "name"), ("FULL NAME:", "name"), ("ئىسمى", "name"), ("姓名", "name"), ("ФИО", "name"),
    ("Adı Soyadı", "name"), ("Аты-жөні", "name"), ("Name (Uyghur)", "name"),
    ("Date of birth", "birth_date"), ("出生日期", "birth_date"), ("Дата рождения", "birth_date"),
    ("Doğum tarihi", "birth_date"), ("تۇغۇلغان ۋاقتى", "birth_date"),
    ("身份证号码", "id_number"), ("ID number", "id_number"), ("Kimlik No", "id_number"),
    ("籍贯", "home_county"), ("Hometown", "home_county"), ("Status", "status"), ("现状", "status"),
    ("Дата задержания", "detention_date"), ("拘押时间", "detention_date"), ("Sentence", "sentence"),
    ("刑期", "sentence"), ("Срок", "sentence"), ("Notes", "testimony"), ("备注", "testimony"),
    ("Sex", "gender"), ("民族", "ethnicity"), ("Мекенжайы", "home_place_text"), ("Favourite colour", "ignore"),
    # Headers families use, in the lists they keep.
    ("Father name", "name"), ("Имя отца", "name"), ("Ф.И.О.", "name"), ("DOB", "birth_date"),
    ("D.O.B.", "birth_date"), ("تۇغۇلغان كۈنى", "birth_date"), ("Place of birth", "home_county"),
    ("出生地", "home_county"), ("Место рождения", "home_county"), ("Doğum yeri", "home_county"),
    ("身分證號", "id_number"), ("关押地点", "detention_place"), ("被捕日期", "detention_date"),
    # A relative's or the reporter's name is kept in the testimony, never taken for the person's.
    ("Mother's name", "testimony"), ("Mother's name (Uyghur)", "testimony"), ("Reporter's name", "testimony"),
    ("Your name", "testimony"), ("母亲姓名", "testimony"), ("Имя матери", "testimony"),
    ("ئانىسىنىڭ ئىسمى", "testimony"), ("Anne adı", "testimony"),
])
def test_headers_in_six_languages_are_recognised(header: str, target: str) -> None:
    assert suggest([header])[0].target == target


def test_a_single_field_goes_to_one_column_only() -> None:
    choices = suggest(["Born", "Date of birth", "Name", "姓名", "Notes", "Comments"])
    assert [c.target for c in choices] == ["birth_date", "ignore", "name", "name", "testimony", "testimony"]


def test_confirm_refuses_what_cannot_work() -> None:
    headers = ["Name", "Born", "Born again"]
    with pytest.raises(MappingError, match="one column only.*birth_date"):
        confirm(headers, ["name", "birth_date", "birth_date"])
    with pytest.raises(MappingError, match="at least one column with the person's name"):
        confirm(headers, ["ignore", "birth_date", "ignore"])
    with pytest.raises(MappingError, match="Unknown field"):
        confirm(headers, ["name", "shoe_size", "ignore"])
    with pytest.raises(MappingError, match="each of the 3 columns"):
        confirm(headers, ["name"])


@pytest.mark.parametrize(("text", "iso"), [
    ("1984", "1984"), ("1984-06", "1984-06"), ("1984-6-7", "1984-06-07"), ("1984/06/17", "1984-06-17"),
    ("1984.06.17", "1984-06-17"), ("17.06.1984", "1984-06-17"), ("06/17/1984", "1984-06-17"),
    ("1984年6月17日", "1984-06-17"), ("1984年6月", "1984-06"), ("1984年", "1984"), ("17 June 1984", "1984-06-17"),
    ("June 1984", "1984-06"), ("Jun. 1984", "1984-06"), ("1984-06-17 00:00:00", "1984-06-17"),
    ("١٩٨٤-٠٦-١٧", "1984-06-17"), ("05.05.1984", "1984-05-05"),
])
def test_dates_as_lists_write_them(text: str, iso: str) -> None:
    assert parse_date(text, today=TODAY) == iso


@pytest.mark.parametrize(("text", "problem"), [
    ("03/04/1985", "either day-month or month-day"), ("32.13.1980", "month"), ("1984-02-30", "day"),
    ("2030", "outside"), ("1850", "outside"), ("2026-12", "future"), ("yesterday", "not a date we can read"),
    ("Smarch 1984", "not a date we can read"),
])
def test_dates_that_cannot_be_right_say_why(text: str, problem: str) -> None:
    with pytest.raises(DateProblem, match=problem):
        parse_date(text, today=TODAY)


def test_the_order_of_the_whole_file_settles_ambiguous_dates() -> None:
    assert parse_date("03/04/1985", day_first=True, today=TODAY) == "1985-04-03"
    assert parse_date("03/04/1985", day_first=False, today=TODAY) == "1985-03-04"


HEADERS = ["Name", "Name (Chinese)", "Born", "ID", "County", "Status", "Gender", "Ethnicity", "Sentence",
           "Notes", "Camp"]
MAPPING = confirm(HEADERS, ["name", "name", "birth_date", "id_number", "home_county", "status", "gender",
                            "ethnicity", "sentence", "testimony", "facility"])


def row(**cells: str) -> SheetRow:
    values = {"Name": "Abdurehim Tursun", "Name (Chinese)": "阿不都热依木", "Born": "1984-06-17",
              "ID": "653125198406170011", "County": "莎车县", "Status": "在押", "Gender": "ئەر",
              "Ethnicity": "Уйгур", "Sentence": "10 years", "Notes": "Taken from home", "Camp": "Yarkand camp 2"}
    values.update(cells)
    return SheetRow(7, [values[h] for h in HEADERS])


def test_a_good_row_becomes_a_report_in_the_form_s_terms() -> None:
    result = validate(row(Status="arrested"), MAPPING, today=TODAY)
    report = result.report
    assert report is not None and not result.problems
    assert report.names == [{"value": "Abdurehim Tursun", "script": "Latn"},
                            {"value": "阿不都热依木", "script": "zh-Hans"}]
    assert (report.birth_date, report.home_county, report.status, report.gender, report.ethnicity) == (
        "1984-06-17", "653125", "detained", "male", "uyghur")
    assert report.id_number == "653125198406170011" and report.sentence == "10 years"
    assert report.facility == "Yarkand camp 2" and report.testimony == "Taken from home"


@pytest.mark.parametrize(("cells", "words"), [
    ({"Name": "", "Name (Chinese)": ""}, "each person needs at least one name"),
    ({"ID": "65312519840617001"}, "has 17 characters"),
    ({"ID": "653125198406170012"}, "last character does not match"),
    ({"ID": "6531251984061A0011"}, "something other than digits"),
    ({"ID": "65312519841317001" + ric.calc_check_digit("653125198413170010")}, "not a real date"),
    ({"Born": "32.13.1980"}, "month that is not 1 to 12"),
])
def test_blocking_problems_stop_the_row_and_never_repeat_the_value(cells: dict[str, str], words: str) -> None:
    result = validate(row(**cells), MAPPING, today=TODAY)
    assert result.report is None and result.blocked
    messages = " ".join(str(p.message) for p in result.problems)
    assert words in messages
    for value in cells.values():
        if value:
            assert value not in messages


def test_what_fits_no_field_is_kept_in_the_testimony_with_a_note() -> None:
    result = validate(row(Status="taken by the police in the night", County="Paris", Gender="?!"), MAPPING,
                      today=TODAY)
    report = result.report
    assert report is not None and not result.blocked
    assert report.status == "unknown" and report.home_county is None and report.home_place_text == "Paris"
    assert "Status: taken by the police in the night" in report.testimony
    assert "Gender: ?!" in report.testimony and report.testimony.startswith("Taken from home")
    columns = {p.column for p in result.problems}
    assert columns == {"Status", "County", "Gender"}


def test_formulas_and_hidden_characters_are_kept_as_text_with_a_note() -> None:
    data = row(Notes='=HYPERLINK("http://evil.example","x")', Name="Abdu\u202erehim")
    data = SheetRow(data.number, data.cells, formulas=frozenset({HEADERS.index("Notes")}))
    result = validate(data, MAPPING, today=TODAY)
    assert result.report is not None
    assert result.report.testimony == '=HYPERLINK("http://evil.example","x")'
    assert result.report.names[0]["value"] == "Abdurehim"
    assert {p.column for p in result.problems} == {"Notes", "Name"}


def test_an_id_number_that_a_spreadsheet_turned_into_a_number_is_caught() -> None:
    data = row(ID="653125198406170000")
    data = SheetRow(data.number, data.cells, numbers=frozenset({HEADERS.index("ID")}))
    result = validate(data, MAPPING, today=TODAY)
    assert result.blocked and "stored by the spreadsheet as a number" in str(result.problems[0].message)


def test_an_id_number_that_disagrees_with_the_birth_date_is_a_note() -> None:
    result = validate(row(Born="1985"), MAPPING, today=TODAY)
    assert result.report is not None and [p.column for p in result.problems] == ["ID"]

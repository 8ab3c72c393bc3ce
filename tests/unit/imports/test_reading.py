"""Reading lists as advocates keep them: the encodings seen in the wild, XLSX, and bad files."""

from __future__ import annotations

import codecs
import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter

from intake.imports import ImportFileError, Limits, read_table

ROWS = [["Name", "County", "Notes"],
        ["Gülnar Müller", "Yarkand", "naïve café"],
        ["Абдурехим Турсун", "Кашгар", "задержан"],
        ["阿不都热依木", "莎车县", "被拘押"],
        ["ئابدۇرېھىم", "يەكەن", "تۇتۇلغان"]]


def as_csv(rows: list[list[str]], delimiter: str = ",") -> str:
    return "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"


@pytest.mark.parametrize(("encoding", "rows", "expected"), [
    ("utf-8", ROWS, "utf-8"),
    ("utf-8-sig", ROWS, "utf-8-sig"),
    ("utf-16", ROWS, "utf-16"),  # with a byte-order mark, as Excel's "Unicode text"
    ("utf-16-le", ROWS, "utf-16-le"),  # without one
    ("gb18030", [ROWS[0], ["阿不都热依木", "莎车县", "被拘押在喀什的监狱里 家人不知道他的下落"]] * 3, "gb18030"),
    ("cp1251", [ROWS[0], ["Абдурехим Турсун", "Кашгар", "задержан в 2017 году - родственники не знают где он"]] * 3,
     "cp1251"),
    ("cp1252", [ROWS[0], ["Gülnar Müller", "Yarkand", "naïve café - déjà vu - señora - Ürümqi"]] * 3, "cp1252"),
])
def test_encodings_are_detected(encoding: str, rows: list[list[str]], expected: str) -> None:
    sheet = read_table(as_csv(rows).encode(encoding), "list.csv")
    assert codecs.lookup(sheet.encoding).name == codecs.lookup(expected).name
    assert sheet.headers == ["Name", "County", "Notes"]
    assert [r.cells for r in sheet.rows] == rows[1:]
    assert sheet.rows[0].number == 2  # the row number a spreadsheet shows


def test_a_chosen_encoding_wins_and_a_wrong_one_is_explained() -> None:
    data = as_csv([ROWS[0], ["Абдурехим", "Кашгар", "задержан в 2017 году"]] * 3).encode("cp1251")
    assert read_table(data, "x.csv", encoding="cp1251").rows[0].cells[0] == "Абдурехим"
    with pytest.raises(ImportFileError, match=r"not in UTF-8.*line 2.*Windows-1251"):
        read_table(data, "x.csv", encoding="utf-8")
    utf8 = as_csv([ROWS[0], ROWS[1]] * 3).encode("utf-8")
    with pytest.raises(ImportFileError, match="garbled.*UTF-8"):
        read_table(utf8, "x.csv", encoding="cp1252")
    with pytest.raises(ImportFileError, match="not in Windows-1252.*UTF-8"):  # bytes 1252 lacks
        read_table(as_csv(ROWS).encode("utf-8"), "x.csv", encoding="cp1252")
    with pytest.raises(ImportFileError, match="Unknown encoding"):
        read_table(utf8, "x.csv", encoding="klingon")


def test_semicolons_tabs_and_blank_rows() -> None:
    sheet = read_table(as_csv([ROWS[0], [], ROWS[1]], ";").encode(), "x.csv")
    assert sheet.headers == ["Name", "County", "Notes"] and [r.number for r in sheet.rows] == [3]
    assert read_table(as_csv(ROWS, "\t").encode(), "x.tsv").rows[1].cells[1] == "Кашгар"


def test_limits_are_clear() -> None:
    with pytest.raises(ImportFileError, match="limit is 1 MB"):
        read_table(b"a,b\n" + b"x,y\n" * 400_000, "big.csv", limits=Limits(max_bytes=1024 * 1024))
    with pytest.raises(ImportFileError, match="more than 10 rows"):
        read_table(as_csv([["a"]] + [["x"]] * 11).encode(), "x.csv", limits=Limits(max_rows=10))
    with pytest.raises(ImportFileError, match="Row 1 has more than 3 columns"):
        read_table(b"a,b,c,d\n1,2,3,4\n", "x.csv", limits=Limits(max_columns=3))
    with pytest.raises(ImportFileError, match="Row 3 has more than 3 columns"):  # a row's stray separators
        read_table(b"a,b,c\n1,2,3\n1,2,3,4,5\n", "x.csv", limits=Limits(max_columns=3))
    with pytest.raises(ImportFileError, match="not valid CSV"):
        read_table(b'a,b\n"never closed,' + b"x" * 300, "x.csv", limits=Limits(max_cell=100))
    with pytest.raises(ImportFileError, match="empty"):
        read_table(b"  \n", "x.csv")


def test_a_quote_left_open_and_closed_rows_later_refuses_the_file_naming_its_line() -> None:
    # The quote opened on line 3 closes on line 5: read as it is, rows 3-5 would be one row, and two
    # of the list's people would vanish into a cell.
    text = ('given_name,father_name,home_place,birth_date\n'
            'Ablimit,Tursun,Kashgar,1981\n'
            'Memet,"Nurmemet,Yarkand,1975\n'
            'Patime,Qadir,Hotan,1990\n'
            'Ayshem,Rozi",Aksu,1985\n'
            'Tursun,Ehmet,Ghulja,1962\n')
    with pytest.raises(ImportFileError, match="Line 3 of the file is not valid CSV"):
        read_table(text.encode(), "list.csv")
    # Notes of several lines in quotes are a value like any other.
    notes = ('given_name,father_name,notes\nAblimit,Tursun,"taken in 2017\nseen in Kashgar\nno news since"\n'
             'Memet,Nur,none\n')
    assert [r.cells[0] for r in read_table(notes.encode(), "list.csv").rows] == ["Ablimit", "Memet"]


def xlsx(rows: list[list[object]], formulas: dict[tuple[int, int], str] | None = None) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("list")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write_datetime(r, c, value, book.add_format({"num_format": "yyyy-mm-dd"}))
            else:
                sheet.write(r, c, value)
    for (r, c), formula in (formulas or {}).items():
        sheet.write_formula(r, c, formula, None, "clicked")
    book.add_worksheet("other")
    book.close()
    return buffer.getvalue()


def test_xlsx_cells_come_as_text_formulas_uncalculated() -> None:
    data = xlsx([["Name", "Born", "ID", "Notes"], ["Abdurehim", dt.date(1984, 6, 17), 653125198406170011, "x"]],
                {(1, 3): 'HYPERLINK("http://evil.example","click me")'})
    sheet = read_table(data, "list.xlsx")
    row = sheet.rows[0]
    assert row.cells[:2] == ["Abdurehim", "1984-06-17"]
    assert row.cells[3] == '=HYPERLINK("http://evil.example","click me")'  # the text, not "clicked"
    assert row.formulas == {3} and 2 in row.numbers
    assert any("formulas" in str(note) and "not calculated" in str(note) for note in sheet.notes)
    assert any("'list' was read; the workbook also has: 'other'" in str(note) for note in sheet.notes)
    assert read_table(data, "list.xlsx", sheet="list").headers[0] == "Name"
    with pytest.raises(ImportFileError, match="no sheet named 'nope'"):
        read_table(data, "list.xlsx", sheet="nope")


def test_bad_spreadsheets_get_a_clear_answer() -> None:
    good = xlsx([["Name"], ["A"]])
    with pytest.raises(ImportFileError, match="damaged"):
        read_table(good[: len(good) // 2], "cut.xlsx")
    with pytest.raises(ImportFileError, match="damaged|not an Excel workbook"):
        read_table(b"PK\x03\x04" + b"\x00" * 200, "junk.xlsx")
    with pytest.raises(ImportFileError, match="not an Excel workbook"):
        read_table(zip_of({"hello.txt": b"not a workbook"}), "zip.xlsx")
    with pytest.raises(ImportFileError, match="old Excel file"):
        read_table(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "old.xls")
    with pytest.raises(ImportFileError, match="named like an Excel workbook"):
        read_table(b"Name\nA\n", "renamed.xlsx")
    # A damaged header that claims a zip version no program writes (zipfile: NotImplementedError).
    central = good.index(b"PK\x01\x02")
    odd = good[:central + 6] + b"\xf2\x00" + good[central + 8:]
    with pytest.raises(ImportFileError, match="damaged"):
        read_table(odd, "odd.xlsx")


def zip_of(parts: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_zip_bomb_is_not_unpacked() -> None:
    good = zipfile.ZipFile(io.BytesIO(xlsx([["Name"], ["A"]])))
    parts = {n: good.read(n) for n in good.namelist()}
    parts["xl/media/padding.bin"] = b"\x00" * (300 * 1024 * 1024)
    bomb = zip_of(parts)
    assert len(bomb) < 2 * 1024 * 1024
    with pytest.raises(ImportFileError, match="unpacks to far more data"):
        read_table(bomb, "bomb.xlsx")


def test_xml_entity_tricks_are_refused() -> None:
    good = zipfile.ZipFile(io.BytesIO(xlsx([["Name"], ["A"]])))
    parts = {n: good.read(n) for n in good.namelist()}
    laughs = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">'
              '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><sst xmlns="http://schemas.openxmlformats.org/'
              'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>&lol3;</t></si></sst>')
    parts["xl/sharedStrings.xml"] = laughs.encode()
    with pytest.raises(ImportFileError, match="XML that spreadsheets do not write|damaged"):
        read_table(zip_of(parts), "laughs.xlsx")


def test_a_sheet_that_misstates_its_size_or_a_chart_sheet_loses_nothing() -> None:
    """Some programs write a sheet's size as "A1" whatever it holds: every row and column is read
    all the same. A chart sheet is passed over when choosing, and named when chosen."""
    import re

    import openpyxl
    from openpyxl.chart import BarChart, Reference

    good = zipfile.ZipFile(io.BytesIO(xlsx([["Name", "Born", "Notes"], ["Abdurehim", "1984", "n"]])))
    parts = {n: good.read(n) for n in good.namelist()}
    parts["xl/worksheets/sheet1.xml"] = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>',
                                               parts["xl/worksheets/sheet1.xml"])
    sheet = read_table(zip_of(parts), "list.xlsx")
    assert sheet.headers == ["Name", "Born", "Notes"] and sheet.rows[0].cells == ["Abdurehim", "1984", "n"]

    book = openpyxl.Workbook()
    data = book.active
    data.title = "Data"
    data.append(["Name", "Born"])
    data.append(["Abdurehim", 1984])
    chart = BarChart()
    chart.add_data(Reference(data, min_col=2, min_row=1, max_row=2))
    book.create_chartsheet("Chart", 0).add_chart(chart)
    buffer = io.BytesIO()
    book.save(buffer)
    assert read_table(buffer.getvalue(), "list.xlsx").headers == ["Name", "Born"]
    with pytest.raises(ImportFileError, match="The sheet 'Chart' is empty"):
        read_table(buffer.getvalue(), "list.xlsx", sheet="Chart")


def test_a_sheet_formatted_to_its_last_row_is_read_to_its_last_value() -> None:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    bold = book.add_format({"bold": True})
    sheet.write_row(0, 0, ["Name", "Born"])
    sheet.write_row(1, 0, ["Abdurehim", "1984"])
    sheet.merge_range(1, 2, 400, 2, "a note beside the list, merged far down")
    for row in range(2, 50_000):
        sheet.set_row(row, None, bold)
    book.close()
    read = read_table(buffer.getvalue(), "list.xlsx")
    assert [r.number for r in read.rows] == [2]  # the merge gives no blank row a value of its own
    assert read.headers == ["Name", "Born", "Column C"]


@pytest.mark.parametrize(("options", "epoch"), [({}, dt.date(1899, 12, 30)),
                                                ({"date_1904": True}, dt.date(1904, 1, 1))])
def test_day_numbers_count_from_the_workbook_s_own_epoch(options, epoch) -> None:
    from intake.imports import confirm, dry_run

    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **options})
    book.add_worksheet().write_row(0, 0, ["Name", "Date of birth"])
    book.worksheets()[0].write_row(1, 0, ["Abdurehim", 30850])
    book.close()
    sheet = read_table(buffer.getvalue(), "list.xlsx")
    plan = dry_run(sheet, confirm(sheet.headers, ["name", "birth_date"]), file_name="list.xlsx",
                   file_bytes=buffer.getvalue(), importer="t", key=b"k" * 32)
    assert plan.rows[0].report.birth_date == (epoch + dt.timedelta(days=30850)).isoformat()


def test_the_sheet_s_layout_is_read_whole_across_pieces(monkeypatch) -> None:
    """Merges, hidden rows and the last row with a value are found in the sheet's XML a piece at a
    time: an element cut between two pieces is still seen (here, pieces of 97 bytes)."""
    from intake.imports import xlsx as reader

    monkeypatch.setattr(reader, "_PIECE", 97)
    monkeypatch.setattr(reader, "_OVERLAP", 80)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["Name", "Village"])
    for row in range(1, 40):
        sheet.write_row(row, 0, [f"P{row}"])
    sheet.merge_range(1, 1, 39, 1, "one village")
    sheet.set_row(5, None, None, {"hidden": True})
    sheet.set_row(7, None, None, {"hidden": True})
    book.close()
    read = read_table(buffer.getvalue(), "list.xlsx")
    assert [r.number for r in read.rows] == list(range(2, 41))
    assert {r.cells[1] for r in read.rows} == {"one village"}
    assert any(str(n) == "2 rows are hidden in the spreadsheet (filtered out?); they were read like the others."
               for n in read.notes)

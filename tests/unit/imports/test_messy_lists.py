"""Lists as families and advocates really keep them, through `flask import`: titles above the
header, several sheets, merged cells, ID numbers a spreadsheet rounded, dates in every form, files
that are not lists. Each answer is the dry run's report (or one clear line), never a traceback,
never a cell's value; nothing is stored unless the whole list can be."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Report

DATA = Path(__file__).resolve().parents[2] / "data"


def dry_run(app, tmp_path: Path, data: bytes, name: str, *args: str):
    path = tmp_path / name
    path.write_bytes(data)
    result = app.test_cli_runner().invoke(args=["import", str(path), "--source", "Friends", "--dry-run", *args])
    assert "Traceback" not in result.output and (result.exception is None or isinstance(result.exception, SystemExit))
    return result


def workbook(build) -> bytes:
    book = openpyxl.Workbook()
    build(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_id_numbers_a_spreadsheet_made_numbers_are_refused_and_text_ones_kept(review_app, tmp_path):
    def build(book):
        sheet = book.active
        sheet.append(["姓名", "身份证号", "出生日期"])
        sheet.append(["Abdurehim", 653101198406170011, dt.datetime(1984, 6, 17)])  # rounded to ...169984
        sheet.append(["Tursun", "'653125198406170011", 30850])  # an apostrophe typed; a date as a day number
        sheet.append(["Memet", "6.53101E+17", "1984年6月17日"])  # what a CSV of a rounded number holds
        sheet.append(["Ayshe", "653125198406170011.0", "June 17, 1984"])
        sheet.append(["Zora", "653101840617001.0", "17 июня 1984 г."])  # 15 digits: a float keeps them all
    result = dry_run(review_app, tmp_path, workbook(build), "ids.xlsx")
    assert result.exit_code == 0, result.output
    assert "2 ready" in result.output and "3 not imported" in result.output
    for row in (2, 4, 5):
        assert f"Row {row}, column \"身份证号\" (must be fixed): was stored by the spreadsheet as a number" \
            in result.output
    assert "Row 3" not in result.output and "Row 6" not in result.output  # the day number and the dates read
    assert "6531" not in result.output and "Abdurehim" not in result.output


def test_dates_as_lists_write_them(review_app, tmp_path):
    rows = ["Name,Born,Detained"] + [f"P{i},{born},{held}" for i, (born, held) in enumerate([
        ("17.06.1984 00:00:00", "2017-04"), ("17-Jun-1984", "April 2017"), ("\"Jun 17, 1984\"", "2017年4月"),
        ("5 мая 1984 года", "17 Haziran 2017"), ("30850", "1984/6/17 0:00:00")])]
    result = dry_run(review_app, tmp_path, "\n".join(rows).encode(), "dates.csv", "--day-first")
    assert result.exit_code == 0, result.output
    assert "5 ready" in result.output
    # A day number in a CSV is read, and the reviewer told so.
    assert "Row 6, column \"Born\" (note): (birth date) was a spreadsheet's day number" in result.output


def test_a_title_above_the_header_and_the_sheet_that_holds_the_list(review_app, tmp_path):
    def build(book):
        book.active.title = "Instructions"
        book.active.append(["Please fill in the list on the next sheet"])
        book.create_sheet("Empty")
        sheet = book.create_sheet("Families")
        sheet.append(["List of detained relatives, kept since 2018"])
        sheet.append([])
        sheet.append(["Name", "Date of birth", "Hometown"])
        sheet.append(["Abdurehim", "1984-06-17", "Kashgar"])
    data = workbook(build)
    result = dry_run(review_app, tmp_path, data, "list.xlsx")
    assert result.exit_code == 0, result.output
    assert "The sheet 'Families' was read; the workbook also has: 'Instructions', 'Empty'." in result.output
    assert "column names were found in row 3" in result.output and "1 ready" in result.output
    assert "1. Name -> name" in result.output
    chosen = dry_run(review_app, tmp_path, data, "list.xlsx", "--sheet", "Instructions")
    assert chosen.exit_code == 1 and "at least one column with the person's name" in chosen.output
    empty = dry_run(review_app, tmp_path, workbook(lambda book: None), "empty.xlsx")
    assert empty.exit_code == 1 and "Every sheet of this workbook is empty" in empty.output


def test_merged_hidden_formatted_and_formula_cells(review_app, tmp_path):
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("list")
    grey = book.add_format({"bg_color": "#EEEEEE"})
    sheet.write_row(0, 0, ["Name", "Hometown", "Notes", "Internal"])
    sheet.write_row(1, 0, ["Abdurehim\nTursun", None, "first line\nsecond line", "x"])
    sheet.write_row(2, 0, ["Memet"])
    sheet.write_row(3, 0, ["Ayshe"])
    sheet.merge_range(1, 1, 3, 1, "Kashgar")  # one village written once beside three siblings
    sheet.write_formula(3, 2, '=HYPERLINK("http://example.invalid","x")', None, "x")
    sheet.set_column(3, 3, None, None, {"hidden": True})
    for row in range(4, 5000):  # a sheet formatted far below and to the right of the list
        sheet.set_row(row, None, grey)
    sheet.write_blank(4999, 299, None, grey)
    book.close()
    result = dry_run(review_app, tmp_path, buffer.getvalue(), "merged.xlsx")
    assert result.exit_code == 0, result.output
    assert "3 ready" in result.output and "4. Internal" in result.output and "5." not in result.output
    assert "1 merged cell spans several rows: each row it spans was given its value." in result.output
    assert "Hidden columns were read like the others: D." in result.output
    assert "Row 4, column \"Notes\" (note): held a spreadsheet formula" in result.output
    assert "place we found" not in result.output.split("Row 2")[0]


def test_numbers_in_name_cells_are_no_names(review_app, tmp_path):
    data = "Name,Other name\n12345,Abdurehim\n2.,\n".encode()
    result = dry_run(review_app, tmp_path, data, "numbers.csv", "--map", "2=name")
    assert result.exit_code == 0, result.output
    assert "Row 2, column \"Name\" (note): holds only digits, not a name; it was kept in the testimony" \
        in result.output
    assert "Row 3, column \"Name\" (must be fixed): holds no name, only digits" in result.output


@pytest.mark.parametrize(("data", "name", "words"), [
    ((DATA / "protected.xlsx").read_bytes(), "list.xlsx", "protected by a password"),
    (b"PK\x03\x04\x14\x00\x00\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "list.ods",
     "OpenDocument spreadsheet (.ods)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "list.xls", "old Excel file (.xls)"),
    (b"<html><body><table><tr><td>Name</td></tr></table></body></html>", "export.xls", "web page (HTML)"),
    (b"%PDF-1.4\n...", "list.pdf", "PDF document"),
    (b'<?xml version="1.0"?>\r\n<?mso-application progid="Excel.Sheet"?><Workbook>', "list.xls",
     "XML Spreadsheet 2003"),
    (b"Name,Born\nA,1984\n", "renamed.xlsx", "named like an Excel workbook but is not one"),
    (b"PK\x03\x04\x14\x00" + b"\x00" * 300, "cut.xlsx", "damaged"),
])
def test_files_that_are_not_lists_get_one_clear_line(review_app, tmp_path, data, name, words):
    result = dry_run(review_app, tmp_path, data, name)
    assert result.exit_code == 1 and words in result.output, result.output


@pytest.mark.parametrize(("text", "headers"), [
    ("sep=;\r\nName;Date of birth\r\nAbdurehim;1984\r\n", ["Name", "Date of birth"]),  # Excel's delimiter hint
    ("\ufeffName;Notes\r\nAbdurehim;\"two\r\nlines; with a semicolon\"\r\n", ["Name", "Notes"]),
    ("Name\tNotes\r\n\r\nAbdurehim\tx\r\n\r\n", ["Name", "Notes"]),
    ("Name,Born\nAbdurehim,1984,kept,also kept\n", ["Name", "Born", "Column C", "Column D"]),  # ragged
    ("Name,Name,,Born\nAbdurehim,Tursun,x,1984\n", ["Name", "Name (B)", "Column C", "Born"]),
    ("姓名,身份证号,出生日期,民族\n阿不都,,1984年6月17日,维吾尔\n", ["姓名", "身份证号", "出生日期", "民族"]),
    ("ئىسمى,تۇغۇلغان ۋاقتى\nئابدۇرېھىم,1984\n", ["ئىسمى", "تۇغۇلغان ۋاقتى"]),
    ("Аты-жөні,Туған жылы\nТурсун,1984\n", ["Аты-жөні", "Туған жылы"]),
    ("Фамилия,Имя,Отчество,Дата рождения\nТурсун,Абдурехим,Меметович,17.06.1984\n",
     ["Фамилия", "Имя", "Отчество", "Дата рождения"]),
])
def test_csv_as_spreadsheets_save_it(review_app, tmp_path, text, headers):
    result = dry_run(review_app, tmp_path, text.encode(), "list.csv")
    assert result.exit_code == 0, result.output
    for number, header in enumerate(headers, start=1):
        assert f"{number:>3}. {header} -> " in result.output
    assert f"{len(headers) + 1:>3}. " not in result.output
    assert "1 ready" in result.output
    assert "Abdurehim" not in result.output.split("Columns:")[0]


def test_a_header_only_file_says_there_is_nothing_to_import(review_app, tmp_path):
    result = dry_run(review_app, tmp_path, b"Name,Date of birth\r\n\r\n", "list.csv")
    assert result.exit_code == 0 and "no rows below the column names" in result.output


def test_a_messy_workbook_is_stored_whole(review_app, tmp_path):
    def build(book):
        sheet = book.active
        sheet.append(["Families' list"])
        sheet.append(["Name", "Born", "Hometown", None, "Notes"])
        sheet.append(["Abdurehim", 30850, "Kashgar", "kept beside", "n"])
        sheet.append(["Memet", dt.datetime(1990, 1, 2), None, None, None])
        sheet.merge_cells("C3:C4")
    path = tmp_path / "list.xlsx"
    path.write_bytes(workbook(build))
    result = review_app.test_cli_runner().invoke(args=["import", str(path), "--source", "F", "--yes",
                                                       "--map", "4=testimony"])
    assert result.exit_code == 0 and "imported: 2; skipped: 0" in result.output, result.output
    with review_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 2


def test_spreadsheet_error_values_are_no_values(review_app, tmp_path):
    data = "Name,Other name,Date of birth\n#N/A,Abdurehim,#VALUE!\n#REF!,,1984\n".encode()
    result = dry_run(review_app, tmp_path, data, "errors.csv", "--map", "2=name")
    assert result.exit_code == 0, result.output
    assert "Row 2, column \"Name\" (note): held a spreadsheet error (#N/A); it was read as empty" in result.output
    assert "Row 2, column \"Date of birth\" (note): held a spreadsheet error (#VALUE!)" in result.output
    assert "Row 3, column \"Name, Other name\" (must be fixed): is empty" in result.output
    assert "1 ready" in result.output


def test_given_and_father_s_name_columns_are_one_person_s_name_parts(review_app, tmp_path):
    """Names in two columns (given, father's) are stored as the parts of one name, so the matcher
    compares them as such; a full name in one column stays a full name."""
    path = tmp_path / "parts.csv"
    path.write_text("Имя,Фамилия,姓名\nАбдурехим,Турсун,阿不都热依木·吐尔逊\n", "utf-8")
    result = review_app.test_cli_runner().invoke(args=["import", str(path), "--source", "F", "--yes", "--take-in"])
    assert result.exit_code == 0 and "imported: 1" in result.output and "taken in: 1" in result.output, \
        result.output
    path.write_text("Name\nAbdurehim Tursun\n", "utf-8")
    result = review_app.test_cli_runner().invoke(args=["import", str(path), "--source", "F", "--yes"])
    assert result.exit_code == 0 and "imported: 1" in result.output, result.output
    with review_app.app_context():
        names = sorted((tuple(sorted((n["value"], n.get("kind", "")) for n in r.names))
                        for r in db.session.scalars(select(Report))), key=len)
    assert names == [(("Abdurehim Tursun", ""),),
                     (("Абдурехим", "given"), ("Турсун", "father"), ("阿不都热依木·吐尔逊", ""))]

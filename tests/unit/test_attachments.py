"""Attachments: type from content, metadata stripped from the viewing copy, bombs refused, sealed storage."""

from __future__ import annotations

import hashlib
import io
import struct
import uuid
import zipfile
import zlib

import pytest
from flask import Flask
from PIL import Image, ImageCms
from PIL.PngImagePlugin import PngInfo
from sqlalchemy import func, select

from intake.crypto.errors import DecryptionError, UnknownKeyError, WriteOnlyError
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Attachment, RecordKey, Report
from intake.services import take_in
from intake.services.attachments import (
    VIEWING_COPY_MEDIA_TYPE, AttachmentIntegrityError, CleanUpload, UploadRejected, add_attachments,
    inspect_upload, read_attachment,
)
from intake.services.errors import NotFound
from tests.helpers import full_report, submit

SENTINELS = (b"SENTINEL", b"Exif\x00\x00", b"GPS", b"xmpmeta", b"ns.adobe.com", b"ICC_PROFILE", b"tEXt",
             b"iTXt", b"zTXt", b"eXIf")
# Markers a metadata-free baseline JPEG may hold: SOI, APP0 (JFIF), DQT, SOF0/SOF2, DHT, DRI, SOS.
ALLOWED_JPEG_MARKERS = {0xD8, 0xE0, 0xDB, 0xC0, 0xC2, 0xC4, 0xDD, 0xDA}


# ---------------------------------------------------------------------------- builders

def noise(width: int, height: int, mode: str = "RGB") -> Image.Image:
    """An image with detail (solid colours compress to nothing and hide decoding problems)."""
    raw = hashlib.shake_256(f"{width}x{height}{mode}".encode()).digest(width * height * len(mode))
    return Image.frombytes(mode, (width, height), raw)


def gps_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[0x010F] = "SENTINEL-make"  # Make
    exif[0x0110] = "SENTINEL-model"  # Model
    exif[0x0131] = "SENTINEL-software"
    exif[0x0112] = orientation
    exif[0x8825] = {1: "N", 2: (39.0, 28.0, 12.5), 3: "E", 4: (75.0, 59.0, 1.0), 29: "2017:04:05"}
    return exif


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def jpeg_with_everything(width: int = 64, height: int = 32, orientation: int = 6) -> bytes:
    out = io.BytesIO()
    noise(width, height).save(out, "JPEG", quality=90, exif=gps_exif(orientation).tobytes(),
                              comment=b"SENTINEL-comment", icc_profile=srgb_icc(),
                              xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SENTINEL-xmp</x:xmpmeta>')
    return out.getvalue()


def png_with_text(mode: str = "RGBA") -> bytes:
    info = PngInfo()
    info.add_text("Comment", "SENTINEL-text")
    info.add_text("Author", "SENTINEL-ztext", zip=True)
    info.add_itxt("Description", "SENTINEL-itext ئابدۇرېھىم", lang="ug")
    out = io.BytesIO()
    noise(48, 40, mode).save(out, "PNG", pnginfo=info, exif=gps_exif().tobytes(), icc_profile=srgb_icc())
    return out.getvalue()


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (1-bit greyscale)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
            + png_chunk(b"IEND", b""))


def jpeg_markers(data: bytes) -> list[int]:
    """The markers of a JPEG's header segments, up to and including the first SOS."""
    assert data[:2] == b"\xff\xd8"
    markers, pos = [0xD8], 2
    while True:
        assert data[pos] == 0xFF
        marker = data[pos + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")


def assert_clean_viewing_copy(upload: CleanUpload) -> Image.Image:
    copy = upload.viewing_copy
    assert copy is not None and copy.startswith(b"\xff\xd8\xff")
    for needle in SENTINELS:
        assert needle not in copy, needle
    assert set(jpeg_markers(copy)) <= ALLOWED_JPEG_MARKERS, [hex(m) for m in jpeg_markers(copy)]
    image = Image.open(io.BytesIO(copy))
    assert image.format == "JPEG" and image.mode == "RGB"
    assert not image.getexif() and not image.getexif().get_ifd(0x8825)
    assert not ({"exif", "xmp", "icc_profile", "comment", "XML:com.adobe.xmp"} & set(image.info))
    return image


def rejected(code: str, filename: str, data: bytes, **kwargs) -> UploadRejected:
    with pytest.raises(UploadRejected) as caught:
        inspect_upload(filename, data, **kwargs)
    assert caught.value.code == code, caught.value.code
    assert caught.value.message and "\n" not in caught.value.message
    return caught.value


# ---------------------------------------------------------------------------- metadata

def test_jpeg_exif_and_gps_never_reach_the_viewing_copy_and_the_original_is_kept():
    original = jpeg_with_everything()
    # The test file really carries what must be removed.
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(0x8825)[1] == "N"
    assert {"exif", "xmp", "icc_profile", "comment"} <= set(source.info)

    upload = inspect_upload("photo.jpg", original)

    assert upload.original == original  # byte-identical evidence
    assert upload.sha256 == hashlib.sha256(original).hexdigest() and upload.size == len(original)
    assert upload.media_type == "image/jpeg" and upload.filename == "photo.jpg"
    image = assert_clean_viewing_copy(upload)
    assert image.size == (32, 64)  # EXIF orientation 6 applied: the copy stands upright


def test_large_jpeg_is_downscaled_to_2048():
    out = io.BytesIO()
    noise(3000, 1200).save(out, "JPEG", quality=70, exif=gps_exif(1).tobytes())
    upload = inspect_upload("big.jpeg", out.getvalue())
    image = assert_clean_viewing_copy(upload)
    assert max(image.size) == 2048 and abs(image.size[0] / image.size[1] - 2.5) < 0.01


def test_png_text_chunks_exif_and_icc_are_stripped():
    original = png_with_text()
    assert b"tEXt" in original and b"SENTINEL-text" in original and b"eXIf" in original
    upload = inspect_upload("screenshot.png", original)
    assert upload.media_type == "image/png" and upload.original == original
    image = assert_clean_viewing_copy(upload)
    assert VIEWING_COPY_MEDIA_TYPE == "image/jpeg" and image.size == (48, 40)


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P", "1", "I;16", "CMYK"])
def test_unusual_modes_still_give_a_clean_rgb_copy(mode):
    image = noise(30, 20, "L").convert(mode) if mode in ("P", "1", "I;16", "LA") else noise(30, 20, mode)
    out = io.BytesIO()
    image.save(out, "JPEG" if mode == "CMYK" else "PNG")
    assert_clean_viewing_copy(inspect_upload("x", out.getvalue()))


def test_webp_and_animated_gif_give_a_clean_first_frame():
    out = io.BytesIO()
    noise(40, 30).save(out, "WEBP", exif=gps_exif().tobytes(), xmp=b"<x:xmpmeta>SENTINEL</x:xmpmeta>")
    webp = inspect_upload("a.webp", out.getvalue())
    assert webp.media_type == "image/webp"
    assert_clean_viewing_copy(webp)

    red, blue = Image.new("RGB", (20, 20), (255, 0, 0)), Image.new("RGB", (20, 20), (0, 0, 255))
    out = io.BytesIO()
    red.save(out, "GIF", save_all=True, append_images=[blue], comment=b"SENTINEL-gif", duration=100, loop=0)
    gif = inspect_upload("anim.gif", out.getvalue())
    assert gif.media_type == "image/gif"
    r, g, b = assert_clean_viewing_copy(gif).getpixel((10, 10))
    assert r > 200 and b < 60  # the first frame, red


# ---------------------------------------------------------------------------- type from content

def pe_bytes() -> bytes:
    return b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 44 + b"PE\x00\x00" + b"\x00" * 64


def zip_bytes() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("photo.jpg", b"\xff\xd8\xff not really")
    return out.getvalue()


def image_bytes(fmt: str, **kwargs) -> bytes:
    out = io.BytesIO()
    noise(16, 16).save(out, fmt, **kwargs)
    return out.getvalue()


@pytest.mark.parametrize("content", [
    pe_bytes(),
    zip_bytes(),
    b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>",
    b"  \n<html><img src=x onerror=alert(1)></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    b'<?xml version="1.0"?><svg/>',
    b"<!-- a comment --><script>alert(1)</script>",
    b"{\\rtf1\\ansi hello}",
    "ئۇ تۇتۇلدى".encode("utf-16"),  # text, but not UTF-8
    b"\x7fELF\x02\x01\x01" + b"\x00" * 57,
    b"\x00\x00\x00\x20ftypavif\x00\x00\x00\x00avifmif1miafMA1B",  # AVIF: not on the list
    image_bytes("BMP"),
    image_bytes("TIFF"),
    image_bytes("AVIF"),
    b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\n",
], ids=["pe", "zip", "html", "html-after-space", "svg", "xml", "html-comment", "rtf", "utf16", "elf",
        "avif-header", "bmp", "tiff", "avif", "eps"])
def test_a_file_named_photo_jpg_is_judged_by_its_content(content):
    rejected("unsupported_type", "photo.jpg", content)


def test_heic_is_accepted_only_if_pillow_can_open_it():
    heic = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64
    Image.init()
    if "HEIF" in Image.OPEN:  # pillow-heif installed: a header alone is not a picture
        rejected("corrupt", "IMG_0001.HEIC", heic)
    else:
        rejected("unsupported_type", "IMG_0001.HEIC", heic)


def test_mislabelled_images_get_a_matching_extension():
    png = image_bytes("PNG")
    assert inspect_upload("photo.jpg", png).filename == "photo.jpg.png"
    assert inspect_upload("photo.jpg", png).media_type == "image/png"
    assert inspect_upload("IMG_0001.JPEG", image_bytes("JPEG")).filename == "IMG_0001.JPEG"


def test_utf8_text_is_accepted_without_viewing_copy():
    body = "ئۇ 2017-يىلى تۇتۇلدى.\r\n他于2017年被拘留。\tЕго задержали.\n\u200fRLM is fine in text\n".encode()
    upload = inspect_upload("notes", b"\xef\xbb\xbf" + body)
    assert upload.media_type == "text/plain" and upload.viewing_copy is None
    assert upload.filename == "notes.txt" and upload.original == b"\xef\xbb\xbf" + body
    # An HTML name does not make text HTML, and a .txt name stays.
    assert inspect_upload("report.html", b"plain words").filename == "report.html.txt"
    assert inspect_upload("report.TXT", b"plain words").filename == "report.TXT"
    rejected("unsupported_type", "notes.txt", b"binary \x00 inside")
    rejected("unsupported_type", "notes.txt", b"bad utf-8 \xff\xfe")
    rejected("empty", "notes.txt", b" \r\n\t ")


def test_pdf_needs_header_and_eof():
    pdf = b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
    upload = inspect_upload("../court notice.pdf", pdf)
    assert upload.media_type == "application/pdf" and upload.viewing_copy is None
    assert upload.filename == "court notice.pdf" and upload.original == pdf
    rejected("corrupt", "notice.pdf", pdf[: pdf.index(b"%%EOF")])
    rejected("corrupt", "notice.pdf", pdf + b"x" * 2000)  # %%EOF, but not near the end
    rejected("unsupported_type", "notice.pdf", b" " + pdf)  # the header must come first


# ---------------------------------------------------------------------------- damaged and hostile

def test_truncated_and_damaged_images_are_corrupt():
    jpeg = image_bytes("JPEG", quality=95)
    rejected("corrupt", "cut.jpg", jpeg[: len(jpeg) // 2])
    png = png_with_text("RGB")
    rejected("corrupt", "cut.png", png[: len(png) - 200])
    rejected("corrupt", "fake.jpg", b"\xff\xd8\xff\xe0" + b"garbage" * 20)
    rejected("corrupt", "fake.gif", b"GIF89a" + b"\x00" * 5)
    flipped = bytearray(png)
    flipped[60] ^= 0xFF  # inside a chunk: the CRC no longer matches
    rejected("corrupt", "flipped.png", bytes(flipped))


def test_header_claiming_ten_billion_pixels_is_a_bomb():
    data = png_claiming(100_000, 100_000)
    assert len(data) < 200
    rejected("decompression_bomb", "bomb.png", data)


def test_image_between_pillow_warning_and_error_is_a_bomb():
    # 100 megapixels: Pillow only warns; the warning must not escape, nor the image pass.
    rejected("decompression_bomb", "bomb.png", png_claiming(10_000, 10_000))


def test_real_image_above_our_limit_is_a_bomb_though_pillow_would_open_it():
    out = io.BytesIO()
    Image.new("1", (6400, 6400)).save(out, "PNG")  # 41 megapixels in a few kilobytes
    data = out.getvalue()
    assert len(data) < 200_000
    rejected("decompression_bomb", "big.png", data)
    out = io.BytesIO()
    Image.new("L", (6400, 6400)).save(out, "JPEG", quality=10)
    rejected("decompression_bomb", "big.jpg", out.getvalue())


def test_jpeg_with_thousands_of_scans_is_refused_but_progressive_is_fine():
    progressive = io.BytesIO()
    noise(64, 64).save(progressive, "JPEG", progressive=True)
    assert inspect_upload("p.jpg", progressive.getvalue()).viewing_copy

    sos = b"\xff\xda\x00\x08\x01\x01\x00\x00\x3f\x00" + b"\x12\x34\xff\x00\x56"
    rejected("decompression_bomb", "scans.jpg", b"\xff\xd8" + sos * 1000 + b"\xff\xd9")


def test_charge_is_asked_for_the_header_pixels_after_the_checks_and_can_defer_the_copy():
    asked: list[int] = []

    def refuse(pixels: int) -> bool:
        asked.append(pixels)
        return False

    data = jpeg_with_everything(64, 32)
    upload = inspect_upload("a.jpg", data, charge=refuse)
    assert asked == [64 * 32]
    assert upload.viewing_copy is None and upload.viewing_copy_deferred and upload.original == data
    decoded = inspect_upload("a.jpg", data, charge=lambda pixels: True)
    assert decoded.viewing_copy and not decoded.viewing_copy_deferred
    rejected("decompression_bomb", "bomb.png", png_claiming(100_000, 100_000), charge=refuse)
    png = png_with_text("RGB")
    rejected("corrupt", "cut.png", png[: len(png) - 200], charge=refuse)
    text = inspect_upload("a.txt", b"plain", charge=refuse)
    assert asked == [64 * 32] and not text.viewing_copy_deferred  # refused files and text cost nothing


def test_empty_and_size_limits():
    rejected("empty", "a.jpg", b"")
    jpeg = image_bytes("JPEG")
    assert inspect_upload("a.jpg", jpeg, max_bytes=len(jpeg)).size == len(jpeg)
    rejected("too_large", "a.jpg", jpeg, max_bytes=len(jpeg) - 1)
    # Outside an app: 10 MiB.
    rejected("too_large", "a.txt", b"a" * (10 * 1024 * 1024 + 1))
    assert inspect_upload("a.txt", b"a" * (10 * 1024 * 1024)).size == 10 * 1024 * 1024


def test_size_limit_comes_from_the_app_config():
    app = Flask(__name__)
    app.config["INTAKE_MAX_ATTACHMENT_BYTES"] = 100
    with app.app_context():
        rejected("too_large", "a.txt", b"a" * 101)
        assert inspect_upload("a.txt", b"a" * 100).size == 100


def test_unknown_rejection_code_is_a_programming_error():
    with pytest.raises(ValueError):
        UploadRejected("nope", "x")
    assert UploadRejected("empty", "The file is empty.").code == "empty"


# ---------------------------------------------------------------------------- file names

@pytest.mark.parametrize(("given", "expected"), [
    ("C:\\Users\\a\\Desktop\\\u202egpj.exe", "gpj.exe.jpg"),           # path and right-to-left override
    ("../../etc/passwd\u0000.jpg", "passwd.jpg"),
    ("/tmp/ئابدۇرېھىم\u200f \u2066سۈرەت\u2069.jpg", "ئابدۇرېھىم سۈرەت.jpg"),  # Uyghur kept, marks gone
    ("阿不都热依木\n\t  照片.JPG", "阿不都热依木 照片.JPG"),
    ("Ab\u0065\u0301durehim.jpg", "Ab\u00e9durehim.jpg"),               # NFC
    ("..", "attachment.jpg"),
    ("", "attachment.jpg"),
    (None, "attachment.jpg"),
    (".htaccess", "htaccess.jpg"),
    ('a<b>c:"d|e?f*.jpg. . ', "a_b_c__d_e_f_.jpg"),
    ("CON.jpg", "_CON.jpg"),
    ("CON .jpg", "_CON .jpg"),
    ("com¹.jpg", "_com¹.jpg"),
    ("LPT³.tar.jpg", "_LPT³.tar.jpg"),
    ("CONSOLE.jpg", "CONSOLE.jpg"),
    ("a\u2028b\u2029c.jpg", "a b c.jpg"),
    ("zwj\u200dkept\u200c.jpg", "zwj\u200dkept\u200c.jpg"),
])
def test_filenames_are_reduced_to_a_safe_display_name(given, expected):
    assert inspect_upload(given, image_bytes("JPEG")).filename == expected


def test_long_filenames_keep_their_extension_and_whole_letters():
    name = inspect_upload("ئ" * 300 + ".jpg", image_bytes("JPEG")).filename
    assert len(name) == 120 and name.endswith(".jpg") and name.startswith("ئ")
    joined = "a" * 115 + "\u200d" * 10 + ".jpg"  # never end on a joiner that joined to what was cut
    name = inspect_upload(joined, image_bytes("JPEG")).filename
    assert name == "a" * 115 + ".jpg"
    combining = "a" * 115 + "e" + "\u0301" * 10 + ".jpg"
    name = inspect_upload(combining, image_bytes("JPEG")).filename
    assert name == "a" * 115 + ".jpg"  # the cut would have split é from its accents: it backs off


# ---------------------------------------------------------------------------- storage

def uploads(count: int = 2) -> list[CleanUpload]:
    made = [inspect_upload("ئابدۇرېھىم SENTINEL-name.jpg", jpeg_with_everything()),
            inspect_upload("notes.txt", "SENTINEL-note ئۇ تۇتۇلدى".encode())]
    while len(made) < count:
        made.append(inspect_upload(f"n{len(made)}.txt", f"note {len(made)}".encode()))
    return made[:count]


def test_public_face_seals_attachments_it_cannot_read_and_review_face_reads_them(public_app, review_app):
    stored = submit(public_app, full_report())
    files = uploads(2)
    with public_app.app_context():
        report_id = db.session.scalars(select(Report.id)).one()
        rows = add_attachments(db.session, stored.submission_id, files, report_id=report_id, own_key=True)
        assert len(rows) == 2
        db.session.commit()
        ids = [row.id for row in rows]

    with public_app.app_context():  # a fresh session: nothing cached
        for attachment_id in ids:
            with pytest.raises(WriteOnlyError):
                read_attachment(db.session, attachment_id)
        stored_rows = db.session.scalars(select(Attachment)).all()
        for row in stored_rows:
            assert row.own_key and row.report_id == report_id
            assert files[0].original not in row.content_sealed
            assert b"SENTINEL" not in row.meta_sealed + row.content_sealed + (row.viewing_copy_sealed or b"")
        holders = db.session.execute(select(RecordKey.owner_table, RecordKey.holder)).all()
        assert sorted(holders) == [("attachments", "inbox"), ("attachments", "inbox"), ("submissions", "inbox")]

    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (3, 0)
    with review_app.app_context():
        assert db.session.scalar(select(func.count()).where(RecordKey.holder == "inbox")) == 0
        for attachment_id, upload in zip(ids, files, strict=True):
            meta, content = read_attachment(db.session, attachment_id)
            assert content == upload.original
            assert meta == {"filename": upload.filename, "media_type": upload.media_type,
                            "size": upload.size, "sha256": hashlib.sha256(content).hexdigest()}
            assert db.session.get(Attachment, attachment_id).viewing_copy == upload.viewing_copy
        assert read_attachment(db.session, str(ids[0]))[1] == files[0].original


def test_attachments_under_the_submission_key(public_app, review_app):
    stored = submit(public_app, full_report())
    with public_app.app_context():  # a later request on the public face no longer holds the key
        with pytest.raises(WriteOnlyError):
            add_attachments(db.session, stored.submission_id, uploads(1), own_key=False)
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    files = uploads(1)  # made once: the photo's metadata holds the time it was made
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
        [row] = add_attachments(db.session, stored.submission_id, files, own_key=False)
        db.session.commit()
        attachment_id = row.id
    with review_app.app_context():
        assert db.session.scalar(select(func.count()).where(RecordKey.owner_table == "attachments")) == 0
        assert read_attachment(db.session, attachment_id)[1] == files[0].original


def test_limits_and_wrong_targets(public_app, review_app):
    stored = submit(public_app, full_report())
    other = submit(public_app, full_report("other"))
    with public_app.app_context():
        with pytest.raises(UploadRejected) as caught:
            add_attachments(db.session, stored.submission_id, uploads(6), own_key=True)
        assert caught.value.code == "too_many"
        assert len(add_attachments(db.session, stored.submission_id, uploads(5), own_key=True)) == 5
        db.session.rollback()
        foreign_report = db.session.scalars(select(Report.id).where(Report.submission_id == other.submission_id)).one()
        with pytest.raises(NotFound):
            add_attachments(db.session, stored.submission_id, uploads(1), report_id=foreign_report, own_key=True)
        with pytest.raises(NotFound):
            add_attachments(db.session, uuid.uuid4(), uploads(1), own_key=True)
        forged = CleanUpload("a.txt", "text/plain", b"abc", None, "0" * 64, 3)
        with pytest.raises(ValueError):
            add_attachments(db.session, stored.submission_id, [forged], own_key=True)
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    with public_app.app_context():
        public_app.config["INTAKE_MAX_ATTACHMENTS"] = 1
        with pytest.raises(UploadRejected) as caught:
            add_attachments(db.session, stored.submission_id, uploads(2), own_key=True)
        assert caught.value.code == "too_many"
    with review_app.app_context():
        with pytest.raises(NotFound):
            read_attachment(db.session, uuid.uuid4())


def _stored_pair(public_app, review_app) -> list[uuid.UUID]:
    stored = submit(public_app, full_report())
    with public_app.app_context():
        ids = [row.id for row in add_attachments(db.session, stored.submission_id, uploads(2), own_key=True)]
        db.session.commit()
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
    return ids


def test_tampered_content_ciphertext_fails_closed(public_app, review_app):
    first, _ = _stored_pair(public_app, review_app)
    with review_app.app_context():
        row = db.session.get(Attachment, first)
        blob = bytearray(row.content_sealed)
        blob[-5] ^= 0x01
        row.content_sealed = bytes(blob)
        db.session.commit()
    with review_app.app_context():
        with pytest.raises(DecryptionError, match="attachments.content"):
            read_attachment(db.session, first)


def test_content_moved_between_attachments_fails_closed(public_app, review_app):
    first, second = _stored_pair(public_app, review_app)  # each under its own data key
    with review_app.app_context():
        submission_id = db.session.get(Attachment, first).submission_id
        third, fourth = (row.id for row in add_attachments(db.session, submission_id, uploads(2), own_key=False))
        db.session.commit()
    with review_app.app_context():
        rows = [db.session.get(Attachment, i) for i in (first, second, third, fourth)]
        rows[0].content_sealed, rows[1].content_sealed = rows[1].content_sealed, rows[0].content_sealed
        rows[2].content_sealed, rows[3].content_sealed = rows[3].content_sealed, rows[2].content_sealed
        db.session.commit()
    with review_app.app_context():
        for attachment_id in (first, second):  # another row's data key
            with pytest.raises(UnknownKeyError, match="attachments.content"):
                read_attachment(db.session, attachment_id)
        for attachment_id in (third, fourth):  # the same key, but bound to another row id
            with pytest.raises(DecryptionError, match="attachments.content"):
                read_attachment(db.session, attachment_id)


@pytest.mark.parametrize("same_size", [True, False], ids=["same-size", "other-size"])
def test_content_that_does_not_match_its_digest_is_an_integrity_error(public_app, review_app, same_size):
    first, _ = _stored_pair(public_app, review_app)
    with review_app.app_context():  # someone holding the key replaces the content, not the digest
        row = db.session.get(Attachment, first)
        original = row.content
        row.content = bytes([original[0] ^ 1]) + original[1:] if same_size else b"SENTINEL-replaced"
        db.session.commit()
    with review_app.app_context():
        with pytest.raises(AttachmentIntegrityError, match="SHA-256"):
            read_attachment(db.session, first)

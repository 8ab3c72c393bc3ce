"""The JPEGs inside a PDF's clean copy lose their metadata wherever a file puts it: after bytes
that libjpeg skips between segments, between a progressive file's scans, after the end of the
image. The pixels stay the same."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from intake.services.pdf_clean import strip_jpeg_metadata

GPS = b"Exif\x00\x00" + b"GPS 39.4704N 75.9898E secret-sentinel" * 4


def app1(payload: bytes) -> bytes:
    return b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload


def jpeg(progressive: bool = False) -> bytes:
    image = Image.new("RGB", (64, 48))
    image.putdata([((x * 4) % 256, (y * 5) % 256, (x * y) % 256) for y in range(48) for x in range(64)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85, progressive=progressive)
    return out.getvalue()


def pixels(data: bytes) -> bytes:
    return Image.open(io.BytesIO(data)).convert("RGB").tobytes()


def second_scan(data: bytes) -> int:
    first = data.index(b"\xff\xda")
    return data.index(b"\xff\xda", first + 2)


@pytest.mark.parametrize("where", ["after SOI", "after stray bytes", "between scans", "after EOI"])
def test_metadata_is_dropped_wherever_it_sits(where):
    base = jpeg(progressive=where == "between scans")
    if where == "after SOI":
        data = base[:2] + app1(GPS) + base[2:]
    elif where == "after stray bytes":  # after the JFIF segment: bytes libjpeg skips with a warning
        jfif_end = 4 + int.from_bytes(base[4:6], "big")
        data = base[:jfif_end] + b"\x00\x13\x37" + app1(GPS) + base[jfif_end:]
    elif where == "between scans":
        cut = second_scan(base)
        data = base[:cut] + app1(GPS) + base[cut:]
    else:
        data = base + app1(GPS) + b"more data a phone appends"
    assert pixels(data) == pixels(base)  # libjpeg reads each of them as the same picture
    clean = strip_jpeg_metadata(data)
    assert b"secret-sentinel" not in clean and b"Exif" not in clean
    assert pixels(clean) == pixels(base)
    assert clean.endswith(b"\xff\xd9")


def test_a_clean_file_keeps_every_scan_and_marker():
    for progressive in (False, True):
        base = jpeg(progressive)
        assert strip_jpeg_metadata(base) == base


def test_what_it_cannot_read_it_leaves_alone():
    assert strip_jpeg_metadata(b"GIF89a...") == b"GIF89a..."
    truncated = b"\xff\xd8" + b"\xff\xe1\x40\x00" + b"short"
    assert strip_jpeg_metadata(truncated) == truncated

"""An image's viewing copy: checked on its header, decoded, and encoded again without any metadata.

Used in two places, so the copy is the same wherever it is made: in the public face's request by
`attachments.inspect_upload`, and, for a copy deferred there (the image-pixel budget was spent,
see public/limits.py), on the review face in a child process of its own, bounded in CPU seconds
and address space, as `python -I image_render.py FORMAT MAX_PIXELS SECONDS MEMORY_MB` with the
original on stdin and the JPEG on stdout (exit status 2: refused). It imports nothing from intake,
so `-I` (no script directory, no environment paths) is safe.

The pixel limit is not set by changing `PIL.Image.MAX_IMAGE_PIXELS`: that is a process-wide
setting, and changing it per call would race between request threads. The size is checked here
explicitly instead, on the header, before any pixel is decoded.
"""

from __future__ import annotations

import io
import re
import resource
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from PIL import Image, ImageOps

MAX_JPEG_SCANS = 100  # a progressive JPEG has about 10; thousands make libjpeg loop for minutes
# Pillow reads a file's structure in Python, a piece at a time, whatever its pixels (a 10x10 JPEG of
# 2.4 million empty segments: 5.2 s). Cameras and editors write a few dozen segments, PNG chunks of
# 8 KB or more, and a handful of GIF blocks before the first image; these bounds are far above that.
MAX_JPEG_SEGMENTS = 1_000
MAX_PNG_CHUNKS = 20_000
MAX_GIF_BLOCKS = 10_000
MAX_VIEWING_SIDE = 2048


class Refused(Exception):
    """The image cannot be made into a viewing copy. `code`: corrupt, decompression_bomb or
    unsupported_type (no Pillow plugin for the format)."""

    def __init__(self, code: str) -> None:
        self.code = code
        super().__init__(code)


def header_pixels(fmt: str, data: bytes, max_pixels: int) -> int:
    """width*height read from the header, after the checks that decode no pixel: the plugin exists,
    a JPEG has few scans, the size is within max_pixels, the file `verify()`s."""
    Image.init()
    if fmt not in Image.OPEN:
        raise Refused("unsupported_type")  # HEIC without a HEIF plugin
    if fmt == "JPEG" and _jpeg_scan_count(data) > MAX_JPEG_SCANS:
        raise Refused("decompression_bomb")
    if _too_structured(fmt, data):
        raise Refused("decompression_bomb")
    with _refusing(), Image.open(io.BytesIO(data), formats=[fmt]) as probe:
        width, height = _checked(probe.size, max_pixels)
        probe.verify()
    return width * height


def viewing_copy(fmt: str, data: bytes, max_pixels: int) -> bytes:
    """Decode (after header_pixels has passed) and encode a fresh JPEG with no metadata."""
    with _refusing(), Image.open(io.BytesIO(data), formats=[fmt]) as img:
        _checked(img.size, max_pixels)
        return _render(img)


@contextmanager
def _refusing() -> Iterator[None]:
    # Pillow warns (and above twice its limit raises) on huge images. Make the warning an error
    # here whatever the process's warning filters say; the explicit size check does not depend on it.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except Refused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise Refused("decompression_bomb") from None
        except Exception:  # noqa: BLE001 - any failure to parse untrusted image data is "corrupt"
            raise Refused("corrupt") from None


def _checked(size: tuple[int, int], limit: int) -> tuple[int, int]:
    width, height = size
    if width <= 0 or height <= 0:
        raise Refused("corrupt")
    if width * height > limit:
        raise Refused("decompression_bomb")
    return width, height


def _render(img: Image.Image) -> bytes:
    """Decode, turn upright, shrink, convert to sRGB, and encode a fresh JPEG with no metadata."""
    icc = img.info.get("icc_profile")
    if img.format in ("JPEG", "MPO"):
        img.draft(None, (MAX_VIEWING_SIDE, MAX_VIEWING_SIDE))  # decode big JPEGs at 1/2..1/8 scale
    img.load()  # a truncated or damaged file fails here
    try:
        ImageOps.exif_transpose(img, in_place=True)
    except Exception:  # noqa: BLE001 - a damaged EXIF block must not lose the photo, only its orientation
        pass
    if img.mode.startswith("I") or img.mode == "F":  # 16-bit or float greyscale
        img = img.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    has_alpha = img.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if has_alpha or img.mode not in ("RGB", "L", "CMYK"):
        img = img.convert("RGBA" if has_alpha else "RGB")
    img.thumbnail((MAX_VIEWING_SIDE, MAX_VIEWING_SIDE), Image.Resampling.LANCZOS)
    if img.mode == "RGBA":
        flat = Image.new("RGB", img.size, (255, 255, 255))
        flat.paste(img, mask=img.getchannel("A"))
        img = flat
    if icc and img.mode in ("RGB", "CMYK"):
        img = _to_srgb(img, icc)
    if img.mode != "RGB":
        img = img.convert("RGB")
    clean = Image.new("RGB", img.size)  # a new image: its `info` is empty, nothing is carried over
    clean.paste(img)
    out = io.BytesIO()
    clean.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()


_srgb: list[Any] = []


def _to_srgb(img: Image.Image, icc: bytes) -> Image.Image:
    try:
        from PIL import ImageCms

        if not _srgb:
            _srgb.append(ImageCms.createProfile("sRGB"))
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        converted = ImageCms.profileToProfile(img, source, _srgb[0], outputMode="RGB")
        return converted if converted is not None else img
    except Exception:  # noqa: BLE001 - a bad profile costs colour accuracy, not the upload
        return img.convert("RGB")


def _jpeg_scan_count(data: bytes) -> int:
    """Start-of-scan markers of the main JPEG image, found as libjpeg finds them (up to its EOI);
    past MAX_JPEG_SEGMENTS segments of any kind, a count above MAX_JPEG_SCANS (refused either way).

    Between segments libjpeg skips any bytes up to the next marker (0xFF, fill bytes, then a byte
    that is not 0), with a warning only: a count that stopped at such bytes missed every scan
    after them, and libjpeg went through the whole image once for each."""
    pos, scans, segments, end = 2, 0, 0, len(data)
    while True:
        pos = data.find(b"\xff", pos)
        while 0 <= pos and pos + 1 < end and data[pos + 1] == 0xFF:  # fill bytes
            pos += 1
        if pos < 0 or pos + 1 >= end:
            return scans
        marker = data[pos + 1]
        if marker == 0xD9:
            return scans
        if marker in (0x00, 0x01, 0xD8) or 0xD0 <= marker <= 0xD7:  # 0x00: not a marker, skipped
            pos += 2
            continue
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            return MAX_JPEG_SCANS + 1
        pos += 2 + int.from_bytes(data[pos + 2:pos + 4], "big")
        if marker != 0xDA:
            continue
        scans += 1
        # The scan's data runs to the next marker: FF00 is a stuffed byte, FFD0-D7 a restart
        # marker, FFFF a fill byte before a marker (one search, not a step per 0xFF in Python).
        found = _NEXT_MARKER.search(data, pos)
        if found is None:
            return scans
        pos = found.start()


_NEXT_MARKER = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


def _too_structured(fmt: str, data: bytes) -> bool:
    """More PNG chunks, or GIF blocks before the first image, than the bounds above."""
    if fmt == "PNG":
        return _png_chunks(data, MAX_PNG_CHUNKS) > MAX_PNG_CHUNKS
    if fmt == "GIF":
        return _gif_blocks(data, MAX_GIF_BLOCKS) > MAX_GIF_BLOCKS
    return False


def _png_chunks(data: bytes, limit: int) -> int:
    """Chunks up to IEND (or the end of the data), counted no further than limit + 1."""
    pos, count, end = 8, 0, len(data)
    while pos + 8 <= end and count <= limit:
        count += 1
        if data[pos + 4:pos + 8] == b"IEND":
            break
        pos += 12 + int.from_bytes(data[pos:pos + 4], "big")
    return count


def _gif_blocks(data: bytes, limit: int) -> int:
    """Extension blocks and their sub-blocks before the first image descriptor (which Pillow reads
    in Python; the image's own data is read in C), counted no further than limit + 1."""
    if len(data) < 13:
        return 0
    pos, count, end = 13, 0, len(data)
    if data[10] & 0x80:  # a global colour table
        pos += 3 << ((data[10] & 0x07) + 1)
    while pos < end and count <= limit and data[pos] == 0x21:  # an extension: label, then sub-blocks
        pos += 2
        count += 1
        while pos < end and data[pos] and count <= limit:
            pos += 1 + data[pos]
            count += 1
        pos += 1
    return count


def main(argv: list[str]) -> int:
    fmt, max_pixels, seconds, memory_mb = argv[1], *(int(v) for v in argv[2:5])
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    if memory_mb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
    data = sys.stdin.buffer.read()
    try:
        header_pixels(fmt, data, max_pixels)
        copy = viewing_copy(fmt, data, max_pixels)
    except Refused:  # the parent only needs to know it failed; nothing about the file is printed
        return 2
    sys.stdout.buffer.write(copy)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

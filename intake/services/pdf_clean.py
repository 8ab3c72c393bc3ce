"""Make the clean copy of the PDF on stdin, written to stdout, in a process of its own.

Run by `pdf_copies.clean_pdf` as `python -I pdf_clean.py SECONDS MEMORY_MB`. The copy keeps pages,
text and images and drops the document information dictionary and XMP metadata (document and page
level), the EXIF/XMP/comment segments of the JPEG photos embedded in it (a phone's scan carries the
GPS position there), and active content: the document's open action and additional actions, its
JavaScript and embedded files, links' and form fields' actions, and XFA forms (which hold scripts).

Why a process of its own: qpdf must inflate what it needs to read the file at all, the object
streams that hold a PDF's objects, and a few kilobytes compressed twice inflate to gigabytes (a 2 MB
PDF whose object stream held 2 GB cost the review face 8.6 s of CPU and 2.1 GB of memory in its
request). Here the process limits itself (CPU seconds and address space) before it reads anything,
and its parent waits only so long. It imports nothing from intake, so `-I` is safe. Exit status 0
with the copy on stdout; 2 when the PDF cannot be read (encrypted, damaged).
"""

from __future__ import annotations

import io
import re
import resource
import sys

# JPEG segments that carry no pixels: APP1 (EXIF, XMP), APP2 ... APP13 (ICC, FlashPix, Photoshop
# IPTC), APP15 and COM. APP0 (JFIF) and APP14 (Adobe: how the colours are stored) are kept.
_JPEG_DROPPED = {0xE1, *range(0xE2, 0xEE), 0xEF, 0xFE}


def clean(data: bytes) -> bytes:
    """The clean copy; raises on any PDF pikepdf cannot read (encrypted, damaged)."""
    import pikepdf

    with pikepdf.open(io.BytesIO(data)) as pdf:
        _remove_metadata(pdf)
        _remove_active_content(pdf)
        for page in pdf.pages:
            _clean_page(pikepdf, page)
        out = io.BytesIO()
        # Streams are copied as they are: by default qpdf decodes and re-encodes them, and a
        # 7 KB stream compressed twice inflates to 4 GB (35 s of CPU, a 4 MB copy) on the way.
        pdf.save(out, deterministic_id=True, stream_decode_level=pikepdf.StreamDecodeLevel.none,
                 compress_streams=False, recompress_flate=False)
        return out.getvalue()


def _remove_metadata(pdf: object) -> None:
    root = pdf.Root  # type: ignore[attr-defined]
    if "/Metadata" in root:
        del root.Metadata
    if "/Info" in pdf.trailer:  # type: ignore[attr-defined]
        del pdf.trailer.Info  # type: ignore[attr-defined]


def _remove_active_content(pdf: object) -> None:
    root = pdf.Root  # type: ignore[attr-defined]
    for key in ("/OpenAction", "/AA"):
        if key in root:
            del root[key]
    names = root.get("/Names")
    if names is not None:
        for key in ("/JavaScript", "/EmbeddedFiles"):
            if key in names:
                del names[key]
    form = root.get("/AcroForm")
    if form is not None:
        if "/XFA" in form:
            del form.XFA
        for field in form.get("/Fields") or ():
            _drop_actions(field)


def _drop_actions(obj: object) -> None:
    for key in ("/A", "/AA"):
        if key in obj:  # type: ignore[operator]
            del obj[key]  # type: ignore[attr-defined]


def _clean_page(pikepdf: object, page: object) -> None:
    obj = page.obj  # type: ignore[attr-defined]
    for key in ("/Metadata", "/AA"):
        if key in obj:
            del obj[key]
    for annotation in obj.get("/Annots") or ():
        _drop_actions(annotation)
    for image in _jpeg_images(pikepdf, obj):
        raw = image.read_raw_bytes()
        stripped = strip_jpeg_metadata(raw)
        if stripped != raw:
            image.write(stripped, filter=pikepdf.Name.DCTDecode)  # type: ignore[attr-defined]
        if "/Metadata" in image:
            del image.Metadata


def _jpeg_images(pikepdf: object, page: object) -> list[object]:
    """The page's image XObjects stored as JPEG (the filter alone, so raw bytes are the JPEG file)."""
    resources = page.get("/Resources")  # type: ignore[attr-defined]
    xobjects = resources.get("/XObject") if resources is not None else None
    found = []
    for _, xobject in (xobjects.items() if xobjects is not None else ()):
        filters = xobject.get("/Filter")
        if xobject.get("/Subtype") == "/Image" and (filters == "/DCTDecode" or (
                isinstance(filters, pikepdf.Array) and list(filters) == ["/DCTDecode"])):  # type: ignore[attr-defined]
            found.append(xobject)
    return found


def strip_jpeg_metadata(data: bytes) -> bytes:
    """The JPEG without its metadata segments (_JPEG_DROPPED), wherever they are: bytes between
    segments are skipped as libjpeg skips them (and dropped), a progressive file's segments between
    its scans are read too, and nothing after the end-of-image marker is kept (phones append more
    there). Unchanged if a segment's length runs past the end (then nothing is sure)."""
    if not data.startswith(b"\xff\xd8"):
        return data
    out, pos, size = bytearray(b"\xff\xd8"), 2, len(data)
    while pos < size:
        if data[pos] != 0xFF:  # stray bytes before a marker
            found = data.find(b"\xff", pos)
            if found < 0:
                break
            pos = found
            continue
        if pos + 1 >= size:
            break
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
        elif marker == 0xD9:  # end of image
            out += b"\xff\xd9"
            return bytes(out)
        elif marker == 0x01 or 0xD0 <= marker <= 0xD7:  # markers without a length
            out += data[pos:pos + 2]
            pos += 2
        else:
            if pos + 4 > size:
                return data
            length = int.from_bytes(data[pos + 2:pos + 4], "big")
            if length < 2 or pos + 2 + length > size:
                return data
            if marker not in _JPEG_DROPPED:
                out += data[pos:pos + 2 + length]
            pos += 2 + length
            if marker == 0xDA:  # a scan's coded data runs to the next marker (not a stuffed 0xFF00 or a restart)
                found = _MARKER_AFTER_SCAN.search(data, pos)
                end = found.start() if found else size
                out += data[pos:end]
                pos = end
    return bytes(out)


_MARKER_AFTER_SCAN = re.compile(rb"\xff(?![\x00\xd0-\xd7])")


def main(argv: list[str]) -> int:
    seconds, memory_mb = (int(v) for v in argv[1:3])
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    if memory_mb > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory_mb * 1024 * 1024,) * 2)
    data = sys.stdin.buffer.read()
    try:
        copy = clean(data)
    except Exception:  # noqa: BLE001 - the parent only needs to know it failed; nothing about the file is printed
        return 2
    sys.stdout.buffer.write(copy)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

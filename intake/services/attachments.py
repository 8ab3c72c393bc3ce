"""Attachments: check what a family uploads, keep the original as evidence, make a clean viewing copy.

What is accepted is decided from the CONTENT (magic bytes), never from the file name or the
client's content type:

- JPEG, PNG, WebP and GIF images (GIF, APNG, animated WebP: the first frame is the viewing copy);
- HEIC/HEIF only if a Pillow plugin that opens it is installed (pillow-heif registers "HEIF");
  without one it is `unsupported_type`. AVIF, TIFF, BMP and all other formats are refused;
- PDF: starts with `%PDF-` and has `%%EOF` in its last 1024 bytes. No viewing copy: PDFs are never
  rendered here, and their own metadata (author, producer, XMP) is NOT removed. They are evidence;
  the review face must serve them only as downloads;
- plain text: strict UTF-8 (an optional BOM), no NUL or other control characters but tab, newline,
  carriage return and form feed, and not markup (HTML, XML, SVG, RTF and PostScript are refused:
  viewers sniff them). No viewing copy: the text is its own. UTF-16 and legacy encodings are refused.

Images are opened with only the matching Pillow plugin, refused above MAX_IMAGE_PIXELS (checked on
the header, before any pixel is decoded, and also Pillow's own bomb check turned into an error),
`verify()`ed, re-opened and decoded. The viewing copy is always a baseline JPEG (media type
VIEWING_COPY_MEDIA_TYPE), at most MAX_VIEWING_SIDE pixels on a side, turned upright from the EXIF
orientation, converted to sRGB when an ICC profile is present, with transparency flattened on
white, and encoded from a fresh image that carries no metadata at all: no EXIF (so no GPS), no XMP,
no ICC profile, no comment, no text chunks (image_render.py). The original bytes are kept
unchanged (they are sealed).

The caller may pass `charge`, asked with the image's width*height (read from the header, after
every check that decodes no pixel) before it is decoded: if it says no, the upload is kept without
a viewing copy and marked `viewing_copy_deferred` (meta "viewing_copy": "deferred"); the review
face makes the copy on first view (attachment_views.py). The public face charges a shared budget of
pixels a minute this way (public/limits.py), so a flood of images costs families' photos a delay,
never their upload.

The display file name is reduced to a basename, NFC, with control, format (bidi) and line
separator characters removed (ZWJ and ZWNJ kept for Arabic-script and Indic names), characters
that Windows forbids replaced by "_", at most 120 characters, and an extension that matches the
detected content appended when the name lacks one (`photo.jpg` holding HTML is refused; holding a
PNG it becomes `photo.jpg.png`), so a reviewer who downloads a file never opens it with the wrong
program.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ..config import setting
from ..models import Attachment, Report, Submission
from ..models.sealed import data_keys
from . import image_render
from .errors import NotFound, ServiceError

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_ATTACHMENTS = 5
MAX_IMAGE_PIXELS = 40_000_000
MAX_VIEWING_SIDE = image_render.MAX_VIEWING_SIDE
MAX_FILENAME = 120
VIEWING_COPY_MEDIA_TYPE = "image/jpeg"
# In an attachment's sealed metadata: its viewing copy was deferred by the public face.
DEFERRED_KEY, DEFERRED = "viewing_copy", "deferred"

CODES = ("empty", "too_large", "unsupported_type", "corrupt", "decompression_bomb", "too_many")
_MESSAGES = {
    "empty": "The file is empty.",
    "too_large": "The file is too large.",
    "unsupported_type": "This kind of file cannot be accepted. Please send a photo (JPEG, PNG, WebP, GIF), "
                        "a PDF or a plain text file.",
    "corrupt": "The file seems to be damaged or incomplete.",
    "decompression_bomb": "The image is too large to be opened safely.",
    "too_many": "Too many files were sent at once.",
}


class UploadRejected(ServiceError):
    """An upload was refused. `code` is stable (the caller translates by it); `message` is English."""

    def __init__(self, code: str, message: str | None = None) -> None:
        if code not in CODES:
            raise ValueError(f"unknown upload rejection code {code!r}")
        self.code = code
        self.message = message or _MESSAGES[code]
        super().__init__(self.message)


class AttachmentIntegrityError(ServiceError):
    """A decrypted attachment does not match the SHA-256 (or size) recorded when it was received."""


@dataclass(frozen=True)
class CleanUpload:
    filename: str
    media_type: str
    original: bytes
    viewing_copy: bytes | None
    sha256: str
    size: int
    viewing_copy_deferred: bool = False  # an image whose copy the review face makes on first view


# kind: (media type, Pillow format or None, file extensions, the first one canonical)
_KINDS: dict[str, tuple[str, str | None, tuple[str, ...]]] = {
    "jpeg": ("image/jpeg", "JPEG", (".jpg", ".jpeg", ".jpe", ".jfif")),
    "png": ("image/png", "PNG", (".png",)),
    "webp": ("image/webp", "WEBP", (".webp",)),
    "gif": ("image/gif", "GIF", (".gif",)),
    "heic": ("image/heic", "HEIF", (".heic", ".heif")),
    "pdf": ("application/pdf", None, (".pdf",)),
    "text": ("text/plain", None, (".txt", ".text")),
}
_HEVC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
_HEIF_BRANDS = {b"mif1", b"msf1", b"mif2"}
_AVIF_BRANDS = {b"avif", b"avis"}
_PDF_HEADER = re.compile(rb"%PDF-\d\.\d")
# Text formats a browser or desktop viewer could sniff and run: HTML, XML/SVG, RTF, PostScript.
_MARKUP = re.compile(r"\s*(<[!?a-zA-Z/]|\{\\rtf|%!)")
# C0 and C1 controls and DEL, except tab, newline, form feed and carriage return.
_TEXT_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f-\x9f]")


def inspect_upload(filename: str, data: bytes, *, max_bytes: int | None = None,
                   charge: Callable[[int], bool] | None = None) -> CleanUpload:
    """Check one upload and prepare it for storage. Raises UploadRejected with a stable code.
    `charge(pixels)` is asked before an image is decoded; False defers its viewing copy."""
    data = bytes(data)
    if max_bytes is None:
        max_bytes = int(setting("INTAKE_MAX_ATTACHMENT_BYTES", DEFAULT_MAX_BYTES))
    if not data:
        raise UploadRejected("empty")
    if len(data) > max_bytes:
        raise UploadRejected("too_large")
    kind = _sniff(data)
    if kind is None:
        raise UploadRejected("unsupported_type")
    viewing_copy: bytes | None = None
    deferred = False
    if kind == "pdf":
        if b"%%EOF" not in data[-1024:]:
            raise UploadRejected("corrupt", "The PDF seems to be incomplete.")
    elif kind == "text":
        _check_text(data)
    else:
        viewing_copy = _viewing_copy(kind, data, max_image_pixels(), charge)
        deferred = viewing_copy is None
    return CleanUpload(filename=safe_filename(filename, kind), media_type=_KINDS[kind][0], original=data,
                       viewing_copy=viewing_copy, sha256=hashlib.sha256(data).hexdigest(), size=len(data),
                       viewing_copy_deferred=deferred)


def max_image_pixels() -> int:
    return int(setting("INTAKE_MAX_IMAGE_PIXELS", MAX_IMAGE_PIXELS))


def pillow_format(media_type: str) -> str | None:
    """The Pillow format of an accepted image's media type (None for any other)."""
    return next((fmt for media, fmt, _ in _KINDS.values() if media == media_type and fmt), None)


def _sniff(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[4:8] == b"ftyp":
        return "heic" if _is_heif(data) else None
    if _PDF_HEADER.match(data):
        return "pdf"
    if b"%PDF-" in data[:1024]:
        return None  # PDF readers look for the header anywhere in the first 1024 bytes: a polyglot
    if _looks_like_text(data):
        return "text"
    return None


def _is_heif(data: bytes) -> bool:
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > min(len(data), 4096):
        return False
    brands = {data[8:12]} | {data[i:i + 4] for i in range(16, size - 3, 4)}
    if brands & _AVIF_BRANDS:
        return False
    return bool(brands & (_HEVC_BRANDS | _HEIF_BRANDS))


def _looks_like_text(data: bytes) -> bool:
    try:
        text = data.removeprefix(b"\xef\xbb\xbf").decode("utf-8", errors="strict")
    except UnicodeDecodeError:
        return False
    if _TEXT_CONTROLS.search(text):
        return False
    return not _MARKUP.match(text)


def _check_text(data: bytes) -> None:
    if not data.removeprefix(b"\xef\xbb\xbf").strip():
        raise UploadRejected("empty")


def _viewing_copy(kind: str, data: bytes, max_pixels: int, charge: Callable[[int], bool] | None) -> bytes | None:
    """The viewing copy; None when `charge` refuses the image's pixels (the copy is deferred)."""
    fmt = _KINDS[kind][1]
    assert fmt is not None
    try:
        pixels = image_render.header_pixels(fmt, data, max_pixels)
        if charge is not None and not charge(pixels):
            return None
        return image_render.viewing_copy(fmt, data, max_pixels)
    except image_render.Refused as exc:
        # A HEIC the plugin cannot read is a kind we do not take, not a damaged file.
        raise UploadRejected("unsupported_type" if kind == "heic" and exc.code == "corrupt" else exc.code) from None


# Device names Windows opens whatever the extension, spaces before it ignored; COM and LPT take the
# superscript digits too.
_WINDOWS_RESERVED = re.compile(r"(CON|PRN|AUX|NUL|COM[0-9¹²³]|LPT[0-9¹²³]) *(\..*)?", re.IGNORECASE)
_FORBIDDEN = set('<>:"/\\|?*')
_KEEP_FORMAT = {"\u200c", "\u200d"}  # ZWNJ, ZWJ: part of how some scripts are written


def safe_filename(name: str | None, kind: str) -> str:
    """A display name: basename, NFC, no control or bidi characters, <= 120 characters, right extension."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[/\\]", name)[-1]
    kept = []
    for ch in name:
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs") or (category == "Cf" and ch not in _KEEP_FORMAT):
            continue
        kept.append(" " if category in ("Zs", "Zl", "Zp") else "_" if ch in _FORBIDDEN else ch)
    name = unicodedata.normalize("NFC", " ".join("".join(kept).split())).strip(" .")
    if _WINDOWS_RESERVED.fullmatch(name):
        name = "_" + name
    extensions = _KINDS[kind][2]
    ext = next((e for e in extensions if name.lower().endswith(e) and len(name) > len(e)), None)
    stem = name[: -len(ext)] if ext else name
    ext = name[len(stem):] if ext else extensions[0]
    limit = MAX_FILENAME - len(ext)
    if len(stem) > limit:
        cut = limit
        while cut > 0 and (unicodedata.category(stem[cut])[0] == "M" or stem[cut - 1] in _KEEP_FORMAT):
            cut -= 1  # never split a letter from its marks or a joined sequence
        stem = stem[:cut].rstrip(" .")
    return (stem or "attachment") + ext


def add_attachments(session: Session, submission_id: uuid.UUID, uploads: list[CleanUpload], *,
                    report_id: uuid.UUID | None = None, own_key: bool,
                    first_id: uuid.UUID | None = None) -> list[Attachment]:
    """Seal checked uploads as Attachment rows of a submission (and optionally one of its reports).

    own_key=True (a follow-up the family adds later): each row gets its own data key, wrapped to the
    inbox. own_key=False: sealed under the submission's key, which this session must hold in its
    cache or be able to unwrap (fails before anything is added). `first_id`: the first row's id, when
    the caller draws it (a follow-up sent twice meets it). Does not commit.
    """
    uploads = list(uploads)
    if len(uploads) > int(setting("INTAKE_MAX_ATTACHMENTS", DEFAULT_MAX_ATTACHMENTS)):
        raise UploadRejected("too_many")
    for upload in uploads:
        if not isinstance(upload, CleanUpload):
            raise TypeError("add_attachments takes CleanUpload values from inspect_upload")
        if upload.size != len(upload.original) or hashlib.sha256(upload.original).hexdigest() != upload.sha256:
            raise ValueError("an upload's size or SHA-256 does not match its bytes")
    if not isinstance(submission_id, uuid.UUID):
        submission_id = uuid.UUID(str(submission_id))
    if session.get(Submission, submission_id) is None:
        raise NotFound("no such submission")
    if report_id is not None:
        report = session.get(Report, report_id if isinstance(report_id, uuid.UUID) else uuid.UUID(str(report_id)))
        if report is None or report.submission_id != submission_id:
            raise NotFound("no such report in this submission")
        report_id = report.id
    keys = data_keys(session)
    if not own_key:
        keys.get("submissions", submission_id)  # raises WriteOnlyError etc. before any row is added
    rows = []
    for number, upload in enumerate(uploads):
        drawn = {"id": first_id} if first_id is not None and number == 0 else {}
        attachment = Attachment(**drawn, submission_id=submission_id, report_id=report_id, own_key=own_key)
        session.add(attachment)
        if own_key:
            keys.create("attachments", attachment.id, via="inbox")
        attachment.meta = {"filename": upload.filename, "media_type": upload.media_type,
                           "size": upload.size, "sha256": upload.sha256,
                           **({DEFERRED_KEY: DEFERRED} if upload.viewing_copy_deferred else {})}
        attachment.content = upload.original
        attachment.viewing_copy = upload.viewing_copy
        rows.append(attachment)
    return rows


def read_attachment(session: Session, attachment_id: uuid.UUID) -> tuple[dict[str, Any], bytes]:
    """Decrypt an attachment's metadata and original bytes, checking them against the recorded SHA-256.

    Fails closed: DecryptionError (a CryptoError) for a tampered or moved ciphertext,
    AttachmentIntegrityError when the content does not match its recorded digest or size. The caller
    records the read in the audit log (it knows who is reading).
    """
    if not isinstance(attachment_id, uuid.UUID):
        attachment_id = uuid.UUID(str(attachment_id))
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("no such attachment")
    meta = attachment.meta
    content = attachment.content
    if not isinstance(meta, dict) or content is None:
        raise AttachmentIntegrityError(f"attachment {attachment_id} has no content or metadata")
    expected = meta.get("sha256")
    actual = hashlib.sha256(content).hexdigest()
    if (not isinstance(expected, str) or not hmac.compare_digest(actual, expected.lower())
            or meta.get("size") != len(content)):
        raise AttachmentIntegrityError(f"attachment {attachment_id} does not match its recorded SHA-256")
    return dict(meta), content

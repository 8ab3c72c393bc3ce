"""Attachments as reviewers see them: a list with type, size, date and SHA-256 (metadata decrypted
with the report page, which is audited), and each file served on request, audited per file:

- the viewing copy: an image's metadata-free JPEG (made at upload; or, when the public face
  deferred it because its budget of pixels a minute was spent, made here on first view in a
  bounded child process by the same code, sealed and kept for later views), a PDF's first page
  rendered here as a PNG (pdf_copies: pypdfium2, bounded in pixels), a text file as plain text;
- a PDF's clean copy (pdf_copies: pikepdf): without its metadata, its embedded photos' EXIF and its
  active content, for download only, never shown inline;
- the original, as received, as evidence: download only.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, load_only

from ..crypto.errors import CryptoError
from ..crypto.vault import Vault
from ..models import Attachment
from ..wording import said
from . import audit
from . import render_child
from .attachments import DEFERRED, DEFERRED_KEY, max_image_pixels, pillow_format, read_attachment
from .errors import InvalidInput, NotFound
from .pdf_copies import clean_pdf, first_page_png

VIEW, CLEAN, ORIGINAL = "view", "clean", "original"


@dataclass(frozen=True)
class AttachmentInfo:
    id: uuid.UUID
    filename: str | None
    media_type: str | None
    size: int | None
    sha256: str | None
    received_on: date
    problem: str | None = None  # metadata that does not decrypt: shown as such, never guessed

    @property
    def kind(self) -> str:
        media = self.media_type or ""
        return "image" if media.startswith("image/") else "pdf" if media == "application/pdf" else \
            "text" if media == "text/plain" else "other"


@dataclass(frozen=True)
class Served:
    body: bytes
    media_type: str
    filename: str
    inline: bool


def list_for_report(session: Session, report_id: uuid.UUID, submission_id: uuid.UUID) -> list[AttachmentInfo]:
    out = []
    for a in session.scalars(_LISTED, {"report_id": report_id, "submission_id": submission_id}):
        try:
            meta = a.meta or {}
        except CryptoError:
            out.append(AttachmentInfo(a.id, None, None, None, None, a.created_on, "its metadata does not decrypt"))
            continue
        out.append(AttachmentInfo(a.id, meta.get("filename"), meta.get("media_type"), meta.get("size"),
                                  meta.get("sha256"), a.created_on))
    return out


# Metadata only: the originals and viewing copies (megabytes each) stay in the database. Built once
# (read on every report page), the report and submission as parameters.
_LISTED = (select(Attachment).options(load_only(
    Attachment.id, Attachment.submission_id, Attachment.own_key, Attachment.report_id, Attachment.created_on,
    Attachment.meta_sealed)).where(Attachment.shown_with(
        bindparam("report_id", type_=Attachment.report_id.type),
        bindparam("submission_id", type_=Attachment.submission_id.type)))
    .order_by(Attachment.created_on, Attachment.id))


def serve(session: Session, vault: Vault, attachment_id: uuid.UUID, what: str, *, actor: uuid.UUID) -> Served:
    """Decrypt one attachment (checked against its SHA-256) and prepare `what` of it; records one
    audit entry (`attachment.view`, `.clean` or `.original`) and commits before returning."""
    if what not in (VIEW, CLEAN, ORIGINAL):
        raise InvalidInput(said("unknown kind of copy"))
    vault.require_readable()
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound(said("no such attachment"))
    meta, content = read_attachment(session, attachment_id)
    media, name = str(meta.get("media_type")), str(meta.get("filename") or "attachment")
    stem = name.rsplit(".", 1)[0]
    if what == ORIGINAL:
        served = Served(content, media, name, inline=False)
    elif media == "application/pdf":
        served = Served(clean_pdf(content), media, f"{stem}.clean.pdf", inline=False) if what == CLEAN else \
            Served(first_page_png(content), "image/png", f"{stem}.page1.png", inline=True)
    elif what == CLEAN:
        raise InvalidInput(said("only a PDF has a clean copy"))
    elif media.startswith("image/"):
        copy = attachment.viewing_copy
        if copy is None and meta.get(DEFERRED_KEY) == DEFERRED:
            copy = attachment.viewing_copy = _deferred_copy(content, media)  # sealed with the audit entry
        if copy is None:
            raise NotFound(said("this image has no viewing copy"))
        served = Served(copy, "image/jpeg", f"{stem}.view.jpg", inline=True)
    else:  # plain text is its own viewing copy, served as text (never sniffed as markup: nosniff)
        served = Served(content, "text/plain; charset=utf-8", name, inline=True)
    audit.record(session, vault, actor=str(actor), action=f"attachment.{what}", object_type="attachment",
                 object_id=str(attachment.id), details={"report": str(attachment.report_id)} if attachment.report_id
                 else {"submission": str(attachment.submission_id)})
    session.commit()
    return served


def _deferred_copy(content: bytes, media: str) -> bytes:
    """The viewing copy the public face deferred, made in a bounded child process (image_render)."""
    fmt = pillow_format(media)
    copy = render_child.run("image_render.py", [fmt, str(max_image_pixels())], content) if fmt else None
    if not copy or not copy.startswith(b"\xff\xd8"):
        raise InvalidInput(said("This file cannot be shown this way: download the original instead."))
    return copy

"""Request bodies never touch the disk, and an oversized file never fills the memory.

Werkzeug spools every uploaded file larger than 500 KB to a temporary file: the plaintext of a
family's photo would sit on disk. Here each file part streams into memory instead, keeping at most
INTAKE_MAX_ATTACHMENT_BYTES + 1 bytes (one more than allowed, so the upload check can say "too
large") and counting the rest without keeping it; parts beyond INTAKE_MAX_ATTACHMENTS + 1 keep
nothing. The admin import page takes one list up to INTAKE_IMPORT_MAX_BYTES instead, and its later
steps a form field of about that size (the list, carried encrypted). The body as a whole is still capped by MAX_CONTENT_LENGTH, checked before it is read;
a body that is not multipart (a urlencoded form, which werkzeug decodes whole, with no cap per
field) by the cap of one field instead. On the public face that cap (8 MiB) is also the cap of a
multipart body's text fields together: a text far over its field's limit still comes back in the
form to be shortened, but fifteen such fields in one body do not.

NUL characters: PostgreSQL cannot store or even compare a text value holding one (the driver raises
before the query is sent), and no field of this service has a use for one. In query strings, and in
the form fields of every face but the public one, each NUL becomes U+FFFD, as werkzeug already does
with bytes that are not UTF-8, so a page never fails on one and nothing typed around it is lost; a
path holding one names nothing (404). The public forms keep it: they refuse every control character
with a message of their own and show the text again without it (public/text.py).
"""

from __future__ import annotations

import io
from typing import Any

from flask import Flask, Request, Response, abort, current_app, request
from werkzeug import formparser
from werkzeug.datastructures import Headers, MultiDict
from werkzeug.exceptions import RequestEntityTooLarge, SecurityError
from werkzeug.sansio.multipart import MultipartDecoder
from werkzeug.utils import cached_property


# The admin import page (admin/imports.py): its upload, and the steps that carry the file on.
IMPORT_UPLOAD = frozenset({"admin.import_upload"})
IMPORT_CARRIED = frozenset({"admin.import_confirm"})


class CappedBuffer(io.BytesIO):
    """Keeps the first `cap` bytes written; counts, then drops, the rest."""

    def __init__(self, cap: int) -> None:
        super().__init__()
        self.cap = cap
        self.received = 0

    def write(self, data: Any) -> int:
        size = len(data)
        room = self.cap - self.received
        self.received += size
        if room > 0:
            super().write(bytes(data[:room]))
        return size

    @property
    def truncated(self) -> bool:
        return self.received > self.cap


PART_HEADER_BYTES = 8 * 1024  # one multipart part's headers: a browser's are a few hundred bytes


class BoundedPartHeaders(MultipartDecoder):
    """werkzeug's multipart decoder, refusing a part whose headers are longer than PART_HEADER_BYTES
    before it decodes and parses them in Python. Unchecked, they were bounded only by the form's
    memory limit (8 MiB a part on the public face) and counted in no cap: fifteen parts naming a
    parameter of 8 MB each cost 17 s of CPU before the CSRF check (an outside probe)."""

    def _parse_headers(self, data: bytes | bytearray) -> Headers:
        if len(data) > PART_HEADER_BYTES:
            raise RequestEntityTooLarge()
        return super()._parse_headers(data)


# werkzeug's parser makes its decoder by this module-level name, with no other way to choose it.
formparser.MultipartDecoder = BoundedPartHeaders  # type: ignore[misc]

URLENCODED = "application/x-www-form-urlencoded"
NUL = "\x00"
PUBLIC_BLUEPRINT = "public"  # its forms refuse control characters themselves (public/text.py)
REPLACEMENT = "\ufffd"
PUBLIC_FIELD_BYTES = 8 * 1024 * 1024  # the text of a public form, all its fields together, at most


def without_nul(data: MultiDict[str, str]) -> MultiDict[str, str]:
    """The same fields with every NUL in names and values replaced (the same object if none held one)."""
    pairs = list(data.items(multi=True))
    if not any(NUL in key or NUL in value for key, value in pairs):
        return data
    return type(data)([(key.replace(NUL, REPLACEMENT), value.replace(NUL, REPLACEMENT)) for key, value in pairs])


class MemoryOnlyRequest(Request):
    _file_parts = 0

    @cached_property
    def args(self) -> MultiDict[str, str]:  # type: ignore[override]
        return without_nul(super().args)

    def _load_form_data(self) -> None:
        if "form" not in self.__dict__ and self.mimetype == URLENCODED:
            self._refuse_too_many_fields()
        super()._load_form_data()
        # A multipart part without a name comes out under the key None; every reader of the fields
        # takes keys for text (a 500 on every POST of every face). No browser sends one: drop it.
        for name in ("form", "files"):
            data = self.__dict__[name]
            if None in data:
                self.__dict__[name] = type(data)((k, v) for k, v in data.items(multi=True) if k is not None)
        if self.blueprint != PUBLIC_BLUEPRINT:
            self.__dict__["form"] = without_nul(self.__dict__["form"])
        elif self.mimetype == "multipart/form-data":
            self._refuse_text_over_cap()

    def _refuse_too_many_fields(self) -> None:
        """A urlencoded body of more fields than a multipart one may have parts (MAX_FORM_PARTS):
        werkzeug caps a multipart body's parts but splits a urlencoded one into every pair it holds,
        in Python, before the CSRF check: 8 MiB of empty fields (`a=&a=&...`, 2.8 million of them)
        to `/status` without a cookie cost 1.6 s of CPU, forty times one field of 8 MiB (an outside
        probe). Counted on the bytes, before anything is decoded: a 413, and no field kept."""
        limit = self.max_form_parts
        if limit is None:
            return
        if self.get_data(cache=True).count(b"&") >= limit:  # read within max_content_length
            self.__dict__["form"], self.__dict__["files"] = MultiDict(), MultiDict()
            raise RequestEntityTooLarge()

    def _refuse_text_over_cap(self) -> None:
        """The public forms' text, all fields together, is capped as a urlencoded body is (werkzeug
        caps each multipart field alone: fifteen fields of 8 MiB were 20 s of checks and a 126 MB
        answer). Over it: a 413, and nothing posted is kept for the page to show (but the language)."""
        form = self.__dict__["form"]
        if sum(len(key) + len(value.encode()) for key, value in form.items(multi=True)) <= PUBLIC_FIELD_BYTES:
            return
        lang = form.get("lang", "")
        self.__dict__["form"] = type(form)([("lang", lang)] if len(lang) <= 16 else [])
        self.__dict__["files"] = type(self.__dict__["files"])()
        raise RequestEntityTooLarge()

    def _get_file_stream(self, total_content_length: int | None, content_type: str | None,
                         filename: str | None = None, content_length: int | None = None) -> CappedBuffer:
        self._file_parts += 1
        config = current_app.config
        if self.endpoint in IMPORT_UPLOAD:  # one list, up to the import limit
            return CappedBuffer(int(config["INTAKE_IMPORT_MAX_BYTES"]) + 1 if self._file_parts == 1 else 0)
        wanted = int(config["INTAKE_MAX_ATTACHMENTS"]) + 1
        return CappedBuffer(int(config["INTAKE_MAX_ATTACHMENT_BYTES"]) + 1 if self._file_parts <= wanted else 0)

    @property
    def max_form_memory_size(self) -> int | None:  # type: ignore[override]
        # The import page's later steps carry the (compressed, encrypted) list in a form field of a
        # multipart body, as the page posts it. Not a urlencoded one: werkzeug decodes that whole, in
        # Python, before the CSRF check and the admin's sign-in are looked at (an anonymous POST of
        # 40 MB of percent-escapes cost the review face 15 s of CPU).
        if self.endpoint in IMPORT_CARRIED and self.mimetype == "multipart/form-data":
            return 2 * int(current_app.config["INTAKE_IMPORT_MAX_BYTES"]) + 1_000_000
        # Werkzeug's 500 KB per field would answer a pasted text far over its limit with a 413, whose
        # page cannot show the text again: the public forms take it and say how long it may be. The
        # body is capped by MAX_CONTENT_LENGTH whatever this says.
        if self.blueprint == PUBLIC_BLUEPRINT:
            return PUBLIC_FIELD_BYTES
        return super().max_form_memory_size

    @property
    def max_content_length(self) -> int | None:  # type: ignore[override]
        # MAX_CONTENT_LENGTH is sized for files. Werkzeug reads any other body whole and decodes its
        # percent-escapes in Python, with no per-field cap (a 60 MB urlencoded body cost 18 s of CPU
        # and gigabytes before any rate limit or CSRF check): it may be no larger than one field.
        limit = super().max_content_length
        if self.mimetype == "multipart/form-data":
            return limit
        field = self.max_form_memory_size
        return field if limit is None else limit if field is None else min(limit, field)


def refuse_untrusted_hosts(app: Flask) -> None:
    """A Host header outside INTAKE_TRUSTED_HOSTS: Flask could not route the request (its URL
    adapter is missing, so no page can be drawn); answer a plain 400 before any other hook runs."""
    @app.before_request
    def _untrusted_host() -> Response | None:
        if isinstance(request.routing_exception, SecurityError):
            return Response("Bad request: unknown host.\n", 400, mimetype="text/plain")
        return None


def init_app(app: Flask) -> None:
    @app.before_request
    def _refuse_nul_in_path() -> None:
        if NUL in request.path:
            abort(404)

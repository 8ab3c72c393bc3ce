"""Files a family attaches: counted, size-capped while reading, checked by the attachments service,
images charged to the budget of pixels decoded a minute (limits.image_pixels) before decoding, and
every file's bytes to the budget of bytes stored an hour (limits.upload_bytes) before it is checked.

Problems come back as translated messages for the form; a file that fails never stops the text
from being kept, and nothing from a rejected file is stored.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app
from limits.errors import StorageError
from redis import RedisError
from werkzeug.datastructures import FileStorage

from ..services.attachments import UploadRejected, inspect_upload
from ..web.bidi import isolate
from . import limits as rate_limits, text
from ..web.i18n import gettext as _

log = logging.getLogger(__name__)

FIELD = "attachments"


def limits() -> tuple[int, int]:
    """(most files at once, most bytes per file), from the configuration."""
    return int(current_app.config["INTAKE_MAX_ATTACHMENTS"]), int(current_app.config["INTAKE_MAX_ATTACHMENT_BYTES"])


def limits_for_page() -> dict[str, int]:
    """The limits as the form states them to the family."""
    most, max_bytes = limits()
    return {"max_files": most, "max_megabytes": max(1, max_bytes // (1024 * 1024))}


def chosen(files: list[FileStorage]) -> list[FileStorage]:
    """Browsers send one empty part when no file was chosen; ignore it."""
    return [f for f in files if f is not None and f.filename]


def _reason(code: str) -> str:
    reasons = {
        "empty": _("the file is empty."),
        "too_large": _("the file is too large."),
        "unsupported_type": _("this kind of file cannot be accepted. Please send a photo (JPEG, PNG, WebP, GIF), "
                              "a PDF or a plain text file."),
        "corrupt": _("the file seems to be damaged or incomplete."),
        "decompression_bomb": _("the image is too large to be opened safely."),
        "too_many": _("too many files were sent at once."),
    }
    return reasons.get(code, _("the file could not be checked."))


def read(files: list[FileStorage]) -> tuple[list[Any], list[str]]:
    """(clean uploads, error messages). Reads at most the byte limit plus one of each file."""
    files = chosen(files)
    if not files:
        return [], []
    most, max_bytes = limits()
    if len(files) > most:
        return [], [_("You can send at most %(n)s files at once.", n=isolate(most))]
    uploads, errors = [], []
    for file in files:
        name = text.without_hidden(text.normalise(file.filename) or "")
        data = file.stream.read(max_bytes + 1)
        if len(data) > max_bytes:
            errors.append(_("“%(name)s” was not accepted: it is larger than %(size)s MB.",
                            name=isolate(name, ltr=False), size=isolate(limits_for_page()["max_megabytes"])))
            continue
        if not rate_limits.upload_bytes(len(data)):
            abort(429)  # the held page: everything typed kept, "wait a minute, then try again"
        try:
            uploads.append(inspect_upload(name, data, charge=rate_limits.image_pixels))
        except UploadRejected as exc:
            errors.append(_("“%(name)s” was not accepted: %(reason)s", name=isolate(name, ltr=False),
                            reason=_reason(exc.code)))
        except (RedisError, StorageError):
            raise  # the pixel budget's store is down: a 503 that keeps the text, as for the other limits
        except Exception as exc:  # noqa: BLE001 - a file we cannot read must never cost the family their text
            log.error("upload check failed: %s", type(exc).__name__)
            errors.append(_("“%(name)s” was not accepted: %(reason)s", name=isolate(name, ltr=False),
                            reason=_reason("")))
    return uploads, errors

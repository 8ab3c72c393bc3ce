"""The limits on the public POSTs: per (hashed) visitor address, per form for everyone without a
solved proof of work (gate.py), on showing the report form again, and the budgets of image pixels
decoded a minute and of file bytes stored an hour, which hold for every POST, solved or not.

A view marks its answer `free()` when it only showed a form again (a person added, an error to fix,
another language): such answers do not use up the submission or follow-up limits, so a long
testimony is never lost to a 429 while it is being written; they count against the re-show limit.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import current_app, g
from limits import RateLimitItemPerHour, RateLimitItemPerMinute
from werkzeug.wrappers import Response

from ..extensions import limiter
from . import gate


def submit_limit() -> str:
    return str(current_app.config["INTAKE_SUBMIT_RATE_LIMIT"])


def receipt_limit() -> str:
    return str(current_app.config["INTAKE_RECEIPT_RATE_LIMIT"])


def follow_up_limit() -> str:
    return str(current_app.config["INTAKE_FOLLOW_UP_RATE_LIMIT"])


def _reshow_limit() -> str:
    return str(current_app.config["INTAKE_RESHOW_RATE_LIMIT"])


def _noscript_ceiling() -> str:
    return str(current_app.config["INTAKE_NOSCRIPT_CEILING"])


def _everyone() -> str:
    """The key of the global ceiling: the same for every visitor, on purpose."""
    return "everyone"


def limited(per_visitor: Callable[[], str], *, deduct_when: Callable[[Response], bool] | None = None,
            reshow: bool = False) -> Callable:
    """A POST limit per (hashed) visitor address and the global ceiling for POSTs without a solved
    proof of work; a solved one is exempt from both (see gate.py). `reshow` adds the limit on
    showing the form again, counted only for the free re-show paths (every form that has them)."""
    def decorate(view: Callable) -> Callable:
        view = limiter.limit(_noscript_ceiling, key_func=_everyone, exempt_when=gate.solved,
                             methods=["POST"], scope=lambda endpoint: f"ceiling:{endpoint}")(view)
        if reshow:
            view = limiter.limit(_reshow_limit, exempt_when=gate.solved, methods=["POST"],
                                 deduct_when=_is_free, scope=lambda endpoint: f"reshow:{endpoint}")(view)
        return limiter.limit(per_visitor, exempt_when=gate.solved, methods=["POST"], deduct_when=deduct_when)(view)
    return decorate


def _is_free(response: Response) -> bool:
    return bool(g.get("free_of_charge", False))


def charged(response: Response) -> bool:
    """Storing, robots and wrong receipts are counted; showing a form again is not."""
    return not _is_free(response)


def free() -> None:
    g.free_of_charge = True


def image_pixels(pixels: int) -> bool:
    """Charge an image's pixels, before it is decoded, to the budget of INTAKE_IMAGE_PIXELS_PER_MINUTE
    for all visitors together (a fixed window, in the limits' own store: Redis when configured,
    else this process's memory). False: over budget, so the image's viewing copy is deferred to
    the review face (services/attachments.py). A solved proof of work is no exemption: solving one
    costs about 0.1 s, decoding five 40-megapixel PNGs it would admit costs the server seconds.
    The store being down raises, as for the other limits (recovery.py: a 503 with the text kept)."""
    if not limiter.enabled:
        return True
    budget = RateLimitItemPerMinute(int(current_app.config["INTAKE_IMAGE_PIXELS_PER_MINUTE"]))
    return limiter.limiter.hit(budget, "image-pixels", cost=pixels)


def upload_bytes(size: int) -> bool:
    """Charge a file's bytes, before it is checked or stored, to the budget of
    INTAKE_UPLOAD_BYTES_PER_HOUR for all visitors together (a fixed window, in the limits' own store).
    False: over budget. A solved proof of work lifts every per-request limit, and a POST may carry
    five files of 10 MiB: without this, tokens costing about 0.1 s each stored 50 MiB a POST until the
    database's disk was full. The store being down raises, as for the other limits."""
    if not limiter.enabled:
        return True
    budget = RateLimitItemPerHour(int(current_app.config["INTAKE_UPLOAD_BYTES_PER_HOUR"]))
    return limiter.limiter.hit(budget, "upload-bytes", cost=max(1, size))

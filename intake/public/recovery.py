"""When a POST cannot be handled (expired page, database, Redis or keys unavailable), show the family's
text back instead of an error page, so nothing typed is lost.

Too many requests (a rate limit or the global ceiling, see gate.py) get a page that holds everything
that was posted, ready to send again when the moment has passed.

A missing or expired CSRF token is the common case: a family writes for an hour, or their browser
drops the session cookie. The form comes back with everything they typed and a fresh token.

For pages that act on a receipt, nothing is looked up here: these handlers run outside the rate
limit (CSRF is checked before it), so answering "valid receipt" or "not" would give guesses away.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from flask import Blueprint, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from limits.errors import StorageError
from redis import RedisError
from sqlalchemy.exc import SQLAlchemyError
from wtforms import FieldList, FormField

from ..crypto import receipts
from ..crypto.errors import CryptoError
from ..extensions import db
from . import gate
from .forms import (FollowUpForm, ReceiptAgainForm, ReceiptForm, SubmissionForm, WithdrawForm, list_index,
                    max_relatives, posted_submission)
from .render import files_were_chosen, render_confirm, render_entry, render_report, render_resend
from ..web.i18n import gettext as _

FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
# Posted fields that are not the family's: a held page gets fresh ones.
_NOT_KEPT = {"csrf_token", gate.TOKEN_FIELD, gate.SOLUTION_FIELD, "lang"}
# The buttons' names the public pages post (kept, so "Try again" repeats what was pressed).
_BUTTONS = ("action", "remove_relative", "step")

# The form each held endpoint posts: only its fields are held.
HELD_FORMS: dict[str, type] = {"public.report": SubmissionForm, "public.status_lookup": ReceiptForm,
                               "public.status_news": FollowUpForm, "public.status_withdraw": WithdrawForm}

log = logging.getLogger(__name__)


def register(bp: Blueprint, unavailable: type[Exception]) -> None:
    @bp.errorhandler(CSRFError)
    def _expired(exc: CSRFError):  # noqa: ANN202
        if posted_from_elsewhere():  # not our page: nothing it posted is drawn here
            return render_template("errors/error.html", code=400, name=""), 400
        return rerender(400, _("This page had expired, so nothing was saved yet. Everything you typed is "
                               "still here: please check it and send it again."))

    @bp.errorhandler(429)
    def _too_many(exc: Exception):  # noqa: ANN202
        if request.method != "POST" or request.mimetype not in FORM_TYPES:
            return render_template("errors/error.html", code=429, name=""), 429
        return render_template("public/held.html", kept=held_fields(), files_dropped=files_were_chosen(),
                               pow_form=gate.FORM_OF_ENDPOINT.get(request.endpoint or ""),
                               action=url_for(request.endpoint or "public.index"), lang_form="held-form",
                               lang_endpoint=request.endpoint, problem=_(
                                   "Too many requests are reaching the service right now, so this was NOT saved "
                                   "yet. Everything you typed is kept on this page: please wait a minute, then "
                                   "press “Try again”.")), 429

    @bp.errorhandler(SQLAlchemyError)
    @bp.errorhandler(RedisError)  # the rate limits' and used form tokens' store (INTAKE_REDIS_URL)
    @bp.errorhandler(StorageError)
    @bp.errorhandler(CryptoError)
    @bp.errorhandler(unavailable)
    def _unavailable(exc: Exception):  # noqa: ANN202
        log.error("public %s failed: %s", request.endpoint, type(exc).__name__)
        try:
            db.session.rollback()
        except SQLAlchemyError:  # the connection may be gone; the session is discarded anyway
            pass
        return rerender(503, _("The service is briefly unavailable, so this was NOT saved. Everything you typed "
                               "is still here: please try again in a few minutes."))


def posted_from_elsewhere() -> bool:
    """Whether the browser says another site's page sent this (Sec-Fetch-Site). A form posted from
    elsewhere fails the CSRF check too, and the expired-page answer would draw whatever it posted on
    this origin, fresh token included: consent boxes ticked, a contact filled in, a receipt. Origin
    cannot tell (Referrer-Policy: no-referrer makes it "null" on every form); a browser without the
    header is taken at its word, as before."""
    return request.headers.get("Sec-Fetch-Site", "").strip().lower() in ("cross-site", "same-site")


def held_fields() -> list[tuple[str, str]]:
    """What a held page keeps: the fields of the endpoint's own form and its buttons, one value each,
    relatives within the limit. Never every key posted: this answer has no limit of its own (its
    visitor is over one already), and a 480 KB body of empty fields made a 6.4 MB page."""
    form_class = HELD_FORMS.get(request.endpoint or "")
    if form_class is None:
        return []
    known = (set(_BUTTONS) | {field.name for field in _fields(form_class(formdata=None))}) - _NOT_KEPT
    limit, kept, seen = max_relatives(), [], set()
    for key, value in request.form.items(multi=True):
        if key not in seen and _as_first_relative(key, limit) in known:
            seen.add(key)
            kept.append((key, receipts.as_typed(value) if key == "receipt" else value))
    return kept


def _fields(form: Any) -> Iterator[Any]:
    for field in form:
        if isinstance(field, FieldList):
            for entry in field.entries:
                yield from _fields([entry])
        elif isinstance(field, FormField):
            yield from _fields(field.form)
        else:
            yield field


def _as_first_relative(key: str, limit: int) -> str:
    """relatives-N-rest as relatives-0-rest (the form drawn empty has one relative), for N under the
    limit; "" for a relative beyond it or numbered as no browser numbers."""
    parts = key.split("-", 2)
    if parts[0] != "relatives" or len(parts) != 3:
        return key
    index = list_index(parts[1])
    return f"relatives-0-{parts[2]}" if index is not None and index < limit else ""


def rerender(status: int, problem: str):  # noqa: ANN201
    endpoint = request.endpoint
    if request.method == "POST" and request.mimetype not in FORM_TYPES:
        # Not sent by one of our pages (JSON, say): there is no typed text to give back.
        return render_template("errors/error.html", code=400, name=""), 415
    if request.method == "POST" and endpoint == "public.report":
        return render_report(posted_submission(max_relatives())[0], status=status, problem=problem)
    if request.method == "POST" and endpoint == "public.status_lookup":
        return render_entry(ReceiptForm(), status=status, problem=problem)
    if endpoint == "public.status_news":
        form = FollowUpForm()
        if form.report.data:
            form.report.choices = [(form.report.data, form.report.data)]
        return render_resend(form, status=status, problem=problem)
    if endpoint == "public.status_withdraw":
        return render_confirm(WithdrawForm(), status=status, problem=problem)
    if endpoint == "public.receipt_again":
        form = ReceiptAgainForm()
        try:
            digits = receipts.normalise(form.receipt.data or "")
        except receipts.MalformedReceipt:
            return render_entry(ReceiptForm(formdata=None), status=status, problem=problem)
        return render_template("public/receipt.html", receipt=receipts.grouped(digits), people=None,
                               files_lost=False, form=form, problem=problem, lang_form="receipt-form",
                               lang_endpoint="public.receipt_again"), status
    return render_template("errors/error.html", code=status, name=""), status

"""Public views. Thin: parse, call a service, render. Everything works without JavaScript.

The receipt is shown once, in the response to the POST that stored the testimony, and afterwards
travels only in POST bodies the family sends (the receipt form, then hidden fields): never in a
URL, a cookie, the session or a redirect.
"""

from __future__ import annotations

from flask import Blueprint, current_app, g, render_template, request
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .. import keyring
from ..crypto import receipts
from ..extensions import db, limiter
from ..models import Submission, SubmissionStatus
from ..services import families
from ..services.errors import NotFound
from ..web.bidi import isolate
from . import display, uploads
from .forms import (FollowUpForm, ReceiptAgainForm, ReceiptForm, ReceiptHolderForm, SubmissionForm, WithdrawForm,
                    max_relatives, without_relative)
from .render import not_found, render_confirm, render_entry, render_report, render_status

bp = Blueprint("public", __name__)
for _name, _function in display.TEMPLATE_GLOBALS.items():
    bp.add_app_template_global(_function, _name)

PageResult = str | tuple[str, int] | Response


class Unavailable(Exception):
    """A setting the public face needs is missing (the pepper): answered like a database outage."""


def _submit_limit() -> str:
    return str(current_app.config["INTAKE_SUBMIT_RATE_LIMIT"])


def _receipt_limit() -> str:
    return str(current_app.config["INTAKE_RECEIPT_RATE_LIMIT"])


def _follow_up_limit() -> str:
    return str(current_app.config["INTAKE_FOLLOW_UP_RATE_LIMIT"])


def _charged(response: Response) -> bool:
    # Re-showing a form (add a relative, fix an error, change language) must not use up the limit
    # and then lose a long testimony to a 429; storing, bots and wrong receipts are counted.
    return not g.get("free_of_charge", False)


def _free() -> None:
    g.free_of_charge = True


def receipt_check() -> families.ReceiptCheck:
    try:
        pepper = bytes.fromhex(current_app.config["INTAKE_RECEIPT_PEPPER"])
    except (KeyError, TypeError, ValueError):
        raise Unavailable("INTAKE_RECEIPT_PEPPER is missing or not hex") from None
    return families.ReceiptCheck(pepper=pepper, kdf=keyring.kdf("receipt"))


@bp.get("/")
def index() -> str:
    return render_template("public/index.html")


@bp.route("/report", methods=["GET", "POST"])
@limiter.limit(_submit_limit, methods=["POST"], deduct_when=_charged)
def report() -> PageResult:
    form = SubmissionForm()
    if request.method == "GET":
        return render_report(form)
    if "remove_relative" in request.form:
        _free()
        index = request.form.get("remove_relative", "")
        if index.isdigit() and len(form.relatives.entries) > 1:
            form = SubmissionForm(formdata=without_relative(request.form, int(index)))
        return render_report(form)
    action = request.form.get("action", "send")
    if action == "add_relative":
        _free()
        if len(form.relatives.entries) >= max_relatives():
            return render_report(form, notice=_("You can describe up to %(n)s people in one submission. Please "
                                                "send this one, then start another.", n=isolate(max_relatives())))
        form.relatives.append_entry()
        return render_report(form)
    if action != "send":  # a language button, or Enter pressed in a field: show the form again
        _free()
        return render_report(form)
    if form.caught_robot():
        # A person never sees this field; a robot filled it. Store nothing, keep the text, and say
        # nothing specific (if a browser's autofill did it, sending again works: the field is cleared).
        form.website.data = ""
        return render_report(form, problem=_("Your testimony could not be sent. Please check it and send it "
                                             "again."), status=422)
    clean, upload_errors = uploads.read(request.files.getlist(uploads.FIELD))
    if not form.validate() or upload_errors:
        _free()
        return render_report(form, upload_errors=upload_errors, status=422)
    files_lost = False
    try:
        stored = families.submit(db.session, form.to_input(), clean, check=receipt_check())
    except families.AttachmentsNotSaved as exc:
        stored, files_lost = exc.stored, True
    return render_template("public/receipt.html", receipt=stored.receipt, people=len(stored.report_handles),
                           files_lost=files_lost, lang_form="receipt-form", lang_endpoint="public.receipt_again",
                           form=ReceiptAgainForm(formdata=None, receipt=receipts.normalise(stored.receipt)))


@bp.post("/receipt")
def receipt_again() -> PageResult:
    """The receipt page again, in another language: the digits come from the page, nothing is looked up."""
    form = ReceiptAgainForm()
    if not form.validate():
        return render_entry(ReceiptForm(formdata=None), status=422)
    return render_template("public/receipt.html", receipt=" ".join(display.grouped(form.receipt.data)),
                           files_lost=False, people=None, lang_form="receipt-form",
                           lang_endpoint="public.receipt_again", form=form)


@bp.get("/status")
def status_entry() -> str:
    return render_entry(ReceiptForm(formdata=None))


@bp.post("/status")
@limiter.limit(_receipt_limit)
def status_lookup() -> PageResult:
    form = ReceiptForm()
    if not form.validate():
        return render_entry(form, status=422)
    holder = _holder(form)
    if holder is None:
        return not_found()
    return render_status(*holder)


@bp.post("/status/news")
@limiter.limit(_follow_up_limit, deduct_when=_charged)
def status_news() -> PageResult:
    form = FollowUpForm()
    holder = _holder(form)
    if holder is None:
        return not_found()
    submission, digits = holder
    form.set_reports(families.report_handles(db.session, submission))
    if request.form.get("action", "send") != "send" or submission.status == SubmissionStatus.WITHDRAWN.value:
        _free()
        return render_status(submission, digits, news_form=form)
    files = request.files.getlist(uploads.FIELD)
    form.files_chosen = bool(uploads.chosen(files))
    clean, upload_errors = uploads.read(files)
    if not form.validate() or upload_errors:
        _free()
        return render_status(submission, digits, news_form=form, upload_errors=upload_errors, status=422)
    families.add_follow_up(db.session, submission, families.FollowUp(
        text=form.news.data or None, report_handle=form.report.data or None, new_status=form.new_status.data or None,
        event_date=form.when.form.iso, sentence=form.sentence.data or None, uploads=clean))
    return render_status(submission, digits, banner=_("Thank you. What you sent was added to your testimony."))


@bp.post("/status/withdraw")
@limiter.limit(_follow_up_limit, deduct_when=_charged)
def status_withdraw() -> PageResult:
    form = WithdrawForm()
    holder = _holder(form)
    if holder is None:
        return not_found()
    submission, digits = holder
    if submission.status == SubmissionStatus.WITHDRAWN.value:
        return render_status(submission, digits)
    if request.form.get("step") != "confirm" or request.form.get("action", "send") != "send":
        _free()
        return render_confirm(WithdrawForm(formdata=None, receipt=digits))
    if not form.confirm.data:
        _free()
        form.confirm.errors = [_("Please tick the box to confirm, or go back to your submission.")]
        return render_confirm(form, status=422)
    families.withdraw(db.session, submission)
    return render_status(submission, digits, banner=_("Your testimony was withdrawn and destroyed."))


def _holder(form: ReceiptHolderForm) -> tuple[Submission, str] | None:
    """The submission the posted receipt opens; None for malformed, unknown and wrong alike."""
    try:
        return families.find_by_receipt(db.session, form.receipt.data or "", check=receipt_check())
    except (receipts.MalformedReceipt, NotFound):
        return None


from . import recovery  # noqa: E402 - the handlers render with the forms and helpers above

recovery.register(bp, Unavailable)

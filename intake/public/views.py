"""Public views. Thin: parse, call a service, render. Everything works without JavaScript.

The receipt is shown once, in the response to the POST that stored the testimony, and afterwards
travels only in POST bodies the family sends (the receipt form, then hidden fields): never in a
URL, a cookie, the session or a redirect.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from werkzeug.wrappers import Response

from .. import keyring
from ..crypto import receipts
from ..extensions import db
from ..models import SubmissionStatus
from ..services import families
from ..services.errors import Conflict, InvalidInput, NotFound
from ..web.access import anonymous
from ..web.bidi import isolate
from . import display, uploads
from .limits import charged, follow_up_limit, free, limited, receipt_limit, submit_limit
from .forms import (FollowUpForm, ReceiptAgainForm, ReceiptForm, ReceiptHolderForm, SubmissionForm, WithdrawForm,
                    list_index, max_relatives, person_label, posted_submission, without_relative)
from .render import not_found, render_confirm, render_entry, render_report, render_status

bp = Blueprint("public", __name__)
anonymous(bp)  # the public face: every page is for anyone, on purpose (see web/access.py)
for _name, _function in display.TEMPLATE_GLOBALS.items():
    bp.add_app_template_global(_function, _name)

PageResult = str | tuple[str, int] | Response


class Unavailable(Exception):
    """A setting the public face needs is missing (the pepper): answered like a database outage."""


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
@limited(submit_limit, deduct_when=charged, reshow=True)
def report() -> PageResult:
    if request.method != "POST":  # HEAD too: Flask answers it with this view, and the limits count POSTs only
        return render_report(SubmissionForm())
    limit = max_relatives()
    # However many relatives a POST carries, no more than the limit are read or shown again.
    form, too_many = posted_submission(limit)
    if too_many:
        free()
        return render_report(form, notice=_too_many(limit), status=422)
    if "remove_relative" in request.form:
        free()
        index = list_index(request.form.get("remove_relative", ""))
        if index is not None and len(form.relatives.entries) > 1:
            form = SubmissionForm(formdata=without_relative(request.form, index))
        return render_report(form)
    action = request.form.get("action", "send")
    if action == "add_relative":
        free()
        if len(form.relatives.entries) >= limit:
            return render_report(form, notice=_too_many(limit))
        form.relatives.append_entry()
        return render_report(form)
    if action != "send":  # a language button, or Enter pressed in a field: show the form again
        free()
        return render_report(form)
    if form.caught_robot():
        # A person never sees this field; a robot filled it. Store nothing, keep the text, and say
        # nothing specific (if a browser's autofill did it, sending again works: the field is cleared).
        form.website.data = ""
        return render_report(form, problem=_("Your testimony could not be sent. Please check it and send it "
                                             "again."), status=422)
    clean, upload_errors = uploads.read(request.files.getlist(uploads.FIELD))
    if not form.validate() or upload_errors:
        free()
        return render_report(form, upload_errors=upload_errors, status=422)
    files_lost = False
    try:
        stored = families.submit(db.session, form.to_input(), clean, check=receipt_check(), max_reports=limit,
                                 once=form.once.data)
    except families.AttachmentsNotSaved as exc:
        stored, files_lost = exc.stored, True
    except families.AlreadyStored as exc:  # this page was sent before: the same receipt, stored once
        db.session.rollback()
        stored = exc.stored
    people = [person_label(families.PersonRef(number, handle, tuple(names))) for number, (handle, names)
              in enumerate(zip(stored.report_handles, stored.names), start=1)]
    return render_template("public/receipt.html", receipt=stored.receipt, people=people,
                           files_lost=files_lost, lang_form="receipt-form", lang_endpoint="public.receipt_again",
                           form=ReceiptAgainForm(formdata=None, receipt=receipts.normalise(stored.receipt)))


def _too_many(limit: int) -> str:
    return _("You can describe up to %(n)s people in one submission. Please send this one, then start another.",
             n=isolate(limit))


@bp.post("/receipt")
def receipt_again() -> PageResult:
    """The receipt page again, in another language: the digits come from the page, nothing is looked up."""
    form = ReceiptAgainForm()
    if not form.validate():
        return render_entry(ReceiptForm(formdata=None), status=422)
    return render_template("public/receipt.html", receipt=" ".join(display.grouped(form.receipt.data)),
                           files_lost=False, people=[], lang_form="receipt-form",
                           lang_endpoint="public.receipt_again", form=form)


@bp.get("/status")
def status_entry() -> str:
    return render_entry(ReceiptForm(formdata=None))


@bp.post("/status")
@limited(receipt_limit)
def status_lookup() -> PageResult:
    form = ReceiptForm()
    if not form.validate():
        return render_entry(form, status=422)
    holder = _holder(form)
    if holder is None:
        return not_found(form)
    return render_status(holder)


@bp.post("/status/news")
@limited(follow_up_limit, deduct_when=charged, reshow=True)
def status_news() -> PageResult:
    form = FollowUpForm()
    holder = _holder(form)
    if holder is None:
        return not_found()
    submission = holder.submission
    form.set_reports(list(families.people_of(db.session, holder).values()))
    if request.form.get("action", "send") != "send" or submission.status == SubmissionStatus.WITHDRAWN.value:
        free()
        return render_status(holder, news_form=form)
    files = request.files.getlist(uploads.FIELD)
    form.files_chosen = bool(uploads.chosen(files))
    clean, upload_errors = uploads.read(files)
    if not form.validate() or upload_errors:
        free()
        return render_status(holder, news_form=form, upload_errors=upload_errors, status=422)
    try:
        families.add_follow_up(db.session, submission, families.FollowUp(
            text=form.news.data or None, report_handle=form.report.data or None,
            new_status=form.new_status.data or None, event_date=form.when.form.iso,
            sentence=form.sentence.data or None, uploads=clean, in_reply_to=form.question(),
            once=form.once.data), pepper=receipt_check().pepper)
    except families.AlreadyAdded:  # this page was sent before: stored once, thanked again
        db.session.rollback()
    except InvalidInput:  # a crafted question or person that is not in this submission
        db.session.rollback()
        free()
        return render_status(holder, news_form=form, status=422)
    except Conflict:  # withdrawn from elsewhere since the receipt opened: the page says so
        db.session.rollback()
        free()
        return render_status(holder, status=409)
    return render_status(holder, banner=_("Thank you. What you sent was added to your testimony."))


@bp.post("/status/withdraw")
@limited(follow_up_limit, deduct_when=charged, reshow=True)
def status_withdraw() -> PageResult:
    form = WithdrawForm()
    holder = _holder(form)
    if holder is None:
        return not_found()
    submission = holder.submission
    if submission.status == SubmissionStatus.WITHDRAWN.value:
        return render_status(holder)
    if request.form.get("step") != "confirm" or request.form.get("action", "send") != "send":
        free()
        return render_confirm(WithdrawForm(formdata=None, receipt=holder.digits))
    if not form.confirm.data:
        free()
        form.confirm.errors = [_("Please tick the box to confirm, or go back to your submission.")]
        return render_confirm(form, status=422)
    families.withdraw(db.session, submission)
    return render_status(holder, banner=_("Your testimony was withdrawn and destroyed."))


def _holder(form: ReceiptHolderForm) -> families.Holder | None:
    """The holder the posted receipt opens; None for malformed, unknown and wrong alike."""
    try:
        return families.find_by_receipt(db.session, form.receipt.data or "", check=receipt_check())
    except (receipts.MalformedReceipt, NotFound):
        return None


from . import recovery  # noqa: E402 - the handlers render with the forms and helpers above
from ..web.i18n import gettext as _

recovery.register(bp, Unavailable)


@bp.get("/statistics")
def statistics() -> str:
    """The published, differentially private counts: read from the signed snapshot file alone
    (no database, no testimony), shown only when its signature verifies."""
    from ..services.statistics import read_snapshot_configured

    document, tables, charts = read_snapshot_configured(current_app.config, current_app.instance_path)
    return render_template("public/statistics.html", document=document, tables=tables, charts=charts)

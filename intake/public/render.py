"""Rendering the public pages, shared by the views and by the recovery handlers."""

from __future__ import annotations

from flask import render_template, request

from ..extensions import db
from ..services import families
from . import uploads
from .fields import flatten_errors
from .forms import FollowUpForm, ReceiptForm, SubmissionForm, WithdrawForm, max_relatives
from ..web.i18n import gettext as _


def _summary(form: object, upload_errors: list[str], upload_label: str) -> list[tuple[str, str, str]]:
    return flatten_errors(form) + [(uploads.FIELD, upload_label, message) for message in upload_errors]


def render_report(form: SubmissionForm, *, status: int = 200, upload_errors: list[str] | None = None,
                  problem: str | None = None, notice: str | None = None) -> tuple[str, int]:
    upload_errors = upload_errors or []
    return render_template(
        "public/report.html", form=form, status=status, problem=problem, notice=notice,
        summary=_summary(form, upload_errors, _("Files")), upload_errors=upload_errors,
        # Browsers never send chosen files again: say so when the form comes back after files were chosen.
        files_dropped=files_were_chosen(), **uploads.limits_for_page(),
        can_add=len(form.relatives.entries) < max_relatives(),
        lang_form="report-form", lang_endpoint="public.report"), status


def files_were_chosen() -> bool:
    """Whether this POST carried any chosen file (a form shown again loses them)."""
    try:
        return request.method == "POST" and bool(uploads.chosen(request.files.getlist(uploads.FIELD)))
    except Exception:  # noqa: BLE001 - an unreadable body carried nothing we could keep
        return False


def render_entry(form: ReceiptForm, *, status: int = 200, problem: str | None = None) -> tuple[str, int]:
    return render_template("public/status_entry.html", form=form, problem=problem,
                           summary=flatten_errors(form)), status


def not_found(form: ReceiptForm | None = None) -> tuple[str, int]:
    """One answer for every receipt that opens nothing: same page, same words, same status code. The
    digits typed stay in the box (`form`), so one wrong digit is fixed without typing all again."""
    kept = ReceiptForm(formdata=None, receipt=form.receipt.raw_data[0] if form and form.receipt.raw_data else "")
    return render_entry(kept, status=422, problem=_(
        "No testimony opens with this receipt. Please check each digit and try again."))


def render_status(holder: families.Holder, *, news_form: FollowUpForm | None = None,
                  upload_errors: list[str] | None = None, banner: str | None = None,
                  status: int = 200) -> tuple[str, int]:
    view = families.status_view(db.session, holder)
    if news_form is None:
        news_form = FollowUpForm(formdata=None, receipt=holder.digits)
        news_form.set_reports(view.people)
    upload_errors = upload_errors or []
    return render_template(
        "public/status.html", view=view, news_form=news_form, banner=banner, upload_errors=upload_errors,
        withdraw_form=WithdrawForm(formdata=None, receipt=holder.digits), receipt=holder.digits,
        summary=_summary(news_form, upload_errors, _("Files")), files_dropped=files_were_chosen()
        and bool(upload_errors or news_form.errors), **uploads.limits_for_page(),
        lang_form=None if view.withdrawn else "news-form", lang_endpoint="public.status_news"), status


def render_confirm(form: WithdrawForm, *, status: int = 200, problem: str | None = None) -> tuple[str, int]:
    return render_template("public/withdraw_confirm.html", form=form, problem=problem,
                           summary=flatten_errors(form), lang_form="withdraw-form",
                           lang_endpoint="public.status_withdraw"), status


def render_resend(form: FollowUpForm, *, status: int, problem: str) -> tuple[str, int]:
    """The family's news, kept after an expired page or an outage, ready to send again."""
    return render_template("public/resend.html", form=form, problem=problem, lang_form="news-form",
                           lang_endpoint="public.status_news"), status

"""Triage pages: the inbox, the report page and one POST endpoint per change. Thin: parse, call a
service, redirect or render. The role gate is the blueprint's allow-list (default deny)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ..crypto.vault import Vault
from ..extensions import db
from ..keyring import get_vault, vault_problem
from ..services import imports, search, triage
from ..services.errors import NotFound, ServiceError
from ..web.access import current_user
from . import triage_forms as forms
from .views import ALLOW, REVIEWERS, WORKS_LOCKED, bp

ALLOW.update({name: REVIEWERS for name in (
    "inbox", "report", "report_verification", "report_status_event", "report_tag_add", "report_tag_remove",
    "report_note", "report_assign", "report_reply", "report_submission_status")})
# The inbox never decrypts, so it keeps working (and says why reports cannot be opened) while locked.
WORKS_LOCKED.add("inbox")

FIELD_LABELS = {
    "gender": "Gender", "birth_date": "Birth date", "ethnicity": "Ethnicity", "home_county": "Home county",
    "home_place_text": "Home place", "id_number": "ID number", "occupation": "Occupation",
    "detention_date": "Detained on", "detention_place": "Detained at", "facility": "Facility",
    "facility_type": "Kind of facility",
    "sentence": "Sentence", "last_contact": "Last contact", "submitter_relationship": "Submitter is their",
    "testimony": "Testimony",
}
# BCP 47 language of each script tag families use, so browsers pick fonts and direction.
SCRIPT_LANG = {"ug-Arab": "ug", "zh-Hans": "zh-Hans", "zh-Hant": "zh-Hant", "Cyrl": "ru", "Latn": "und-Latn"}


def actor() -> uuid.UUID:
    user = current_user()
    assert user is not None  # the blueprint's gate let only signed-in staff through
    return user.id


def readable_vault() -> Vault | None:
    """The vault if it can decrypt; None when keys are missing or locked (pages then say so)."""
    vault = get_vault()
    return vault if vault is not None and vault.unlocked and not vault_problem() else None


def locked_page() -> tuple[str, int]:
    return render_template("review/triage/locked.html", problem=vault_problem() or "keys unavailable"), 503


def apply_change(form: FlaskForm, target: str, change: Callable[[Vault], Any], done: str,
                 unchanged: str = "Nothing to change.") -> Response:
    """Validate, run one service change, flash the outcome, and go back to `target` (post/redirect/get)."""
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(target)
    vault = readable_vault()
    if vault is None:
        flash("The review keys are locked: nothing was changed.", "error")
        return redirect(target)
    try:
        result = change(vault)
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as exc:  # messages name handles and rules, never submitted content
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(target)
    flash(unchanged if result is False else done, "notice")
    return redirect(target)


def _assignee_choices(*blank: tuple[str, str]) -> list[SelectChoice]:
    return [forms.choice(*b) for b in blank] + [forms.choice(str(u.id), u.username)
                                                for u in search.reviewers(db.session)]


# Deeper than any real inbox; a larger number would overflow the database's OFFSET.
MAX_PAGE = 1_000_000


def page_number(value: str | None) -> int:
    """A page number from the query string: garbage means 1, and no number goes past MAX_PAGE."""
    if not value or not (value.isascii() and value.isdigit()):
        return 1
    return MAX_PAGE if len(value) > 7 else min(max(int(value), 1), MAX_PAGE)


@bp.get("/inbox")
def inbox() -> Any:
    form = forms.InboxFilterForm(formdata=request.args)
    form.assignee.choices = _assignee_choices(("", "anyone"), ("none", "unassigned"))
    vault = readable_vault()
    page, error = None, None
    if form.validate():
        assignee = form.assignee.data or ""
        filters = search.InboxFilter(
            status=form.status.data or None, verification=form.verification.data or None,
            created_from=form.created_from.data, created_to=form.created_to.data, county=form.county.data or None,
            assigned_to=uuid.UUID(assignee) if assignee not in ("", "none") else None,
            unassigned=assignee == "none", needs_information=form.needs_information.data, tag=form.tag.data or None)
        if filters.county and vault is None:
            error = "Filtering by county needs the review keys, which are locked."
        else:
            try:
                page = search.inbox(db.session, vault, filters, page=page_number(request.args.get("page")))
            except ServiceError as exc:
                error = str(exc)
    args = {k: v for k, v in request.args.items() if k != "page"}
    links = {"prev": url_for("review.inbox", **args, page=page.page - 1) if page and page.has_prev else None,
             "next": url_for("review.inbox", **args, page=page.page + 1) if page and page.has_next else None}
    return render_template("review/triage/inbox.html", form=form, page=page, links=links, error=error,
                           problem=vault_problem())


@bp.get("/reports/<handle>")
def report(handle: str) -> Any:
    vault = readable_vault()
    if vault is None:
        return locked_page()
    try:
        view = triage.report_view(db.session, vault, handle, actor=actor())
    except NotFound:
        abort(404)
    assign = forms.AssignForm(assignee=str(view.assignee_id) if view.assignee_id else "")
    assign.assignee.choices = _assignee_choices(("", "nobody"))
    return render_template(
        "review/triage/report.html", view=view, labels=FIELD_LABELS, script_lang=SCRIPT_LANG,
        verification=forms.VerificationForm(level=view.report.verification), status_event=forms.StatusEventForm(),
        tag=forms.TagForm(), untag={t: forms.ActionForm(prefix=f"untag-{t}") for t in view.tags},
        note=forms.NoteForm(), assign=assign,
        reply=forms.ReplyForm(), submission_status=forms.SubmissionStatusForm(status=view.submission_status),
        link=forms.LinkForm(), source=imports.attributions(db.session, [view.report.id]).get(view.report.id))


def _back(handle: str) -> str:
    return url_for("review.report", handle=handle)


@bp.post("/reports/<handle>/verification")
def report_verification(handle: str) -> Response:
    form = forms.VerificationForm()
    return apply_change(form, _back(handle), lambda v: triage.set_verification(
        db.session, v, handle, form.level.data, actor=actor()), "Verification level set.")


@bp.post("/reports/<handle>/status-events")
def report_status_event(handle: str) -> Response:
    form = forms.StatusEventForm()
    return apply_change(form, _back(handle), lambda v: triage.add_status_event(
        db.session, v, handle, kind=form.kind.data, event_date=form.event_date.data, source=form.source.data,
        sentence=form.sentence.data, actor=actor()), "Status event added.")


@bp.post("/reports/<handle>/tags")
def report_tag_add(handle: str) -> Response:
    form = forms.TagForm()
    return apply_change(form, _back(handle), lambda v: triage.add_tag(
        db.session, v, handle, form.name.data, actor=actor()), "Tag added.", "The report already has that tag.")


@bp.post("/reports/<handle>/tags/<name>/remove")
def report_tag_remove(handle: str, name: str) -> Response:
    return apply_change(forms.ActionForm(prefix=f"untag-{name}"), _back(handle), lambda v: triage.remove_tag(
        db.session, v, handle, name, actor=actor()), "Tag removed.", "The report does not have that tag.")


@bp.post("/reports/<handle>/notes")
def report_note(handle: str) -> Response:
    form = forms.NoteForm()
    return apply_change(form, _back(handle), lambda v: triage.add_note(
        db.session, v, handle, form.body.data, actor=actor()), "Note added.")


@bp.post("/reports/<handle>/assignment")
def report_assign(handle: str) -> Response:
    form = forms.AssignForm()
    form.assignee.choices = _assignee_choices(("", "nobody"))
    return apply_change(form, _back(handle), lambda v: triage.assign(
        db.session, v, handle, uuid.UUID(form.assignee.data) if form.assignee.data else None, actor=actor()),
        "Assignment saved.")


@bp.post("/reports/<handle>/reply")
def report_reply(handle: str) -> Response:
    form = forms.ReplyForm()
    return apply_change(form, _back(handle), lambda v: triage.reply(
        db.session, v, handle, form.body.data, question=form.question.data, actor=actor()), "Reply sent.")


@bp.post("/reports/<handle>/submission-status")
def report_submission_status(handle: str) -> Response:
    form = forms.SubmissionStatusForm()
    return apply_change(form, _back(handle), lambda v: triage.set_submission_status(
        db.session, v, handle, form.status.data, actor=actor()), "Status for the family set.")

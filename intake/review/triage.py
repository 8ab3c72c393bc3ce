"""Triage pages: the inbox, the report page and one POST endpoint per change. Thin: parse, call a
service, redirect or render. The role gate is the blueprint's allow-list (default deny)."""

from __future__ import annotations

import uuid
from urllib.parse import quote
from collections.abc import Callable
from typing import Any

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ..digits import ascii_digits
from ..crypto.errors import CryptoError
from ..crypto.vault import Vault
from ..extensions import db
from ..models import FormClaim
from ..keyring import get_vault, vault_problem
from ..services import attachment_views, corrections, imports, report_view, search, triage
from ..services import inbox as inbox_service
from ..services.errors import NotFound, ServiceError
from ..services.search import InboxFilter
from ..web.access import current_viewer
from ..web.i18n import gettext as _, lazy_gettext as _l
from ..web.said import shown
from ..web.stamped_forms import stamped
from . import triage_forms as forms
from .views import ALLOW, REVIEWERS, bp

ALLOW.update({name: REVIEWERS for name in (
    "report", "report_verification", "report_status_event", "report_tag_add", "report_tag_remove",
    "report_note", "report_assign", "report_reply", "report_submission_status", "report_retract", "attachment")})

FIELD_LABELS = {
    "gender": _l("Gender"), "birth_date": _l("Birth date"), "ethnicity": _l("Ethnicity"),
    "home_county": _l("Home county"), "home_place_text": _l("Home place"), "id_number": _l("ID number"),
    "occupation": _l("Occupation"), "detention_date": _l("Detained on"), "detention_place": _l("Detained at"),
    "facility": _l("Facility"), "facility_type": _l("Kind of facility"), "sentence": _l("Sentence"),
    "last_contact": _l("Last contact"), "submitter_relationship": _l("Submitter is their"),
    "testimony": _l("Testimony"),
}
# BCP 47 language of each script tag families use, so browsers pick fonts and direction.
SCRIPT_LANG = {"ug-Arab": "ug", "zh-Hans": "zh-Hans", "zh-Hant": "zh-Hant", "Cyrl": "ru", "Latn": "und-Latn"}


MAX_PAGE = 1_000_000  # a page number past this is clamped, never handed to OFFSET


def page_number(value: str | None) -> int:
    """A page number from the query string (the duplicates queue's pages): garbage means 1, and no
    number goes past MAX_PAGE."""
    if not value or not ascii_digits(value):
        return 1
    return MAX_PAGE if len(value) > 7 else min(max(int(value), 1), MAX_PAGE)


def actor() -> uuid.UUID:
    viewer = current_viewer()
    assert viewer is not None  # the blueprint's gate let only signed-in staff through
    return viewer.id


def readable_vault() -> Vault | None:
    """The vault if it can decrypt; None when keys are missing or locked (pages then say so)."""
    vault = get_vault()
    return vault if vault is not None and vault.unlocked and not vault_problem() else None


def locked_page() -> tuple[str, int]:
    return render_template("review/triage/locked.html", problem=vault_problem() or _("keys unavailable")), 503


def drawn_for(page: str) -> None:
    """The page drawn in answer to a refused POST stands for `page` (a path of this face, with its
    query): its language links lead there (labels.review_language_href)."""
    g.review_page = page


def apply_change(form: FlaskForm, target: str, change: Callable[[Vault], Any], done: str,
                 unchanged: str | None = None, success: str | None = None,
                 again: Callable[[], Any] | None = None, said_in: str | None = None) -> Any:
    """Validate, run one service change, flash the outcome, and go back to `target` (post/redirect/get);
    to `success` instead, when given, once the change is made (a refusal still goes back to `target`).
    With `again`, a form refused (invalid, or refused by the service) is drawn again by `again()`
    with what the reviewer typed in it, instead of a redirect that would lose it. `said_in`: the
    section of the page `target` opens at, where the confirmation is shown (else with the actions)."""
    def refused() -> Any:
        if again is None:
            return redirect(target)
        drawn_for(target)  # the page drawn again stands for `target`: its language links go there
        return again()

    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return refused()
    vault = readable_vault()
    if vault is None:
        flash(_("The review keys are locked: nothing was changed."), "error")
        return redirect(target)
    if not claim(getattr(form, "once", None)):
        flash(_("That form was already sent: it was stored once."), "notice")
        return redirect(target)
    try:
        result = change(vault)
    except NotFound:
        db.session.rollback()
        abort(404)
    except ServiceError as exc:  # messages name handles and rules, never submitted content
        db.session.rollback()
        flash(shown(exc), "error")
        return refused()
    flash((unchanged or _("Nothing to change.")) if result is False else done,
          f"{SAID_IN}{said_in}" if said_in else "notice")
    return redirect(success or target)


def claim(once: Any) -> bool:
    """Stage the claim of a form's one-time token; it commits with the change (or not at all).
    False: the token was claimed before (the same form posted again). No token: nothing to claim."""
    token = getattr(once, "data", None)
    if not token:
        return True
    if db.session.get(FormClaim, token) is not None:
        return False
    db.session.add(FormClaim(token=token))
    try:
        db.session.flush()
    except IntegrityError:  # the same form, posted twice at once: the other request stored it
        db.session.rollback()
        return False
    return True


def _assignee_choices(*blank: tuple[str, str]) -> list[SelectChoice]:
    if "reviewers" not in g:  # one query per request, however many forms list them
        g.reviewers = [(str(u.id), u.username) for u in search.reviewers(db.session)]
    return [forms.choice(*b) for b in blank] + [forms.choice(uid, name) for uid, name in g.reviewers]


@bp.get("/reports/<handle>")
def report(handle: str) -> Any:
    return report_page(handle)


def report_page(handle: str, kept: dict[str, Any] | None = None, opened: str | None = None) -> Any:
    """The report page; `kept`: forms refused in this request, drawn again with what was typed in them
    (their template names, "retract" a dict by object id), in the action `opened` (422)."""
    from .inbox import filter_args, inbox_filters  # here: review/inbox.py imports this module

    vault = readable_vault()
    if vault is None:
        return locked_page()
    args = filter_args(request.args)
    # Previous/next under the inbox's filters; with none in the query, the unfiltered inbox (the
    # filter form and its list of reviewers are built only to read filters that are there).
    filters = inbox_filters(request.args)[1] if args else InboxFilter()
    try:
        view = report_view.view_of(db.session, vault, handle, actor=actor(),
                                   beside=lambda v: _beside_report(vault, v, filters))
    except NotFound:
        abort(404)
    newer, older, retracted, files, source = view.beside
    retractable = [*(e.id for e in view.report.timeline if e.recorded_by), *(m.id for m in view.notes),
                   *(m.id for m in view.replies)]
    # The action forms drawn once per language and shape, stamped with this request's tokens.
    assign = stamped(forms.AssignForm, choices={"assignee": _assignee_choices(("", _("nobody")))},
                     assignee=str(view.assignee_id) if view.assignee_id else "")
    kept = dict(kept or {})
    retract = {i: stamped(forms.RetractForm, prefix=f"retract-{i}") for i in retractable if i not in retracted}
    retract.update({i: f for i, f in kept.pop("retract", {}).items() if i in retract})
    page = {
        "verification": stamped(forms.VerificationForm, level=view.report.verification),
        "status_event": stamped(forms.StatusEventForm), "tag": stamped(forms.TagForm),
        "note": stamped(forms.NoteForm), "assign": assign, "reply": stamped(forms.ReplyForm),
        "submission_status": stamped(forms.SubmissionStatusForm, status=view.submission_status),
        "link": stamped(forms.LinkForm), **kept}
    html = render_template(
        "review/triage/report.html", view=view, labels=FIELD_LABELS, script_lang=SCRIPT_LANG, args=args,
        newer=newer, older=older, attachments=files, retracted=retracted, retract=retract,
        untag={t: stamped(forms.ActionForm, prefix=f"untag-{t}") for t in view.tags}, source=source,
        opened=opened, **page)
    return (html, 422) if kept or opened else html


def report_again(handle: str, name: str, form: FlaskForm, opened: str) -> Callable[[], Any]:
    """Draw the report page again with `form` as the reviewer sent it (nothing typed is lost)."""
    return lambda: report_page(handle, {name: form}, opened)


def _beside_report(vault: Vault, view: report_view.ReportView, filters: InboxFilter | None) -> tuple[Any, ...]:
    """What the report page shows beside the report, read before its audit entry commits (one
    transaction for the page): previous/next, retractions, files, import source; the reviewers."""
    report_id = view.report.id
    newer, older = inbox_service.neighbours(db.session, vault, filters, view.arrival, report_id) \
        if filters else (None, None)
    _assignee_choices()  # the reviewers, kept for the request's forms
    return (newer, older, corrections.retractions(db.session, vault, report_id),
            attachment_views.list_for_report(db.session, report_id, view.submission_id),
            imports.attributions(db.session, [report_id]).get(report_id))


# A flash category: a confirmation shown in the named section of the report page (where the page
# returns), not with the actions (on one column they are far below it). The templates read it as
# `said_in` (_macros.html: nav leaves such a message out, said_here shows it in its section).
SAID_IN = "notice-in:"
bp.add_app_template_global(SAID_IN, "said_in")  # type: ignore[arg-type]  # a value, not a function


@bp.post("/reports/<handle>/retract/<kind>/<uuid:object_id>")
def report_retract(handle: str, kind: str, object_id: uuid.UUID) -> Response:
    form = forms.RetractForm(prefix=f"retract-{object_id}")
    anchor = {"note": "notes", "reply": "replies", "status_event": "timeline"}.get(kind, "actions")
    return apply_change(form, _back(handle, anchor), lambda v: corrections.retract(
        db.session, v, handle, kind, object_id, actor=actor(), correction=form.correction.data),
        _("Retracted; the original stays in the history.") if not (form.correction.data or "").strip()
        else _("Corrected; the original stays in the history."),
        again=lambda: report_page(handle, {"retract": {object_id: form}}, f"retract-{object_id}"),
        said_in=anchor if anchor != "actions" else None)


@bp.get("/attachments/<uuid:attachment_id>/<what>")
def attachment(attachment_id: uuid.UUID, what: str) -> Any:
    vault = readable_vault()
    if vault is None:
        return locked_page()
    try:
        served = attachment_views.serve(db.session, vault, attachment_id, what, actor=actor())
    except NotFound:
        db.session.rollback()
        abort(404)
    except (ServiceError, CryptoError):
        db.session.rollback()
        return render_template("review/triage/message.html", title=_("File not shown"),
                               message=_("This file cannot be shown this way: download the original instead.")), 422
    response = make_response(served.body)
    response.headers["Content-Type"] = served.media_type
    response.headers["Content-Disposition"] = content_disposition(served.filename, inline=served.inline)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    # Stricter than the site's policy (sandbox), never looser: the framing rule stays.
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox; frame-ancestors 'none'; base-uri 'none'"
    return response


def content_disposition(filename: str, *, inline: bool) -> str:
    """RFC 6266/5987: an ASCII fallback and the UTF-8 name (names of files may be in any script)."""
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in filename)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _back(handle: str, anchor: str = "actions") -> str:
    """The report page, scrolled back to where the reviewer acted, with the inbox filters kept."""
    from .inbox import filter_args  # here: review/inbox.py imports this module

    return url_for("review.report", handle=handle, **filter_args(request.args), _anchor=anchor)


@bp.post("/reports/<handle>/verification")
def report_verification(handle: str) -> Response:
    form = forms.VerificationForm()
    return apply_change(form, _back(handle, "act-verification"), lambda v: triage.set_verification(
        db.session, v, handle, form.level.data, actor=actor()), _("Verification level set."),
        again=report_again(handle, "verification", form, "act-verification"))


@bp.post("/reports/<handle>/status-events")
def report_status_event(handle: str) -> Response:
    form = forms.StatusEventForm()
    return apply_change(form, _back(handle, "timeline"), lambda v: triage.add_status_event(
        db.session, v, handle, kind=form.kind.data, event_date=form.event_date.data, source=form.source.data,
        sentence=form.sentence.data, actor=actor()), _("Status event added."),
        again=report_again(handle, "status_event", form, "act-status"))


@bp.post("/reports/<handle>/tags")
def report_tag_add(handle: str) -> Response:
    form = forms.TagForm()
    return apply_change(form, _back(handle, "act-tags"), lambda v: triage.add_tag(
        db.session, v, handle, form.name.data, actor=actor()), _("Tag added."), _("The report already has that tag."),
        again=report_again(handle, "tag", form, "act-tags"))


@bp.post("/reports/<handle>/tags/<name>/remove")
def report_tag_remove(handle: str, name: str) -> Response:
    return apply_change(forms.ActionForm(prefix=f"untag-{name}"), _back(handle, "act-tags"),
                        lambda v: triage.remove_tag(db.session, v, handle, name, actor=actor()),
                        _("Tag removed."), _("The report does not have that tag."))


@bp.post("/reports/<handle>/notes")
def report_note(handle: str) -> Response:
    form = forms.NoteForm()
    return apply_change(form, _back(handle, "notes"), lambda v: triage.add_note(
        db.session, v, handle, form.body.data, actor=actor()), _("Note added."),
        again=report_again(handle, "note", form, "act-note"))


@bp.post("/reports/<handle>/assignment")
def report_assign(handle: str) -> Response:
    form = forms.AssignForm()
    form.assignee.choices = _assignee_choices(("", _("nobody")))
    return apply_change(form, _back(handle, "act-assign"), lambda v: triage.assign(
        db.session, v, handle, uuid.UUID(form.assignee.data) if form.assignee.data else None, actor=actor()),
        _("Assignment saved."), again=report_again(handle, "assign", form, "act-assign"))


@bp.post("/reports/<handle>/reply")
def report_reply(handle: str) -> Response:
    form = forms.ReplyForm()
    return apply_change(form, _back(handle, "replies"), lambda v: triage.reply(
        db.session, v, handle, form.body.data, question=form.question.data, actor=actor()), _("Reply sent."),
        again=report_again(handle, "reply", form, "act-reply"))


@bp.post("/reports/<handle>/submission-status")
def report_submission_status(handle: str) -> Response:
    form = forms.SubmissionStatusForm()
    return apply_change(form, _back(handle, "act-family"), lambda v: triage.set_submission_status(
        db.session, v, handle, form.status.data, actor=actor()), _("Status for the family set."),
        again=report_again(handle, "submission_status", form, "act-family"))

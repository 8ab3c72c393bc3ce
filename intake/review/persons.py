"""Person pages: every linked report decrypted (audited), the combined timeline, the link history,
and the link, merge, split and undo actions. Every action only appends link events."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, render_template, url_for
from werkzeug.wrappers import Response

from ..extensions import db
from ..services import comparison, corrections, person_view, persons
from ..services.errors import NotFound
from . import triage_forms as forms
from .compare_table import compare_table
from .triage import FIELD_LABELS, SCRIPT_LANG, report_again, actor, apply_change, locked_page, readable_vault
from .views import ALLOW, REVIEWERS, bp
from ..web.i18n import gettext as _
from ..web.stamped_forms import stamped

ALLOW.update({name: REVIEWERS for name in ("person", "report_link", "person_merge", "person_split",
                                            "person_undo")})


@bp.get("/persons/<handle>")
def person(handle: str) -> Any:
    return person_page(handle)


def person_page(handle: str, merge: Any = None) -> Any:
    """The person page; `merge`: the merge form refused in this request, drawn again as sent (422)."""
    vault = readable_vault()
    if vault is None:
        return locked_page()
    try:
        # The retractions are read before the entries commit: one transaction for the page.
        view = person_view.view_of(db.session, vault, handle, actor=actor(), beside=lambda v: corrections.retractions(
            db.session, vault, [r.id for r in v.reports]))
    except NotFound:
        abort(404)
    # One reason form per report and per batch; prefixes keep their field ids (and labels) distinct.
    # (Drawn once per language, stamped with this request's tokens: web/stamped_forms.py.)
    splits = {r.handle: stamped(forms.ReasonForm, prefix=f"split-{r.handle}") for r in view.reports}
    undos = {b.batch_id: stamped(forms.ReasonForm, prefix=f"undo-{b.batch_id}") for b in view.history}
    fields = [f for f in FIELD_LABELS if f != "testimony"]
    rows = comparison.compare(fields, [r.fields for r in view.reports])
    retracted = view.beside
    # The side-by-side table built in Python (compare_table.py): its cells were a fifth of the page's CPU.
    table = compare_table(view, rows, FIELD_LABELS, SCRIPT_LANG, splits)
    html = render_template("review/triage/person.html", view=view, merge=merge or stamped(forms.MergeForm),
                           undos=undos, table=table, retracted=retracted)
    return (html, 422) if merge else html


@bp.post("/reports/<handle>/person")
def report_link(handle: str) -> Response:
    form = forms.LinkForm()
    return apply_change(form, url_for("review.report", handle=handle), lambda v: persons.link_report(
        db.session, v, handle, (form.person.data or "").strip().upper() or None, reason=form.reason.data,
        actor=actor()), _("Report linked."), again=report_again(handle, "link", form, "act-link"))


@bp.post("/persons/<handle>/merge")
def person_merge(handle: str) -> Response:
    form = forms.MergeForm()
    return apply_change(form, url_for("review.person", handle=handle), lambda v: persons.merge_persons(
        db.session, v, handle, form.other.data.strip().upper(), reason=form.reason.data, actor=actor()),
        _("Merged. The change can be undone from the history below."), again=lambda: person_page(handle, form))


@bp.post("/persons/<handle>/split/<report_handle>")
def person_split(handle: str, report_handle: str) -> Response:
    form = forms.ReasonForm(prefix=f"split-{report_handle}")
    return apply_change(form, url_for("review.person", handle=handle), lambda v: persons.split_report(
        db.session, v, report_handle, reason=form.reason.data, actor=actor()),
        _("The report now has a person of its own."))


@bp.post("/persons/<handle>/undo/<uuid:batch_id>")
def person_undo(handle: str, batch_id: uuid.UUID) -> Response:
    form = forms.ReasonForm(prefix=f"undo-{batch_id}")
    return apply_change(form, url_for("review.person", handle=handle), lambda v: persons.undo_batch(
        db.session, v, batch_id, reason=form.reason.data, actor=actor()), _("Undone."))

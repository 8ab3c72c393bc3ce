"""Export and statistics pages of the review face: propose, approve, see the withdrawal notices and
mark them sent; the statistics with charts. Thin: parse, call a service, redirect or render.

Building reads the whole store, so it never runs in a request: approving queues the build job
when a job Redis is configured; otherwise the operator runs `flask export build`, and the page
says so.
"""

from __future__ import annotations

import logging
import uuid
from typing import Any

from flask import flash, render_template, request, url_for
from redis.exceptions import RedisError
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from .. import jobs
from ..disclosure import notes
from ..extensions import db
from ..models import Export, ExportStatus
from ..services import export_access, export_notices, export_states, exports, statistics
from ..web.access import current_user
from ..web.bidi import isolate
from ..web.body_forms import BodyForm
from .triage_forms import PageForm
from .triage import actor, apply_change, locked_page, readable_vault
from .views import ALLOW, REVIEWERS, bp
from ..web.i18n import gettext as _, lazy_gettext as _l

log = logging.getLogger(__name__)
ALLOW.update({name: REVIEWERS for name in ("exports", "export_propose", "export_approve", "export_notice_sent",
                                            "statistics")})


class ProposeForm(PageForm):  # its one-time token: a proposal posted twice is stored once
    recipient = StringField(_l("Recipient (who receives the export)"), validators=[DataRequired(), Length(max=200)])
    # Checked by the service (an active researcher account), whose refusal is translated.
    account = SelectField(_l("Researcher account (the only account that may download it)"), validate_choice=False)
    purpose = TextAreaField(_l("Purpose (what it is for)"), validators=[DataRequired(), Length(max=500)])
    submit = SubmitField(_l("Propose the export"))


class ActionForm(BodyForm):
    """A button that only POSTs: nothing but the CSRF token."""


@bp.get("/exports", endpoint="exports")
def exports_page() -> Any:
    vault = readable_vault()
    if vault is None:
        return locked_page()
    form = _propose_form()
    again = _proposed_again(vault, request.args.get("again"))
    if again is not None:  # "Propose it again": the form filled as the earlier export was proposed
        form.recipient.data, form.purpose.data = again.recipient, again.purpose
        form.account.data = str(again.recipient_account_id) if again.recipient_account_id else ""
    return _page(vault, form)


def _proposed_again(vault: Any, value: str | None) -> Export | None:
    """The export a reviewer asked to propose again (by id, from the exports table), if its sealed
    state verifies; None for anything else (no id, not one, no such export)."""
    try:
        export_id = uuid.UUID(value or "")
    except ValueError:
        return None
    export = db.session.get(Export, export_id)
    return export if export is not None and export_states.verified(vault, export) else None


def _page(vault: Any, propose: ProposeForm, status: int = 200) -> Any:
    views = export_access.list_exports(db.session, vault)
    notices = export_notices.notices(db.session, vault)
    user = current_user()
    return render_template("review/exports.html", views=views, notices=notices, propose=propose,
                           action=ActionForm(), viewer_id=user.id if user else None, Status=ExportStatus), status


def _propose_form() -> ProposeForm:
    form = ProposeForm()
    form.account.choices = [("", _("choose an account")),
                            *[(str(i), name) for i, name in export_access.researcher_accounts(db.session)]]
    return form


@bp.post("/exports/propose")
def export_propose() -> Any:
    form = _propose_form()
    return apply_change(form, url_for("review.exports"), lambda v: exports.propose(
        db.session, v, actor=actor(), recipient=form.recipient.data, purpose=form.purpose.data,
        recipient_account=form.account.data),
        _("Export proposed. Another reviewer or an admin must approve it."),
        again=lambda: _refused(form))


def _refused(form: ProposeForm) -> Any:
    """The page again with the recipient, account and purpose as typed (a refusal costs no retyping)."""
    vault = readable_vault()
    return _page(vault, form, 422) if vault is not None else locked_page()


@bp.post("/exports/<uuid:export_id>/approve")
def export_approve(export_id: uuid.UUID) -> Response:
    approved: list[bool] = []

    def change(vault: Any) -> Any:
        export = exports.approve(db.session, vault, export_id, actor=actor())
        approved.append(True)
        return export

    response = apply_change(ActionForm(), url_for("review.exports"), change, _("Approved."))
    if approved:
        flash(_queue_build(), "notice")
    return response


def _queue_build() -> str:
    """Queue the build job when a job Redis is configured; what the reviewer is told either way."""
    try:
        queued = jobs.enqueue("export-build")
    except RedisError as exc:
        log.error("export build not queued: %s", type(exc).__name__)
        queued = None
    if queued:
        return _("The build job is queued: the export shows as released here once it is written and signed.")
    return _("The operator's build job (%(command)s) writes and releases it.", command=isolate("flask export build"))


@bp.post("/exports/notices/<uuid:notice_id>/sent")
def export_notice_sent(notice_id: uuid.UUID) -> Response:
    return apply_change(ActionForm(), url_for("review.exports"), lambda v: export_notices.mark_notified(
        db.session, v, notice_id, actor=actor(), actor_name=str(actor())), _("Marked as sent."))


@bp.get("/statistics", endpoint="statistics")
def statistics_page() -> Any:
    vault = readable_vault()
    if vault is None:
        return locked_page()
    counts = statistics.latest(db.session, vault)
    charts_svg = statistics.charts_of(counts) if counts else []
    return render_template("review/statistics.html", counts=counts, charts=charts_svg, notes=notes.BIAS_NOTES)


"""The deduplication queue: candidate pairs and clusters (no decryption), the side-by-side page
(decrypts two reports; audited) and one POST per decision. Thin: parse, call a service, render or
redirect. Works without JavaScript; the weights chart is an SVG drawn here."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any

from flask import abort, render_template, request, url_for
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, Regexp

from ..crypto.vault import Vault
from ..extensions import db
from ..models import PairStatus
from ..services import dedup_jobs  # noqa: F401 - registers the take-in hook (scoring new reports)
from ..services import duplicate_decisions as decisions
from ..services import duplicates as pairs
from ..services.errors import NotFound, ServiceError
from ..web.body_forms import BodyForm
from ..web.i18n import gettext as _, lazy_gettext as _l
from ..web.said import shown
from .triage import SCRIPT_LANG, actor, apply_change, locked_page, page_number, readable_vault
from .views import ALLOW, REVIEWERS, bp
from .pair_lines import shown_lines
from .weight_chart import chart

ALLOW.update({name: REVIEWERS for name in ("duplicates", "duplicate_pair", "duplicate_accept", "duplicate_reject",
                                            "duplicate_defer", "duplicate_undo", "duplicate_reopen",
                                            "duplicate_cluster_accept")})


class AcceptForm(BodyForm):
    reason = StringField(_l("Why (optional; kept sealed with the link)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Accept: same person"))


class RejectForm(BodyForm):
    submit = SubmitField(_l("Reject: different people"))


class DeferForm(BodyForm):
    submit = SubmitField(_l("Defer"))


class UndoForm(BodyForm):
    reason = TextAreaField(_l("Why undo"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Undo this merge"))


class ReopenForm(BodyForm):
    submit = SubmitField(_l("Put back in the queue"))


class ClusterForm(BodyForm):
    pairs = HiddenField(validators=[DataRequired(), Regexp(r"^[0-9a-f,-]{36,8000}$")])
    reason = StringField(_l("Why (optional)"), validators=[Optional(), Length(max=2000)])
    submit = SubmitField(_l("Accept the whole cluster"))


@bp.get("/duplicates")
def duplicates() -> Any:
    vault = readable_vault()
    if vault is None:
        return locked_page()  # the pairs' seals are checked with the review keys
    status = request.args.get("status", PairStatus.PENDING.value)
    page = pairs.queue(db.session, vault, status=status, page=page_number(request.args.get("page")))
    found = pairs.clusters(db.session, vault) if page.status == PairStatus.PENDING.value else []
    _review, cluster_threshold = pairs.thresholds()
    forms = {i: ClusterForm(prefix=f"cluster-{i}", pairs=",".join(str(p.id) for p in c.pairs))
             for i, c in enumerate(found) if c.acceptable(cluster_threshold)}
    return render_template("review/duplicates/queue.html", page=page, clusters=found, cluster_forms=forms,
                           counts=pairs.counts(db.session), statuses=[s.value for s in PairStatus],
                           cluster_threshold=cluster_threshold, decided=_pair_id(request.args.get("decided")),
                           place=queue_place(request.args))


def _pair_id(value: str | None) -> uuid.UUID | None:
    """A pair's id from the query string (the pair just decided); None for anything else."""
    try:
        return uuid.UUID(value or "")
    except ValueError:
        return None


@bp.get("/duplicates/<uuid:pair_id>")
def duplicate_pair(pair_id: uuid.UUID) -> Any:
    return _pair_page(pair_id)


def _pair_page(pair_id: uuid.UUID, sent: dict[str, FlaskForm] | None = None) -> Any:
    """The side-by-side page (its view audited); with `sent` ({"accept": form}), a refused form drawn
    again as it was typed (422)."""
    vault = readable_vault()
    if vault is None:
        return locked_page()
    try:
        view = decisions.pair_view(db.session, vault, pair_id, actor=actor())
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        return render_template("review/duplicates/refused.html", problem=shown(exc)), 409
    is_open = view.pair.status in decisions.OPEN and view.pair.verified
    forms = {"accept": AcceptForm(prefix="accept"), "reject": RejectForm(prefix="reject"),
             "defer": DeferForm(prefix="defer"), "undo": UndoForm(prefix="undo"), "reopen": ReopenForm(prefix="reopen")}
    forms.update(sent or {})
    return render_template("review/duplicates/pair.html", view=view, lines=shown_lines(view), chart=chart(view.lines),
                           is_open=is_open, script_lang=SCRIPT_LANG, place=queue_place(request.args),
                           **forms), 422 if sent is not None else 200


def _back(pair_id: uuid.UUID, anchor: str | None = None) -> str:
    """The pair page (with `anchor` "decision": at its side panel, below the reports on a narrow screen,
    where an undo's or a put-back's confirmation is shown)."""
    return url_for("review.duplicate_pair", pair_id=pair_id, _anchor=anchor, **queue_place(request.args))


def queue_place(args: Mapping[str, str]) -> dict[str, Any]:
    """Where in the queue a pair was opened from (its decision's tab and page, from the query string),
    carried through the pair page and its forms so that a decision goes back there: the default tab
    and the first page are left out, anything unknown is dropped."""
    place: dict[str, Any] = {}
    status = args.get("status")
    if status in {s.value for s in PairStatus} and status != PairStatus.PENDING.value:
        place["status"] = status
    page = page_number(args.get("page"))
    if page > 1:
        place["page"] = page
    return place


def _decision(name: str, form: FlaskForm, pair_id: uuid.UUID, change: Callable[[Vault], Any], done: str,
              success: str | None = None) -> Any:
    """A decision made goes on to the queue (the next pair), which links back to the pair decided (to
    check it, or undo a merge); a refusal shows the pair again with its reason and the form as typed
    (a reason written for an accept or an undo is not lost)."""
    return apply_change(form, _back(pair_id), change, done,
                        success=success or url_for("review.duplicates", decided=pair_id, _anchor="pairs",
                                                   **queue_place(request.args)),
                        again=lambda: _pair_page(pair_id, {name: form}))


@bp.post("/duplicates/<uuid:pair_id>/accept")
def duplicate_accept(pair_id: uuid.UUID) -> Any:
    form = AcceptForm(prefix="accept")
    return _decision("accept", form, pair_id, lambda v: decisions.accept(
        db.session, v, pair_id, actor=actor(), reason=form.reason.data), _("Accepted: both reports are now one person."))


@bp.post("/duplicates/<uuid:pair_id>/reject")
def duplicate_reject(pair_id: uuid.UUID) -> Any:
    return _decision("reject", RejectForm(prefix="reject"), pair_id, lambda v: decisions.reject(
        db.session, v, pair_id, actor=actor()), _("Rejected: not suggested again unless a report changes."))


@bp.post("/duplicates/<uuid:pair_id>/defer")
def duplicate_defer(pair_id: uuid.UUID) -> Any:
    return _decision("defer", DeferForm(prefix="defer"), pair_id, lambda v: decisions.defer(
        db.session, v, pair_id, actor=actor()), _("Deferred."))


@bp.post("/duplicates/<uuid:pair_id>/undo")
def duplicate_undo(pair_id: uuid.UUID) -> Any:
    form = UndoForm(prefix="undo")
    return _decision("undo", form, pair_id, lambda v: decisions.undo_accept(
        db.session, v, pair_id, actor=actor(), reason=form.reason.data or ""),
        _("Undone: the pair is back in the queue."), success=_back(pair_id, "decision"))


@bp.post("/duplicates/<uuid:pair_id>/reopen")
def duplicate_reopen(pair_id: uuid.UUID) -> Any:
    return _decision("reopen", ReopenForm(prefix="reopen"), pair_id, lambda v: decisions.reopen(
        db.session, v, pair_id, actor=actor()), _("Put back: the pair is in the queue again."),
        success=_back(pair_id, "decision"))


@bp.post("/duplicates/clusters/accept")
def duplicate_cluster_accept() -> Response:
    prefix = next((k.removesuffix("-pairs") for k in request.form if k.endswith("-pairs")), "cluster")
    form = ClusterForm(prefix=prefix)
    return apply_change(form, url_for("review.duplicates"), lambda v: decisions.accept_cluster(
        db.session, v, _pair_ids(form.pairs.data), actor=actor(), reason=form.reason.data),
        _("Accepted: the cluster's reports are now one person."))


def _pair_ids(value: str | None) -> list[uuid.UUID]:
    try:
        return [uuid.UUID(part) for part in (value or "").split(",") if part]
    except ValueError:
        raise decisions.InvalidInput("the cluster's pairs could not be read") from None


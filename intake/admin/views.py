"""Admin views: accounts (invite, disable, enable, new set-up link) and the audit log; imports of lists
(admin/imports.py) and researchers' API tokens (admin/tokens.py). Admins only."""

from __future__ import annotations

import uuid

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from ..extensions import db
from ..keyring import get_vault, vault_problem
from ..models import Role
from ..review.forms import PostForm
from ..services import accounts, audit_listing, audit_pages, clock, users
from ..services.errors import Conflict, NotFound, ServiceError
from ..web.access import current_user, default_deny
from ..web.bidi import isolate
from ..web.i18n import gettext as _
from ..web.said import shown
from .audit_labels import action_label, object_label
from .forms import AuditFilterForm, InviteForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

ADMINS = frozenset({Role.ADMIN.value})
ALLOW: dict[str, frozenset[str]] = {name: ADMINS for name in (
    "users", "invite", "disable", "enable", "setup_link", "audit")}
default_deny(bp, ALLOW)
bp.add_app_template_filter(action_label, "audit_action")
bp.add_app_template_filter(object_label, "audit_object")

Page = str | tuple[str, int] | Response


def _actor() -> str:
    user = current_user()
    assert user is not None  # the gate lets only signed-in admins through
    return str(user.id)


def _hours() -> int:
    return int(current_app.config["INTAKE_SETUP_LINK_HOURS"])


def _users_page(*, invitation: accounts.Invitation | None = None, error: str | None = None, status: int = 200,
                form: InviteForm | None = None) -> tuple[str, int]:
    link = invitation.link(str(current_app.config["INTAKE_REVIEW_BASE_URL"])) if invitation else None
    return render_template("admin/users.html", accounts=users.all_accounts(db.session), form=form or InviteForm(),
                           action=PostForm(), invitation=invitation, link=link, error=error,
                           problem=vault_problem(), now=clock.now()), status


@bp.get("/users", endpoint="users")
@bp.get("/", endpoint="users")
def users_page() -> Page:
    """The account list, also the admin face's front page."""
    return _users_page()


@bp.post("/users/invite")
def invite() -> Page:
    form = InviteForm()
    if not form.validate_on_submit():
        return _users_page(error=_("Give a username and a role."), status=400, form=form)
    try:
        invitation = accounts.invite(db.session, get_vault(), username=form.username.data or "",
                                     role=form.role.data or "", actor=_actor(), hours=_hours())
    except ServiceError as exc:
        db.session.rollback()
        return _users_page(error=shown(exc), status=409 if isinstance(exc, Conflict) else 400, form=form)
    return _users_page(invitation=invitation)


def _act(action: str, user_id: uuid.UUID) -> Page:
    operation = {"disable": accounts.disable, "enable": accounts.enable}[action]
    try:
        operation(db.session, get_vault(), user_id, actor=_actor())
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        return _users_page(error=shown(exc), status=409)
    return redirect(url_for(".users"))


@bp.post("/users/<uuid:user_id>/disable")
def disable(user_id: uuid.UUID) -> Page:
    return _act("disable", user_id)


@bp.post("/users/<uuid:user_id>/enable")
def enable(user_id: uuid.UUID) -> Page:
    return _act("enable", user_id)


@bp.post("/users/<uuid:user_id>/setup-link")
def setup_link(user_id: uuid.UUID) -> Page:
    """A new one-time set-up link; the account's password and second factor are wiped."""
    if str(user_id) == _actor():
        return _users_page(error=_("You cannot reset your own account here."), status=409)
    try:
        invitation = accounts.reissue(db.session, get_vault(), user_id, actor=_actor(), hours=_hours())
    except NotFound:
        abort(404)
    except ServiceError as exc:
        db.session.rollback()
        return _users_page(error=shown(exc), status=409)
    return _users_page(invitation=invitation)


@bp.get("/audit")
def audit() -> str:
    number = request.args.get("page", 1, type=int) or 1
    form = AuditFilterForm(formdata=request.args)
    form.action.choices = [SelectChoice("", _("any")), *(SelectChoice(a, f"{action_label(a)} ({isolate(a)})")
                                                          for a in audit_listing.actions(db.session))]
    filters, error = None, None
    if form.validate():
        filters = audit_listing.AuditFilter(actor=form.actor.data or None, action=form.action.data or None,
                                            date_from=form.date_from.data, date_to=form.date_to.data)
    else:
        error = _("Check the filter: %(problems)s",
                  problems="; ".join(str(e) for errors in form.errors.values() for e in errors))
    try:
        result = audit_pages.page(db.session, get_vault(), number, filters=filters)
    except ServiceError as exc:
        error, result = shown(exc), audit_pages.page(db.session, get_vault(), number)
    # Only the filter's own fields go on into the page links (url_for takes "_external" and the like).
    args = {k: v for k in ("actor", "action", "date_from", "date_to") if (v := request.args.get(k))}
    return render_template("admin/audit.html", page=result, problem=vault_problem(), form=form, args=args,
                           error=error)


# Pages in modules of their own register on `bp` and extend ALLOW when imported (explicitly, here).
from . import imports, tokens  # noqa: E402,F401

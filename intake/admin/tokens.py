"""Admin page for researchers' API tokens: create (shown once), list, revoke. Admins only."""

from __future__ import annotations

import uuid
from typing import Any

from flask import abort, redirect, render_template, url_for

from ..extensions import db
from ..keyring import get_vault, vault_problem
from ..review.forms import PostForm
from ..services import api_tokens, users
from ..services.errors import NotFound, ServiceError
from ..web.access import current_user
from ..web.bidi import isolate
from ..web.i18n import gettext as _
from ..web.said import shown
from .forms import TokenForm
from .views import ADMINS, ALLOW, bp

ALLOW.update({name: ADMINS for name in ("tokens", "token_create", "token_revoke")})


def _actor() -> str:
    user = current_user()
    assert user is not None
    return str(user.id)


def _page(*, new: api_tokens.NewToken | None = None, error: str | None = None, status: int = 200,
          form: TokenForm | None = None) -> tuple[str, int]:
    vault = get_vault()
    lines = api_tokens.listing(db.session, vault) if vault is not None and vault.unlocked else []
    return render_template("admin/tokens.html", lines=lines, form=form or TokenForm(), action=PostForm(), new=new,
                           error=error, problem=vault_problem()), status


@bp.get("/tokens", endpoint="tokens")
def tokens_page() -> tuple[str, int]:
    return _page()


@bp.post("/tokens", endpoint="token_create")
def token_create() -> Any:
    form = TokenForm()
    if not form.validate_on_submit():
        return _page(error=_("Give a researcher's username (and, if you like, %(low)s to %(high)s days).", low=isolate(1), high=isolate(366)), status=400, form=form)
    user = users.by_username(db.session, form.username.data or "")
    if user is None:
        return _page(error=_("No account has that username."), status=400, form=form)
    try:
        new = api_tokens.create(db.session, get_vault(), user_id=user.id, actor=_actor(),
                                label=form.label.data or "", days=form.days.data)
    except ServiceError as exc:
        db.session.rollback()
        return _page(error=shown(exc), status=409, form=form)
    return _page(new=new)


@bp.post("/tokens/<uuid:token_id>/revoke", endpoint="token_revoke")
def token_revoke(token_id: uuid.UUID) -> Any:
    try:
        api_tokens.revoke(db.session, get_vault(), token_id, actor=_actor())
    except NotFound:
        abort(404)
    return redirect(url_for(".tokens"))

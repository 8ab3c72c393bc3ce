"""Who is signed in, and which roles may reach which endpoint (default deny).

Every blueprint of the review face calls `default_deny(bp, {...})`: an endpoint not named in its
allow-list answers 404 to everyone, so a new route cannot slip out by forgetting a decorator.
The allow-list maps endpoint names to the roles that may use them; ANONYMOUS marks sign-in pages.

Sessions: the signed cookie carries the user id, the account's session epoch (bumped to end every
session of an account at once), whether the second factor was passed, and when the session started
and was last seen (idle and absolute timeouts).
"""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Iterable

from flask import Blueprint, abort, current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from ..extensions import db
from ..models import User

ANONYMOUS = "anonymous"
SIGN_IN_ENDPOINT = "review.sign_in"


def establish_session(user: User, *, second_factor: bool) -> None:
    """Start a fresh session for `user` (called at password login and again after the second factor)."""
    lang = session.get("lang")
    session.clear()  # a new session: nothing from before sign-in survives (no fixation)
    now = int(time.time())
    session.update(sid=secrets.token_urlsafe(16), uid=str(user.id), epoch=user.session_epoch,
                   mfa=second_factor, started=now, seen=now)
    if lang:
        session["lang"] = lang
    session.permanent = False


def end_session() -> None:
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def current_user() -> User | None:
    """The fully signed-in user (password and second factor), or None."""
    if "current_user" in g:
        return g.current_user
    g.current_user = _load_user(require_mfa=True)
    return g.current_user


def pending_user() -> User | None:
    """A user who passed the password but not yet the second factor."""
    return _load_user(require_mfa=False)


def _load_user(*, require_mfa: bool) -> User | None:
    uid = session.get("uid")
    if not uid:
        return None
    now = int(time.time())
    idle = current_app.config.get("INTAKE_IDLE_TIMEOUT", 30 * 60)
    absolute = current_app.config.get("INTAKE_ABSOLUTE_TIMEOUT", 12 * 3600)
    if now - int(session.get("seen", 0)) > idle or now - int(session.get("started", 0)) > absolute:
        end_session()
        return None
    try:
        user = db.session.get(User, uuid.UUID(uid))
    except ValueError:
        user = None
    if user is None or not user.is_active or user.session_epoch != session.get("epoch"):
        end_session()
        return None
    if require_mfa and not session.get("mfa"):
        return None
    session["seen"] = now
    return user


def default_deny(bp: Blueprint, allow: dict[str, Iterable[str]]) -> None:
    """Refuse every endpoint of `bp` not in `allow`; enforce the roles of those that are."""
    rules = {f"{bp.name}.{name}": frozenset(roles) for name, roles in allow.items()}
    bp.allowed_roles = rules  # type: ignore[attr-defined] - read by the role-matrix test

    @bp.before_request
    def _gate() -> Response | None:
        roles = rules.get(request.endpoint or "")
        if roles is None:
            abort(404)
        if ANONYMOUS in roles:
            return None
        user = current_user()
        if user is None:
            return redirect(url_for(SIGN_IN_ENDPOINT))
        if user.role not in roles:
            abort(403)
        return None

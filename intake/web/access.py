"""Who is signed in, and which roles may reach which endpoint (default deny).

Default deny for the whole application (`init_app`): a request whose endpoint belongs to a
blueprint that registered no access policy, or to no blueprint and is not `static`, answers 404.
A blueprint registers its policy with `default_deny(bp, allow)` (an allow-list of roles) or
`anonymous(bp)` (the public face: anyone, deliberately), or `bearer_token(bp, check)` (the researcher
API: a token, never a session). So a new or renamed blueprint is closed
until someone decides who may use it.

Every blueprint of the review face calls `default_deny(bp, allow)`: an endpoint not named in its
allow-list answers 404 to everyone, so a new route cannot slip out by forgetting a decorator.
The allow-list maps endpoint names (short, e.g. "index", or full, e.g. "review.index") to the roles
that may use them; ANONYMOUS marks pages anyone may open (the sign-in pages). The dict is read at
request time, so view modules may add their endpoints to it when they are imported.

An endpoint in the list but not for the visitor's role: 403. Nobody signed in: a redirect to the
sign-in page (for GET and POST alike).

Sessions live on the server (services/sessions.py): the signed cookie holds only a random token
(plus the language choice and the CSRF token). establish_session replaces the session wholesale
(new token, cookie cleared), so nothing set before sign-in survives it: no session fixation.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from flask import Blueprint, Flask, abort, current_app, g, redirect, request, session, url_for
from werkzeug.wrappers import Response

from ..extensions import db
from ..models import AuthSession, User
from ..services import sessions

ANONYMOUS = "anonymous"
ALLOW_LIST = "allow-list"
BEARER_TOKEN = "bearer-token"
# Endpoints that belong to no blueprint and may still be served: the stylesheet and scripts.
APP_ENDPOINTS = {"static": ANONYMOUS}
SIGN_IN_ENDPOINT = "review.sign_in"
_TOKEN = "sid"
_RESOLVED = "intake_auth"
_VIEWER = "intake_viewer"  # the signed-in account as read when the session was resolved
log = logging.getLogger(__name__)


def establish_session(user: User, *, second_factor: bool) -> None:
    """Start a fresh session for `user` (at the password step, and again after the second factor).

    The old server-side session (if any) is deleted and the cookie emptied before the new token is
    set; the CSRF token is dropped too, so a token planted before sign-in is worthless after it.
    """
    old = session.get(_TOKEN)
    lang = session.get("lang")
    session.clear()
    sessions.end(db.session, old)
    session[_TOKEN] = sessions.start(db.session, user, second_factor=second_factor)
    if lang:
        session["lang"] = lang
    session.permanent = False
    g.pop(_RESOLVED, None)
    g.pop(_VIEWER, None)
    g.pop("csrf_token", None)  # Flask-WTF's per-request cache of the token just cleared


def end_session() -> None:
    """Sign out: delete the server-side session and empty the cookie (the language choice stays)."""
    token = session.get(_TOKEN)
    lang = session.get("lang")
    session.clear()
    sessions.end(db.session, token)
    if lang:
        session["lang"] = lang
    g.pop(_RESOLVED, None)
    g.pop(_VIEWER, None)
    g.pop("csrf_token", None)


def _resolved() -> tuple[User, AuthSession] | None:
    if _RESOLVED not in g:
        token = session.get(_TOKEN)
        found = sessions.resolve(db.session, token, sessions.Timeouts.from_config(current_app.config))
        if found is None and token:
            session.pop(_TOKEN, None)  # ended or expired: forget it
        setattr(g, _RESOLVED, found)
        # Read now: a page that commits (an audited view expires every loaded row) would otherwise
        # read the session and the account again only to print a name or pass an id on.
        setattr(g, _VIEWER, (Viewer(found[0].id, found[0].username, found[0].role), found[1].second_factor)
                if found else None)
    return getattr(g, _RESOLVED)


@dataclass(frozen=True)
class Viewer:
    """The signed-in account as this request resolved it: what pages print and services record."""

    id: uuid.UUID
    username: str
    role: str


def current_viewer() -> Viewer | None:
    """current_user() as read at the start of the request (no database access after a commit)."""
    _resolved()
    found: tuple[Viewer, bool] | None = getattr(g, _VIEWER)
    return found[0] if found and found[1] else None


def current_user() -> User | None:
    """The fully signed-in user (password and second factor), or None."""
    found = _resolved()
    return found[0] if found and current_viewer() is not None else None


def pending_user() -> User | None:
    """A user who passed the password but not yet the second factor."""
    found = _resolved()
    return found[0] if found and not found[1].second_factor else None


def home_endpoint(user: User) -> str:
    return "research.index" if user.role == "researcher" else "review.index"


def roles_for(bp: Blueprint, endpoint: str | None) -> frozenset[str] | None:
    """The roles the allow-list of `bp` grants for a full endpoint name; None: not on the list."""
    allow: Mapping[str, Iterable[str]] = bp.allow  # type: ignore[attr-defined]
    if not endpoint or not endpoint.startswith(bp.name + "."):
        return None
    roles = allow.get(endpoint[len(bp.name) + 1:], allow.get(endpoint))
    return None if roles is None else frozenset(roles)


def allowed_roles(bp: Blueprint) -> dict[str, frozenset[str]]:
    """The allow-list of `bp` with full endpoint names (read by the role-matrix test)."""
    allow: Mapping[str, Iterable[str]] = bp.allow  # type: ignore[attr-defined]
    return {(name if name.startswith(bp.name + ".") else f"{bp.name}.{name}"): frozenset(roles)
            for name, roles in allow.items()}


def policy_of(app: Flask, blueprint: str | None, endpoint: str | None) -> str | None:
    """The access policy that covers an endpoint, or None when nobody registered one."""
    if blueprint:
        return getattr(app.blueprints.get(blueprint), "access_policy", None)
    return APP_ENDPOINTS.get(endpoint or "")


def init_app(app: Flask) -> None:
    """The application-wide check, run before every other request hook (CSRF, limits, views)."""
    @app.before_request
    def _refuse_unregistered() -> None:
        if request.endpoint is None:
            return  # no route matched: 404 or 405 follows anyway
        if policy_of(app, request.blueprint, request.endpoint) is None:
            log.warning("refused %s: no access policy is registered for it", request.endpoint)
            abort(404)


def anonymous(bp: Blueprint) -> None:
    """Declare that every endpoint of `bp` is open to anyone (the public face)."""
    bp.access_policy = ANONYMOUS  # type: ignore[attr-defined]


def default_deny(bp: Blueprint, allow: dict[str, Iterable[str]]) -> None:
    """Refuse every endpoint of `bp` not in `allow`; enforce the roles of those that are.

    `allow` is kept by reference and read at each request: entries added later count.
    """
    bp.access_policy = ALLOW_LIST  # type: ignore[attr-defined]
    bp.allow = allow  # type: ignore[attr-defined]

    @bp.before_request
    def _gate() -> Response | None:
        roles = roles_for(bp, request.endpoint)
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

    @bp.context_processor
    def _viewer() -> dict[str, object]:
        return {"viewer": current_viewer()}


def bearer_token(bp: Blueprint, check: Callable[[], Response | None], open_endpoints: Iterable[str] = ()) -> None:
    """Every endpoint of `bp` but `open_endpoints` answers only to a valid bearer token: `check`
    runs before each request and returns the refusal, or None. No session cookie is read or set
    (a browser's signed-in session opens nothing here), so no CSRF token is needed either."""
    bp.access_policy = BEARER_TOKEN  # type: ignore[attr-defined]
    bp.open_endpoints = frozenset(open_endpoints)  # type: ignore[attr-defined]

    @bp.before_request
    def _gate() -> Response | None:
        if (request.endpoint or "").partition(".")[2] in bp.open_endpoints:  # type: ignore[attr-defined]
            return None
        return check()

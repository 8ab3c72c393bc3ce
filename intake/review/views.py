"""Review views: the blueprint, its allow-list, and the workspace's front page.

ALLOW is the review face's allow-list (default deny, see web/access.py): endpoint name -> roles.
Other view modules register routes on `bp` and add their endpoints to ALLOW when imported:

    from .views import ALLOW, REVIEWERS, bp
    ALLOW.update({"triage": REVIEWERS})

They are imported explicitly at the bottom of this module: a module missing or renamed is an
ImportError at start, never a set of pages that silently vanished.

With the review keys locked (keyring.vault_problem()), every review page but the sign-in pages shows
a page that says so (503; the front page, a status page, 200): no decrypted content is served.
"""

from __future__ import annotations

from collections.abc import Collection

from flask import Blueprint, render_template, request

from ..keyring import get_vault, vault_problem
from ..models import Role
from ..web.access import ANONYMOUS, current_user, default_deny

bp = Blueprint("review", __name__, url_prefix="/review")

REVIEWERS = frozenset({Role.REVIEWER.value, Role.ADMIN.value})
ANYONE = frozenset({ANONYMOUS})
# The sign-in pages: anyone may open them (they are how one gets a session at all).
ACCOUNT_ENDPOINTS = frozenset({"sign_in", "sign_in_code", "sign_in_enrol", "sign_out", "setup"})
ALLOW: dict[str, Collection[str]] = {"index": REVIEWERS, **{name: ANYONE for name in ACCOUNT_ENDPOINTS}}
# Pages that go on working with the keys locked (they never decrypt): the sign-in pages explain the
# lock themselves. A view module may add such an endpoint (WORKS_LOCKED.add("...")).
WORKS_LOCKED: set[str] = set(ACCOUNT_ENDPOINTS)


@bp.before_request
def _refuse_while_locked() -> tuple[str, int] | None:
    """With the keys locked, every other review page shows the lock instead (before any role check:
    nothing could be served anyway). The front page answers 200, being the status page; the rest
    503. Only a signed-in visitor sees the operator's detail."""
    endpoint = (request.endpoint or "").removeprefix("review.")
    if endpoint in WORKS_LOCKED or endpoint not in ALLOW:
        return None
    problem = vault_problem()
    if not problem:
        return None
    detail = problem if current_user() is not None else None
    return render_template("review/locked.html", problem=detail), 200 if endpoint == "index" else 503


default_deny(bp, ALLOW)


@bp.get("/")
def index() -> str:
    vault = get_vault()
    return render_template("review/index.html", problem=vault_problem(), unlocked=bool(vault and vault.unlocked))


# The view modules register their routes on `bp` and their endpoints in ALLOW when imported.
from . import auth, duplicates, persons, search, triage  # noqa: E402,F401
from . import exports  # noqa: E402,F401 - researcher exports and statistics
from . import inbox, labels, statistics_labels  # noqa: E402,F401  (the workspace: inbox pages, template filters)

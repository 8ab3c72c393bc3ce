"""Review views."""

from __future__ import annotations

from flask import Blueprint, render_template

from ..keyring import get_vault, vault_problem
from ..services import take_in

bp = Blueprint("review", __name__, url_prefix="/review")


@bp.before_app_request
def _take_in_new_submissions() -> None:
    # The review face takes new submissions into the working store by itself, at most every
    # INTAKE_TAKE_IN_INTERVAL seconds and a bounded batch at a time, so no request waits long.
    take_in.maybe_take_in_in_background()


@bp.get("/")
def index() -> str:
    vault = get_vault()
    return render_template("review/index.html", problem=vault_problem(), unlocked=bool(vault and vault.unlocked))

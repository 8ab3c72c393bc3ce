"""Research views: a researcher sees the released anonymised exports proposed for their own account
(an admin every released export) and the statistics, nothing else. Every download is audited before
it is served, and never cached."""

from __future__ import annotations

import uuid
from typing import Any

from flask import Blueprint, abort, render_template, request, send_file
from werkzeug.wrappers import Response

from ..disclosure import notes
from ..extensions import db
from ..keyring import get_vault, vault_problem
from ..models import Role
from ..services import export_access, statistics
from ..services.errors import Conflict, NotFound
from ..web.access import current_user, default_deny

bp = Blueprint("research", __name__, url_prefix="/research")

RESEARCHERS = frozenset({Role.RESEARCHER.value, Role.ADMIN.value})
ALLOW: dict[str, frozenset[str]] = {"index": RESEARCHERS, "download": RESEARCHERS, "statistics": RESEARCHERS}
default_deny(bp, ALLOW)


def _vault() -> Any:
    vault = get_vault()
    if vault is None or not vault.unlocked or vault_problem():
        abort(503)
    return vault


@bp.get("/")
def index() -> str:
    vault = _vault()
    user = current_user()
    assert user is not None  # the blueprint's gate let only signed-in researchers and admins through
    released = export_access.released_exports(db.session, user)
    return render_template("research/index.html", exports=released,
                           files={e.id: export_access.file_names(e) for e in released},
                           measured={e.id: export_access.measured(e) for e in released},
                           keys={e.id: export_access.public_key_text(vault, e) for e in released})


@bp.get("/exports/<uuid:export_id>/<name>")
def download(export_id: uuid.UUID, name: str) -> Response:
    vault = _vault()
    user = current_user()
    assert user is not None  # the blueprint's gate let only signed-in researchers through
    try:
        path = export_access.export_file(db.session, export_id, name, user,  # a HEAD is not a download
                                         audit_with=None if request.method == "HEAD" else vault)
    except NotFound:
        db.session.rollback()
        abort(404)
    except Conflict:
        db.session.rollback()
        abort(409)
    response = send_file(path, as_attachment=True, download_name=name, max_age=0, conditional=False, etag=False)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/statistics", endpoint="statistics")
def statistics_page() -> str:
    vault = _vault()
    counts = statistics.latest(db.session, vault)
    charts_svg = statistics.charts_of(counts) if counts else []
    return render_template("research/statistics.html", counts=counts, charts=charts_svg, notes=notes.BIAS_NOTES)


"""Research views: researchers (and admins) see released anonymised exports, nothing else."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import select

from ..extensions import db
from ..models import Export, ExportStatus, Role
from ..web.access import default_deny

bp = Blueprint("research", __name__, url_prefix="/research")

RESEARCHERS = frozenset({Role.RESEARCHER.value, Role.ADMIN.value})
ALLOW: dict[str, frozenset[str]] = {"index": RESEARCHERS}
default_deny(bp, ALLOW)


@bp.get("/")
def index() -> str:
    exports = db.session.scalars(select(Export).where(Export.status == ExportStatus.RELEASED.value)
                                 .order_by(Export.created_at.desc())).all()
    return render_template("research/index.html", exports=exports)

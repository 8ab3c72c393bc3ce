"""Research views."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("research", __name__, url_prefix="/research")

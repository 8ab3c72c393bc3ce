"""Search by ID number, name, or county and birth year, through the blind indexes. POST only for the query: an ID number or
a name must never sit in a URL (server logs, browser history, Referer)."""

from __future__ import annotations

from typing import Any

from flask import render_template

from ..extensions import db
from ..services import inbox, place_lookup
from ..services import search as search_service
from ..services.errors import ServiceError
from ..web.i18n import gettext as _
from ..web.said import shown as said_in_language
from . import triage_forms as forms
from .triage import SCRIPT_LANG, actor, locked_page, readable_vault
from .views import ALLOW, REVIEWERS, bp

ALLOW.update({"search": REVIEWERS})


@bp.route("/search", methods=["GET", "POST"])
def search() -> Any:
    vault = readable_vault()
    if vault is None:
        return locked_page()  # the index key is locked with the rest
    form = forms.SearchForm()
    hits, error, shown = None, None, {}
    if form.validate_on_submit():
        value = form.value.data or ""
        if form.index.data == "county_birth_year":
            code = place_lookup.county_code(form.county.data)
            value = f"{code} {form.birth_year.data or ''}" if code else ""
            if not code:
                error = _("Give a county (a name in any script, from the list) and a birth year.")
        if error is None:
            try:
                hits = search_service.search(db.session, vault, form.index.data, value, actor=actor())
                shown = inbox.names_and_counties(db.session, [h.report_id for h in hits])
            except ServiceError as exc:
                db.session.rollback()
                error = said_in_language(exc)
    return render_template("review/triage/search.html", form=form, hits=hits, error=error, shown=shown,
                           script_lang=SCRIPT_LANG)

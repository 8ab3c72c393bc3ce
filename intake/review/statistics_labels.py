"""The statistics pages' words in the page's language: table titles, categories and the bias notes.

The counts keep their English titles and category labels (they are sealed with the run and go into
exports as they are); the pages translate them here: titles by the table's dimension, categories by
the thesauri (statuses, genders, verification levels) and the place list (prefectures), and the few
fixed words (unknown, before 2014, age bands). A label not recognised is shown as it is.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any


from ..disclosure.statistics import DETENTION_YEARS_FROM
from ..services import thesauri
from ..web.bidi import isolate
from .views import bp
from ..web.i18n import current_language, gettext as _, lazy_gettext as _l

TITLES = {"prefecture": _l("Persons by home prefecture"), "detention_year": _l("Persons by year of detention"),
          "status": _l("Persons by their situation as last reported"), "gender": _l("Persons by gender"),
          "verification": _l("Persons by verification level")}
VOCABULARY_OF = {"status": "statuses", "gender": "genders", "verification": "verification_levels"}
WORDS = {"unknown": _l("unknown"), "not given": _l("not given"), "under 18": _l("under 18"),
         "70 or older": _l("70 or older")}


@bp.app_template_filter("table_title")
def table_title(table: Any) -> str:
    """A count table's title ("Persons by age in 2026" keeps its year)."""
    if table.dimension == "age_band" and (year := re.search(r"\d{4}", table.title)):
        return _("Persons by age in %(year)s", year=isolate(year.group()))
    return str(TITLES.get(table.dimension, table.title))


@cache
def _terms(vocabulary: str) -> dict[str, thesauri.Term]:
    return {t.code: t for t in thesauri.vocabulary(vocabulary)}


@cache
def _prefectures() -> dict[str, thesauri.Place]:
    return {p.latin: p for p in thesauri.places() if p.level == "prefecture"}


@bp.app_template_filter("category")
def category(label: Any, table: Any) -> str:
    """One category of a count table in the page's language."""
    label, lang = str(label), current_language().code
    if label == f"before {DETENTION_YEARS_FROM}":
        return _("before %(year)s", year=isolate(DETENTION_YEARS_FROM))
    if vocabulary := VOCABULARY_OF.get(table.dimension):
        if term := _terms(vocabulary).get(label):
            return term.label(lang)
    if table.dimension == "prefecture" and (place := _prefectures().get(label)):
        return thesauri.label(place, lang)
    return str(WORDS.get(label, label))

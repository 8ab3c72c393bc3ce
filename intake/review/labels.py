"""What the review pages show instead of codes: vocabulary labels (in the page's language, from the
thesauri), county names in three scripts, the name of a name's script, file sizes. Template
filters only; no logic a decision depends on. The review face's own words are English, like the
rest of it: its templates carry no gettext markers, so the six public catalogues stay complete."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import g

from ..resolution import scripts
from ..services import thesauri
from ..web.i18n import current_language
from .views import bp

# Field name -> the vocabulary its codes come from.
VOCABULARY_OF = {"gender": "genders", "ethnicity": "ethnicities", "submitter_relationship": "relationships",
                 "facility_type": "facility_types", "status": "statuses", "verification": "verification_levels",
                 "kind": "statuses"}
SUBMISSION_STATUSES = {"received": "Received", "in_review": "In review", "needs_information": "Needs information",
                       "recorded": "Recorded", "withdrawn": "Withdrawn"}
SCRIPT_NAMES = {
    scripts.ARABIC: "Uyghur (Arabic script)", scripts.CHINESE: "Chinese characters", "zh-Hant": "Chinese characters",
    scripts.PINYIN: "Pinyin", scripts.ULY: "Uyghur Latin", scripts.TURKISH: "Turkish spelling",
    scripts.KAZAKH_LATIN: "Kazakh Latin", scripts.LATIN: "Latin", scripts.UYGHUR_CYRILLIC: "Uyghur Cyrillic",
    scripts.KAZAKH_CYRILLIC: "Kazakh Cyrillic", scripts.RUSSIAN_CYRILLIC: "Russian Cyrillic", "Cyrl": "Cyrillic",
    scripts.OTHER: "other script",
}


@cache
def _label(vocabulary: str, code: str, lang: str) -> str | None:
    found = thesauri.term(vocabulary, code)
    return found.label(lang) if found else None


def _language() -> str:
    if "review_lang" not in g:  # the locale once per request, not once per cell
        g.review_lang = current_language().code
    return str(g.review_lang)


@bp.app_template_filter("term")
def term_label(code: Any, field: str) -> str:
    """A vocabulary code as its label in the page's language ("partially_verified" -> "Partially
    verified"); free text (a family's own words) is shown as it is."""
    if code is None or code == "":
        return "—"
    if field == "submission_status":
        return SUBMISSION_STATUSES.get(str(code), str(code))
    vocabulary = VOCABULARY_OF.get(field)
    label = _label(vocabulary, str(code), _language()) if vocabulary else None
    return label if label is not None else str(code)


@bp.app_template_filter("county")
def county(code: Any) -> thesauri.Place | None:
    """The place a GB/T 2260 code names (None: free text, or not a code of the thesaurus)."""
    return thesauri.place(str(code)) if code and str(code).isdigit() else None


@bp.app_template_filter("script_name")
def script_name(name: dict[str, Any]) -> str:
    """The script a name is written in: as the family said, or else as detected."""
    given = name.get("script")
    detected = scripts.detect(str(name.get("value") or ""))
    # The family's word first; detection only refines the form's coarse codes ("Latn", "Cyrl") within
    # the same letters (Uyghur Latin, Kazakh Cyrillic...), never overrides them.
    coarse = {"Latn": "latin", "Cyrl": "cyrillic"}.get(str(given))
    script = detected if not given or (coarse and scripts.family(detected) == coarse) else given
    return SCRIPT_NAMES.get(script, script or "unknown script")


@bp.app_template_filter("filesize")
def filesize(size: Any) -> str:
    try:
        n = int(size)
    except (TypeError, ValueError):
        return "—"
    if n < 1024:
        return f"{n} bytes"
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / (1024 * 1024):.1f} MB"

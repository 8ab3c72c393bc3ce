"""What the review pages show instead of codes: vocabulary labels (in the page's language, from the
thesauri), county names in three scripts, the name of a name's script, roles, file sizes, and the
links that switch the page's language. Template filters only; no logic a decision depends on. The
words are translated like the public face's (the same six catalogues)."""

from __future__ import annotations

from functools import cache
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import g, request, url_for
from markupsafe import Markup, escape

from ..digits import ascii_digits
from ..resolution import scripts
from ..services import place_lookup, thesauri
from .views import bp
from ..web.bidi import bdi, ltr
from ..web.i18n import LANGUAGES, current_language, normalise, lazy_gettext as _l

# Field name -> the vocabulary its codes come from.
VOCABULARY_OF = {"gender": "genders", "ethnicity": "ethnicities", "submitter_relationship": "relationships",
                 "facility_type": "facility_types", "status": "statuses", "verification": "verification_levels",
                 "kind": "statuses"}
SUBMISSION_STATUSES = {"received": _l("Received"), "in_review": _l("In review"),
                       "needs_information": _l("Needs information"), "recorded": _l("Recorded"),
                       "withdrawn": _l("Withdrawn")}
SCRIPT_NAMES = {
    scripts.ARABIC: _l("Uyghur (Arabic script)"), scripts.CHINESE: _l("Chinese characters"),
    "zh-Hant": _l("Chinese characters"), scripts.PINYIN: _l("Pinyin"), scripts.ULY: _l("Uyghur Latin"),
    scripts.TURKISH: _l("Turkish spelling"), scripts.KAZAKH_LATIN: _l("Kazakh Latin"), scripts.LATIN: _l("Latin"),
    scripts.UYGHUR_CYRILLIC: _l("Uyghur Cyrillic"), scripts.KAZAKH_CYRILLIC: _l("Kazakh Cyrillic"),
    scripts.RUSSIAN_CYRILLIC: _l("Russian Cyrillic"), "Cyrl": _l("Cyrillic"), scripts.OTHER: _l("other script"),
}
ROLE_NAMES = {"reviewer": _l("reviewer"), "researcher": _l("researcher"), "admin": _l("admin")}
# A name's kind as the form records it (review/triage: the names of a report).
NAME_KINDS = {"given": _l("given name"), "father": _l("father's name")}


@cache
def _label(vocabulary: str, code: str, lang: str) -> str | None:
    found = thesauri.term(vocabulary, code)
    return found.label(lang) if found else None


def page_language() -> str:
    found = g.get("review_lang")
    if found is None:  # the locale once per request, not once per cell
        found = g.review_lang = current_language().code
    return str(found)


@bp.app_template_filter("term")
def term_label(code: Any, field: str) -> str:
    """A vocabulary code as its label in the page's language ("partially_verified" -> "Partially
    verified"); free text (a family's own words) is shown as it is."""
    if code is None or code == "":
        return "—"
    if field == "submission_status":
        return str(SUBMISSION_STATUSES.get(str(code), str(code)))
    vocabulary = VOCABULARY_OF.get(field)
    label = _label(vocabulary, str(code), page_language()) if vocabulary else None
    return label if label is not None else str(code)


@bp.app_template_filter("county")
def county(code: Any) -> thesauri.Place | None:
    """The place a GB/T 2260 code names (None: free text, or not a code of the thesaurus)."""
    return thesauri.place(str(code)) if code and ascii_digits(str(code)) else None


# One field's value as a reviewer reads it, drawn in Python: a person page draws three dozen and a
# report page fourteen, and each was a Jinja macro call (a frame and a context of its own) that cost
# more than its markup. The same markup as the macros `field_value` and `place_names` drew.
_CODED = frozenset({"gender", "ethnicity", "submitter_relationship", "facility_type"})
_DATES = frozenset({"birth_date", "detention_date", "last_contact"})


@bp.app_template_global("field_markup")
def field_markup(key: str, value: Any) -> Markup:
    """A county by its names, a code by its label, a date isolated, text as typed; "—" for nothing."""
    if value is None or value == "":
        return Markup("—")
    if key == "home_county":
        return place_markup(value)
    if key in _CODED:
        return escape(term_label(value, key))
    if key in _DATES:
        return ltr(value)
    return Markup(f'<span dir="auto">{escape(value)}</span>')  # noqa: S704 - value escaped


@bp.app_template_global("place_markup")
def place_markup(value: Any) -> Markup:
    """A county by its names in Latin, Uyghur and Chinese; free text as the family typed it."""
    place = county(value)
    if place:
        return Markup(f'<span class="place-names"><span lang="en">{escape(place.latin)}</span> '  # noqa: S704
                      f'<span lang="ug" dir="rtl">{escape(place.ug)}</span> '
                      f'<span lang="zh-Hans">{escape(place.zh)}</span></span>')
    return bdi(value) if value else Markup("—")


@bp.app_template_filter("script_name")
def script_name(name: dict[str, Any]) -> str:
    """The script a name is written in: as the family said, or else as detected."""
    given = name.get("script")
    detected = scripts.detect(str(name.get("value") or ""))
    # The family's word first; detection only refines the form's coarse codes ("Latn", "Cyrl") within
    # the same letters (Uyghur Latin, Kazakh Cyrillic...), never overrides them.
    coarse = {"Latn": "latin", "Cyrl": "cyrillic"}.get(str(given))
    script = detected if not given or (coarse and scripts.family(detected) == coarse) else given
    return str(SCRIPT_NAMES.get(script, script or _l("unknown script")))


@bp.app_template_filter("role_name")
def role_name(role: Any) -> str:
    """An account's role in the page's language (the code itself if it is not a known role)."""
    return str(ROLE_NAMES.get(str(role), str(role)))


@bp.app_template_global("county_options")
@cache
def county_options() -> Markup:
    """The county picker's suggestions (a datalist's options): the same on every page and in every
    language, so built once per process, not a loop of 114 counties on each inbox page."""
    return Markup("".join(  # noqa: S704 - every value escaped
        f'<option value="{escape(p.latin)}" label="{escape(p.ug)} · {escape(p.zh)}"></option>'
        for p in place_lookup.choosable_counties()))


@bp.app_template_global("review_language_href")
def review_language_href(code: str) -> str:
    """This page in another language: a GET page with its query (inbox filters, page) kept; after a
    refused POST, the page the form came from (`triage.drawn_for`; nothing posted is sent again),
    else the front page of the workspace."""
    if request.method == "GET" and request.endpoint and request.endpoint != "static":
        # The query goes on as text: given to url_for as keywords, "handle" or "_method" raised
        # and "_external" made the link absolute.
        query = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"] + [("lang", code)]
        return f"{url_for(request.endpoint, **(request.view_args or {}))}?{urlencode(query)}"
    page = g.get("review_page")
    if page:
        path, _, query_text = page.partition("?")
        kept = [(k, v) for k, v in parse_qsl(query_text, keep_blank_values=True) if k != "lang"]
        return f"{path}?{urlencode([*kept, ('lang', code)])}"
    return url_for("review.index", lang=code)


@bp.app_template_filter("filesize")
def filesize(size: Any) -> str:
    try:
        n = int(size)
    except (TypeError, ValueError):
        return "—"
    if n < 1024:
        return str(_l("%(n)s bytes", n=n))
    return f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / (1024 * 1024):.1f} MB"


@bp.app_template_filter("name_kind")
def name_kind(kind: Any) -> str:
    """Which of a person's names this is (given, father's), in the page's language."""
    return str(NAME_KINDS.get(str(kind), str(kind)))


# Inside a sentence ("Decided: rejected"); PAIR_STATUS_LABELS where one stands alone as a label (a tab).
PAIR_STATUSES = {"pending": _l("pending"), "accepted": _l("accepted"), "rejected": _l("rejected"),
                 "deferred": _l("deferred")}
PAIR_STATUS_LABELS = {"pending": _l("Pending"), "accepted": _l("Accepted"), "rejected": _l("Rejected"),
                      "deferred": _l("Deferred")}
# The matcher's comparisons (dedup/comparisons.py), by the field each compares: labels (a table's row
# heads, the weights chart's bars), in sentence case as every other label of the review face.
COMPARISON_NAMES = {"given": _l("Name"), "father": _l("Father's name"), "birth": _l("Birth date"),
                    "place": _l("Home place"), "id": _l("ID number"), "gender": _l("Gender"),
                    "detention": _l("Detained on")}
# ... and by the words dedup/explain.py uses for the same fields (a pair's lines, its chart's bars).
COMPARISON_NAMES.update({"name": COMPARISON_NAMES["given"], "father's name": COMPARISON_NAMES["father"],
                         "birth date": COMPARISON_NAMES["birth"], "home place": COMPARISON_NAMES["place"],
                         "ID number": COMPARISON_NAMES["id"],
                         "detention date": COMPARISON_NAMES["detention"]})


@bp.app_template_filter("pair_status")
def pair_status(status: Any) -> str:
    """A candidate pair's decision (pending, accepted...) in the page's language."""
    return str(PAIR_STATUSES.get(str(status), str(status)))


@bp.app_template_filter("pair_status_label")
def pair_status_label(status: Any) -> str:
    """A candidate pair's decision as a label of its own (Pending, Accepted...), in the page's language."""
    return str(PAIR_STATUS_LABELS.get(str(status), str(status)))


@bp.app_template_filter("comparison")
def comparison(name: Any) -> str:
    """What a match level compares, as a label (given -> Name), in the page's language."""
    return str(COMPARISON_NAMES.get(str(name), str(name).replace("_", " ")))


VERDICTS = {"verified": _l("verified"), "not yet sealed": _l("not yet sealed"),
            "failed verification": _l("failed verification"), "withdrawn": _l("withdrawn"),
            "cannot be verified": _l("cannot be verified")}


@bp.app_template_filter("verdict")
def verdict(value: Any) -> str:
    """An integrity verdict (services/integrity.Verdict) in the page's language."""
    return str(VERDICTS.get(str(value), str(value)))


@bp.app_template_filter("handle")
def handle(value: Any) -> Markup:
    """A report's or person's handle inside a sentence: isolated, left to right, in its handle style."""
    return Markup(f'<bdi dir="ltr" class="handle">{escape(value)}</bdi>')  # noqa: S704 - value escaped (as bidi.ltr)


@bp.app_template_filter("language_name")
def language_name(code: Any) -> str:
    """The language a family wrote in, by its own name (ئۇيغۇرچە, Русский), or "—"."""
    if not code:
        return "—"
    found = LANGUAGES.get(normalise(str(code)) or "")
    return found.name if found else str(code)


EXPORT_STATUSES = {"requested": _l("requested"), "approved": _l("approved"), "built": _l("built"),
                   "released": _l("released"), "revoked": _l("revoked"), "failed": _l("failed")}


@bp.app_template_filter("export_status")
def export_status(status: Any) -> str:
    """An export's status (models.ExportStatus) in the page's language."""
    return str(EXPORT_STATUSES.get(str(status), str(status)))


TOKEN_STATES = {"active": _l("active"), "revoked": _l("revoked"), "expired": _l("expired")}


@bp.app_template_filter("token_state")
def token_state(state: Any) -> str:
    """An API token's state (services/api_tokens) in the page's language."""
    return str(TOKEN_STATES.get(str(state), str(state)))


# The matcher's levels (dedup/comparisons.py): how two reports' values of one field compare.
MATCH_LEVELS = {
    "exact": _l("exact"), "same": _l("same"), "close": _l("close"), "near": _l("one character apart"),
    "different": _l("different"), "missing": _l("missing"), "other": _l("other"),
    "same_name": _l("same name"),  # model 5: in any form; model 4's finer codes below stay for older pairs
    "same_spelling": _l("same spelling"), "same_across_scripts": _l("same across scripts"),
    "other_order_or_name": _l("other order or other name"), "same_month": _l("same month"),
    "same_year": _l("same year"), "same_year_other_date": _l("same year, other date"),
    "one_year_apart": _l("one year apart"), "two_years_apart": _l("two years apart"),
    "same_county": _l("same county"), "same_prefecture": _l("same prefecture"),
    "other_county_same_prefecture": _l("other county, same prefecture"),
    "region_and_date": _l("same region and birth date"),
}


@bp.app_template_filter("match_level")
def match_level(level: Any) -> str:
    """A match level's code (same_month) as words in the page's language."""
    return str(MATCH_LEVELS.get(str(level), str(level).replace("_", " ")))

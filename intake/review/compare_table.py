"""The person page's table of its reports side by side, as markup built in Python.

Three dozen cells for three reports, and a name list per report: in Jinja each cell went through a
macro or global call, attribute lookups and escaping, about a fifth of the page's CPU. Here each
row is one f-string, every value escaped with markupsafe's `escape` where the template escaped it
(the field values through `labels.field_markup`, the names through the `name_list` macro, as
before). `tests/web/review/test_compare_table.py` holds the markup to what the template made.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from flask import get_template_attribute, url_for
from markupsafe import Markup, escape

from ..services.comparison import Row
from ..services.person_view import PersonView
from ..web.bidi import ltr
from ..web.form_markup import action_form
from ..web.i18n import gettext as _

# Stands for a handle in the one URL of each kind the table builds (handles are [A-Z0-9-] only).
_SLOT = "HANDLE-SLOT"


def name_list(names: Sequence[Any] | None, script_lang: Mapping[str, str]) -> Markup:
    """A report's names, each in its language, with its script (and kind) named: the template's own
    `name_list` macro, which the report and pair pages use too (one cell per report: its cost is small)."""
    return get_template_attribute("review/triage/_macros.html", "name_list")(names, script_lang)


def compare_table(view: PersonView, rows: Sequence[Row], labels: Mapping[str, Any], script_lang: Mapping[str, str],
                  splits: Mapping[str, Any]) -> Markup:
    """The whole `<table class="compare">` of a person page: a column per report, a row per field,
    disagreements marked, and each report's split-out form."""
    from . import labels as words  # here: labels imports the blueprint's module, which imports this one

    reports = view.reports
    report_url = url_for("review.report", handle=_SLOT)
    split_url = url_for("review.person_split", handle=view.person.handle, report_handle=_SLOT)
    heads = "".join(
        f'<th scope="col"><a class="handle" href="{escape(report_url.replace(_SLOT, r.handle, 1))}">'
        f'{escape(r.handle)}</a><br><small>{escape(words.term_label(r.status, "status"))} · '
        f'{escape(words.term_label(r.verification, "verification"))} · {ltr(r.created_on)}</small></th>'
        for r in reports)
    # The words first, each `_()` on its own: pybabel does not look inside f-strings.
    differs_word, caption, field_word = _("differs"), _("Reports of this person, field by field"), _("Field")
    names_word, testimony_word, split_word = _("Names"), _("Testimony"), _("Split out")
    differs = f' <span class="error-tag">({escape(differs_word)})</span>'
    marked = ' class="disagree"'
    body = "".join(
        f'<tr{marked if row.disagree else ""}><th scope="row">{escape(labels[row.field])}'
        f'{differs if row.disagree else ""}</th>'
        f'{"".join(f"<td>{words.field_markup(row.field, v)}</td>" for v in row.values)}</tr>\n'
        for row in rows)
    names = "".join(f"<td>{name_list(r.fields.get('names'), script_lang)}</td>" for r in reports)
    testimonies = "".join(f'<td><p class="message-text" dir="auto">{escape(r.fields.get("testimony") or "—")}</p></td>'
                          for r in reports)
    forms = (action_form(split_url.replace(_SLOT, r.handle, 1), splits[r.handle],
                         _("Split %(handle)s out into a new person", handle=r.handle)) for r in reports)
    split_cells = "".join(f"<td>{form}</td>" for form in forms)
    return Markup(  # noqa: S704 - every value escaped above
        f'<table class="compare">\n'
        f'<caption class="visually-hidden">{escape(caption)}</caption>\n'
        f'<thead><tr><th scope="col">{escape(field_word)}</th>{heads}</tr></thead>\n'
        f'<tbody>\n'
        f'<tr><th scope="row">{escape(names_word)}</th>{names}</tr>\n'
        f'{body}\n'
        f'<tr><th scope="row">{escape(testimony_word)}</th>{testimonies}</tr>\n'
        f'<tr><th scope="row">{escape(split_word)}</th>{split_cells}</tr>\n'
        f'</tbody>\n'
        f'</table>')

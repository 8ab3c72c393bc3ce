"""The inbox table's rows, as markup built in Python (the template keeps the rest of the page).

Fifty rows a page, eleven cells each: in Jinja every cell went through the runtime's attribute
lookups, filter calls and escaping, and the rows were half of the page's rendering. Here each row is
one f-string, every value escaped with markupsafe's `escape` exactly where the template escaped it;
the words (labels with a slot for the row's value) are translated once per page by the caller.
`tests/web/review/test_inbox_rows.py` holds the markup to what the template made.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from functools import cache
from types import ModuleType
from typing import Any

from flask import url_for
from markupsafe import Markup, escape

from ..models.base import today
from ..resolution import scripts
from ..services import thesauri
from ..services.inbox import InboxRow
from ..web.bidi import ltr
from ..web.i18n import gettext as _

# Stands for a report's handle in the one report URL a page builds (handles are [A-Z0-9-] only).
HANDLE_SLOT = _SLOT = "R-HANDLE-SLOT"

# markupsafe's escaping (the same five characters, the same entities) as one str.translate: `escape`
# is three Python calls and a Markup a value, and a page escapes some six hundred values.
_HTML = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "'": "&#39;", '"': "&#34;"})


def _text(value: Any) -> str:
    """`str(escape(value))` for what a row holds (text, or what JSON decodes to: never markup)."""
    return (value if value.__class__ is str else str(value)).translate(_HTML)


_COARSE = frozenset({"Latn", "Cyrl"})  # the form's codes that detection refines (labels.script_name)


def _names(names: list[Any], script_lang: Mapping[str, str], opening: dict[Any, str],
           script_names: dict[Any, str]) -> str:
    """Names in a cell: each isolated in its own direction, in its language, its script named after it
    (as on the report page: "Uyghur Arabic", "Chinese characters"...). `opening`: the page's
    `<li><bdi lang=...>` of each script seen, drawn once; `script_names`: each (script, detected
    script) named once."""
    if not names:
        return '<ul class="row-names"><li>—</li></ul>'
    items = []
    for name in names:
        script, value = (name.get("script"), name.get("value", "")) if isinstance(name, dict) else (None, "")
        head = opening.get(script)
        if head is None:
            head = opening[script] = f'<li><bdi lang="{escape(script_lang.get(script, "und"))}">'
        text = value if value.__class__ is str else str(value)
        # Detection only refines a coarse or missing script (script_name): the others need none.
        key = (script, scripts.detect(text) if not script or script in _COARSE else None)
        tail = script_names.get(key)
        if tail is None:
            from .labels import script_name  # here: labels imports the views, which import this

            named = script_name({"script": script, "value": text}) if isinstance(name, dict) else script_name({})
            tail = script_names[key] = f' <span class="script">({escape(named)})</span>'
        items.append(f"{head}{text.translate(_HTML)}</bdi>{tail}</li>")
    return f'<ul class="row-names">{"".join(items)}</ul>'


def _place(code: str | None, county: Callable[[Any], Any], places: dict[str, str]) -> str:
    """A county by its three names; free text (what the family typed) as it is, isolated."""
    if not code:
        return "—"
    drawn = _thesaurus_places().get(code) if code.__class__ is str else None
    if drawn is not None:
        return drawn
    drawn = places.get(code)
    if drawn is not None:
        return drawn
    place = county(code)
    if place is None:
        return f"<bdi>{escape(code)}</bdi>"
    # The thesaurus's names of a code, the same for every row that names it: drawn once a page.
    drawn = places[code] = _drawn_place(place)
    return drawn


def _drawn_place(place: Any) -> str:
    return (f'<span lang="en">{escape(place.latin)}</span><br><span lang="ug" dir="rtl">'
            f'{escape(place.ug)}</span><br><span lang="zh-Hans">{escape(place.zh)}</span>')


@cache
def _thesaurus_places() -> dict[str, str]:
    """Every code of the thesaurus drawn by its names, once per process: the thesaurus's own text,
    the same whatever the language (drawn for all codes alike, it holds nothing of any report)."""
    from . import labels

    return {p.code: _drawn_place(p) for p in thesauri.places() if labels.county(p.code) is p}


class _Words:
    """What a page's rows share, escaped once: the words, the labels of states, numbers isolated."""

    def __init__(self, report_url: str, labels: ModuleType) -> None:
        self.report_url = report_url
        locked, needs = _("locked"), _("needs information")  # outside the f-strings: pybabel does not look there
        self.locked = f"<em>{escape(locked)}</em>"
        self.needs = f"<br><small>{escape(needs)}</small>"
        self.pick = str(escape(_("Select report %(handle)s", handle=_SLOT)))
        self.age = str(escape(_("%(days)s d", days=_SLOT)))
        self.county = labels.county
        self.places: dict[str, str] = {}
        self.scripts: dict[Any, str] = {}  # each script's opening of a name (see _names)
        self.script_names: dict[Any, str] = {}  # each script's name after a name (see _names)
        self.today = today()
        self._term_label = labels.term_label
        self._terms: dict[tuple[Any, str], str] = {}
        self._numbers: dict[int, str] = {}

    def term(self, code: Any, field: str) -> str:
        found = self._terms.get((code, field))
        if found is None:
            found = self._terms[code, field] = str(escape(self._term_label(code, field)))
        return found

    def number(self, n: int) -> str:
        found = self._numbers.get(n)
        if found is None:
            # An int is its own escaped text: bidi.ltr's markup without its escape() and Markup.
            found = self._numbers[n] = f'<bdi dir="ltr">{n}</bdi>' if n.__class__ is int else str(ltr(n))
        return found


def _row(row: InboxRow, words: _Words, script_lang: Mapping[str, str], picked: Collection[str]) -> str:
    handle = _text(row.handle)
    href = _text(words.report_url.replace(_SLOT, row.handle, 1))
    names = words.locked if row.names is None else _names(row.names, script_lang, words.scripts, words.script_names)
    if row.integrity:
        problem = _text(_("State not shown: %(problem)s", problem=row.integrity))
        state = f'<td colspan="2" class="error">{problem}</td>\n'
    else:
        needs = words.needs if row.submission_status == "needs_information" else ""
        state = f'<td>{words.term(row.status, "status")}{needs}</td><td>{words.term(row.verification, "verification")}</td>'
    person = (f'<a class="handle" href="{escape(url_for("review.person", handle=row.person_handle))}">'
              f'{_text(row.person_handle)}</a>') if row.person_handle else "—"
    age = max(0, (words.today - row.created_on).days)  # InboxRow.age_days, with the page's one date
    return (f'\n<tr data-href="{href}">\n'
            f'<td><input type="checkbox" name="report" value="{handle}" id="pick-{handle}" '
            f'aria-label="{words.pick.replace(_SLOT, handle, 1)}"{" checked" if row.handle in picked else ""}></td>\n'
            f'<td><a class="handle" href="{href}">{handle}</a></td>\n'
            f"<td>{names}</td>\n"
            f"<td>{_place(row.county, words.county, words.places)}</td>\n"
            f"{state}\n"
            f'<td>{words.age.replace(_SLOT, words.number(age), 1)}</td>\n'
            f'<td>{f"<bdi>{_text(row.assignee)}</bdi>" if row.assignee else "—"}</td><td>{person}</td>'
            f'<td>{", ".join(f"<bdi>{_text(t)}</bdi>" for t in row.tags)}</td><td>{words.number(row.attachments)}</td></tr>\n')


def inbox_rows(rows: Iterable[InboxRow], report_url: str, picked: Collection[str] = frozenset()) -> Markup:
    """The table body's rows (none: the row that says so). `report_url`: the report page's URL with
    the inbox's filters, `_SLOT` standing for the handle; `picked`: the handles ticked (a refused bulk
    action's selection, drawn again)."""
    # Here, not at import: both modules import the blueprint's, which imports review/inbox.py, which imports this.
    from . import labels
    from .triage import SCRIPT_LANG

    words = _Words(report_url, labels)
    out = "".join(_row(row, words, SCRIPT_LANG, picked) for row in rows)
    if out:
        return Markup(out)  # noqa: S704 - every value escaped in _row
    none = _("No reports match.")
    return Markup(f'<tr><td colspan="11">{escape(none)}</td></tr>')  # noqa: S704

"""The person page's side-by-side table (review/compare_table.py) is the markup the template drew:
every cell, every value escaped, in a left-to-right and a right-to-left language."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from intake.review.compare_table import compare_table
from intake.services import comparison
from intake.services.integrity import ReportState, Verdict
from intake.services.person_view import PersonView
from intake.services.report_view import PersonRef
from intake.services.triage import DecryptedReport

# The table as the person page's template drew it (triage/person.html), the reference.
_TEMPLATE = """{% from "review/triage/_macros.html" import name_list %}<table class="compare">
<caption class="visually-hidden">{{ _("Reports of this person, field by field") }}</caption>
<thead><tr><th scope="col">{{ _("Field") }}</th>{% for r in view.reports %}<th scope="col"><a class="handle" href="{{ url_for('review.report', handle=r.handle) }}">{{ r.handle }}</a><br><small>{{ r.status|term("status") }} · {{ r.verification|term("verification") }} · {{ r.created_on|ltr }}</small></th>{% endfor %}</tr></thead>
<tbody>
<tr><th scope="row">{{ _("Names") }}</th>{% for r in view.reports %}<td>{{ name_list(r.fields.names, script_lang) }}</td>{% endfor %}</tr>
{% for row in rows %}<tr{% if row.disagree %} class="disagree"{% endif %}><th scope="row">{{ labels[row.field] }}{% if row.disagree %} <span class="error-tag">({{ _("differs") }})</span>{% endif %}</th>{% for v in row.values %}<td>{{ field_markup(row.field, v) }}</td>{% endfor %}</tr>
{% endfor %}
<tr><th scope="row">{{ _("Testimony") }}</th>{% for r in view.reports %}<td><p class="message-text" dir="auto">{{ r.fields.testimony or "—" }}</p></td>{% endfor %}</tr>
<tr><th scope="row">{{ _("Split out") }}</th>{% for r in view.reports %}<td>{{ action_form(url_for('review.person_split', handle=view.person.handle, report_handle=r.handle), splits[r.handle], _("Split %(handle)s out into a new person", handle=r.handle)) }}</td>{% endfor %}</tr>
</tbody>
</table>"""

HOSTILE = '<script>x</script>&"\''


class _Form:
    """A form already drawn (as web/stamped_forms.py gives them): the same parts on every use."""

    def __init__(self, handle: str) -> None:
        self.handle = handle

    def stamped_parts(self) -> tuple[str, str, str]:
        return f'<input type="hidden" name="t" value="{self.handle}">', "<p>reason</p>", "<button>Split</button>"


def _report(handle: str, status: str | None, fields: dict) -> DecryptedReport:
    state = ReportState(uuid.uuid4(), Verdict.VERIFIED, status=status, verification="partially_verified")
    return DecryptedReport(id=state.report_id, handle=handle, created_on=date(2026, 11, 30), state=state, fields=fields)


def _view() -> PersonView:
    reports = [
        _report("R-AAAAA-11111", "detained", {
            "names": [{"value": "ئابدۇرېھىم", "script": "ug-Arab", "kind": "given"},
                      {"value": HOSTILE, "script": "Latn"}, {"value": "艾力", "script": "zh-Hans", "kind": "father"}],
            "gender": "male", "birth_date": "1984", "home_county": "653101", "id_number": "65310119840101001X",
            "occupation": HOSTILE, "testimony": HOSTILE}),
        _report("R-BBBBB-22222", None, {"names": [], "gender": "female", "birth_date": "1984-06",
                                        "home_county": "Kashgar " + HOSTILE, "occupation": "farmer"}),
        _report("R-CCCCC-33333", "sentenced", {"names": None, "birth_date": "1985", "testimony": "Они забрали его"}),
    ]
    return PersonView(person=PersonRef(uuid.uuid4(), "P-PPPPP-00000"), reports=reports, timeline=[])


@pytest.mark.parametrize("lang", ["en", "ug"])
def test_the_table_is_drawn_as_the_template_drew_it(app, lang):
    from intake.review.triage import FIELD_LABELS, SCRIPT_LANG  # once the app has imported the blueprint's modules

    view = _view()
    fields = [f for f in FIELD_LABELS if f != "testimony"]
    rows = comparison.compare(fields, [r.fields for r in view.reports])
    splits = {r.handle: _Form(r.handle) for r in view.reports}
    with app.test_request_context(f"/review/persons/P-PPPPP-00000?lang={lang}"):
        reference = app.jinja_env.from_string(_TEMPLATE).render(
            view=view, rows=rows, labels=FIELD_LABELS, script_lang=SCRIPT_LANG, splits=splits)
        drawn = str(compare_table(view, rows, FIELD_LABELS, SCRIPT_LANG, splits))
    assert drawn == reference
    assert HOSTILE not in drawn and "&lt;script&gt;" in drawn
    assert 'class="disagree"' in drawn  # the birth years and genders differ

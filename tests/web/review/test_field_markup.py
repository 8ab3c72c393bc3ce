"""A field's value as the report and person pages draw it (review/labels.py: field_markup,
place_markup) is the markup the Jinja macros drew: every branch, every value escaped."""

from __future__ import annotations

from datetime import date

import pytest

from intake.review.labels import field_markup, place_markup

# The macros as they were written in Jinja (triage/_macros.html), the reference.
_MACROS = """{% macro place_names(value) -%}
{% set place = value|county %}{% if place %}<span class="place-names"><span lang="en">{{ place.latin }}</span> <span lang="ug" dir="rtl">{{ place.ug }}</span> <span lang="zh-Hans">{{ place.zh }}</span></span>{% elif value %}{{ value|bdi }}{% else %}—{% endif %}
{%- endmacro %}
{% macro field_value(key, value) -%}
{% if value is none or value == "" %}—{% elif key == "home_county" %}{{ place_names(value) }}{% elif key in ("gender", "ethnicity", "submitter_relationship", "facility_type") %}{{ value|term(key) }}{% elif key in ("birth_date", "detention_date", "last_contact") %}{{ value|ltr }}{% else %}<span dir="auto">{{ value }}</span>{% endif %}
{%- endmacro %}"""

HOSTILE = '<script>x</script>&"\''
KEYS = ["gender", "birth_date", "ethnicity", "home_county", "home_place_text", "id_number", "occupation",
        "detention_date", "detention_place", "facility", "facility_type", "sentence", "last_contact",
        "submitter_relationship", "testimony"]
VALUES = [None, "", "female", "uyghur", "653101", "650102", "999999", "Kashgar", HOSTILE, "2017-04", date(2017, 4, 12),
          1987, "mother", "detention_center", "ئابدۇرېھىم", "艾力"]


@pytest.mark.parametrize("lang", ["en", "ug", "zh_Hans"])
def test_values_are_drawn_as_the_macros_drew_them(app, lang):
    with app.test_request_context(f"/review/x?lang={lang}"):
        reference = app.jinja_env.from_string(_MACROS).module
        for key in KEYS:
            for value in VALUES:
                assert str(field_markup(key, value)) == str(reference.field_value(key, value)), (key, value)
        for value in VALUES:
            assert str(place_markup(value)) == str(reference.place_names(value)), value
        assert "&lt;script&gt;" in str(field_markup("testimony", HOSTILE))
        assert 'lang="zh-Hans"' in str(field_markup("home_county", "653101"))

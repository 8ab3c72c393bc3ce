"""WTForms' own refusals (a required field left empty, a value too long) on the review face are in
the reader's language: WTForms ships no Uyghur catalogue, and none under zh_Hans, so they were
English on a Uyghur or Chinese page."""

from __future__ import annotations

import pytest

from tests.web.review.test_triage_views import form_token, load, reviewer  # noqa: F401 - fixture
from tests.helpers import full_report

REQUIRED = {"ug": "بۇ بۆلەك چوقۇم تولدۇرۇلۇشى كېرەك.", "zh_Hans": "此字段为必填项。", "ru": "Обязательное поле."}


@pytest.mark.parametrize("lang", sorted(REQUIRED))
def test_an_empty_note_is_refused_in_the_readers_language(app, reviewer, lang):  # noqa: F811
    client, _ = reviewer
    [handle] = load(app, full_report())
    page = client.get(f"/review/reports/{handle}?lang={lang}")
    response = client.post(f"/review/reports/{handle}/notes?lang={lang}",
                           data={"note-csrf_token": form_token(page.data, "note"), "note-body": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." not in html
    assert REQUIRED[lang] in html


def test_a_value_too_long_is_refused_in_uyghur(app, reviewer):  # noqa: F811
    client, _ = reviewer
    [handle] = load(app, full_report())
    page = client.get(f"/review/reports/{handle}?lang=ug")
    response = client.post(f"/review/reports/{handle}/tags?lang=ug",
                           data={"tag-csrf_token": form_token(page.data, "tag"), "tag-name": "x" * 40})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Field cannot be longer" not in html
    assert "32" in html and "ھەرپتىن" in html

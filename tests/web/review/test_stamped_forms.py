"""Action forms drawn once and stamped per request (web/stamped_forms.py) are the forms WTForms draws:
the same markup in every language, with this request's CSRF token, a fresh one-time token each,
their own prefix; a sent form is built in full."""

from __future__ import annotations

import re

import pytest
from flask import request

from intake.review import triage_forms as forms
from intake.web.form_markup import action_form
from intake.web.stamped_forms import stamped

ONCE = re.compile(r'(name="[^"]*once" type="hidden" value=")([^"]+)(")')
CHOICES = {"assignee": [forms.choice("", "nobody"), forms.choice("6f1c", 'Amina <"A">'), forms.choice("77ab", "Ali")]}
SHAPES = [(forms.VerificationForm, None, {}, {"level": "corroborated"}), (forms.VerificationForm, None, {}, {"level": None}),
          (forms.StatusEventForm, None, {}, {}), (forms.AssignForm, None, CHOICES, {"assignee": "77ab"}),
          (forms.ReplyForm, None, {}, {}), (forms.SubmissionStatusForm, None, {}, {"status": "in_review"}),
          (forms.RetractForm, "retract-3f2a", {}, {}), (forms.ActionForm, "untag-urgent", {}, {}),
          (forms.ReasonForm, "split-R-7K2M-XQ", {}, {}), (forms.MergeForm, None, {}, {}), (forms.LinkForm, None, {}, {})]


def built(form_class, prefix, choices, data):
    form = form_class(**data) if prefix is None else form_class(prefix=prefix, **data)
    for name, listed in choices.items():
        form[name].choices = listed
    return form


def once_tokens(markup: str) -> list[str]:
    return [m.group(2) for m in ONCE.finditer(markup)]


@pytest.mark.parametrize("lang", ["en", "ug", "zh_Hans", "ru"])
def test_stamped_forms_draw_what_wtforms_draws(app, lang):
    for form_class, prefix, choices, data in SHAPES:
        for _ in range(2):  # drawn, then from what was drawn
            with app.test_request_context(f"/review/x?lang={lang}"):
                reference = str(action_form('/r?a=1&b="2"', built(form_class, prefix, choices, data), "Legend <b>"))
                quick = str(action_form('/r?a=1&b="2"', stamped(form_class, prefix=prefix, choices=choices, **data),
                                        "Legend <b>"))
            assert len(once_tokens(quick)) == 1
            assert ONCE.sub(r"\1-\3", quick) == ONCE.sub(r"\1-\3", reference), (form_class.__name__, lang)
    with app.test_request_context("/review/x?lang=ug"):
        ug = str(action_form("/r", stamped(forms.NoteForm), "n"))
    with app.test_request_context("/review/x?lang=en"):
        en = str(action_form("/r", stamped(forms.NoteForm), "n"))
    assert ONCE.sub("", ug) != ONCE.sub("", en)  # each language drawn in its own words


def test_each_use_has_a_fresh_one_time_token_and_the_requests_csrf_token(app):
    with app.test_request_context("/review/x"):
        first, second = (str(stamped(forms.ActionForm, prefix=f"untag-{t}").hidden_tag()) for t in ("a", "b"))
        again = str(action_form("/r", stamped(forms.ActionForm, prefix="untag-a"), "x"))
        real = str(forms.ActionForm(prefix="untag-a").hidden_tag())
    tokens = once_tokens(first) + once_tokens(second) + once_tokens(again)
    assert len(tokens) == 3 and len(set(tokens)) == 3
    csrf = re.compile(r'name="untag-(?:a|b)-csrf_token" type="hidden" value="([^"]+)"')
    assert len(csrf.findall(real)) == 1
    assert {*csrf.findall(first), *csrf.findall(second), *csrf.findall(again)} == set(csrf.findall(real))
    assert 'id="untag-b-csrf_token"' in second and "untag-a" not in second


def test_a_sent_form_is_built_with_what_was_sent(app):
    with app.test_request_context("/review/x", method="POST", data={"note-body": 'x <"y">'}):
        form = stamped(forms.NoteForm)
        assert form.body.data == 'x <"y">'
        assert "x &lt;&#34;y&#34;&gt;" in str(action_form("/r", form, "n"))


@pytest.mark.parametrize("lang", ["en", "ug"])
def test_the_inbox_forms_drawn_once_are_the_forms_built(app, lang):
    from intake.review.inbox import FILTER_KEYS, _bulk_parts, _filter_markup, _save_view_parts, filter_fields, inbox_filters
    from intake.review.triage import _assignee_choices
    from intake.services.search import InboxFilter
    from intake.web.i18n import gettext as _

    for form_class, draw, choices in ((forms.BulkForm, _bulk_parts, CHOICES), (forms.SaveViewForm, _save_view_parts, {})):
        for _round in range(2):
            with app.test_request_context(f"/review/inbox?lang={lang}"):
                reference = "".join(draw(built(form_class, None, choices, {})))
                form = stamped(form_class, choices=choices, draw=draw)
                quick = str(form.hidden_tag()) + str(form.part(1))
            assert ONCE.sub(r"\1-\3", quick) == ONCE.sub(r"\1-\3", reference)
    # The empty filter bar, drawn once, is the form read from a query that gives no filter.
    for query in ("", "&status=&county=&tag=&submit=Filter"):
        with app.test_request_context(f"/review/inbox?lang={lang}{query}"):
            form = forms.InboxFilterForm(formdata=request.args)
            form.assignee.choices = _assignee_choices(("", _("anyone")), ("none", _("unassigned")))
            reference = str(_filter_markup(form))
            assert inbox_filters(request.args) == (None, InboxFilter())
            # A field the query could set but the check for "no filter" does not look at would be lost.
            assert {f.name for f in form if f.type != "SubmitField"} == set(FILTER_KEYS)
            drawn, again = str(filter_fields(None)), str(filter_fields(None))
        assert drawn == again == reference
        assert 'name="status"' in drawn and 'list="county-names"' in drawn


@pytest.mark.parametrize("lang", ["en", "ug"])
def test_a_filter_bar_kept_is_the_form_read_from_its_query(app, lang):
    from intake.review.inbox import _filter_markup, filter_bar, inbox_filters
    from intake.services.search import InboxFilter

    # The county alone (drawn from a slot in the empty bar): by code, in Chinese, Latin and Uyghur, with
    # spaces around it, and beside a filter or a second county that send it through the whole form.
    for query in ("status=sentenced&county=653101&tag=urgent", "county=Atlantis", "created_from=not-a-date",
                  "tag=a&tag=b", "county=653125", "county=%E8%8E%8E%E8%BD%A6%E5%8E%BF", "county=Yarkand",
                  "county=+653101+", "county=%D9%8A%DB%95%D9%83%DB%95%D9%86", "county=653101&needs_information=y",
                  "county=653101&county=653125", "county=" + "6" * 81, "county=653101&tag=&status="):
        for _round in range(2):  # read and kept, then the one kept
            with app.test_request_context(f"/review/inbox?lang={lang}&{query}"):
                form, filters = inbox_filters(request.args)
                assert form is not None
                assert filter_bar(request.args) == (_filter_markup(form), filters), query
                assert (filters is None) == (query in ("county=Atlantis", "created_from=not-a-date", "county=" + "6" * 81))
                if query in ("county=653125", "county=Yarkand", "county=%E8%8E%8E%E8%BD%A6%E5%8E%BF"):
                    assert filters == InboxFilter(county="653125"), query

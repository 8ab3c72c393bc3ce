"""The faster attribute markup for WTForms widgets is the same markup as WTForms' own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from markupsafe import Markup
from wtforms import Form, SelectField, StringField, SubmitField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.widgets import core

from intake.web import form_markup

KEYS = st.from_regex(r"(data_|aria_)?[a-z][a-z_]{0,8}_?", fullmatch=True) | st.sampled_from(
    ["class_", "for_", "data_x_y", "aria_describedby", "name", "id", "value", "a<b", 'q"t', "é"])
TEXT = st.lists(st.sampled_from(list("ab <>&\"'=\u200fئ古\x00") + ["&amp;"]), max_size=8).map("".join)
VALUES = st.one_of(st.booleans(), TEXT, st.integers(), st.none(), TEXT.map(Markup))


@given(st.dictionaries(KEYS, VALUES, max_size=6))
def test_same_markup_as_wtforms(attributes):
    fast, original = form_markup.html_params(**attributes), form_markup.ORIGINAL(**attributes)
    assert isinstance(fast, Markup)
    assert str(fast) == str(original)


class _Form(Form):
    name = StringField("Name")
    note = TextAreaField("Note")
    level = SelectField("Level", choices=[SelectChoice("a", "A <1>"), SelectChoice("b", 'B "2"')])
    send = SubmitField("Send")


def test_the_app_renders_widgets_with_it(app):
    """After the app is made, inputs, buttons, text areas and selects draw through the faster function."""
    assert core.html_params is form_markup.html_params
    assert core.Input.html_params is form_markup.html_params
    assert core.TextInput.html_params is form_markup.html_params
    assert core.Button.html_params is form_markup.html_params
    form = _Form(data={"name": 'Ab"<dul>', "note": "x & y", "level": "b"})
    assert str(form.name(class_="wide", required=True, disabled=False)) == \
        '<input class="wide" id="name" name="name" required type="text" value="Ab&#34;&lt;dul&gt;">'
    assert 'selected value="b">B &#34;2&#34;</option>' in str(form.level())
    assert str(form.note()) == '<textarea id="note" name="note">\r\nx &amp; y</textarea>'

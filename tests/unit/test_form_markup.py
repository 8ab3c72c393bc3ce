"""The faster attribute markup for WTForms widgets is the same markup as WTForms' own."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import Form, HiddenField, SelectField, StringField, SubmitField, TextAreaField
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


# The review templates' macros as they were written in Jinja (triage/_macros.html), the reference.
_MACROS = """{% macro field(f) -%}
<p class="field">{{ f.label }} {{ f(**kwargs) }}{% for error in f.errors %} <span class="error">{{ error }}</span>{% endfor %}</p>
{%- endmacro %}
{% macro form(target, f, legend) -%}
<form method="post" action="{{ target }}">
<fieldset><legend>{{ legend }}</legend>
{{ f.hidden_tag() }}
{% for item in f if item.type not in ("CSRFTokenField", "HiddenField", "SubmitField") %}{{ field(item) }}{% endfor %}
{{ f.submit() }}
</fieldset>
</form>
{%- endmacro %}"""


class _Action(FlaskForm):
    token = HiddenField(default='t<"&')
    name = StringField('Name <b>"x"</b>')
    level = SelectField("Level", choices=[SelectChoice("a", "A <1>"), SelectChoice("b", 'B "2"')])
    submit = SubmitField("Send & go")


def test_fields_and_action_forms_are_drawn_as_the_macros_drew_them(app):
    with app.test_request_context("/", method="POST", data={"name": '<i>Ab"</i>', "level": "zz"}):
        form = _Action()
        form.validate()  # CSRF and the choice fail: errors to draw beside the fields
        assert form.errors
        reference = app.jinja_env.from_string(_MACROS).module
        for legend in ('Legend <b>&"', Markup("<em>safe</em>")):
            assert str(form_markup.action_form('/x?a=1&b="2"', form, legend)) == \
                str(reference.form('/x?a=1&b="2"', form, legend))
        assert str(form_markup.form_field(form.name, list="l<", autocomplete="off")) == \
            str(reference.field(form.name, list="l<", autocomplete="off"))
        assert "<i>" not in str(form_markup.form_field(form.name))

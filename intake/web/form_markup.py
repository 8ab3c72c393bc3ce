"""WTForms' attribute markup without its per-attribute `Markup.format`; a field and an action form
drawn without Jinja macros.

A review page draws eight to a dozen small action forms; profiled, a quarter of the report page's
CPU went into `wtforms.widgets.core.html_params`, which formats every attribute through markupsafe's
Python-level `Markup.format`. `html_params` below returns the same markup (same order, same escaping
of names and values, the same compact boolean attributes), built with one escape per part and a
plain join. `install()` puts it where the widgets look it up; `tests/unit/test_form_markup.py` holds
it equal to the original on generated attributes.

`form_field` and `action_form` are the review templates' `field` and `form` macros (triage/_macros.html)
as template globals: a report page draws eight forms of twenty-odd fields, and each macro call cost
Jinja a new frame and context, as much as the field's own markup. Same markup, same escaping.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from markupsafe import Markup, escape
from wtforms.widgets import core

ORIGINAL = core.html_params


def html_params(**kwargs: Any) -> Markup:
    parts = []
    for key, value in sorted(kwargs.items()):
        if value is False:
            continue
        name = core.clean_key(key)
        if value is True:
            parts.append(str(escape(name)))
        else:  # a Markup value is not escaped again: its quotes still must not end the attribute
            parts.append(f'{escape(name)}="{str(escape(value)).replace(chr(34), "&quot;")}"')
    return Markup(" ".join(parts))


def install() -> None:
    """Widgets call `html_params` as a global of `wtforms.widgets.core`, or (`Input`, `Button` and
    their subclasses) as a static method bound when the class was made."""
    core.html_params = html_params
    for widget in vars(core).values():
        if isinstance(widget, type) and "html_params" in vars(widget):
            widget.html_params = staticmethod(html_params)


# Fields an action form draws itself (hidden ones go in `hidden_tag()`, the button last).
_NOT_DRAWN = ("CSRFTokenField", "HiddenField", "SubmitField")


def form_field(field: Any, **attributes: Any) -> Markup:
    """A field with its label, and its errors beside it."""
    errors = "".join(f' <span class="error">{escape(error)}</span>' for error in field.errors)
    return Markup(f'<p class="field">{escape(field.label)} {escape(field(**attributes))}{errors}</p>')  # noqa: S704


def drawn_parts(form: Any) -> tuple[str, str, str]:
    """A form's hidden fields, every other field but the button (each with its label), the button."""
    fields = "".join(form_field(item) for item in form if item.type not in _NOT_DRAWN)
    return str(escape(form.hidden_tag())), fields, str(escape(form.submit()))


def action_form(target: str, form: Any, legend: str) -> Markup:
    """A POST form of one fieldset: its hidden fields, every other field but the button, the button.
    `form`: a WTForms form, or one drawn once and stamped (web/stamped_forms.py)."""
    hidden, fields, submit = form.stamped_parts() if hasattr(form, "stamped_parts") else drawn_parts(form)
    head = f'<form method="post" action="{escape(target)}">\n<fieldset><legend>{escape(legend)}</legend>\n'
    return Markup(f"{head}{hidden}\n{fields}\n{submit}\n</fieldset>\n</form>")  # noqa: S704


def init_app(app: Flask) -> None:
    install()
    app.jinja_env.globals.update(form_field=form_field, action_form=action_form)

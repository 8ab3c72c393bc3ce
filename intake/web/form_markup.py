"""WTForms' attribute markup without its per-attribute `Markup.format`.

A review page draws eight to a dozen small action forms; profiled, a quarter of the report page's
CPU went into `wtforms.widgets.core.html_params`, which formats every attribute through markupsafe's
Python-level `Markup.format`. `html_params` below returns the same markup (same order, same escaping
of names and values, the same compact boolean attributes), built with one escape per part and a
plain join. `install()` puts it where the widgets look it up; `tests/unit/test_form_markup.py` holds
it equal to the original on generated attributes.
"""

from __future__ import annotations

from typing import Any

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

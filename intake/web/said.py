"""Messages from the services (`intake.wording.Said`) in the reader's language.

- ``shown(value)``: plain text for a flash or an error line; each value isolated with the Unicode
  isolates (``bidi.isolate``), since such text is escaped as a whole when the page is drawn.
- the ``said`` template filter: markup, each value in ``<bdi>``.

A plain string (a message not yet made a `Said`) is shown as it is.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from ..wording import Said
from .bidi import isolate
from .i18n import translations


def _translate(msgid: str, plural: str | None, num: int) -> str:
    catalogue = translations()
    return catalogue.gettext(msgid) if plural is None else catalogue.ngettext(msgid, plural, num)


def shown(value: object) -> str:
    """A `Said`, or an exception raised with one, as translated plain text; anything else as str()."""
    if isinstance(value, BaseException) and value.args and isinstance(value.args[0], Said):
        value = value.args[0]
    if isinstance(value, Said):
        return str(value.render(_translate, lambda v: isolate(v, ltr=False)))
    return str(value)


def said(value: Any) -> Markup:
    """Template filter: a `Said` translated, as markup with each value in <bdi>; text escaped."""
    if not isinstance(value, Said):
        return escape(value)
    return Markup(value.render(lambda s, p, n: escape(_translate(s, p, n)),
                               lambda v: Markup("<bdi>{}</bdi>").format(v)))


def init_app(app: Flask) -> None:
    app.jinja_env.filters["said"] = said

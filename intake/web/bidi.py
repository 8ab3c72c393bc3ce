"""Numbers, dates, codes and names inside right-to-left text, kept the right way round.

The Unicode bidirectional algorithm reorders digits that follow Arabic letters: in a Uyghur
sentence "2026-11-30" turns into "30-11-2026", a receipt's digit groups swap places, and a
Latin name or a file name can pull the words around it out of order. So every such value is
*isolated* before it goes into a sentence:

- in templates, with the ``ltr`` filter (``<bdi dir="ltr">``: dates, numbers, receipts, handles)
  or the ``bdi`` filter (``<bdi>``: text whose direction is its own, such as a name typed by a
  family);
- in messages built in Python (form errors, notices), which are plain text, with ``isolate``:
  the Unicode isolates LRI/FSI ... PDI, which a browser treats exactly like those elements; the
  same as the ``isolate`` filter where a template puts a message into an attribute (no markup
  there).

Translators keep placeholders as ``%(name)s``: the isolated value is text, whatever it holds.
"""

from __future__ import annotations

from flask import Flask
from markupsafe import Markup, escape

LRI = "\u2066"  # LEFT-TO-RIGHT ISOLATE
FSI = "\u2068"  # FIRST STRONG ISOLATE: the direction of the value's first letter
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE


def isolate(value: object, *, ltr: bool = True) -> str:
    """``value`` as plain text that cannot be reordered with, or reorder, the sentence around it.

    ``ltr``: a number, date or code, always left to right. Otherwise (a name, a file name) the
    value keeps the direction of its own first letter."""
    return f"{LRI if ltr else FSI}{value}{PDI}"


def ltr(value: object) -> Markup:
    """Template filter: a number, date, receipt or handle, isolated and left to right."""
    # escape() then plain concatenation: Markup.format (string.Formatter, in Python) costs ten
    # times as much, and pages call these filters hundreds of times.
    return Markup(f'<bdi dir="ltr">{escape(value)}</bdi>')  # noqa: S704 - value escaped


def bdi(value: object) -> Markup:
    """Template filter: text in its own direction (a name typed by a family), isolated."""
    return Markup(f"<bdi>{escape(value)}</bdi>")  # noqa: S704 - value escaped


def init_app(app: Flask) -> None:
    app.jinja_env.filters["ltr"] = ltr
    app.jinja_env.filters["bdi"] = bdi
    app.jinja_env.filters["isolate"] = isolate

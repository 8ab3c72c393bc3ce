"""Action forms drawn once per language and shape, then stamped with each request's tokens.

A report page draws eight action forms, a person page one per report and per batch. Building a
WTForms form (binding its fields, its CSRF field, its translations) and drawing it cost a quarter of
the report page's CPU. On a page that is read (GET), nothing in a form's markup depends on the request
but the CSRF token (the same for every form of a request), the one-time token (fresh for every form
drawn) and, for the forms that act on one object, the prefix that keeps their field ids apart. So
the markup is drawn once per form class, language, values and choices, with slots for those three,
and each use fills the slots. A form that was sent (POST: it carries what was typed and its errors)
is built and drawn in full, as is one whose slots are not where they should be.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app, request
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup, escape
from wtforms.fields.choices import SelectChoice

from .form_markup import drawn_parts
from .i18n import current_language

# Slots: strings that no label, value or token can contain (tokens are URL-safe base64 and dots).
_CSRF, _ONCE, _PREFIX = "csrf~slot~", "once~slot~", "prefix~slot~"
_LIMIT = 1024  # shapes kept (forms with values and choices of their own); past it, drawn again
_DRAWN: dict[tuple[Any, ...], _Drawn | None] = {}
_SENT = frozenset({"POST", "PUT", "PATCH", "DELETE"})  # Flask-WTF reads a form from these


@dataclass(frozen=True)
class _Drawn:
    parts: tuple[str, ...]  # what `draw` made of the form (first its hidden fields), with the slots
    csrf: bool  # whether the form carries a CSRF token (off in some tests' configuration)
    once: Callable[[], str]  # the form's maker of one-time tokens (its `once` field's default)


class Stamped:
    """A GET page's form as its template uses it: `hidden_tag()` and the other parts `draw` made of
    it (`part(n)`), or the whole form through `action_form`."""

    __slots__ = ("_drawn", "_prefix")

    def __init__(self, drawn: _Drawn, prefix: str | None) -> None:
        self._drawn, self._prefix = drawn, prefix

    def stamped_parts(self) -> tuple[str, ...]:
        """The parts with this request's tokens (the hidden fields, first, hold them) and the prefix."""
        drawn = self._drawn
        hidden = drawn.parts[0].replace(_ONCE, str(escape(drawn.once())), 1)
        if drawn.csrf:
            hidden = hidden.replace(_CSRF, str(escape(_csrf_token())), 1)
        parts = (hidden, *drawn.parts[1:])
        if self._prefix is None:
            return parts
        prefix = str(escape(self._prefix))
        return tuple(part.replace(_PREFIX, prefix) for part in parts)

    def hidden_tag(self) -> Markup:
        return Markup(self.stamped_parts()[0])  # noqa: S704 - drawn by WTForms, tokens escaped

    def part(self, n: int) -> Markup:
        """Part `n` of what `draw` made (no tokens past the first: nothing to stamp but the prefix)."""
        part = self._drawn.parts[n]
        return Markup(part if self._prefix is None else part.replace(_PREFIX, str(escape(self._prefix))))  # noqa: S704


Draw = Callable[[Any], tuple[str, ...]]


def stamped(form_class: type, *, prefix: str | None = None, choices: Mapping[str, Sequence[SelectChoice]] | None = None,
            draw: Draw = drawn_parts, **data: Any) -> Any:
    """`form_class(prefix=prefix, **data)` with `choices` set on its select fields, as a `Stamped`
    form on a GET page (the real form when the request sent one, or the drawing did not come out as
    expected). `data` and the choices are part of what is drawn once: values of a few kinds (a level,
    an assignee), never personal data. `draw`: the parts a template uses, its hidden fields first
    (by default those `action_form` draws: the hidden fields, the other fields, the button)."""
    if request.method in _SENT:
        return _built(form_class, prefix, choices, data)
    csrf = bool(current_app.config.get("WTF_CSRF_ENABLED", True))
    key = (form_class, draw, prefix is None, current_language().code, csrf, tuple(sorted(data.items())),
           tuple((name, tuple((c.value, str(c.label)) for c in cs)) for name, cs in sorted((choices or {}).items())))
    if key in _DRAWN:
        drawn = _DRAWN[key]
    else:
        if len(_DRAWN) >= _LIMIT:
            _DRAWN.clear()
        drawn = _DRAWN[key] = _draw(form_class, None if prefix is None else _PREFIX, choices, data, csrf, draw)
    return _built(form_class, prefix, choices, data) if drawn is None else Stamped(drawn, prefix)


def _built(form_class: type, prefix: str | None, choices: Mapping[str, Sequence[SelectChoice]] | None,
           data: Mapping[str, Any]) -> Any:
    form = form_class(**data) if prefix is None else form_class(prefix=prefix, **data)
    for name, listed in (choices or {}).items():
        form[name].choices = list(listed)
    return form


def _draw(form_class: type, prefix: str | None, choices: Mapping[str, Sequence[SelectChoice]] | None,
          data: Mapping[str, Any], csrf: bool, draw: Draw) -> _Drawn | None:
    form = _built(form_class, prefix, choices, data)
    form.once.data = _ONCE
    if csrf:
        form.csrf_token.current_token = _CSRF
    parts = tuple(draw(form))
    # Each slot exactly where it belongs, or the form is drawn in full every time.
    expected = (parts[0].count(_ONCE) == 1 and parts[0].count(_CSRF) == int(csrf)
                and not any(_ONCE in part or _CSRF in part for part in parts[1:])
                and (prefix is not None or not any(_PREFIX in part for part in parts))
                and callable(form.once.default))
    return _Drawn(parts, csrf, form.once.default) if expected else None


def _csrf_token() -> str:
    """The request's CSRF token, as Flask-WTF's forms make it (one per request, kept in `g`)."""
    config = current_app.config
    return generate_csrf(secret_key=config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key),
                         token_key=config.get("WTF_CSRF_FIELD_NAME", "csrf_token"))

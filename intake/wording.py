"""What the services say to a person, kept translatable: an English message and its values apart.

A service that refuses an action, checks a row of a list or explains a score says it as a `Said`:
the English text, marked for `pybabel extract` (keywords `said` and `said_n`), and its values as
parameters. `str()` gives the English with the values filled in, exactly as before (the command
line, the API and job records stay English); a page shows it in the reader's language through
`intake.web.said` (`shown()`, the `said` filter), each value isolated so that a date, a handle
or a name cannot be reordered in right-to-left text.

Values (handles, dates, names quoted from a report) only ever go into parameters, never into the
message itself: the message is what a translator sees, and the catalogues are public.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Said:
    """An English message (``%(name)s`` placeholders) with its values; plural when ``plural`` is set."""

    msgid: str
    params: Mapping[str, Any] = field(default_factory=dict, repr=False)  # may quote a report: never in a repr
    plural: str | None = None
    num: int = 0

    def __str__(self) -> str:
        return self.render(lambda s, p, n: s if p is None or n == 1 else p, str)

    def render(self, choose: Callable[[str, str | None, int], str], wrap: Callable[[Any], Any]) -> Any:
        """The message through ``choose`` (gettext or ngettext), each value through ``wrap``; a
        value that is itself a `Said` is rendered the same way first (words, not data)."""
        values = {k: v.render(choose, wrap) if isinstance(v, Said) else wrap(v) for k, v in self.params.items()}
        text = choose(self.msgid, self.plural, self.num)
        return text % values if values or "%(" in text else text


def said(msgid: str, **params: Any) -> Said:
    """Mark ``msgid`` for translation; ``params`` fill its ``%(name)s`` placeholders."""
    return Said(msgid, params)


def said_n(singular: str, plural: str, num: int, **params: Any) -> Said:
    """The plural form for ``num`` (``%(num)s`` is filled with it unless given)."""
    return Said(singular, {"num": num, **params}, plural, num)


def english(value: object) -> str:
    """A message as English text, whatever it is (`Said` or a plain string)."""
    return str(value)


def code_word(code: object) -> Said:
    """A status code that is also its English word (pending, approved...), as a value of a message:
    the page translates it when the catalogue holds that word (the review face's status labels do),
    and shows the code as it is otherwise."""
    return Said(str(code))

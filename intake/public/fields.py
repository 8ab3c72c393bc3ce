"""Field building blocks for the public forms: clean text, vocabulary selects, approximate dates.

Every message is a lazy_gettext string so translators can reach it; none of WTForms' built-in
English messages is left to show through.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable

from wtforms import Form, SelectField, StringField, TextAreaField
from wtforms import ValidationError as FieldError
from wtforms.fields.choices import SelectChoice

from ..digits import ascii_digits
from ..services import id_numbers, thesauri
from ..services.id_numbers import IdProblem
from ..web.bidi import isolate
from . import text
from ..web.i18n import current_language, lazy_gettext as _l

NUMERIC = {"inputmode": "numeric", "autocomplete": "off", "spellcheck": "false"}


def no_hidden_characters(form: Form, field: StringField) -> None:
    """Refuse control and bidi-override characters, and show the text back without them."""
    if text.has_hidden(field.data):
        field.data = text.without_hidden(field.data)
        raise FieldError(_l("This text contained invisible control or direction characters. We removed them "
                            "from what you see here: please check the text and send it again."))


def at_most(limit: int) -> Callable[[Form, StringField], None]:
    """A length limit whose message keeps its number in order in right-to-left text (see bidi)."""
    def check(form: Form, field: StringField) -> None:
        if field.data and len(field.data) > limit:
            raise FieldError(_l("Please shorten this to at most %(max)s characters.", max=isolate(limit)))
    return check


def text_field(label: str, max_length: int, *, area: bool = False, render_kw: dict | None = None) -> StringField:
    cls = TextAreaField if area else StringField
    # No maxlength attribute: a browser would cut a pasted testimony silently; the server says so instead.
    # autocomplete off: a browser would keep what was typed (a contact, a place) in its form history,
    # offered to the next person at a shared computer (see SECURITY.md, "shared computer").
    return cls(label, filters=[text.normalise],
               render_kw={"autocomplete": "off", **(render_kw or {}), "maxlength": False},
               validators=[no_hidden_characters, at_most(max_length)])


def lang_code() -> str:
    return current_language().code


def not_known(label: str | None = None) -> SelectChoice:
    return SelectChoice("", str(label or _l("Not known / not chosen")))


def vocabulary_choices(name: str, blank: str | None = None) -> Callable[[], list[SelectChoice]]:
    """Choices of a thesaurus vocabulary, labelled in the visitor's language when rendered."""
    def choices() -> list[SelectChoice]:
        lang = lang_code()
        return [not_known(blank)] + [SelectChoice(t.code, t.label(lang)) for t in thesauri.vocabulary(name)]
    return choices


def county_choices() -> list[SelectChoice]:
    """Counties grouped by prefecture; a prefecture alone can be chosen when the county is not known.

    Every label is in the visitor's language and script (thesauri.label); codes that are no place
    (a city's "districts") and retired codes are not offered."""
    lang = lang_code()
    out = [not_known(_l("Not known, or not in this list"))]
    for prefecture, counties in thesauri.picker():
        group = thesauri.label(prefecture, lang)
        whole = (_l("%(prefecture)s (city not known)", prefecture=group) if prefecture.kind == "xpcc_cities"
                 else _l("%(prefecture)s (county not known)", prefecture=group))
        out.append(SelectChoice(prefecture.code, str(whole), optgroup=group))
        out.extend(SelectChoice(c.code, thesauri.label(c, lang), optgroup=group) for c in counties)
    return out


class Choice(SelectField):
    """A select whose wrong value gets a translatable message (never WTForms' English one)."""

    def __init__(self, label: str, choices: Callable[[], list[SelectChoice]] | list[SelectChoice],
                 **kwargs: object) -> None:
        super().__init__(label, choices=choices, default="",
                         invalid_choice_message=_l("Please choose one of the options in the list."),
                         invalid_value_message=_l("Please choose one of the options in the list."), **kwargs)


DATE_PART_CHARACTERS = 16  # more than any year, month or day with spaces around it


def _digits(value: str | None) -> str | None:
    """Any script's digits as ASCII; a value too long to be a date part is left as typed (it is
    refused anyway), never converted a character at a time in Python."""
    if not value or len(value) > DATE_PART_CHARACTERS:
        return value
    return text.ascii_digits(value).strip()


class ApproxDateForm(Form):
    """A date known to the year, the month or the day: three optional inputs, validated together."""

    year = StringField(_l("Year"), filters=[_digits], render_kw={**NUMERIC, "maxlength": 4, "size": 4})
    month = StringField(_l("Month"), filters=[_digits], render_kw={**NUMERIC, "maxlength": 2, "size": 2})
    day = StringField(_l("Day"), filters=[_digits], render_kw={**NUMERIC, "maxlength": 2, "size": 2})

    EARLIEST_YEAR = 1900

    def validate(self, extra_validators: dict | None = None) -> bool:
        super().validate(extra_validators)
        for field in self._parts():
            # ASCII only: other scripts' digits are ASCII by now, and what is left ("²") int() refuses.
            if field.data and not ascii_digits(field.data):
                field.data = text.without_hidden(field.data)
                field.errors.append(_l("Please use digits only."))
        if not self._has_errors():
            self._check_values()
        return not self._has_errors()

    def _parts(self) -> tuple[StringField, StringField, StringField]:
        return (self.year, self.month, self.day)

    def _has_errors(self) -> bool:
        return any(f.errors for f in self._parts())

    def _check_values(self) -> None:
        year, month, day = (f.data or "" for f in self._parts())
        today = dt.date.today()
        if year and (len(year) != 4 or not self.EARLIEST_YEAR <= int(year) <= today.year):
            self.year.errors.append(_l("Please give the year with four digits, between %(first)s and %(last)s.",
                                       first=isolate(self.EARLIEST_YEAR), last=isolate(today.year)))
        # Lengths before int(): it refuses a string of more than 4,300 digits (a 500, the text lost).
        if month and (len(month) > DATE_PART_CHARACTERS or not 1 <= int(month) <= 12):
            self.month.errors.append(_l("The month is a number from 1 to 12."))
        if (month or day) and not year:
            self.year.errors.append(_l("Please give the year too, or leave the month and day empty."))
        if day and not month:
            self.month.errors.append(_l("Please give the month too, or leave the day empty."))
        if self._has_errors():
            return
        if day:
            try:
                if len(day) > DATE_PART_CHARACTERS:
                    raise ValueError("no month has such a day")
                dt.date(int(year), int(month), int(day))
            except ValueError:
                self.day.errors.append(_l("This month has no such day."))
                return
        iso = self.iso
        if iso and iso > today.isoformat()[: len(iso)]:
            self.year.errors.append(_l("This date is in the future."))

    @property
    def iso(self) -> str | None:
        """"1984", "1984-06" or "1984-06-17" (the model's approximate-date format), or None."""
        year, month, day = (f.data or "" for f in (self.year, self.month, self.day))
        if not year:
            return None
        parts = [year] + ([f"{int(month):02d}"] if month else []) + ([f"{int(day):02d}"] if day and month else [])
        return "-".join(parts)


_ID_MESSAGES = {
    IdProblem.LENGTH: _l("A Chinese ID number has 18 characters (older cards have 15); this one has %(n)s."),
    IdProblem.FORMAT: _l("An ID number has digits only, except that the last character may be an X."),
    IdProblem.CHECKSUM: _l("The last character does not match the others, so one character is probably "
                           "mistyped. Please compare it with the card, character by character."),
    IdProblem.PLACE: _l("The first six digits (%(code)s) are not a place code that existed when this "
                        "person was born. Please check them."),
    IdProblem.BIRTH_DATE: _l("The birth date inside this ID number (%(digits)s) is not a real date. Please check "
                             "those digits."),
    IdProblem.BIRTH_DATE_IMPOSSIBLE: _l("The birth date inside this ID number (%(digits)s) cannot be right. "
                                        "Please check those digits."),
}


def check_id_number(value: str) -> str:
    """A Chinese resident ID number, compacted; FieldError says what is wrong in the family's terms."""
    result = id_numbers.check(value)
    if result.problem is None:
        return result.number
    message = _ID_MESSAGES[result.problem]
    # Numbers isolated, so they keep their order inside a right-to-left sentence (web/bidi.py).
    raise FieldError(message % {"n": isolate(len(result.number)), "code": isolate(result.number[:6]),
                                "digits": isolate(result.birth_digits)})


def flatten_errors(fields: Iterable, prefix: tuple[str, ...] = ()) -> list[tuple[str, str, str]]:
    """(field id, label path, message) for every error, in page order, for the error summary."""
    out: list[tuple[str, str, str]] = []
    for field in fields:
        label = str(field.label.text) if getattr(field, "label", None) else ""
        if field.type == "FieldList":
            for position, entry in enumerate(field.entries, start=1):
                entry_label = str(_l("%(label)s %(n)s", label=label, n=isolate(position)))
                out += flatten_errors(entry.form if entry.type == "FormField" else [entry], (*prefix, entry_label))
        elif field.type == "FormField":
            out += flatten_errors(field.form, (*prefix, label))
        else:
            # "Name 1" already says what the field is; do not add "Name" again.
            path = prefix if prefix and label and prefix[-1].startswith(label) else (*prefix, label)
            out += [(field.id, " – ".join(p for p in path if p), str(message)) for message in field.errors]
    return out

"""WTForms' own refusals (a required field left empty, a value too long, a choice not on the list, a
date that is not one) in the page's language, from this project's catalogues.

WTForms ships catalogues of its own, but none in Uyghur, and none that Flask-WTF finds for zh_Hans:
on those pages a refused review form said why in English. Forms of the review face take their
translations from `CatalogueMeta`; the messages below are listed so that extraction puts them in
`messages.pot` (they are WTForms' msgids, word for word: that is what WTForms asks for).
"""

from __future__ import annotations

from typing import Any

from .i18n import lazy_gettext as _l, translations


def _listed(ngettext: Any) -> tuple[Any, ...]:  # never called: it only shows extraction the messages
    return (_l("This field is required."), _l("Not a valid choice."), _l("Not a valid date value."),
            _l("Invalid input."),
            ngettext("Field cannot be longer than %(max)d character.",
                     "Field cannot be longer than %(max)d characters.", 2))


class _Catalogue:
    """What WTForms calls `gettext` / `ngettext` on, answered by this request's catalogue."""

    def gettext(self, string: str) -> str:
        return translations().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return translations().ungettext(singular, plural, n)


CATALOGUE = _Catalogue()


class CatalogueMeta:
    """A form's `class Meta` base: WTForms' messages through this project's catalogues."""

    def get_translations(self, form: Any) -> _Catalogue:
        return CATALOGUE

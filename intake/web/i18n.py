"""Languages of both faces (public and review) and how a visitor's choice is remembered.

The choice travels as `?lang=xx` (the language links work without script), in a hidden `lang` field
of every public form (so a page posted after the session cookie expired or was dropped still
answers in the visitor's language), and is kept in the session cookie; there is no Accept-Language guessing beyond the first visit, because a shared or
borrowed browser should not decide what a frightened visitor reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Flask, g, request, session
from flask_babel import LazyString, get_locale, get_translations
from babel.support import NullTranslations


@dataclass(frozen=True)
class Language:
    code: str  # the gettext catalogue name
    tag: str  # BCP 47 tag for the lang attribute
    name: str  # the language's name in itself
    rtl: bool = False


LANGUAGES: dict[str, Language] = {
    lang.code: lang for lang in (
        Language("en", "en", "English"),
        Language("ug", "ug-Arab", "ئۇيغۇرچە", rtl=True),
        Language("zh_Hans", "zh-Hans", "简体中文"),
        Language("kk", "kk-Cyrl", "Қазақша"),
        Language("tr", "tr", "Türkçe"),
        Language("ru", "ru", "Русский"),
    )
}
DEFAULT = "en"
_ALIASES = {"zh": "zh_Hans", "zh-hans": "zh_Hans", "zh_hans": "zh_Hans", "zh-cn": "zh_Hans", "ug-arab": "ug",
            "kk-cyrl": "kk"}


def normalise(code: str | None) -> str | None:
    if not code:
        return None
    code = code.strip()
    if code in LANGUAGES:
        return code
    return _ALIASES.get(code.lower()) or (code.split("-")[0] if code.split("-")[0] in LANGUAGES else None)


def select_locale() -> str:
    chosen = normalise(request.args.get("lang"))
    if chosen:
        session["lang"] = chosen
        return chosen
    posted = _posted_language()
    if posted:
        session["lang"] = posted
        return posted
    remembered = normalise(session.get("lang"))
    if remembered:
        return remembered
    best = request.accept_languages.best_match(["en", "ug", "zh", "kk", "tr", "ru"])
    return normalise(best) or DEFAULT


def _posted_language() -> str | None:
    if request.method != "POST" or request.mimetype not in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return None
    try:
        return normalise(request.form.get("lang"))
    except Exception:  # noqa: BLE001 - a body too large or malformed to read: its error page still renders
        return None


def current_language() -> Language:
    locale = get_locale()
    code = str(locale) if locale else DEFAULT
    if code == "zh_Hans_CN" or code.startswith("zh"):
        code = "zh_Hans"
    return LANGUAGES.get(code, LANGUAGES[DEFAULT])


def translations() -> NullTranslations:
    """This request's catalogue, looked up once and kept beside Flask-Babel's own per-request state.

    Flask-Babel finds the catalogue anew on every `_()` (context, locale, cache key: a tenth of an
    inbox page's CPU); it stays the same for the request, since the locale is chosen once and
    Flask-Babel keeps it in the same place (`g._flask_babel`, dropped whole by `refresh()`).
    """
    try:
        state = g.get("_flask_babel")
    except RuntimeError:  # no app context: Flask-Babel answers with its null catalogue
        return get_translations()
    found = getattr(state, "intake_translations", None)
    if found is None:
        found = get_translations()
        state = g.get("_flask_babel")
        if state is not None and getattr(state, "babel_locale", None) is not None:
            state.intake_translations = found
    return found


def gettext(string: str, **variables: Any) -> str:
    """Flask-Babel's `gettext`, through the catalogue found once per request."""
    text = translations().ugettext(string)
    return text % variables if variables else text


def lazy_gettext(string: str, **variables: Any) -> LazyString:
    """Flask-Babel's `lazy_gettext` (form labels, tables of terms), translated through `gettext` above."""
    return LazyString(gettext, string, **variables)


def init_app(app: Flask) -> None:
    app.jinja_env.install_gettext_callables(  # as Flask-Babel's, with the catalogue looked up once
        gettext=lambda s: translations().ugettext(s),
        ngettext=lambda s, p, n: translations().ungettext(s, p, n),
        pgettext=lambda c, s: translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: translations().unpgettext(c, s, p, n),
        newstyle=True)

    @app.context_processor
    def _language_context() -> dict[str, object]:
        lang = current_language()
        return {"lang": lang.tag, "text_dir": "rtl" if lang.rtl else "ltr", "current_language": lang,
                "languages": LANGUAGES.values()}

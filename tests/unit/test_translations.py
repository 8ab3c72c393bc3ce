"""Every word a family reads is translated, and stays translated.

- Each catalogue (intake/translations/<lang>/LC_MESSAGES/messages.po) has the right plural rule, no
  fuzzy or empty entry for a string of either face, placeholders that match the English, and a
  compiled .mo that is up to date with its .po.
- Public templates (templates/public, templates/partials, templates/errors, base.html) and the review
  face's (templates/review, templates/admin, templates/research) hold no untranslated English: text
  between tags, user-visible attributes and field hints must go through `_()`.
- Every string extracted from the code today (babel.cfg, as `pybabel extract` does) is in every
  catalogue: adding a string without translating it fails here.
- The pages really come out in each language, with the right `lang` and `dir`; the reviewer's inbox,
  report page and duplicates queue too.

To fix a failure, run the commands in README ("Translations"): extract, update, translate, compile.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_keywords, parse_mapping_cfg
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask
from jinja2 import Environment, nodes

from intake.web.i18n import LANGUAGES

ROOT = Path(__file__).resolve().parents[2]
TRANSLATIONS = ROOT / "intake" / "translations"
TEMPLATES = ROOT / "templates"
LOCALES = tuple(LANGUAGES)  # en, ug, zh_Hans, kk, tr, ru
TRANSLATED = tuple(code for code in LOCALES if code != "en")  # en is an identity catalogue
# gettext plural rules: Russian has three forms, Chinese one; Uyghur, Kazakh and Turkish use two
# (GNU convention for Turkish, although its nouns do not change after a number).
PLURAL_FORMS = {"en": 2, "ug": 2, "zh_Hans": 1, "kk": 2, "tr": 2, "ru": 3}

PUBLIC_TEMPLATE_DIRS = ("public", "partials", "errors")
PUBLIC_TEMPLATES = tuple(sorted(p.relative_to(ROOT).as_posix() for d in PUBLIC_TEMPLATE_DIRS
                                for p in (TEMPLATES / d).rglob("*.html"))) + ("templates/base.html",)
PUBLIC_PYTHON = tuple(sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "intake" / "public").glob("*.py")))
# The review face: reviewers, researchers and admins read it in any of the six languages too.
REVIEW_TEMPLATE_DIRS = ("review", "admin", "research")
REVIEW_TEMPLATES = tuple(sorted(p.relative_to(ROOT).as_posix() for d in REVIEW_TEMPLATE_DIRS
                                for p in (TEMPLATES / d).rglob("*.html")))
REVIEW_PYTHON = tuple(sorted(p.relative_to(ROOT).as_posix() for d in REVIEW_TEMPLATE_DIRS
                             for p in (ROOT / "intake" / d).glob("*.py")))

PLACEHOLDER = re.compile(r"%\([A-Za-z_]\w*\)[sdif]|%%|\{[^{}]*\}")


# --- helpers ---------------------------------------------------------------------------------------


@cache
def catalogue(locale: str) -> Catalog:
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as f:
        return read_po(f, locale=locale)


@cache
def extracted() -> dict[str | tuple[str, ...], frozenset[str]]:
    """msgid -> files it comes from, extracted now from the code with babel.cfg (like pybabel)."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, filename="babel.cfg")
    keywords = {**DEFAULT_KEYWORDS, **parse_keywords(["_l", "lazy_gettext", "said", "said_n:1,2"])}
    found: dict[str | tuple[str, ...], set[str]] = {}
    for filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=keywords):
        found.setdefault(message, set()).add(Path(filename).as_posix())
    return {msgid: frozenset(files) for msgid, files in found.items()}


def public_msgids() -> list[str | tuple[str, ...]]:
    public = set(PUBLIC_TEMPLATES) | set(PUBLIC_PYTHON)
    return [msgid for msgid, files in extracted().items() if files & public]


def review_msgids() -> list[str | tuple[str, ...]]:
    review = set(REVIEW_TEMPLATES) | set(REVIEW_PYTHON)
    return [msgid for msgid, files in extracted().items() if files & review]


def key(msgid: str | tuple[str, ...]) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def strings(message: object) -> tuple[str, ...]:
    value = message.string  # type: ignore[attr-defined]
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


# --- (a) the catalogues ----------------------------------------------------------------------------


def test_there_is_a_catalogue_for_every_language() -> None:
    assert set(LOCALES) == set(PLURAL_FORMS)
    for locale in LOCALES:
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").is_file(), locale
        assert (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").is_file(), f"{locale}: run pybabel compile"


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_is_complete_and_not_fuzzy(locale: str) -> None:
    cat = catalogue(locale)
    assert not cat.fuzzy, f"{locale}: the catalogue header is marked fuzzy"
    assert cat.num_plurals == PLURAL_FORMS[locale], f"{locale}: Plural-Forms says {cat.plural_forms}"
    fuzzy = [m.id for m in cat if m.id and m.fuzzy]
    assert not fuzzy, f"{locale}: fuzzy entries (check the wording, then remove the fuzzy flag): {fuzzy}"
    problems = []
    # Every extracted string: the faces' own, and what the services say (`said`) that pages show.
    for msgid in extracted():
        message = cat.get(key(msgid))
        if message is None:
            problems.append(f"missing: {msgid!r}")
            continue
        if isinstance(msgid, tuple) != isinstance(message.id, tuple):
            problems.append(f"plural/singular mismatch: {msgid!r}")
            continue
        forms = strings(message)
        if isinstance(msgid, tuple) and len(forms) != cat.num_plurals:
            problems.append(f"{len(forms)} plural forms instead of {cat.num_plurals}: {msgid!r}")
        if not all(form and form.strip() for form in forms):
            problems.append(f"empty translation: {msgid!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_placeholders_and_markup_are_kept(locale: str) -> None:
    """%(name)s placeholders exactly as in the English; no <, > or & (templates mark gettext output safe)."""
    problems = []
    cat = catalogue(locale)
    problems += [f"{m.id!r}: {e}" for m, errors in cat.check() for e in errors]
    for message in cat:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        expected = sorted(set().union(*(PLACEHOLDER.findall(i) for i in ids)))
        for form in strings(message):
            if not form:
                continue
            if sorted(set(PLACEHOLDER.findall(form))) != expected:
                problems.append(f"{ids[0]!r}: placeholders {PLACEHOLDER.findall(form)} instead of {expected}")
            if re.search(r"[<>&]", form) and not re.search(r"[<>&]", ids[0]):
                problems.append(f"{ids[0]!r}: the translation holds HTML characters: {form!r}")
    assert not problems, f"{locale}:\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_up_to_date(locale: str) -> None:
    """The .mo shipped in the package says exactly what the .po says (pybabel compile was run)."""
    cat = catalogue(locale)
    write_mo(io.BytesIO(), cat)  # compiles
    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.mo").open("rb") as f:
        compiled = read_mo(f)
    stale = []
    for message in cat:
        if not message.id:
            continue
        shipped = compiled.get(message.id)
        if shipped is None or strings(shipped) != strings(message):
            stale.append(key(message.id))
    assert not stale, f"{locale}: run `pybabel compile -d intake/translations`; stale: {stale[:5]}"


@pytest.mark.parametrize(("locale", "n", "expected"), [
    ("ru", 1, "В нём описан 1 человек."),
    ("ru", 3, "В нём описаны 3 человека."),
    ("ru", 5, "В нём описано 5 человек."),
    ("ru", 11, "В нём описано 11 человек."),
    ("ru", 21, "В нём описан 21 человек."),
    ("zh_Hans", 2, "其中描述了 2 个人。"),
    ("en", 1, "It describes 1 person."),
    ("en", 2, "It describes 2 people."),
])
def test_plural_forms_choose_the_right_words(locale: str, n: int, expected: str) -> None:
    translations = Translations.load(str(TRANSLATIONS), [locale])
    assert translations.ngettext("It describes %(num)s person.", "It describes %(num)s people.", n) \
        % {"num": n} == expected


# --- (b) no untranslated literal in public templates -----------------------------------------------

# Literal text allowed in templates, as (template, text). Keep it tiny and say why.
# The language switches show each language's own name, but from i18n.LANGUAGES, not as a literal.
ALLOWED_LITERALS: frozenset[tuple[str, str]] = frozenset({
    # The keys a reviewer presses are the same in every language (review.js listens for them).
    *(("templates/review/triage/inbox.html", k) for k in ("j", "k", "o", "x")),
    # The name of the hash algorithm, the same in every language.
    ("templates/review/triage/report.html", "SHA-256"),
})

# Attributes a person reads or hears (screen readers announce aria-label, title, alt...).
VISIBLE_ATTRIBUTES = frozenset({"aria-label", "aria-description", "aria-roledescription", "aria-placeholder",
                                "aria-valuetext", "title", "placeholder", "alt", "label"})
BUTTON_INPUTS = frozenset({"submit", "button", "reset"})
# Field macros whose string arguments after the first are hints shown to the family.
HINT_MACROS = frozenset({"input", "checkbox", "approximate_date"})
MARK = "\ue000"  # stands for anything computed ({{ }}, {% %}); not a letter


def _has_letters(text: str) -> bool:
    return any(ch.isalpha() for ch in text)


def _skeleton(node: nodes.Node, literals: list[str]) -> Iterator[str]:
    """The template's static text in source order, each computed part replaced by MARK."""
    if isinstance(node, nodes.Output):
        for child in node.nodes:
            if isinstance(child, nodes.TemplateData):
                yield child.data
            else:
                if isinstance(child, nodes.Const) and isinstance(child.value, str) and _has_letters(child.value):
                    literals.append(child.value)  # {{ "Some text" }}
                yield MARK
        return
    if isinstance(node, nodes.Expr):
        yield MARK
        return
    for child in node.iter_child_nodes():
        yield from _skeleton(child, literals)


class _TextFinder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._hidden += 1
        input_type = (dict(attrs).get("type") or "").lower()
        for name, value in attrs:
            # An <input type="submit"> shows its value; a <button>'s value is only sent, never shown.
            visible = name in VISIBLE_ATTRIBUTES or (name == "value" and tag == "input" and input_type in BUTTON_INPUTS)
            if visible and value:
                self._check(value, f'<{tag} {name}="{value}">')

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._check(data, data)

    def _check(self, text: str, shown: str) -> None:
        text = " ".join(text.replace(MARK, " ").split())
        if _has_letters(text):
            self.found.append(shown.replace(MARK, "{{…}}").strip())


def untranslated_literals(source: str, env: Environment | None = None) -> list[str]:
    """Untranslated text in one template: between tags, in visible attributes, in field hints."""
    env = env or Environment(extensions=["jinja2.ext.i18n"])
    tree = env.parse(source)
    literals: list[str] = []
    parser = _TextFinder()
    # Text outside {{ }} and {% %}: the TemplateData nodes, in source order.
    parser.feed("".join(_skeleton(tree, literals)))
    parser.close()
    found = parser.found + [f'{{{{ "{text}" }}}}' for text in literals]
    for call in tree.find_all(nodes.Call):
        if isinstance(call.node, nodes.Name) and call.node.name in HINT_MACROS:
            arguments = list(call.args[1:]) + [kw.value for kw in call.kwargs]
            found += [f'{call.node.name}(…, "{a.value}")' for a in arguments
                      if isinstance(a, nodes.Const) and isinstance(a.value, str) and _has_letters(a.value)]
    return found


@pytest.mark.parametrize("template", PUBLIC_TEMPLATES)
def test_public_template_has_no_untranslated_text(template: str) -> None:
    source = (ROOT / template).read_text(encoding="utf-8")
    found = [text for text in untranslated_literals(source) if (template, text) not in ALLOWED_LITERALS]
    assert not found, f"{template} shows text not wrapped in _(): {found}"


@pytest.mark.parametrize("template", REVIEW_TEMPLATES)
def test_review_template_has_no_untranslated_text(template: str) -> None:
    source = (ROOT / template).read_text(encoding="utf-8")
    found = [text for text in untranslated_literals(source) if (template, text) not in ALLOWED_LITERALS]
    assert not found, f"{template} shows text not wrapped in _(): {found}"


def test_review_strings_are_found() -> None:
    assert "templates/review/triage/inbox.html" in REVIEW_TEMPLATES
    assert "templates/admin/audit.html" in REVIEW_TEMPLATES and "templates/research/index.html" in REVIEW_TEMPLATES
    ids = review_msgids()
    assert "Possible duplicates" in ids  # a template
    assert "Internal note (reviewers only; never shown to the family)" in ids  # a form label (lazy_gettext)
    assert "Note added." in ids  # a flashed message (gettext)


def test_public_templates_are_found() -> None:
    assert "templates/public/report.html" in PUBLIC_TEMPLATES
    assert "templates/errors/error.html" in PUBLIC_TEMPLATES
    assert "templates/partials/language_switch.html" in PUBLIC_TEMPLATES


@pytest.mark.parametrize("source", [
    "<p>Report a relative</p>",
    '<p>{{ _("Fine") }} and more</p>',
    '<a href="/" title="Back to start">{{ _("Start") }}</a>',
    '<nav aria-label="Languages"></nav>',
    '<img src="x.png" alt="Logo">',
    '<input type="submit" value="Send">',
    '<input placeholder="Your name {{ n }}">',
    "{% if x %}<strong>Careful</strong>{% endif %}",
    '{{ "Literal in braces" }}',
    '{% macro m() %}<p>In a macro</p>{% endmacro %}',
    '{% block main %}<h1>Title</h1>{% endblock %}',
    '{{ input(form.name, "A hint in English") }}',
    '{{ approximate_date(form.birth, hint="Only the year") }}',
])
def test_the_literal_check_catches_english(source: str) -> None:
    assert untranslated_literals(source), source


@pytest.mark.parametrize("source", [
    '<p>{{ _("Fine") }}</p>',
    '<a href="{{ url }}" title="{{ _("Back") }}" lang="{{ tag }}" class="button secondary">{{ name }}</a>',
    '<input type="hidden" name="step" value="confirm">',
    '<button type="submit" name="action" value="send" class="primary">{{ _("Send") }}</button>',
    "<li>{{ a }} · {{ b }} — {{ c }}</li>",
    '{{ input(form.name, _("A hint")) }}{{ files("attachments", errors) }}',
    "{# a comment in English #}<!-- and an HTML comment --><p>{{ _('x') }}</p>",
])
def test_the_literal_check_lets_translated_pages_pass(source: str) -> None:
    assert untranslated_literals(source) == [], source


# --- (c) every extracted string is in every catalogue ----------------------------------------------


def test_extraction_finds_the_public_strings() -> None:
    ids = extracted()
    assert "Report a detained relative" in ids  # a template
    assert "Please use digits only." in ids  # lazy_gettext as _l in intake/public
    assert ("It describes %(num)s person.", "It describes %(num)s people.") in ids  # ngettext


@pytest.mark.parametrize("locale", LOCALES)
def test_every_extracted_string_is_in_the_catalogue(locale: str) -> None:
    cat = catalogue(locale)
    missing = [msgid for msgid in extracted() if cat.get(key(msgid)) is None]
    assert not missing, (f"{locale}: strings in the code but not in the catalogue (run pybabel extract and "
                         f"update, then translate): {missing}")


def test_the_template_catalogue_is_current() -> None:
    with (TRANSLATIONS / "messages.pot").open("rb") as f:
        pot = read_po(f)
    missing = [msgid for msgid in extracted() if pot.get(key(msgid)) is None]
    assert not missing, f"messages.pot is out of date (run pybabel extract): {missing}"


# --- (d) the pages in each language ----------------------------------------------------------------

PAGES = {
    "ug": ("ug-Arab", "rtl", {
        "/": ["تۇتۇپ تۇرۇلغان تۇغقىنىڭىز ھەققىدە مەلۇمات بېرىش", "بۇ تور بېكەتتىن تېز چىقىش"],
        "/report": ["گۇۋاھلىقىمنى يوللاش", "ئىسىم 1", "تۇغۇلغان ۋاقتى"],
        "/status": ["تالونىڭىز بىلەن قايتىپ كىرىش", "تالون نومۇرىڭىز"],
        "/no-such-page": ["بەت تېپىلمىدى", "باش بەتكە بېرىش"],
    }),
    "zh_Hans": ("zh-Hans", "ltr", {
        "/": ["报告被拘押的亲人", "快速离开本网站"],
        "/report": ["发送我的证词", "姓名 1", "出生日期"],
        "/status": ["凭回执编号回来", "您的回执编号"],
        "/no-such-page": ["找不到页面", "返回首页"],
    }),
    "kk": ("kk-Cyrl", "ltr", {
        "/": ["Ұсталған туысыңыз туралы хабарлау", "Бұл сайттан тез шығу"],
        "/report": ["Мәлімдемемді жіберу", "Аты 1", "Туған күні"],
        "/status": ["Түбіртегіңізбен қайта кіру", "Түбіртек нөміріңіз"],
        "/no-such-page": ["Бет табылмады", "Басты бетке өту"],
    }),
    "tr": ("tr", "ltr", {
        "/": ["Gözaltındaki bir yakınınızı bildirin", "Bu siteden hızla çık"],
        "/report": ["Tanıklığımı gönder", "Ad 1", "Doğum tarihi"],
        "/status": ["Makbuzunuzla geri dönün", "Makbuz numaranız"],
        "/no-such-page": ["Sayfa bulunamadı", "Ana sayfaya git"],
    }),
    "ru": ("ru", "ltr", {
        "/": ["Сообщить о задержанном родственнике", "Быстро покинуть сайт"],
        "/report": ["Отправить моё свидетельство", "Имя 1", "Дата рождения"],
        "/status": ["Вернуться с квитанцией", "Номер вашей квитанции"],
        "/no-such-page": ["Страница не найдена", "На главную страницу"],
    }),
}
# Latin-script words a non-Latin page may still show: the language names in the switch and the
# reply-language list, file formats, units, and the messenger named as an example.
LATIN_ALLOWED = frozenset({"English", "Türkçe", "JPEG", "PNG", "WebP", "GIF", "PDF", "MB", "Signal", "X"})


def visible_text(page: str) -> str:
    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__(convert_charrefs=True)
            self.parts: list[str] = []
            self.hidden = 0

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "style"):
                self.hidden += 1
            self.parts += [v for k, v in attrs if k in VISIBLE_ATTRIBUTES and v]

        def handle_endtag(self, tag: str) -> None:
            if tag in ("script", "style") and self.hidden:
                self.hidden -= 1

        def handle_data(self, data: str) -> None:
            if not self.hidden:
                self.parts.append(data)

    parser = Text()
    parser.feed(page)
    return " ".join(" ".join(parser.parts).split())


def latin_words(text: str) -> set[str]:
    return {word for word in re.findall(r"\w+", text)
            if any(unicodedata.name(ch, "").startswith("LATIN") for ch in word)}


@pytest.mark.parametrize("locale", sorted(PAGES))
def test_public_pages_in_each_language(app: Flask, locale: str) -> None:
    tag, direction, pages = PAGES[locale]
    with app.test_client() as client:
        for path, expected in pages.items():
            response = client.get(f"{path}?lang={locale}")
            assert response.status_code == (404 if path == "/no-such-page" else 200), path
            page = response.get_data(as_text=True)
            assert f'<html lang="{tag}" dir="{direction}">' in page, (path, page[:200])
            text = visible_text(page)
            for words in expected:
                assert words in text, f"{locale} {path}: {words!r} not on the page"
            if locale in ("ug", "zh_Hans"):
                # Every label, hint, option and message has a native form in these scripts (places and
                # vocabularies included), so any Latin word left is English that escaped translation.
                stray = latin_words(text) - LATIN_ALLOWED
                assert not stray, f"{locale} {path}: untranslated words {sorted(stray)}"


def test_the_language_stays_chosen(app: Flask) -> None:
    with app.test_client() as client:
        client.get("/?lang=ug")
        page = client.get("/report").get_data(as_text=True)
    assert '<html lang="ug-Arab" dir="rtl">' in page
    assert "گۇۋاھلىقىمنى يوللاش" in page


def test_english_is_the_default(app: Flask) -> None:
    with app.test_client() as client:
        page = client.get("/", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert '<html lang="en" dir="ltr">' in page
    assert "Report a detained relative" in page


# A gettext call inside an f-string's braces: pybabel's Python extractor does not look there, so the
# string never reaches the catalogues and the page shows it in English ("differs", "Split out").
_CALL_IN_FSTRING = re.compile(r"""\bf(['"]).*?\{[^}]*\b(?:_|_l|gettext|lazy_gettext|ngettext)\(\s*['"]""")


def _calls_in_fstrings(source: str) -> list[str]:
    return [line.strip() for line in source.splitlines() if _CALL_IN_FSTRING.search(line)]


def test_no_string_to_translate_hides_in_an_f_string() -> None:
    found = {str(path.relative_to(ROOT)): hits for path in sorted((ROOT / "intake").rglob("*.py"))
             if (hits := _calls_in_fstrings(path.read_text(encoding="utf-8")))}
    assert not found, f"gettext inside an f-string is never extracted: translate it beforehand: {found}"


def test_the_f_string_check_can_fail() -> None:
    assert _calls_in_fstrings("""x = f'<th>{escape(_("Split out"))}</th>'""")
    assert not _calls_in_fstrings("""label = _("Split out")\nx = f'<th>{escape(label)}</th>'""")

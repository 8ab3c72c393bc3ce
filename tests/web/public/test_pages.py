"""Properties every public page must have: no third-party resources, a quick exit, language and
direction, language links, labelled fields, and no address in the logs."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser

import pytest

from tests.helpers import full_report, submit
from tests.web.public.pages import csrf_token, open_status, post_report, relative, report_form, text_of

QUICK_EXIT = '<a class="quick-exit" href="https://www.wikipedia.org/" rel="noreferrer noopener">'


def every_page(client, public_app) -> dict[str, str]:  # noqa: ANN001
    """One of each public page, reached the way a family reaches it."""
    pages = {url: text_of(client.get(url)) for url in ("/", "/report", "/status", "/no-such-page")}
    data = report_form(client, relative(0, names__0__value="Tursun"))
    pages["errors"] = text_of(post_report(client, {**data, "relatives-0-birth-year": "12"}))
    receipt_page = text_of(post_report(client, data))
    pages["receipt"] = receipt_page
    stored = submit(public_app, full_report())
    status = text_of(open_status(client, stored.receipt))
    pages["status"] = status
    receipt = re.search(r'name="receipt" type="hidden" value="(\d+)"', status).group(1)
    pages["confirm"] = text_of(client.post("/status/withdraw", data={"csrf_token": csrf_token(status),
                                                                    "receipt": receipt}))
    pages["not found"] = text_of(open_status(client, "0000 0000 0000 0000 0000"))
    pages["expired"] = text_of(client.post("/report", data={"relatives-0-testimony": "x"}))
    pages["resend"] = text_of(client.post("/status/news", data={"receipt": receipt, "news": "x"}))
    pages["method"] = text_of(client.delete("/report"))
    return pages


def test_no_page_loads_anything_from_another_site(client, public_app):
    for name, page in every_page(client, public_app).items():
        assert page.count(QUICK_EXIT) == 1, name
        rest = page.replace(QUICK_EXIT, "")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}", rest, re.I), name
        # Scripts only from this origin (proof of work, file limits); no inline script or style (the CSP
        # forbids them).
        assert set(re.findall(r"<script[^>]*>", page)) <= {'<script src="/static/pow.js" defer>',
                                                           '<script src="/static/limits.js" defer>'}, name
        assert "style=" not in page, name
        for url in re.findall(r'(?:src|href|action|formaction)="([^"]*)"', rest):
            assert url.startswith(("/", "#")) or url == "data:,", (name, url)  # data:, the empty icon


def test_no_page_may_be_sent_to_a_browsers_cloud_translation(client, public_app):
    """A browser's translation sends the page's text to a cloud service: on the receipt and status
    pages that is the relatives' names and the reviewers' replies. Every page opts out, in the
    standard attribute and in Chrome's meta tag."""
    for name, page in every_page(client, public_app).items():
        assert '<meta name="google" content="notranslate">' in page, name
        assert '<body translate="no">' in page, name


def test_every_page_has_the_quick_exit_first_after_the_skip_link(client, public_app):
    for name, page in every_page(client, public_app).items():
        links = re.findall(r"<a [^>]*>", page)
        assert 'class="skip-link"' in links[0] and 'class="quick-exit"' in links[1], name
        assert 'rel="noreferrer noopener"' in links[1]


@pytest.mark.parametrize(("code", "tag", "direction"), [("ug", "ug-Arab", "rtl"), ("en", "en", "ltr"),
                                                       ("zh_Hans", "zh-Hans", "ltr")])
def test_lang_and_dir_follow_the_chosen_language(client, code, tag, direction):
    page = text_of(client.get(f"/?lang={code}"))
    assert f'<html lang="{tag}" dir="{direction}">' in page
    # The choice is remembered for the next page without the query string.
    assert f'<html lang="{tag}" dir="{direction}">' in text_of(client.get("/status"))


def test_language_links_name_their_language(client):
    page = text_of(client.get("/status?lang=ug"))
    nav = re.search(r'<nav class="languages".*?</nav>', page, re.S).group(0)
    links = re.findall(r"<a [^>]*>[^<]*</a>", nav)
    assert len(links) == 6
    for code, tag, name in (("ug", "ug-Arab", "ئۇيغۇرچە"), ("en", "en", "English"), ("ru", "ru", "Русский")):
        link = next(link for link in links if f"lang={code}\"" in link)
        assert f'lang="{tag}"' in link and f'hreflang="{tag}"' in link and name in link
    assert 'aria-current="page"' in next(link for link in links if "lang=ug\"" in link)


class FieldCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.fields: list[dict[str, str | None]] = []
        self.labels: set[str] = set()
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if values.get("id"):
            self.ids.append(values["id"] or "")
        if tag == "label" and values.get("for"):
            self.labels.add(values["for"] or "")
        if tag in ("select", "textarea") or (tag == "input" and values.get("type") not in ("hidden", "submit")):
            self.fields.append(values)


def test_every_field_has_a_label_and_ids_are_unique(client, public_app):
    for name, page in every_page(client, public_app).items():
        parser = FieldCollector()
        parser.feed(page)
        for field in parser.fields:
            assert field.get("id") in parser.labels, (name, field)
        assert len(parser.ids) == len(set(parser.ids)), name


def test_error_pages_never_show_exception_text(client):
    page = text_of(client.delete("/report"))
    assert "Traceback" not in page and "MethodNotAllowed" not in page


def test_nothing_logged_contains_the_address(client, public_app, caplog):
    caplog.set_level(logging.DEBUG)
    environ = {"REMOTE_ADDR": "203.0.113.77"}
    data = report_form(client, relative(0, names__0__value="Tursun"))
    post_report(client, data, environ_base=environ)
    post_report(client, {**data, "csrf_token": "stale"}, environ_base=environ)
    open_status(client, "0000 0000 0000 0000 0000", environ_base=environ)
    assert "203.0.113.77" not in caplog.text

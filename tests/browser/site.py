"""Driving the public pages in a browser, by structure (names, values, actions), never by wording:
the texts are being translated, the markup is what the tests rely on."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

DIRECTION = {"en": ("en", "ltr"), "ug": ("ug-Arab", "rtl")}

SEND = "#report-form button[name=action][value=send]"
ADD_PERSON = "#report-form button[name=action][value=add_relative]"
OPEN_RECEIPT = "main form[action$='/status'] button[type=submit]"
NEWS_SEND = "#news-form button[name=action][value=send]"
WITHDRAW = "main form[action$='/status/withdraw'] button[type=submit]"
WITHDRAW_CONFIRM = "#withdraw-form button[name=action][value=send]"

# Every public page a family can reach, in the order walk_public_pages shows them.
PUBLIC_PAGES = ("index", "form-empty", "form-errors", "receipt", "status-entry", "status", "news-added",
                "withdraw-confirm", "withdraw-errors", "withdrawn", "not-found")
WORDS = {
    "en": {"name": "Tursun Ablimit", "question": "Do you know where he was taken in 2018?",
           "news": "He was moved to another camp in 2019."},
    "ug": {"name": "تۇرسۇن ئابلىمىت", "question": "ئۇنىڭ 2018-يىلى نەگە ئېلىپ كېتىلگەنلىكىنى بىلەمسىز؟",
           "news": "ئۇ 2019-يىلى باشقا لاگېرغا يۆتكەلدى."},
}


def shown(texts: list[str]) -> list[str]:
    """Text read off the page as a reader sees it: without the invisible isolates (U+2066-U+2069)
    that keep numbers and names in order inside right-to-left sentences (intake/web/bidi.py)."""
    return [text.translate(ISOLATES) for text in texts]


ISOLATES = dict.fromkeys(range(0x2066, 0x206A))


def submit(page: Any, selector: str) -> int:
    """Press a submit button (or follow a link) and wait for the next page; its HTTP status."""
    with page.expect_navigation() as navigation:
        page.click(selector)
    response = navigation.value
    assert response is not None, f"pressing {selector} loaded no page"
    return response.status


def visit(page: Any, url: str) -> int:
    response = page.goto(url)
    assert response is not None, f"no response for {url}"
    return response.status


def check_language(page: Any, lang: str) -> None:
    tag, direction = DIRECTION[lang]
    html = page.locator("html")
    assert html.get_attribute("lang") == tag, f"{page.url}: lang is {html.get_attribute('lang')!r}, not {tag!r}"
    assert html.get_attribute("dir") == direction, f"{page.url}: dir is {html.get_attribute('dir')!r}"


def read_receipt(page: Any) -> str:
    groups = page.locator(".receipt .receipt-group").all_inner_texts()
    assert len(groups) == 6 and all(len(g) == 4 and g.isdigit() for g in groups), f"no receipt on the page: {groups}"
    return " ".join(groups)


def open_with_receipt(page: Any, base_url: str, receipt: str) -> int:
    """The status-entry page, the receipt typed in, and the page it opens."""
    assert visit(page, f"{base_url}/status") == 200
    page.fill("#receipt", receipt)
    return submit(page, OPEN_RECEIPT)


def ask_family(site: Any, receipt: str, text: str) -> None:
    """A reviewer's question to the family, through the service layer (the server serves both faces)."""
    from intake.extensions import db
    from intake.keyring import get_vault
    from intake.services import families, messages

    with site.app.app_context():
        submission = families.find_by_receipt(db.session, receipt, check=site.receipt_check()).submission
        messages.reply_to_family(db.session, get_vault(), submission_id=submission.id, author_id=None, text=text)


def walk_public_pages(page: Any, site: Any, lang: str, seen: Callable[[str], None]) -> str:
    """Go through every public page in `lang`, calling seen(name) on each; returns the receipt made.

    `site` is the live server (tests/browser/conftest.py): a reviewer's question is added through
    the service layer, so the status page shows a message too."""
    base_url, words = site.url, WORDS[lang]
    assert visit(page, f"{base_url}/?lang={lang}") == 200
    check_language(page, lang)
    seen("index")

    assert submit(page, "main a.button[href$='/report']") == 200
    assert page.locator(SEND).count() == 1
    seen("form-empty")

    assert submit(page, SEND) == 422  # no name at all
    assert page.locator("#error-summary a[href='#relatives-0-names-0-value']").count() == 1
    seen("form-errors")

    page.fill("#relatives-0-names-0-value", words["name"])
    assert submit(page, SEND) == 200
    receipt = read_receipt(page)
    seen("receipt")
    ask_family(site, receipt, words["question"])

    assert visit(page, f"{base_url}/status") == 200
    seen("status-entry")

    page.fill("#receipt", receipt)
    assert submit(page, OPEN_RECEIPT) == 200
    assert page.locator("#news-form").count() == 1
    assert page.locator("ol.messages .message-text").all_inner_texts() == [words["question"]]
    seen("status")

    page.fill("#news", words["news"])
    assert submit(page, NEWS_SEND) == 200
    assert page.locator("ul.additions > li").count() == 1
    seen("news-added")

    assert submit(page, WITHDRAW) == 200
    assert page.locator("#withdraw-form #confirm").count() == 1
    seen("withdraw-confirm")

    assert submit(page, WITHDRAW_CONFIRM) == 422  # the box is not ticked
    assert page.locator("#confirm[aria-invalid=true]").count() == 1
    seen("withdraw-errors")

    page.check("#confirm")
    assert submit(page, WITHDRAW_CONFIRM) == 200
    assert page.locator("#news-form").count() == 0
    seen("withdrawn")

    assert visit(page, f"{base_url}/no-such-page") == 404
    seen("not-found")
    check_language(page, lang)
    return receipt

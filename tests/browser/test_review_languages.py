"""The review face in Uyghur, in Chromium: the inbox, a report page and the duplicates queue, with
JavaScript on and off, at 390 px and 1280 px.

Each page must come out right to left (`<html lang="ug-Arab" dir="rtl">`, headings drawn right to
left), its language chosen by a plain link of the page's language switch (no script), and show no
English word of the interface: every Latin-script word left on the page must be inside what is not
the interface's (a family's names in their own script, a county's Latin name beside its Uyghur and
Chinese ones, usernames and file names, codes). What is isolated left to right (dates, numbers,
handles) is checked too: it may hold digits and handles, never a word. Screenshots go
to test-output/screenshots/i18n-review-<combo>-<page>.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from intake.models import Role
from intake.services import totp
from tests.browser.review_support import (SCREENSHOTS, ReviewServer, enrol, in_own_thread, launch_chromium,
                                          one_man_in_two_scripts, require_browser, review_app, served, sign_in)

pytestmark = pytest.mark.browser
USERNAME, PASSWORD = "gulnar.reviewer", "willow ember quartz meadow"
COMBOS = [(js, width) for js in (False, True) for width in (390, 1280)]
# The text of the interface: everything but what the page quotes or isolates (see the docstring).
INTERFACE_TEXT = """() => {
  const skip = 'bdi:not([dir=ltr]), code, kbd, .handle, .hash, .languages, [dir=auto], [lang]:not([lang^="ug"]), script, style, datalist';
  const out = [];
  const walk = (node) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) { out.push(child.textContent); }
      else if (child.nodeType === Node.ELEMENT_NODE && !child.matches(skip)) {
        for (const name of ['aria-label', 'title', 'placeholder', 'alt']) {
          if (child.getAttribute(name)) { out.push(child.getAttribute(name)); }
        }
        if (child.matches('input[type=submit], input[type=button]')) { out.push(child.value); }
        walk(child);
      }
    }
  };
  walk(document.body);
  return out.join(' ');
}"""
DIRECTIONS = "() => ['h1', 'main p', 'nav.workspace-nav'].map(s => getComputedStyle(document.querySelector(s)).direction)"


HANDLE = re.compile(r"\b[A-Z]-[0-9A-Z]{5}-[0-9A-Z]{5}\b")


def latin_words(text: str) -> set[str]:
    """Latin-script words, but handles (in labels such as "Select report R-...") and the reviewer's
    own username (an option of the assignee lists)."""
    words = {w for w in re.findall(r"\w+", HANDLE.sub(" ", text)) if re.search(r"[A-Za-z\u00c0-\u024f]", w)}
    return words - set(re.findall(r"\w+", USERNAME))


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[ReviewServer, bytes, list[str], dict[str, Any]]]:
    require_browser()
    tmp: Path = tmp_path_factory.mktemp("review-languages")
    app = review_app(tmp, INTAKE_DEDUP_MODEL=str(tmp / "untrained.json"))  # the shipped model scores
    handles = one_man_in_two_scripts(app)
    secret = totp.new_secret()
    enrolled, _ = enrol(app, USERNAME, PASSWORD, Role.REVIEWER, secret)
    with served(app) as running:
        yield running, secret, handles, {"used": {enrolled}, "state": None}


@pytest.mark.parametrize(("js", "width"), COMBOS, ids=[f"{'js' if j else 'nojs'}-{w}" for j, w in COMBOS])
def test_review_pages_in_uyghur(server: tuple[ReviewServer, bytes, list[str], dict[str, Any]], js: bool,
                                width: int) -> None:
    from playwright.sync_api import expect, sync_playwright

    running, secret, handles, shared = server
    url, combo = running.url, f"{'js' if js else 'nojs'}-{width}"

    def run() -> None:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                # Signed in once (each TOTP code is accepted once); every combination shares the session.
                context = browser.new_context(java_script_enabled=js, viewport={"width": width, "height": 900},
                                              storage_state=shared["state"])
                context.set_default_timeout(15_000)
                page = context.new_page()
                errors: list[str] = []
                page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
                if shared["state"] is None:
                    sign_in(page, url, USERNAME, PASSWORD, secret, shared["used"])
                    shared["state"] = context.storage_state()
                SCREENSHOTS.mkdir(parents=True, exist_ok=True)

                # The language is chosen with the page's own link, and stays chosen from page to page.
                page.goto(url + "/review/inbox?lang=en")
                expect(page.locator("html")).to_have_attribute("dir", "ltr")
                with page.expect_navigation():
                    page.locator(".languages a[hreflang=ug-Arab]").click()
                found: dict[str, set[str]] = {}
                for name, path in (("inbox", "/review/inbox"), ("report", f"/review/reports/{handles[0]}"),
                                   ("duplicates", "/review/duplicates")):
                    if name != "inbox":
                        page.goto(url + path)  # no ?lang=: the session keeps the choice
                    page.wait_for_load_state("load")
                    expect(page.locator("html")).to_have_attribute("lang", "ug-Arab")
                    expect(page.locator("html")).to_have_attribute("dir", "rtl")
                    assert page.evaluate(DIRECTIONS) == ["rtl", "rtl", "rtl"], name
                    found[name] = latin_words(page.evaluate(INTERFACE_TEXT))
                    page.screenshot(path=str(SCREENSHOTS / f"i18n-review-{combo}-{name}.png"), full_page=True)
                # Each page says what it is in Uyghur, and what the reviewer handles is still there.
                page.goto(url + "/review/inbox")
                expect(page.locator("h1")).to_have_text("كەلگەن مەلۇماتلار")
                expect(page.locator("#inbox-table")).to_contain_text("Ablimit Tursun")
                page.goto(url + "/review/duplicates")
                expect(page.locator("h1")).to_have_text("تەكرار بولۇشى مۇمكىن بولغانلار")
                expect(page.locator("main table")).to_contain_text("كۈتۈۋاتىدۇ")  # "pending", a label
                assert not errors, errors
                context.close()
            finally:
                browser.close()
        stray = {name: words for name, words in found.items() if words}
        assert not stray, f"English left on the Uyghur review pages ({combo}): {stray}"

    in_own_thread(run, timeout=240)

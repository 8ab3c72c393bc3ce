"""The duplicates queue in a real browser: axe-core finds nothing serious on the queue and the pair
page, and a reviewer with JavaScript off and only a keyboard opens a pair from the queue and
accepts it (focus and Enter: links and plain forms, nothing else)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.models import CandidatePair, PairStatus, Report, Role
from intake.services import totp
from tests.browser.review_support import (ReviewServer, enrol, in_own_thread, launch_chromium, one_man_in_two_scripts,
                                          require_browser, review_app, served)
from tests.browser.test_accessibility import BLOCKING, RUN_AXE, describe

pytestmark = pytest.mark.browser
USERNAME, PASSWORD = "dilnur.reviewer", "quiet harbour lantern maple"


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ReviewServer]:
    require_browser()
    app = review_app(tmp_path, INTAKE_DEDUP_MODEL=str(tmp_path / "untrained.json"))  # the shipped model scores
    with served(app) as running:
        yield running


def prepare(server: ReviewServer) -> tuple[bytes, list[str]]:
    """A reviewer (TOTP secret, recovery codes) and two reports of one man, scored at take-in."""
    secret = totp.new_secret()
    one_man_in_two_scripts(server.app)
    _, codes = enrol(server.app, USERNAME, PASSWORD, Role.REVIEWER, secret)
    return secret, codes


def sign_in(page: Any, server: ReviewServer, code: str) -> None:
    page.goto(server.url + "/review/sign-in")
    page.get_by_label("Username").fill(USERNAME)
    page.get_by_label("Password").fill(PASSWORD)
    with page.expect_navigation():
        page.get_by_label("Password").press("Enter")
    page.get_by_label("Code from your authenticator app, or a recovery code").fill(code)
    with page.expect_navigation():
        page.get_by_label("Code from your authenticator app, or a recovery code").press("Enter")
    assert "/sign-in" not in page.url, page.url


def test_queue_and_pair_pages_are_axe_clean_and_work_by_keyboard_without_script(server, axe_source):
    from playwright.sync_api import expect, sync_playwright

    _, codes = prepare(server)
    failures: list[str] = []

    def visit() -> dict[str, list[dict]]:
        found: dict[str, list[dict]] = {}
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                # axe needs script (injected past the CSP, for the scan only).
                scan = browser.new_context(java_script_enabled=True, bypass_csp=True)
                page = scan.new_page()
                sign_in(page, server, codes[0])
                page.goto(server.url + "/review/duplicates")
                page.add_script_tag(path=str(axe_source))
                found["queue"] = page.evaluate(RUN_AXE)
                page.locator("main table a").first.click()
                page.wait_for_load_state("load")
                page.add_script_tag(path=str(axe_source))
                found["pair"] = page.evaluate(RUN_AXE)
                scan.close()

                # The decision: no script, keyboard only.
                context = browser.new_context(java_script_enabled=False)
                page = context.new_page()
                page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if r.status >= 400 else None)
                sign_in(page, server, codes[1])
                nav = page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Duplicates")
                nav.focus()
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                link = page.locator("main table a").first
                link.focus()
                with page.expect_navigation():
                    page.keyboard.press("Enter")
                expect(page.locator("main")).to_contain_text("same name across scripts")
                expect(page.locator("main svg[role=img]")).to_be_visible()
                reason = page.get_by_label("Why (optional; kept sealed with the link)")
                reason.focus()
                page.keyboard.type("same photo and birth date")
                with page.expect_navigation():
                    page.keyboard.press("Enter")  # implicit submission of the accept form
                expect(page.get_by_role("status")).to_contain_text("Accepted")
                # Back at the queue's table of pairs (not its top), the heading focused, the
                # confirmation beside it, and the pair just decided one Tab away.
                expect(page).to_have_url(re.compile(r"/review/duplicates\?decided=[0-9a-f-]+#pairs$"))
                expect(page.locator("h2#pairs")).to_be_focused()
                expect(page.get_by_role("status")).to_be_in_viewport()
                page.keyboard.press("Tab")
                expect(page.get_by_role("link", name="Open the pair you just decided")).to_be_focused()
                context.close()
            finally:
                browser.close()
        return found

    found = in_own_thread(visit)
    serious = {name: [v for v in violations if v["impact"] in BLOCKING] for name, violations in found.items()}
    assert not any(serious.values()), describe(serious)
    assert failures == []
    with server.app.app_context():
        assert db.session.scalar(select(CandidatePair.status)) == PairStatus.ACCEPTED.value
        people = set(db.session.scalars(select(Report.person_id)))
        assert len(people) == 1 and None not in people

"""An advocate's day in Chromium, where earlier journeys left rough edges: a refused bulk action in the
inbox comes back with the rows still ticked and the typed tag kept, with script on and off, at
390 px and 1280 px, in English and Uyghur; axe-core clean, and nothing wider than the screen.
Screenshots: test-output/screenshots/day-<combo>-<name>.png."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.review_support import in_own_thread, launch_chromium, sign_in
from tests.browser.test_review_workspace import (AXE, COMBOS, OVERFLOW, PASSWORD, RUN_AXE, SHOTS, WIDE, World,
                                                 world)  # noqa: F401 - the fixture, a world of this module's own

pytestmark = pytest.mark.browser
IDS = [f"{'js' if j else 'nojs'}-{w}-{l}" for j, w, l in COMBOS]
TAG_SELECTED = {"en": "Tag selected", "ug": "تاللانغانلارغا بەلگە قويۇش"}


def _open(world: World, playwright: Any, js: bool, width: int) -> tuple[Any, Any, Any]:  # noqa: F811
    browser = launch_chromium(playwright)
    context = browser.new_context(java_script_enabled=js, bypass_csp=True, storage_state=world.state,
                                  viewport={"width": width, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    if world.state is None:  # once: each TOTP code is accepted once, so sessions are shared
        sign_in(page, world.server.url, "dilnur", PASSWORD, world.secret, world.used_steps)
        assert "/sign-in" not in page.url, "sign-in refused"
        world.state = context.storage_state()
    return browser, context, page


def _checked(page: Any, name: str, js: bool, combo: str) -> None:
    assert page.evaluate(OVERFLOW) <= 0, (f"{name} overflows", combo, page.evaluate(WIDE))
    if js:
        page.add_script_tag(path=str(AXE))
        assert page.evaluate(RUN_AXE) == [], (name, combo)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"day-{combo}-{name}.png"), full_page=True)


@pytest.mark.parametrize(("js", "width", "lang"), COMBOS, ids=IDS)
def test_a_refused_bulk_tag_keeps_the_rows_ticked(world: World, js: bool, width: int, lang: str) -> None:  # noqa: F811
    from playwright.sync_api import expect, sync_playwright

    combo = f"{'js' if js else 'nojs'}-{width}-{lang}"

    def run() -> None:
        with sync_playwright() as playwright:
            browser, context, page = _open(world, playwright, js, width)
            try:
                page.goto(f"{world.server.url}/review/inbox?county=653101&lang={lang}")
                boxes = page.locator("#inbox-table tbody input[type=checkbox]")
                expect(boxes).to_have_count(2)
                boxes.nth(0).check()
                boxes.nth(1).check()
                page.locator("#bulk-tag").fill("Not A Tag!")
                with page.expect_navigation():
                    page.get_by_role("button", name=TAG_SELECTED[lang]).click()
                assert "county=653101" in page.locator("#bulk input[name=next]").get_attribute("value")
                expect(page.locator("#bulk-tag")).to_have_value("Not A Tag!")
                expect(page.locator("#bulk-tag + .error")).to_be_visible()
                expect(page.locator("[role=alert]").first).to_be_visible()
                expect(boxes).to_have_count(2)  # the same filter's rows
                expect(boxes.nth(0)).to_be_checked()
                expect(boxes.nth(1)).to_be_checked()
                _checked(page, "inbox-bulk-refused", js, combo)
            finally:
                context.close()
                browser.close()

    in_own_thread(run, timeout=240)

"""An advocate's day in Chromium, where earlier journeys left rough edges, with script on and off, at
390 px and 1280 px, in English and Uyghur; axe-core clean and nothing wider than the screen on every
page looked at. A refused bulk action in the inbox comes back at the form's bar with the rows still
ticked and the typed tag kept; the inbox's number of rows is a link away; the duplicates pair page (its weights chart) fits a phone; the audit log's times are
never broken inside a date. Screenshots: test-output/screenshots/day-<combo>-<name>.png."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import CandidatePair, Role
from intake.services import take_in, totp
from tests.browser.review_support import (enrol, in_own_thread, launch_chromium, one_man_in_two_scripts,
                                          review_app, served, sign_in)
from tests.browser.test_review_workspace import (AXE, COMBOS, OVERFLOW, PASSWORD, RUN_AXE, SHOTS, WIDE, World,
                                                 world_dir)
from tests.helpers import full_report, submit

pytestmark = pytest.mark.browser
IDS = [f"{'js' if j else 'nojs'}-{w}-{l}" for j, w, l in COMBOS]
TAG_SELECTED = {"en": "Tag selected", "ug": "تاللانغانلارغا بەلگە قويۇش"}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """Two reports from one county (654004) (the inbox's filter), one man in two scripts (a pending pair),
    an admin signed in once for every combination."""
    tmp = world_dir(tmp_path_factory, "day")
    app = review_app(tmp, INTAKE_DEDUP_MODEL=str(tmp / "untrained.json"))  # the shipped model scores
    one_man_in_two_scripts(app)
    kashgar = dataclasses.replace(full_report("d0"), home_county="654004")
    handles = submit(app, kashgar, dataclasses.replace(full_report("d1"), home_county="654004")).report_handles
    secret = totp.new_secret()
    enrolled_at, _ = enrol(app, "dilnur", PASSWORD, Role.ADMIN, secret)
    with app.app_context():
        take_in.take_in(db.session, get_vault())
        pair = db.session.scalar(select(CandidatePair.id))
    with served(app) as server:
        yield World(server, secret, handles, str(pair), {enrolled_at})


def _open(world: World, playwright: Any, js: bool, width: int) -> tuple[Any, Any, Any]:  
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


def _in_page(world: World, js: bool, width: int, steps: Any) -> None:
    """`steps(page)` in a signed-in page of its own browser (run by `in_own_thread`), closed
    whatever happens."""
    from playwright.sync_api import sync_playwright

    def run() -> None:
        with sync_playwright() as playwright:
            browser, context, page = _open(world, playwright, js, width)
            try:
                steps(page)
            finally:
                context.close()
                browser.close()

    in_own_thread(run, timeout=240)


@pytest.mark.parametrize(("js", "width", "lang"), COMBOS, ids=IDS)
def test_a_refused_bulk_tag_keeps_the_rows_ticked(world: World, js: bool, width: int, lang: str) -> None:
    from playwright.sync_api import expect

    combo = f"{'js' if js else 'nojs'}-{width}-{lang}"

    def steps(page: Any) -> None:
        page.goto(f"{world.server.url}/review/inbox?county=654004&lang={lang}")
        boxes = page.locator("#inbox-table tbody input[type=checkbox]")
        expect(boxes).to_have_count(2)
        boxes.nth(0).check()
        boxes.nth(1).check()
        page.locator("#bulk-tag").fill("Not A Tag!")
        with page.expect_navigation():
            page.get_by_role("button", name=TAG_SELECTED[lang]).click()
        assert "county=654004" in page.locator("#bulk input[name=next]").get_attribute("value")
        expect(page.locator("#bulk-tag")).to_have_value("Not A Tag!")
        expect(page.locator("#bulk-tag + .error")).to_be_visible()
        expect(page.locator("[role=alert]").first).to_be_visible()
        expect(boxes).to_have_count(2)  # the same filter's rows
        expect(boxes.nth(0)).to_be_checked()
        expect(boxes.nth(1)).to_be_checked()
        # The page opens at the form's bar (its fragment), which takes focus, the reason in sight.
        assert page.url.endswith("#bulk-actions"), page.url
        expect(page.locator("#bulk-actions")).to_be_focused()
        expect(page.locator("#bulk-tag + .error")).to_be_in_viewport()
        _checked(page, "inbox-bulk-refused", js, combo)

    _in_page(world, js, width, steps)


@pytest.fixture(scope="module")
def long_inbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """27 reports (a page of 25 by default, all of them with 50), a reviewer signed in once."""
    app = review_app(world_dir(tmp_path_factory, "rows"))
    handles = submit(app, *[full_report(f"r{i}") for i in range(27)]).report_handles
    secret = totp.new_secret()
    enrolled_at, _ = enrol(app, "dilnur", PASSWORD, Role.REVIEWER, secret)
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    with served(app) as server:
        yield World(server, secret, handles, "", {enrolled_at})


ROWS_PER_PAGE = {"en": "Rows per page", "ug": "ھەر بەتتىكى قۇر سانى"}


@pytest.mark.parametrize(("js", "width", "lang"), COMBOS, ids=IDS)
def test_the_number_of_rows_a_page_is_a_link_away(long_inbox: World, js: bool, width: int, lang: str) -> None:
    from playwright.sync_api import expect

    combo = f"{'js' if js else 'nojs'}-{width}-{lang}"

    def steps(page: Any) -> None:
        page.goto(f"{long_inbox.server.url}/review/inbox?lang={lang}")
        rows = page.locator("#inbox-table tbody tr")
        expect(rows).to_have_count(25)
        sizes = page.get_by_role("navigation", name=ROWS_PER_PAGE[lang])
        expect(sizes.locator("[aria-current]")).to_have_text("25")
        with page.expect_navigation():
            sizes.get_by_role("link", name="50", exact=True).click()
        expect(rows).to_have_count(27)
        expect(sizes.locator("[aria-current]")).to_have_text("50")
        assert "rows=50" in page.url and page.locator('a[rel="next"]').count() == 0  # one page holds them all
        _checked(page, "inbox-50-rows", js, combo)

    _in_page(long_inbox, js, width, steps)


# Each piece of an audit time (date, time of day) on one line: not "-2026" over "12-03" in Uyghur.
BROKEN = """() => Array.from(document.querySelectorAll('table.list tbody td.when bdi'))
  .filter(b => b.getClientRects().length > 1).map(b => b.textContent)"""
# The weights chart's labels inside the screen (right to left, they were drawn off its left edge).
CHART_OUT = """() => Array.from(document.querySelectorAll('svg.weights text')).filter(t => {
  const r = t.getBoundingClientRect(); return r.left < -1 || r.right > document.documentElement.clientWidth + 1;
}).map(t => t.textContent)"""


@pytest.mark.parametrize(("js", "width", "lang"), COMBOS, ids=IDS)
def test_the_pair_page_and_the_audit_log_fit_a_phone(world: World, js: bool, width: int, lang: str) -> None:
    from playwright.sync_api import expect

    combo = f"{'js' if js else 'nojs'}-{width}-{lang}"

    def steps(page: Any) -> None:
        page.goto(f"{world.server.url}/review/duplicates/{world.person}?lang={lang}")
        expect(page.locator("svg.weights")).to_be_visible()
        assert page.evaluate(CHART_OUT) == [], combo
        # The decision in a side panel beside the two reports at 1280 px, as the report page's
        # actions; below them (one column) on a phone.
        reports, side = page.locator(".account").bounding_box(), page.locator("aside#decision").bounding_box()
        if width >= 1280:
            assert abs(side["y"] - reports["y"]) < 5 and side["x"] != reports["x"], combo
        else:
            assert side["y"] > reports["y"] + reports["height"] - 5, combo
        _checked(page, "pair", js, combo)
        page.goto(f"{world.server.url}/admin/audit?lang={lang}")
        expect(page.locator("table.list td.when").first).to_be_visible()
        assert page.evaluate(BROKEN) == [], combo
        _checked(page, "audit", js, combo)

    _in_page(world, js, width, steps)


@pytest.mark.parametrize("js", [False, True], ids=["nojs", "js"])
def test_enter_in_the_tag_field_tags_the_ticked_rows(world: World, js: bool) -> None:
    """Enter in a text field sends the form with its first button: that was "Assign selected" (to
    nobody, by default), so a typed tag was dropped and the ticked reports were unassigned."""
    from playwright.sync_api import expect

    tag = f"enter-{'js' if js else 'nojs'}"

    def steps(page: Any) -> None:
        page.goto(f"{world.server.url}/review/inbox?county=654004&lang=en")
        row = page.locator("#inbox-table tbody tr").first
        row.locator("input[type=checkbox]").check()
        page.locator("#bulk-tag").fill(tag)
        with page.expect_navigation():
            page.locator("#bulk-tag").press("Enter")
        expect(page.locator("[role=status]").first).to_contain_text("report changed.")
        expect(page.locator("[role=status]").first).to_be_in_viewport()  # back at the top, not the form's bar
        assert page.url.endswith("#main"), page.url
        expect(page.locator("#inbox-table tbody tr", has_text=tag)).to_have_count(1)

    _in_page(world, js, 1280, steps)

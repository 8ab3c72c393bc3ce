"""An admin imports a list in a real browser (Chromium): upload, check, change the mapping, import;
then creates an API token. The pages hold no script at all (so they work with JavaScript off);
script is on in this context only so that axe-core can run: it finds nothing serious on the import
pages and the tokens page."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Report
from intake.services import totp
from tests.browser.review_support import (ReviewServer, enrol, in_own_thread, launch_chromium, require_browser,
                                          review_app, served, totp_code, totp_step)
from tests.browser.test_accessibility import BLOCKING, RUN_AXE, describe
from tests.unit.imports.test_store import csv_bytes

pytestmark = pytest.mark.browser
PASSWORD = "lantern orchard pebble canyon"


@pytest.fixture
def admin_server(tmp_path: Path) -> Iterator[tuple[ReviewServer, bytes]]:
    require_browser()
    app = review_app(tmp_path)
    secret = totp.new_secret()
    for name, role in (("amina.admin", "admin"), ("rustam.researcher", "researcher")):
        enrol(app, name, PASSWORD, role, secret)
    with served(app) as server:
        yield server, secret


def test_an_admin_imports_a_list_in_a_real_browser(admin_server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    server, secret = admin_server
    listing = tmp_path / "families list.csv"
    listing.write_bytes(csv_bytes())
    failures: list[str] = []
    findings: dict[str, list[dict]] = {}

    def click_and_wait(page: Any, target: Any) -> None:
        with page.expect_navigation():
            target.click()
        page.wait_for_load_state("load")

    def axe(page: Any, name: str) -> None:
        assert "<script" not in page.content(), f"{name} has a script"
        page.add_script_tag(path=str(Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"))
        findings[name] = page.evaluate(RUN_AXE)

    def journey() -> str:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context(java_script_enabled=True, bypass_csp=True,
                                              viewport={"width": 1100, "height": 900})
                context.set_default_timeout(10_000)
                page = context.new_page()
                page.on("response", lambda r: failures.append(f"{r.status} {r.url}")
                        if r.status >= 400 and not r.url.endswith("/admin/imports/confirm") else None)
                page.goto(server.url + "/review/sign-in")
                page.get_by_label("Username").fill("amina.admin")
                page.get_by_label("Password").fill(PASSWORD)
                click_and_wait(page, page.get_by_role("button", name="Continue"))
                page.get_by_label("Code from your authenticator app, or a recovery code").fill(
                    totp_code(secret, totp_step() + 1))
                click_and_wait(page, page.get_by_role("button", name="Sign in"))

                click_and_wait(page, page.get_by_role("navigation", name="Workspace").get_by_role("link",
                                                                                               name="Imports"))
                expect(page.get_by_role("heading", level=1)).to_have_text("Import a list")
                axe(page, "imports")
                page.get_by_label("List to import (CSV or Excel .xlsx)").set_input_files(str(listing))
                click_and_wait(page, page.get_by_role("button", name="Check the file"))
                expect(page.get_by_role("status")).to_contain_text("Ready: 2")
                expect(page.locator("main")).to_contain_text('Row 4, column "Name" (must be fixed)')
                axe(page, "import check")
                page.get_by_label("Notes").select_option("ignore")
                click_and_wait(page, page.get_by_role("button", name="Check again with this mapping"))
                expect(page.get_by_label("Notes")).to_have_value("ignore")
                page.get_by_label("Source of the list (who kept it; stored encrypted)").fill("Friends of the families")
                click_and_wait(page, page.get_by_role("button", name="Import 2 rows"))
                expect(page.get_by_role("status")).to_contain_text("2 reports imported")
                axe(page, "import done")

                click_and_wait(page, page.get_by_role("navigation", name="Workspace").get_by_role("link",
                                                                                               name="API tokens"))
                page.get_by_label("Researcher's username").fill("rustam.researcher")
                page.get_by_label("Valid for (days; empty: until revoked)").fill("30")
                click_and_wait(page, page.get_by_role("button", name="Create a token"))
                token = page.locator("code.link-once").inner_text()
                expect(page.locator("table")).to_contain_text("active")
                axe(page, "tokens")
                return token
            finally:
                browser.close()

    token = in_own_thread(journey)
    assert failures == []
    blocking = {name: [v for v in found if v["impact"] in BLOCKING] for name, found in findings.items()}
    assert not any(blocking.values()), describe(blocking)
    with server.app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 2
        assert all(r.testimony is None for r in db.session.scalars(select(Report)))  # "Notes" was ignored
    response = server.app.test_client().get("/api/v1/exports", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200

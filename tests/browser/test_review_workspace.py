"""The review workspace in Chromium: inbox, two-pane report page, files, corrections, person page,
search and audit page (and the exports, duplicates, accounts, imports and tokens pages), with JavaScript on and off, at 390 px and 1280 px, in English and Uyghur.

For each of the 8 combinations: nothing overflows the viewport horizontally, axe-core finds no
serious or critical violation (with script on: axe is script; the server sends the same markup
either way; contexts bypass CSP for axe only, test_pages.py keeps CSP on), and a
screenshot of every page is saved to test-output/screenshots/workspace-<combo>-<page>.png. Then, in
the combinations where they apply: the report page's two panes (side panel beside the account at
1280 px, stacked at 390 px), an action that comes back to its anchor with a confirmation and focus
in the section the anchor names (script on or off), keyboard
shortcuts with script on (j/k/o, ]), the same triage by links with script off.
"""

from __future__ import annotations

import dataclasses
import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Report, Role
from intake.services import attachments, persons, take_in, totp, users
from tests.browser.review_support import (REPO_ROOT, ReviewServer, enrol, in_own_thread, launch_chromium,
                                          require_browser, review_app, served, sign_in)
from tests.helpers import full_report, submit

pytestmark = pytest.mark.browser

AXE = REPO_ROOT / "tests" / "browser" / "node_modules" / "axe-core" / "axe.min.js"
SHOTS = REPO_ROOT / "test-output" / "screenshots"
PASSWORD = "lantern orchard pebble canyon"
RUN_AXE = """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
  .filter(v => ['serious', 'critical'].includes(v.impact))
  .map(v => v.id + ': ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(', '))"""
OVERFLOW = "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
# What sticks out, to say where when OVERFLOW is not 0.
WIDE = """() => Array.from(document.querySelectorAll('body *:not(.skip-link)')).filter(e => {
  const r = e.getBoundingClientRect(); return r.right > document.documentElement.clientWidth + 1 || r.left < -1;
}).slice(0, 5).map(e => e.tagName + '.' + e.className + '#' + e.id)"""


@dataclasses.dataclass
class World:
    server: ReviewServer
    secret: bytes
    reports: list[str]
    person: str
    used_steps: set[int]  # TOTP steps spent (each code is accepted once)
    state: dict[str, Any] | None = None  # the signed-in cookies, shared by every combination


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (20, 120, 200)).save(out, "PNG")
    return out.getvalue()


def world_dir(tmp_path_factory: pytest.TempPathFactory, name: str) -> Path:
    """A folder for a module's browser world (its app, keys and database); the module is skipped
    where Chromium or axe-core is missing."""
    require_browser()
    if not AXE.is_file():
        pytest.skip("axe-core missing: run `npm ci` in tests/browser")
    return tmp_path_factory.mktemp(name)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    app = review_app(world_dir(tmp_path_factory, "workspace"))
    kashgar = dataclasses.replace(full_report("w0"), home_county="653101", gender="male",
                                  names=[{"value": "ئابدۇرېھىم تۇرسۇن", "script": "ug-Arab"},
                                         {"value": "阿不都热依木·吐尔逊", "script": "zh-Hans"},
                                         {"value": "Abdurehim Tursun", "script": "Latn"}])
    handles = [*submit(app, kashgar).report_handles,
               *submit(app, dataclasses.replace(kashgar, gender="female")).report_handles,
               *submit(app, *[full_report(f"w{i}") for i in range(1, 4)]).report_handles]
    secret = totp.new_secret()
    enrolled_at, _ = enrol(app, "dilnur", PASSWORD, Role.ADMIN, secret)
    with app.app_context():
        vault = get_vault()
        take_in.take_in(db.session, vault)
        admin = users.by_username(db.session, "dilnur")
        report = db.session.scalar(select(Report).where(Report.handle == handles[0]))
        attachments.add_attachments(db.session, report.submission_id, [attachments.inspect_upload("photo.png", _png())],
                                    report_id=report.id, own_key=False)
        db.session.commit()
        persons.link_report(db.session, vault, handles[0], None, reason="first", actor=admin.id)
        person = db.session.scalar(select(Report).where(Report.handle == handles[0])).person.handle
        persons.link_report(db.session, vault, handles[1], person, reason="same names", actor=admin.id)
    with served(app) as server:
        yield World(server, secret, handles, person, {enrolled_at})


COMBOS = [(js, width, lang) for js in (False, True) for width in (390, 1280) for lang in ("en", "ug")]
# What the checks below look for, in each language of the combinations (the review face is translated).
WORDS = {
    "en": {"note added": "Note added.", "corrected text": "Corrected text", "retract": "Retract",
           "corrected": "Corrected", "view": "View (metadata removed)", "older report": "Older report"},
    "ug": {"note added": "ئىزاھات قوشۇلدى.", "corrected text": "تۈزىتىلگەن تېكىست", "retract": "قايتۇرۇۋېلىش",
           "corrected": "تۈزىتىلدى", "view": "كۆرۈش (مېتا سانلىق مەلۇمات چىقىرىۋېتىلگەن)",
           "older report": "كونىراق مەلۇمات"},
}


@pytest.mark.parametrize(("js", "width", "lang"), COMBOS, ids=[f"{'js' if j else 'nojs'}-{w}-{l}" for j, w, l in COMBOS])
def test_workspace_pages(world: World, js: bool, width: int, lang: str) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, combo = world.server.url, f"{'js' if js else 'nojs'}-{width}-{lang}"
    first, second = world.reports[0], world.reports[1]
    words = WORDS[lang]

    def run() -> None:
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context(java_script_enabled=js, bypass_csp=True, storage_state=world.state,
                                              viewport={"width": width, "height": 900})
                context.set_default_timeout(15_000)
                page = context.new_page()
                errors: list[str] = []
                page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None)
                foreign: list[str] = []
                page.on("request", lambda r: foreign.append(r.url) if not r.url.startswith(url) else None)
                if world.state is None:  # once: each TOTP code is accepted once, so sessions are shared
                    sign_in(page, world.server.url, "dilnur", PASSWORD, world.secret, world.used_steps)
                    assert "/sign-in" not in page.url, "sign-in refused"
                    world.state = context.storage_state()

                def visit(path: str, name: str) -> None:
                    page.goto(f"{url}{path}{'&' if '?' in path else '?'}lang={lang}")
                    page.wait_for_load_state("load")
                    assert page.evaluate(OVERFLOW) <= 0, (f"{name} overflows at {width}px", page.evaluate(WIDE))
                    if js:  # axe is script: the same markup is checked in the script-on combinations
                        page.add_script_tag(path=str(AXE))
                        assert page.evaluate(RUN_AXE) == [], (name, combo)
                    page.screenshot(path=str(SHOTS / f"workspace-{combo}-{name}.png"), full_page=True)

                SHOTS.mkdir(parents=True, exist_ok=True)
                visit("/review/inbox", "inbox")
                expect(page.locator("html")).to_have_attribute("dir", "rtl" if lang == "ug" else "ltr")
                expect(page.locator("#inbox-table")).to_contain_text("Abdurehim Tursun")
                expect(page.locator("#inbox-table")).to_contain_text("Kashgar City")
                visit("/review/inbox?county=喀什市", "inbox-county")
                expect(page.locator("#inbox-table tbody tr")).to_have_count(2)
                visit(f"/review/reports/{first}", "report")
                expect(page.locator("#attachments")).to_contain_text("SHA-256")
                account, side = page.locator(".account").bounding_box(), page.locator("#actions").bounding_box()
                if width >= 1280:  # two panes: the actions beside the account
                    assert abs(side["y"] - account["y"]) < 5 and side["x"] != account["x"]
                else:  # one column: the actions below
                    assert side["y"] > account["y"] + account["height"] - 5
                visit(f"/review/persons/{world.person}", "person")
                expect(page.locator("table.compare tr.disagree")).not_to_have_count(0)
                visit("/review/search", "search")
                visit("/admin/audit?action=report.view", "audit")
                expect(page.locator("table.list tbody tr").first).to_contain_text("report")
                # The other workspace pages with tables fit a phone too (each table scrolls in its own region).
                for path, name in [("/review/exports", "exports"), ("/review/duplicates", "duplicates"),
                                   ("/admin/users", "users"), ("/admin/imports", "imports"), ("/admin/tokens", "tokens")]:
                    visit(path, name)
                    expect(page.locator("main table").first).to_be_visible()

                # An action comes back to where the reviewer was, with a confirmation beside it.
                page.goto(f"{url}/review/reports/{second}?lang={lang}")
                page.locator("#act-note summary").click()
                page.locator("#note-body").fill(f"check {combo}")
                with page.expect_navigation():
                    page.locator("#act-note").get_by_role("button").click()
                assert page.url.endswith("#notes"), page.url
                expect(page.locator("#actions [role=status]")).to_contain_text(words["note added"])
                # The section the anchor names takes focus by the browser's fragment navigation alone
                # (no script): the next Tab goes on from there.
                expect(page.locator("#notes")).to_be_focused()
                assert page.evaluate("() => !!document.activeElement.closest('#notes')"), combo
                page.screenshot(path=str(SHOTS / f"workspace-{combo}-after-action.png"))

                # ... and a note added by mistake is corrected: the original stays, struck through.
                note = page.locator("#notes article", has_text=f"check {combo}")
                note.locator("summary").click()
                note.get_by_label(re.compile(words["corrected text"])).fill(f"checked {combo}")
                with page.expect_navigation():
                    note.get_by_role("button", name=words["retract"]).click()
                # Said where the page opens, under the notes' heading (the panel is far below on one column).
                expect(page.locator("#notes [role=status]")).to_contain_text(words["corrected"])
                expect(page.locator("#notes [role=status]")).to_be_in_viewport()
                expect(page.locator("#notes")).to_be_focused()
                expect(page.locator("#notes .retracted", has_text=f"check {combo}")).to_have_count(1)
                expect(page.locator("#notes")).to_contain_text(f"checked {combo}")
                page.screenshot(path=str(SHOTS / f"workspace-{combo}-corrected.png"))

                # A file's viewing copy: asked for, served as an image, never the original's metadata.
                page.goto(f"{url}/review/reports/{first}?lang={lang}")
                link = page.get_by_role("link", name=words["view"])
                href = link.get_attribute("href")
                answer = page.request.get(url + href)
                assert answer.status == 200 and answer.headers["content-type"] == "image/jpeg"
                assert answer.headers["x-content-type-options"] == "nosniff"

                # Triage from the inbox: keys with script, links without.
                page.goto(f"{url}/review/inbox?lang={lang}")
                order = page.locator("#inbox-table tbody tr").evaluate_all(
                    "rows => rows.map(r => r.getAttribute('data-href'))")
                if js:
                    page.keyboard.press("j")
                    page.keyboard.press("j")
                    with page.expect_navigation():
                        page.keyboard.press("o")
                    assert page.url.endswith(order[1]), (page.url, order)
                    with page.expect_navigation():
                        page.keyboard.press("]")
                else:
                    with page.expect_navigation():
                        page.locator(f'#inbox-table a[href="{order[1]}"]').click()
                    with page.expect_navigation():
                        page.get_by_role("link", name=words["older report"]).click()
                assert page.url.endswith(order[2]), (page.url, order)  # the next one down the inbox
                assert not errors, errors
                assert not foreign, foreign
                context.close()
            finally:
                browser.close()

    in_own_thread(run, timeout=240)


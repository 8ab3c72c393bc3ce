"""A reviewer's whole day in a real browser (Debian's Chromium, JavaScript off: the review face
needs no script).

`flask users create` gives a one-time set-up link; the browser follows it, chooses a password, reads
the TOTP key shown as text, answers with a code computed as an authenticator app would, and keeps
the recovery codes page. Then: sign in (password, then code), the inbox, one report decrypted,
verification level, a dated status event, a reply to the family (a question), each report linked
to a person of its own, the two persons merged on the person page, the merge undone, sign-out by
POST. Every page is screenshotted into test-output/screenshots/review-*.png. At the end the
service layer checks the audit chain verifies and holds the expected actions (and no content), and
that the family can open the reply with their receipt.

The inbox is opened by its URL: the review front page (/review/, where sign-in lands) has no link
to the inbox or search, only the header's "Review" link back to itself.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, Report, Submission
from intake.services import audit, families, messages, persons, take_in, users
from tests.browser.review_support import (
    ReviewServer,
    Shots,
    in_own_thread,
    launch_chromium,
    require_browser,
    review_app,
    secret_from_manual_key,
    served,
    totp_code,
    totp_step,
)
from tests.helpers import full_report, submit

pytestmark = pytest.mark.browser

USERNAME = "amina.reviewer"
PASSWORD = "lantern orchard pebble canyon"
REPLY = "Thank you for writing. Do you know the name of the facility he was moved to in 2019?"
EVENT_SOURCE = "A former detainee, interviewed by phone"
MERGE_REASON = "same ID number, names and birth date"


@pytest.fixture
def review_server(tmp_path: Path) -> Iterator[ReviewServer]:
    """The app with both faces over SQLite in tmp_path, CSRF on, served on a free local port."""
    require_browser()  # skip (or fail) before building anything
    with served(review_app(tmp_path)) as server:
        yield server


def invite_by_cli(server: ReviewServer) -> str:
    """`flask users create USERNAME --role reviewer --base-url URL`: the one-time set-up link it prints."""
    result = server.app.test_cli_runner().invoke(
        args=["users", "create", USERNAME, "--role", "reviewer", "--base-url", server.url])
    assert result.exit_code == 0, result.output
    links = re.findall(r"^(http://\S+/review/setup/\S+)$", result.output, flags=re.MULTILINE)
    assert len(links) == 1, result.output
    return links[0]


def two_reports_about_one_person(server: ReviewServer) -> tuple[Any, Any, str, str]:
    """Two families' submissions about the same man (same names, ID number, birth date), taken in."""
    first = full_report("a")
    second = dataclasses.replace(full_report("b"), names=first.names, id_number=first.id_number,
                                 birth_date=first.birth_date)
    stored = submit(server.app, first, contact=None), submit(server.app, second, contact=None)
    with server.app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (2, 0)
    return stored[0], stored[1], first.testimony, second.testimony


def click_and_wait(page: Any, target: Any) -> None:
    """Click a form's button (a real POST; no script) or a link, and wait for the page it leads to."""
    with page.expect_navigation():
        target.click()
    page.wait_for_load_state("load")


def notice(page: Any) -> str:
    return " | ".join(page.get_by_role("status").all_inner_texts())


def open_action(page: Any, name: str) -> None:
    """Open one action of the report page's side panel (a <details>: works without script)."""
    summary = page.locator("#actions summary", has_text=name)
    if summary.locator("xpath=..").get_attribute("open") is None:
        summary.click()


def detail(page: Any, term: str) -> str:
    """The <dd> after the <dt> `term` on the report page."""
    return page.locator(f"xpath=//dt[normalize-space()='{term}']/following-sibling::dd[1]").inner_text().strip()


def compared(page: Any, handle: str) -> Any:
    """The column header of report `handle` in the person page's side-by-side table."""
    return page.locator("table.compare thead th", has=page.get_by_role("link", name=handle, exact=True))


def test_reviewer_journey_in_a_real_browser(review_server: ReviewServer) -> None:
    from playwright.sync_api import expect, sync_playwright

    server = review_server
    setup_link = invite_by_cli(server)
    stored_a, stored_b, testimony_a, testimony_b = two_reports_about_one_person(server)
    report_a, report_b = stored_a.report_handles[0], stored_b.report_handles[0]
    failures: list[str] = []  # every error response but the used set-up link's 404

    def unexpected(response: Any) -> bool:
        return response.status >= 400 and not (response.status == 404 and response.url == setup_link)

    def journey() -> tuple[str, str]:
        """The browser part; returns the two person handles it created."""
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            try:
                context = browser.new_context(java_script_enabled=False, viewport={"width": 1100, "height": 900})
                context.set_default_timeout(10_000)
                page = context.new_page()
                page.on("response", lambda r: failures.append(f"{r.status} {r.url}") if unexpected(r) else None)
                shot = Shots(page)

                # --- set-up link: password and TOTP enrolment in one page -----------------------------
                page.goto(setup_link)
                expect(page.get_by_role("heading", level=1)).to_have_text(f"Set up the account {USERNAME}")
                expect(page.locator("figure.qr svg")).to_be_visible()  # the QR code is inline SVG, no script
                secret = secret_from_manual_key(page.locator("code.manual-key").inner_text())
                assert len(secret) == 20
                page.get_by_label("New password (at least 12 characters)").fill(PASSWORD)
                page.get_by_label("The same password again").fill(PASSWORD)
                setup_step = totp_step()
                page.get_by_label("The 6-digit code the app shows now").fill(totp_code(secret, setup_step))
                shot("setup")
                click_and_wait(page, page.get_by_role("button", name="Set password and enrol"))
                expect(page.get_by_role("heading", level=1)).to_have_text("Your recovery codes")
                codes = page.locator("ol.recovery-codes code").all_inner_texts()
                assert len(codes) == 10 and all(re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", c) for c in codes), codes
                shot("recovery-codes")

                # The link is used up.
                page.goto(setup_link)
                expect(page.get_by_role("heading", level=1)).to_have_text("Set-up link")
                expect(page.locator("main")).to_contain_text("not valid")
                shot("setup-link-used")

                # --- sign in: password, then a fresh code (the set-up code is spent) --------------------
                page.goto(server.url + "/review/sign-in")
                page.get_by_label("Username").fill(USERNAME)
                page.get_by_label("Password").fill(PASSWORD)
                shot("sign-in")
                click_and_wait(page, page.get_by_role("button", name="Continue"))
                assert page.url.endswith("/review/sign-in/code"), page.url
                page.get_by_label("Code from your authenticator app, or a recovery code").fill(
                    totp_code(secret, max(totp_step(), setup_step + 1)))
                shot("sign-in-code")
                click_and_wait(page, page.get_by_role("button", name="Sign in"))
                expect(page.get_by_role("heading", level=1)).to_have_text("Review workspace")
                expect(page.locator("header")).to_contain_text(f"{USERNAME} (reviewer)")
                expect(page.locator("main")).to_contain_text("Keys unlocked.")
                shot("home")

                # --- the inbox -------------------------------------------------------------------------
                click_and_wait(page, page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Inbox"))
                rows = page.locator("table tbody tr")
                expect(rows).to_have_count(2)
                shot("inbox")

                # --- one report, decrypted -------------------------------------------------------------
                click_and_wait(page, page.get_by_role("link", name=report_a, exact=True))
                expect(page.get_by_role("heading", level=1)).to_have_text(f"Report {report_a}")
                expect(page.locator("main")).to_contain_text(testimony_a)
                assert testimony_b not in page.content()
                assert detail(page, "Verification") == "Reported (not verified)" and detail(page, "Person") == "not linked"
                shot("report")

                # Verification level.
                open_action(page, "Verification")
                page.get_by_label("Verification level").select_option("corroborated")
                click_and_wait(page, page.get_by_role("button", name="Set level"))
                assert "Verification level set." in notice(page)
                assert detail(page, "Verification") == "Corroborated by other sources"
                shot("report-verification")

                # A dated status event, with its source.
                open_action(page, "Add a status event")
                page.get_by_label("What happened").select_option("sentenced")
                page.get_by_label("When (2017, 2017-04 or 2017-04-12)").fill("2019-03")
                page.get_by_label("Sentence length (for a sentence)").fill("15 years")
                page.get_by_label("Source of this news").fill(EVENT_SOURCE)
                click_and_wait(page, page.get_by_role("button", name="Add status event"))
                assert "Status event added." in notice(page)
                event_row = page.locator("table", has=page.locator("caption", has_text="Status timeline")) \
                    .locator("tbody tr", has_text=EVENT_SOURCE)
                expect(event_row).to_have_count(1)
                expect(event_row).to_contain_text("2019-03")
                expect(event_row).to_contain_text("Sentenced")
                expect(event_row).to_contain_text("15 years")
                expect(event_row).to_contain_text(f"by {USERNAME}")
                assert detail(page, "Status") == "Sentenced"
                shot("report-status-event")

                # A reply to the family that asks a question.
                open_action(page, "Reply to the family")
                page.get_by_label("Reply to the family", exact=True).fill(REPLY)
                page.get_by_label("This asks the family a question").check()
                click_and_wait(page, page.get_by_role("button", name="Send reply"))
                assert "Reply sent." in notice(page)
                reply = page.locator("article", has_text=REPLY)
                expect(reply).to_have_count(1)
                expect(reply.locator("footer")).to_contain_text(USERNAME)
                assert detail(page, "Family sees") == "Needs information"
                shot("report-reply")

                # Report A gets a person of its own.
                open_action(page, "Link to a person")
                page.locator("#link-reason").fill("first report about him")
                click_and_wait(page, page.get_by_role("button", name="Link to person"))
                assert "Report linked." in notice(page)
                person_a = detail(page, "Person")
                assert re.fullmatch(r"P-[0-9A-Z-]+", person_a), person_a
                shot("report-linked")

                # Report B too (a different person, for now), reached from the inbox.
                click_and_wait(page, page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Inbox"))
                click_and_wait(page, page.get_by_role("link", name=report_b, exact=True))
                expect(page.locator("main")).to_contain_text(testimony_b)
                open_action(page, "Link to a person")
                page.locator("#link-reason").fill("second family's report")
                click_and_wait(page, page.get_by_role("button", name="Link to person"))
                person_b = detail(page, "Person")
                assert person_b != person_a and re.fullmatch(r"P-[0-9A-Z-]+", person_b), (person_a, person_b)
                shot("report-b-linked")

                # --- merge person B into person A on A's page -------------------------------------------
                page.goto(f"{server.url}/review/reports/{report_a}")
                click_and_wait(page, page.get_by_role("link", name=person_a, exact=True))
                expect(page.get_by_role("heading", level=1)).to_have_text(f"Person {person_a}")
                expect(page.get_by_role("heading", level=2, name="Reports side by side (1)")).to_be_visible()
                page.locator("#merge-other").fill(person_b.lower())  # handles are accepted in any case
                page.locator("#merge-reason").fill(MERGE_REASON)
                shot("person-before-merge")
                click_and_wait(page, page.get_by_role("button", name="Merge into this person"))
                assert "Merged." in notice(page)
                expect(page.get_by_role("heading", level=2, name="Reports side by side (2)")).to_be_visible()
                for handle in (report_a, report_b):
                    expect(compared(page, handle)).to_have_count(1)
                expect(page.locator("main")).to_contain_text(testimony_a)
                expect(page.locator("main")).to_contain_text(testimony_b)
                # The combined timeline shows the event added on report A.
                expect(page.locator("table", has=page.locator("caption", has_text="Status timeline"))
                       .locator("tbody tr", has_text=EVENT_SOURCE)).to_contain_text(report_a)
                merge = page.locator("article", has_text=f"Why: {MERGE_REASON}")
                expect(merge).to_have_count(1)
                expect(merge).to_contain_text(f"{report_b}: {person_b} → {person_a}")
                shot("person-merged")

                # --- undo the merge ---------------------------------------------------------------------
                merge.get_by_label("Why").fill("different fathers' names after all")
                click_and_wait(page, merge.get_by_role("button", name="Confirm"))
                assert "Undone." in notice(page)
                expect(page.get_by_role("heading", level=2, name="Reports side by side (1)")).to_be_visible()
                expect(compared(page, report_a)).to_have_count(1)
                expect(compared(page, report_b)).to_have_count(0)
                assert testimony_b not in page.content()
                undo = page.locator("article", has_text="(undoes an earlier change)")
                expect(undo).to_contain_text(f"{report_b}: {person_a} → {person_b}")
                expect(page.locator("article", has_text=f"Why: {MERGE_REASON}")).to_contain_text(
                    "Cannot be undone now: this change was already undone")
                shot("person-undone")

                # Separate again: the inbox and person B's own page say so.
                click_and_wait(page, page.get_by_role("navigation", name="Workspace").get_by_role("link", name="Inbox"))
                expect(page.locator("tbody tr", has_text=report_a)).to_contain_text(person_a)
                expect(page.locator("tbody tr", has_text=report_b)).to_contain_text(person_b)
                shot("inbox-separate")
                click_and_wait(page, page.get_by_role("link", name=report_b, exact=True))
                click_and_wait(page, page.get_by_role("link", name=person_b, exact=True))
                expect(page.get_by_role("heading", level=1)).to_have_text(f"Person {person_b}")
                expect(page.get_by_role("heading", level=2, name="Reports side by side (1)")).to_be_visible()
                expect(compared(page, report_b)).to_have_count(1)
                expect(page.locator("main")).to_contain_text(testimony_b)
                assert testimony_a not in page.content()
                shot("person-b")

                # --- sign out (a POST form in the header) -----------------------------------------------
                click_and_wait(page, page.locator("header").get_by_role("button", name="Sign out"))
                assert page.url == server.url + "/review/sign-in", page.url
                expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
                expect(page.locator("header")).not_to_contain_text(USERNAME)
                page.goto(f"{server.url}/review/reports/{report_a}")
                assert page.url == server.url + "/review/sign-in", page.url  # the session is gone
                shot("signed-out")
                assert not failures, failures
                assert len(shot.taken) == 19, [p.name for p in shot.taken]
                context.close()
            finally:
                browser.close()
        return person_a, person_b

    person_a, person_b = in_own_thread(journey)

    # --- the service layer's view of what happened ---------------------------------------------------
    with server.app.app_context():
        vault = get_vault()
        verification = audit.verify(db.session, vault)
        assert verification.ok, verification.findings
        events = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        assert verification.count == len(events)
        user = users.by_username(db.session, USERNAME)
        assert user is not None
        actions = [e.action for e in events]
        expected = ["user.create", "inbox.take_in", "user.password_set", "auth.login", "report.view",
                    "report.verification", "report.status_event", "message.reply", "person.link", "person.link",
                    "person.view", "person.merge", "person.undo", "person.view", "auth.logout"]
        remaining = iter(actions)
        assert all(action in remaining for action in expected), actions  # in this order
        for action, count in {"user.create": 1, "user.password_set": 1, "auth.login": 1, "auth.logout": 1,
                              "person.link": 2, "person.merge": 1, "person.undo": 1, "report.verification": 1,
                              "report.status_event": 1, "message.reply": 1}.items():
            assert actions.count(action) == count, (action, actions)
        assert not {"auth.login_failed", "auth.totp_failed"} & set(actions), actions
        reviewer_actions = [e for e in events if e.action.startswith(("report.", "person.", "message.", "auth."))]
        assert {e.actor for e in reviewer_actions} == {str(user.id)}
        assert "SENTINEL" not in repr([e.fields() for e in events])  # ids and action names only

        # The database agrees with the pages: two reports, two persons, nothing inconsistent.
        reports = {r.handle: r for r in db.session.scalars(select(Report))}
        assert reports[report_a].verification == "corroborated" and reports[report_a].status == "sentenced"
        assert reports[report_a].person.handle == person_a and reports[report_b].person.handle == person_b
        assert persons.inconsistent_reports(db.session) == []

        # The family can read the reply with their receipt (the public face's key), and was asked.
        submission = db.session.get(Submission, stored_a.submission_id)
        assert submission is not None and submission.status == "needs_information"
        opened = messages.family_view(db.session, submission, families.find_by_receipt(
            db.session, stored_a.receipt, check=families.ReceiptCheck(
                pepper=bytes.fromhex(server.app.config["INTAKE_RECEIPT_PEPPER"]),
                kdf=PROFILES["test"]["receipt"])).reply_keys())
        assert [text for _, text in opened] == [REPLY]

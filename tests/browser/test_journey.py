"""A family's whole visit in Uyghur, with JavaScript off: report two relatives with a photo, keep the
receipt, come back, read a reviewer's question, add news, withdraw. Every page is screenshotted."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Attachment, Message, MessageKind, RecordKey, Report, StatusEvent, Submission, SubmissionStatus
from intake.services import families, messages, take_in, withdrawal

from .site import (ADD_PERSON, NEWS_SEND, OPEN_RECEIPT, SEND, WITHDRAW, WITHDRAW_CONFIRM, check_language,
                   open_with_receipt, read_receipt, shown, submit, visit)

pytestmark = pytest.mark.browser

FIRST_NAME = "ئابدۇرېھىم ئابدۇللا"
FIRST_TESTIMONY = "ئۇ 2017-يىلى قەشقەردە تۇتۇلدى.\nبىز ئۇنىڭدىن خەۋەر ئالالمىدۇق."
SECOND_NAME = "مېھرىگۈل تۇرسۇن"
SECOND_TESTIMONY = "ئۇ 2018-يىلى خوتەندە ئېلىپ كېتىلدى."
QUESTION = "ئۇ قايسى لاگېردا ئىكەنلىكىنى بىلەمسىز؟"
NEWS = "ئۇ 2024-يىلى قويۇپ بېرىلدى، ئەمما ئۆيىدە نازارەت ئاستىدا."
RELEASED_UG = "قويۇپ بېرىلگەن"  # the thesaurus's Uyghur label of the status "released"


def small_photo(path: Path) -> Path:
    Image.new("RGB", (64, 48), (30, 110, 160)).save(path, "JPEG", quality=80)
    return path


def owner_ids(session, submission_id) -> list:  # noqa: ANN001 - a SQLAlchemy session and a UUID
    """Every row that may own a data key: the submission, its reports and its own-key children."""
    ids = [submission_id]
    for model in (Report, Message, StatusEvent, Attachment):
        ids += session.scalars(select(model.id).where(model.submission_id == submission_id)).all()
    return ids


def count_keys(session, ids) -> int:  # noqa: ANN001
    return session.scalar(select(func.count()).select_from(RecordKey).where(RecordKey.owner_id.in_(ids))) or 0


def test_a_family_reports_two_relatives_comes_back_adds_news_and_withdraws_in_uyghur_without_javascript(
        open_tab, live_site, shots, tmp_path):
    tab = open_tab(java_script_enabled=False, locale="ug-CN")
    page, base, shot = tab.page, live_site.url, shots("journey-ug-noscript")
    with live_site.app.app_context():  # what earlier test files sent to this process's site: taken in
        take_in.take_in(db.session, get_vault())

    # The start page, in Uyghur, right to left.
    assert visit(page, f"{base}/?lang=ug") == 200
    check_language(page, "ug")
    shot.take(page, "index")

    # The form: the first relative, then the server-side "add another person" button.
    assert submit(page, "main a.button[href$='/report']") == 200
    shot.take(page, "form-empty")
    page.fill("#relatives-0-names-0-value", FIRST_NAME)
    page.select_option("#relatives-0-names-0-script", "ug-Arab")
    page.fill("#relatives-0-names-1-value", "Abdurehim Abdulla")
    page.select_option("#relatives-0-relationship", "sibling")
    page.select_option("#relatives-0-gender", "male")
    page.fill("#relatives-0-birth-year", "1984")
    page.fill("#relatives-0-testimony", FIRST_TESTIMONY)
    assert submit(page, ADD_PERSON) == 200
    check_language(page, "ug")
    # The first relative's text came back intact, and a second block is there.
    assert page.input_value("#relatives-0-names-0-value") == FIRST_NAME
    assert page.input_value("#relatives-0-testimony") == FIRST_TESTIMONY
    assert page.locator("#relatives-1-names-0-value").count() == 1
    shot.take(page, "form-two-people")

    page.fill("#relatives-1-names-0-value", SECOND_NAME)
    page.select_option("#relatives-1-relationship", "spouse")
    page.select_option("#relatives-1-status", "sentenced")
    page.fill("#relatives-1-testimony", SECOND_TESTIMONY)
    page.set_input_files("#attachments", str(small_photo(tmp_path / "photo.jpg")))
    page.check("#consent_share_research")
    shot.take(page, "form-filled")

    # Send: the receipt is shown once, on the page.
    assert submit(page, SEND) == 200
    check_language(page, "ug")
    receipt = read_receipt(page)
    assert page.locator(".error[role=alert]").count() == 0, "the photo was not saved"
    shot.take(page, "receipt")

    check = live_site.receipt_check()
    with live_site.app.app_context():
        submission = families.find_by_receipt(db.session, receipt, check=check).submission
        submission_id = submission.id
        assert submission.language == "ug" and submission.status == SubmissionStatus.RECEIVED.value
        reports = db.session.scalars(select(Report).where(Report.submission_id == submission_id)
                                     .order_by(Report.position)).all()
        assert [r.names[0]["value"] for r in reports] == [FIRST_NAME, SECOND_NAME]
        # Browsers send a textarea's line breaks as CRLF (HTML's form encoding); the app stores LF.
        assert [r.testimony for r in reports] == [FIRST_TESTIMONY, SECOND_TESTIMONY]
        attachments = db.session.scalars(select(Attachment).where(Attachment.submission_id == submission_id)).all()
        assert len(attachments) == 1

    # Back later: the status page, opened with the receipt.
    assert submit(page, "main a[href$='/status']") == 200
    shot.take(page, "status-entry")
    page.fill("#receipt", receipt)
    assert submit(page, OPEN_RECEIPT) == 200
    check_language(page, "ug")
    assert page.locator("#news-form").count() == 1
    assert page.locator("ol.messages").count() == 0  # no message yet
    # Each person named as the family wrote them, opened with the receipt.
    assert shown(page.locator("ul.people > li bdi").all_inner_texts())[0].endswith(FIRST_NAME + " / Abdurehim Abdulla")
    assert SECOND_NAME in page.locator("ul.people > li").nth(1).inner_text()
    shot.take(page, "status")

    # A reviewer asks a question, through the service layer of the same process.
    with live_site.app.app_context():
        messages.reply_to_family(db.session, get_vault(), submission_id=submission_id, author_id=None, text=QUESTION)

    assert open_with_receipt(page, base, receipt) == 200
    assert page.locator("ol.messages .message-text").all_inner_texts() == [QUESTION]
    shot.take(page, "status-with-question")

    # News about the first person: free text and a new situation.
    handles = page.eval_on_selector_all("#report option[value^='R-']", "options => options.map(o => o.value)")
    assert len(handles) == 2
    page.fill("#news", NEWS)
    page.select_option("#report", handles[0])
    page.select_option("#new_status", "released")
    shot.take(page, "news-filled")
    assert submit(page, NEWS_SEND) == 200
    assert page.locator(".notice[role=status]").count() == 1  # "Thank you ..."
    assert page.locator("ul.additions > li").count() == 2  # the news and the new situation
    assert RELEASED_UG in page.locator("ul.additions").inner_text()
    shot.take(page, "news-acknowledged")
    # The review face applies the new situation when its take-in job takes the news in.
    with live_site.app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (3, 0)  # the submission, the news, the status event
    assert open_with_receipt(page, base, receipt) == 200
    first_person = page.locator("ul.people > li").first.inner_text()
    assert FIRST_NAME in first_person and RELEASED_UG in first_person

    with live_site.app.app_context():
        ids = owner_ids(db.session, submission_id)
        assert len(ids) >= 1 + 2 + 2  # the submission, two reports, the news and the status event
        assert count_keys(db.session, ids) > 0
        news = db.session.scalars(select(Message).where(Message.submission_id == submission_id,
                                                        Message.kind == MessageKind.FROM_FAMILY.value)).all()
        assert [m.body for m in news] == [NEWS]

    # Withdraw: the confirmation page first; without the tick nothing happens.
    assert submit(page, WITHDRAW) == 200
    assert page.locator("#withdraw-form #confirm").count() == 1
    shot.take(page, "withdraw-confirm")
    assert submit(page, WITHDRAW_CONFIRM) == 422
    assert page.locator("#confirm[aria-invalid=true]").count() == 1
    shot.take(page, "withdraw-not-ticked")
    page.check("#confirm")
    assert submit(page, WITHDRAW_CONFIRM) == 200
    assert page.locator(".notice[role=status]").count() == 1
    assert page.locator("#news-form").count() == 0
    shot.take(page, "withdrawn")

    # The keys are shredded at once; the review face's background work deletes the rows.
    with live_site.app.app_context():
        assert count_keys(db.session, ids) == 0
        assert db.session.get(Submission, submission_id).status == SubmissionStatus.WITHDRAWN.value
        withdrawal.finish_pending(db.session, get_vault())
        for model in (Report, Message, StatusEvent, Attachment):
            assert db.session.scalar(select(func.count()).select_from(model).where(
                model.submission_id == submission_id)) == 0, model.__name__
        assert withdrawal.leftovers(db.session, submission_id) == {
            "reports": 0, "own_key_children": 0, "record_keys": 0}

    # The tombstone keeps no receipt verifier: the receipt opens nothing any more.
    assert open_with_receipt(page, base, receipt) == 422
    assert page.locator("#receipt").count() == 1 and page.locator("ul.people").count() == 0
    assert QUESTION not in page.content()
    shot.take(page, "withdrawn-receipt-opens-nothing")

    tab.assert_only_local_requests()

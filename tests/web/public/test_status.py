"""Coming back with the receipt: status, reviewers' messages, news, withdrawal."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import (Attachment, BlindIndex, Message, MessageKind, RecordKey, Report, StatusEvent,
                           Submission)
from intake.services import integrity_states, take_in, withdrawal
from intake.services.messages import reply_to_family
from tests.helpers import full_report, submit
from tests.web.public.pages import CSRF, csrf_token, field_value, open_status, text_of

POW = re.compile(r'name="pow_token" value="[^"]+"')
QUESTION = "سالام! ئۇ قايسى يىلى تۇغۇلغان؟ 请问他是哪一年出生的？"


def reply(review_app, submission_id, text: str = QUESTION) -> None:  # noqa: ANN001
    with review_app.app_context():
        reply_to_family(db.session, get_vault(), submission_id=submission_id, author_id=None, text=text)


def hidden_receipt(page: str) -> str:
    return re.search(r'name="receipt" type="hidden" value="(\d{24})"', page).group(1)


def test_the_right_receipt_shows_status_handles_and_the_reviewers_question(client, public_app, review_app):
    stored = submit(public_app, full_report("a"), full_report("b"))
    reply(review_app, stored.submission_id)
    response = open_status(client, stored.receipt)
    page = text_of(response)
    assert response.status_code == 200
    assert QUESTION in page
    for handle in stored.report_handles:
        assert handle in page
    # The names the family typed, opened with the receipt; never any other report content.
    assert "Person 1: ئابدۇرېھىم SENTINEL-name-ug-a" in page and "Person 2: ئابدۇرېھىم SENTINEL-name-ug-b" in page
    assert "SENTINEL" not in re.sub(r"SENTINEL-name-(ug|zh|ru)-[ab]-[0-9a-f]{8}", "", page)
    assert "Received" in page
    with public_app.app_context():
        assert db.session.scalars(select(Message)).one().read_by_family


def test_the_receipt_travels_only_in_post_bodies(client, public_app):
    stored = submit(public_app, full_report())
    digits = stored.receipt.replace(" ", "")
    response = open_status(client, stored.receipt)
    page = text_of(response)
    for tag in re.findall(r"<form[^>]*>", page):
        assert 'method="post"' in tag and digits not in tag
    for url in re.findall(r'(?:href|action|formaction)="([^"]*)"', page):
        assert digits not in url
    for name, value in response.headers.items():
        assert digits not in value, name
    with client.session_transaction() as session:
        assert digits not in repr(dict(session))
    assert hidden_receipt(page) == digits


def test_wrong_and_unknown_receipts_get_identical_answers(client, public_app):
    stored = submit(public_app, full_report())
    with public_app.app_context():  # a known lookup whose verifier does not match: the "wrong" path
        submission = db.session.get(Submission, stored.submission_id)
        submission.receipt_verifier = submission.receipt_verifier[:-1] + bytes([submission.receipt_verifier[-1] ^ 1])
        db.session.commit()
    wrong = open_status(client, stored.receipt)
    unknown = open_status(client, "0000 1111 2222 3333 4444 5555")
    assert wrong.status_code == unknown.status_code == 422

    def neutral(page: str) -> str:  # without the tokens and the digits typed (kept in the box)
        page = POW.sub("", CSRF.sub("", page))
        return page.replace(stored.receipt, "").replace("0000 1111 2222 3333 4444 5555", "")

    assert neutral(text_of(wrong)) == neutral(text_of(unknown))
    assert field_value(text_of(wrong), "receipt") == stored.receipt  # the digits stay in the box
    assert "No testimony opens with this receipt" in text_of(wrong)
    assert dict(wrong.headers.items()).keys() == dict(unknown.headers.items()).keys()


def test_a_malformed_receipt_gets_a_format_hint(client):
    response = open_status(client, "1234 5678")
    assert response.status_code == 422
    assert "24 digits" in text_of(response)


def test_a_receipt_in_arabic_indic_digits_opens_the_status(client, public_app):
    stored = submit(public_app, full_report())
    arabic = stored.receipt.translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert open_status(client, arabic).status_code == 200


def news_data(page: str, **values: object) -> dict[str, object]:
    return {"csrf_token": csrf_token(page), "receipt": hidden_receipt(page), "action": "send", **values}


def test_news_from_the_family_is_sealed_with_its_own_key_and_read_by_the_review_face(client, public_app, review_app):
    stored = submit(public_app, full_report("a"), full_report("b"))
    page = text_of(open_status(client, stored.receipt))
    second = stored.report_handles[1]
    response = client.post("/status/news", content_type="multipart/form-data", data=news_data(
        page, news="ئۇ قويۇپ بېرىلدى. 他已获释。", report=second, new_status="released", **{"when-year": "2024",
                                                                                        "when-month": "2"}))
    page = text_of(response)
    assert response.status_code == 200, page
    assert "was added" in page
    assert "new situation: Released" in page and "news or a correction" in page
    with public_app.app_context():
        message = db.session.scalars(select(Message).where(Message.kind == MessageKind.FROM_FAMILY.value)).one()
        event = db.session.scalars(select(StatusEvent)).one()
        assert message.own_key and event.own_key and event.recorded_by_id is None
        owners = set(db.session.execute(select(RecordKey.owner_table, RecordKey.owner_id)).all())
        assert ("messages", message.id) in owners and ("status_events", event.id) in owners
        report = db.session.scalars(select(Report).where(Report.handle == second)).one()
        # The public face writes no review-side state: the news waits for the review face.
        assert event.report_id == report.id and report.status == "unknown" and report.state_mac is None
        assert event.mac is None and event.reported_kind_sealed is not None

    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (3, 0)  # the submission and two follow-ups
    with review_app.app_context():
        message = db.session.scalars(select(Message).where(Message.kind == MessageKind.FROM_FAMILY.value)).one()
        assert message.body == "ئۇ قويۇپ بېرىلدى. 他已获释。"
        event = db.session.scalars(select(StatusEvent)).one()
        assert (event.kind, event.event_date, event.source) == ("released", "2024-02", "family")
        assert event.reported_kind == "released" and event.mac is not None
        assert {k.holder for k in db.session.scalars(select(RecordKey))} == {"kek"}
        state = integrity_states.report_states(db.session, get_vault(), [event.report_id])[event.report_id]
        assert state.verified and state.status == "released"  # applied, sealed, at take-in


def test_news_with_errors_keeps_the_text_and_the_receipt(client, public_app):
    stored = submit(public_app, full_report("a"), full_report("b"))
    page = text_of(open_status(client, stored.receipt))
    response = client.post("/status/news", data=news_data(page, news="bad\u202etext", new_status="died"))
    page = text_of(response)
    assert response.status_code == 422
    assert field_value(page, "news") == "badtext"
    assert "whose situation changed" in page
    assert hidden_receipt(page) == stored.receipt.replace(" ", "")
    with public_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_news_can_bring_files(client, public_app):
    stored = submit(public_app, full_report())
    page = text_of(open_status(client, stored.receipt))
    response = client.post("/status/news", content_type="multipart/form-data", data=news_data(
        page, attachments=[(io.BytesIO("يېڭى خەت".encode()), "letter.txt")], news="a letter arrived"))
    assert response.status_code == 200, text_of(response)
    with public_app.app_context():
        attachment = db.session.scalars(select(Attachment)).one()
        assert attachment.own_key
        assert db.session.scalars(select(RecordKey.id).where(RecordKey.owner_table == "attachments")).one()


def test_the_language_buttons_on_the_status_page_keep_the_receipt_and_the_news(client, public_app):
    stored = submit(public_app, full_report())
    page = text_of(open_status(client, stored.receipt))
    assert 'formaction="/status/news?lang=ug"' in page
    response = client.post("/status/news?lang=ug", data=news_data(page, action="language", news="half written"))
    page = text_of(response)
    assert response.status_code == 200
    assert 'lang="ug-Arab" dir="rtl"' in page
    assert field_value(page, "news") == "half written"
    with public_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_withdrawal_asks_for_confirmation_then_shreds_keys_and_rows(client, public_app, review_app):
    stored = submit(public_app, full_report("a"), full_report("b"), contact="Signal +90 555")
    reply(review_app, stored.submission_id)
    page = text_of(open_status(client, stored.receipt))
    client.post("/status/news", content_type="multipart/form-data", data=news_data(
        page, news="more", report=stored.report_handles[0], new_status="sentenced",
        attachments=[(io.BytesIO(b"a note"), "note.txt")]))
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())  # keys now under the KEK, blind indexes computed
        assert db.session.scalar(select(func.count()).select_from(BlindIndex)) > 0

    page = text_of(open_status(client, stored.receipt))
    start = {"csrf_token": csrf_token(page), "receipt": hidden_receipt(page)}
    confirm_page = text_of(client.post("/status/withdraw", data=start))
    assert 'name="confirm"' in confirm_page and "This cannot be undone." in confirm_page
    unticked = client.post("/status/withdraw", data={**start, "step": "confirm", "action": "send"})
    assert unticked.status_code == 422 and "tick the box" in text_of(unticked)
    with public_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Report)) == 2

    done = client.post("/status/withdraw", data={**start, "step": "confirm", "action": "send", "confirm": "y"})
    assert done.status_code == 200
    assert "Withdrawn" in text_of(done)
    with public_app.app_context():
        # The public face shredded every key and left a tombstone with nothing that opens it again.
        submission = db.session.get(Submission, stored.submission_id)
        assert submission.status == "withdrawn" and submission.contact_sealed is None
        assert (submission.receipt_bucket, submission.receipt_verifier, submission.reply_public_key,
                submission.language) == (None, None, None, None)
        assert db.session.scalar(select(func.count()).select_from(RecordKey)) == 0
        assert db.session.scalar(select(func.count()).select_from(Report)) == 2  # the review face deletes rows
    with review_app.app_context():
        assert withdrawal.finish_pending(db.session, get_vault()) == 1
        for model in (RecordKey, Report, Message, StatusEvent, Attachment, BlindIndex):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model.__name__
        assert withdrawal.leftovers(db.session, stored.submission_id) == {
            "reports": 0, "own_key_children": 0, "record_keys": 0}

    again = open_status(client, stored.receipt)
    assert again.status_code == 422 and "No testimony opens with this receipt" in text_of(again)


def test_files_alone_are_news_enough_and_attach_to_the_chosen_person(client, public_app):
    stored = submit(public_app, full_report("a"), full_report("b"))
    page = text_of(open_status(client, stored.receipt))
    empty = client.post("/status/news", data=news_data(page))
    assert empty.status_code == 422 and "add a file" in text_of(empty)
    response = client.post("/status/news", content_type="multipart/form-data", data=news_data(
        page, report=stored.report_handles[1], attachments=[(io.BytesIO(b"court paper"), "verdict.txt")]))
    assert response.status_code == 200, text_of(response)
    assert "a file (<bdi>Person 2: ئابدۇرېھىم" in text_of(response)
    with public_app.app_context():
        attachment = db.session.scalars(select(Attachment)).one()
        assert attachment.report.handle == stored.report_handles[1]
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0

"""Findings of the outside probe and "nothing typed is lost": bounded relatives, bounded re-shows,
broken JSON bodies, the Server header, names on the receipt and status pages, answers under a
question, the add-person anchor, the language in the form, uploads that never reach the disk."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import func, select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Message, MessageKind, Report, Submission
from intake.services import messages
from tests.helpers import full_report, submit
from tests.web.public.pages import (csrf_token, field_value, open_status, post_report, receipt_of, relative,
                                    report_form, text_of)


def count(app, model) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def many(n: int) -> dict[str, str]:
    out: dict[str, str] = {}
    for i in range(n):
        out.update(relative(i, names__0__value=f"Tursun {i}"))
    return out


@pytest.mark.parametrize("posted", [12, 3000])
def test_a_crafted_send_with_too_many_relatives_stores_nothing(make_app, posted):
    app = make_app("public", INTAKE_MAX_RELATIVES=10, MAX_FORM_PARTS=100_000,
                   INTAKE_NOSCRIPT_CEILING="1000/minute", INTAKE_SUBMIT_RATE_LIMIT="1000/minute")
    client = app.test_client()
    response = post_report(client, report_form(client, many(posted)))
    page = text_of(response)
    assert response.status_code == 422
    assert "up to 10 people" in page
    assert 'name="relatives-9-names-0-value"' in page and 'name="relatives-10-names-0-value"' not in page
    assert count(app, Submission) == 0 and count(app, Report) == 0


def test_the_service_refuses_more_people_than_the_limit(public_app):
    from intake.crypto.passphrase import PROFILES
    from intake.services import families
    from intake.services.errors import InvalidInput
    from intake.services.intake import SubmissionInput

    check = families.ReceiptCheck(pepper=bytes.fromhex(public_app.config["INTAKE_RECEIPT_PEPPER"]),
                                  kdf=PROFILES["test"]["receipt"])
    with public_app.app_context():
        with pytest.raises(InvalidInput):
            families.submit(db.session, SubmissionInput(language="en", reports=[full_report()] * 3), [],
                            check=check, max_reports=2)
    assert count(public_app, Submission) == 0


def test_showing_the_form_again_is_rate_limited_and_the_text_is_held(make_app):
    app = make_app("public", INTAKE_RESHOW_RATE_LIMIT="3/minute", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="what happened"))
    codes = [post_report(client, {**data, "action": "refresh"}).status_code for _ in range(3)]
    held = post_report(client, {**data, "action": "refresh"})
    assert codes == [200, 200, 200] and held.status_code == 429
    assert field_value(text_of(held), "relatives-0-testimony") == "what happened"
    assert count(app, Submission) == 0


@pytest.mark.parametrize("body", [b'{"relatives-0-names-0-value": ', b"not json at all", b'{"a": 1}'])
def test_a_json_body_gets_a_clear_4xx_never_a_500(client, body):
    response = client.post("/report", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 415
    page = text_of(response)
    assert "Nothing was saved" in page and "Traceback" not in page


def test_the_receipt_page_names_each_person_once(client, public_app):
    data = report_form(client, relative(0, names__0__value="ئابدۇرېھىم", names__1__value="Abdurehim"),
                       relative(1, names__0__value="阿依古丽"))
    page = text_of(post_report(client, data))
    receipt_of(page)
    assert "<bdi>Person 1: ئابدۇرېھىم / Abdurehim</bdi>" in page and "<bdi>Person 2: 阿依古丽</bdi>" in page
    with public_app.app_context():  # stored only sealed under the receipt's key
        row = db.session.scalars(select(Submission)).one()
        assert "阿依古丽".encode() not in row.family_names
    again = text_of(client.post("/receipt", data={"csrf_token": csrf_token(page),
                                                  "receipt": receipt_of(page).replace(" ", "")}))
    assert "阿依古丽" not in again  # shown once: the language switch cannot show them again


def test_a_family_answers_a_question_directly_under_it(client, public_app, review_app):
    stored = submit(public_app, full_report("a"), full_report("b"))
    with review_app.app_context():
        question = messages.reply_to_family(db.session, get_vault(), submission_id=stored.submission_id,
                                            author_id=None, text="Which camp?",
                                            report_id=_report_id(review_app, stored.report_handles[1]))
        question_id = question.id
    page = text_of(open_status(client, stored.receipt))
    assert "about <bdi>Person 2: ئابدۇرېھىم SENTINEL-name-ug-b" in page
    form = re.search(r'<form class="answer".*?</form>', page, re.S).group(0)
    assert f'name="in_reply_to" value="{question_id}"' in form and 'name="news"' in form
    digits = stored.receipt.replace(" ", "")
    response = client.post("/status/news", data={"csrf_token": csrf_token(page), "receipt": digits,
                                                 "in_reply_to": str(question_id), "news": "Camp No. 3",
                                                 "action": "send"})
    assert response.status_code == 200, text_of(response)
    assert "You answered on" in text_of(response)
    with review_app.app_context():
        answer = db.session.scalars(select(Message).where(Message.kind == MessageKind.FROM_FAMILY.value)).one()
        assert answer.in_reply_to_id == question_id
        assert answer.report_id == _report_id(review_app, stored.report_handles[1])  # about whom it was asked


def test_an_answer_to_a_question_of_another_submission_is_refused(client, public_app, review_app):
    mine, other = submit(public_app, full_report("a")), submit(public_app, full_report("b"))
    with review_app.app_context():
        foreign = messages.reply_to_family(db.session, get_vault(), submission_id=other.submission_id,
                                           author_id=None, text="?").id
    page = text_of(open_status(client, mine.receipt))
    response = client.post("/status/news", data={"csrf_token": csrf_token(page), "receipt": mine.receipt,
                                                 "in_reply_to": str(foreign), "news": "x", "action": "send"})
    assert response.status_code == 422
    assert field_value(text_of(response), "news") == "x"
    assert count(public_app, Message) == 1


def _report_id(app, handle: str):  # noqa: ANN001, ANN202
    with app.app_context():
        return db.session.scalars(select(Report.id).where(Report.handle == handle)).one()


def test_add_another_person_brings_the_visitor_to_the_new_block(client):
    page = text_of(client.get("/report"))
    assert re.search(r'value="add_relative"[^>]*formaction="/report#relatives-1"', page)
    data = report_form(client, relative(0, names__0__value="A"))
    page = text_of(post_report(client, {**data, "action": "add_relative"}))
    assert 'id="relatives-1"' in page and 'formaction="/report#relatives-2"' in page


def test_a_post_after_the_session_expired_keeps_the_language_of_the_form(public_app):
    first = public_app.test_client()
    data = report_form(first, relative(0, testimony="half written"), lang="ug")
    stranger = public_app.test_client()  # no cookie at all: the session is gone
    page = text_of(post_report(stranger, {**data, "lang": "ug"}))
    assert 'lang="ug-Arab" dir="rtl"' in page and "had expired" not in page
    assert field_value(page, "relatives-0-testimony") == "half written"


def test_the_files_warning_appears_only_when_files_were_chosen(client):
    data = report_form(client, relative(0, testimony="no name"))
    without = text_of(post_report(client, data))
    assert 'id="attachments-dropped"' not in without
    with_file = text_of(post_report(client, {**data, "attachments": (io.BytesIO(b"a letter"), "letter.txt")}))
    assert 'id="attachments-dropped"' in with_file


def test_an_oversized_file_streams_into_a_capped_buffer_never_a_temporary_file(make_app, monkeypatch):
    from werkzeug import formparser
    from werkzeug.datastructures import FileStorage
    from werkzeug.test import encode_multipart

    app = make_app("public", INTAKE_MAX_ATTACHMENT_BYTES=1024, INTAKE_NOSCRIPT_CEILING="1000/minute",
                   INTAKE_RESHOW_RATE_LIMIT="1000/minute")
    # werkzeug's own parser would spool a file over 500 KB to disk through this name.
    monkeypatch.setattr(formparser, "SpooledTemporaryFile", _forbidden)
    client = app.test_client()
    data = report_form(client, relative(0, names__0__value="Tursun", testimony="kept"))
    # Encoded here, in memory: the test client would put a body this large in a temporary file itself.
    big = FileStorage(io.BytesIO(b"x" * 2_000_000), filename="video.txt", content_type="text/plain")
    boundary, body = encode_multipart({**data, "attachments": big})
    page = text_of(client.post("/report", data=body, content_type=f"multipart/form-data; boundary={boundary}"))
    assert "larger than" in page and field_value(page, "relatives-0-testimony") == "kept"
    assert count(app, Submission) == 0


def _forbidden(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
    raise AssertionError("an upload went to a temporary file")


def test_the_capped_buffer_keeps_only_its_cap():
    from intake.web.request import CappedBuffer

    buffer = CappedBuffer(5)
    assert buffer.write(b"abc") == 3 and buffer.write(b"defgh") == 5
    assert buffer.getvalue() == b"abcde" and buffer.received == 8 and buffer.truncated

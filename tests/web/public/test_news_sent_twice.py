"""The family's news, answers and files sent twice from one page (a double click on a slow
connection, a reload of the answer) are stored once; the same words from a new page are news again."""

from __future__ import annotations

import io
import re

from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Attachment, Message, MessageKind, StatusEvent
from tests.helpers import submit, full_report
from tests.web.public.pages import csrf_token, open_status, text_of
from tests.web.public.test_status import hidden_receipt, reply


def _once(page: str) -> str:
    return re.search(r'<input[^>]*name="once"[^>]*value="([0-9]+\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{22})"', page).group(1)


def _send(client, page: str, files: list | None = None, **values: object):  # noqa: ANN001, ANN202
    data = {"csrf_token": csrf_token(page), "receipt": hidden_receipt(page), "action": "send",
            "once": _once(page), **values}
    if files is not None:
        data["attachments"] = [(io.BytesIO(body), name) for name, body in files]
    return client.post("/status/news", content_type="multipart/form-data", data=data)


def _count(app, model, *where) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def test_news_with_a_new_situation_sent_twice_is_stored_once(client, public_app):
    stored = submit(public_app, full_report("a"), full_report("b"))
    page = text_of(open_status(client, stored.receipt))
    values = {"news": "ئۇ قويۇپ بېرىلدى.", "report": stored.report_handles[1], "new_status": "released"}
    first, second = _send(client, page, **values), _send(client, page, **values)
    assert first.status_code == second.status_code == 200
    assert "was added" in text_of(first) and "was added" in text_of(second)
    assert _count(public_app, Message, Message.kind == MessageKind.FROM_FAMILY.value) == 1
    assert _count(public_app, StatusEvent) == 1
    # The same page with other words is other news; a new page with the same words is news again.
    assert _send(client, page, news="ئۇ يەنە تۇتۇلدى.").status_code == 200
    again = text_of(open_status(client, stored.receipt))
    assert _once(again) != _once(page)
    assert _send(client, again, **values).status_code == 200
    assert _count(public_app, Message, Message.kind == MessageKind.FROM_FAMILY.value) == 3
    assert _count(public_app, StatusEvent) == 2


def test_a_new_situation_alone_and_files_alone_sent_twice_are_stored_once(client, public_app):
    stored = submit(public_app, full_report("a"), full_report("b"))
    page = text_of(open_status(client, stored.receipt))
    for _ in range(2):
        assert _send(client, page, report=stored.report_handles[0], new_status="died").status_code == 200
    for _ in range(2):
        assert _send(client, page, files=[("verdict.txt", b"court paper"), ("letter.txt", b"a letter")],
                     report=stored.report_handles[1]).status_code == 200
    assert _count(public_app, StatusEvent) == 1
    assert _count(public_app, Attachment, Attachment.own_key.is_(True)) == 2
    # Other files from the same page are other news.
    assert _send(client, page, files=[("photo.txt", b"another paper")]).status_code == 200
    assert _count(public_app, Attachment, Attachment.own_key.is_(True)) == 3


def test_an_answer_sent_twice_is_stored_once_and_each_question_gets_its_own(client, public_app, review_app):
    stored = submit(public_app, full_report())
    reply(review_app, stored.submission_id, "Which year was he born?")
    reply(review_app, stored.submission_id, "Which year was he taken?")
    page = text_of(open_status(client, stored.receipt))
    questions = re.findall(r'name="in_reply_to" value="([0-9a-f-]{36})"', page)
    assert len(questions) == 2
    for question in (questions[0], questions[0], questions[1]):  # the first answer twice, the same words to the second
        assert _send(client, page, news="1981", in_reply_to=question).status_code == 200
    with public_app.app_context():
        answers = db.session.scalars(select(Message.in_reply_to_id).where(
            Message.kind == MessageKind.FROM_FAMILY.value)).all()
    assert sorted(str(a) for a in answers) == sorted(questions)


def test_a_page_without_its_one_time_value_still_adds_news(client, public_app):
    stored = submit(public_app, full_report())
    page = text_of(open_status(client, stored.receipt))
    data = {"csrf_token": csrf_token(page), "receipt": hidden_receipt(page), "action": "send", "news": "released"}
    for _ in range(2):  # a page drawn before the value existed: nothing to tell a second send by
        assert client.post("/status/news", data=data).status_code == 200
    assert _count(public_app, Message, Message.kind == MessageKind.FROM_FAMILY.value) == 2

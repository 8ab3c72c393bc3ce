"""Bad input and bad moments: expired pages, huge or broken bodies, a database that is down, floods.

Never a 500, never a stack trace, and whatever the family typed comes back to them.
"""

from __future__ import annotations

import re

import pytest
from itsdangerous import TimestampSigner
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.test import encode_multipart

from intake import create_app
from intake.extensions import db
from intake.models import Submission
from tests.web.public.pages import (csrf_token, field_value, open_status, post_report, receipt_of, relative,
                                    report_form, text_of)

TESTIMONY = "ئۇ 2017-يىلى تۇتۇلدى. 他于2017年被拘留。"


def submissions(app) -> int:  # noqa: ANN001
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission))


def typed() -> dict[str, str]:
    return relative(0, names__0__value="ئابدۇرېھىم", testimony=TESTIMONY, birth__year="1984")


def test_a_post_without_csrf_token_comes_back_with_the_text(client, public_app):
    data = report_form(client, typed())
    del data["csrf_token"]
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 400
    assert "had expired" in page
    assert field_value(page, "relatives-0-testimony") == TESTIMONY
    assert field_value(page, "relatives-0-birth-year") == "1984"
    assert submissions(public_app) == 0
    # The page carries a fresh token: sending again works.
    data["csrf_token"] = csrf_token(page)
    response = post_report(client, data)
    assert response.status_code == 200
    receipt_of(text_of(response))
    assert submissions(public_app) == 1


def test_an_expired_csrf_token_comes_back_with_the_text(client, public_app, monkeypatch):
    real = TimestampSigner.get_timestamp
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: real(self) - 5 * 3600)
    data = report_form(client, typed())  # the token in this page was signed five hours ago
    monkeypatch.setattr(TimestampSigner, "get_timestamp", real)
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 400
    assert "had expired" in page
    assert field_value(page, "relatives-0-testimony") == TESTIMONY
    assert submissions(public_app) == 0


def test_a_token_from_another_session_comes_back_with_the_text(public_app):
    first, second = public_app.test_client(), public_app.test_client()
    data = report_form(first, typed())
    page = text_of(post_report(second, data))  # e.g. Tor Browser's "new identity" dropped the cookie
    assert "had expired" in page
    assert field_value(page, "relatives-0-testimony") == TESTIMONY


def test_the_receipt_form_without_token_keeps_what_was_typed_and_looks_nothing_up(client):
    response = client.post("/status", data={"receipt": "1234 5678 9012 3456 7890"})
    page = text_of(response)
    assert response.status_code == 400
    assert field_value(page, "receipt") == "1234 5678 9012 3456 7890"
    assert "No testimony opens" not in page


def test_news_without_token_comes_back_ready_to_send_again(client):
    response = client.post("/status/news", data={"receipt": "12345678901234567890", "news": "released!",
                                                 "new_status": "released"})
    page = text_of(response)
    assert response.status_code == 400
    assert field_value(page, "news") == "released!"
    assert re.search(r'name="new_status" value="released"', page)
    assert 'name="receipt" type="hidden" value="12345678901234567890"' in page


def test_an_oversized_body_gets_a_413_page_in_the_visitors_language(make_app):
    app = make_app("public", MAX_CONTENT_LENGTH=4096)
    client = app.test_client()
    data = report_form(client, typed(), lang="ug")
    data["relatives-0-testimony"] = "ت" * 10_000
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 413
    assert 'lang="ug-Arab" dir="rtl"' in page
    assert "يوللىغىنىڭىز بۇ مۇلازىمەت قوبۇل قىلالايدىغاندىن چوڭ" in page  # "larger than this service accepts"
    assert "Traceback" not in page and "ت" * 20 not in page
    assert "بۇ تور بېكەتتىن تېز چىقىش" in page  # "Leave this site quickly"
    assert submissions(app) == 0


def test_a_text_far_over_its_limit_comes_back_to_be_shortened_not_lost(client, public_app):
    """Werkzeug refuses a multipart field over 500 KB with a 413 (whose page cannot show the text):
    300,000 characters (750 KB) of Chinese must come back in the form with the field's limit instead."""
    long_text = "她于2018年被带走。" * 30_000
    data = report_form(client, relative(0, names__0__value="阿依古丽", testimony=long_text))
    # Encoded here: the test client would spool a body this large to a temporary file, left open.
    boundary, body = encode_multipart(MultiDict(data))
    response = client.post("/report", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    page = text_of(response)
    assert response.status_code == 422
    assert field_value(page, "relatives-0-testimony") == long_text
    assert "at most 50,000 characters" in page or "at most 50000 characters" in page
    assert submissions(public_app) == 0


@pytest.mark.parametrize("body, content_type", [
    (b"--xyz\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "multipart/form-data; boundary=xyz"),
    (b"garbage without any boundary", "multipart/form-data"),
    (b"\xff\xfe\x00garbage", "multipart/form-data; boundary=\x00"),
])
def test_malformed_multipart_is_a_400_not_a_500(client, body, content_type):
    response = client.post("/report", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 400
    assert "Traceback" not in text_of(response)


def test_the_database_down_on_submit_gives_503_with_the_text_kept(keys, tmp_path):
    app = create_app("test", {
        "INTAKE_FACE": "public", "SECRET_KEY": "test-secret-key-" + "x" * 32, "INTAKE_RECEIPT_PEPPER": keys.pepper,
        "INTAKE_PUBLIC_KEYS": str(keys.public), "INSTANCE_PATH": str(tmp_path / "instance"),
        "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/x",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
    })
    client = app.test_client()
    data = report_form(client, typed())
    response = post_report(client, data)
    page = text_of(response)
    assert response.status_code == 503
    assert "NOT saved" in page
    assert field_value(page, "relatives-0-testimony") == TESTIMONY
    assert field_value(page, "relatives-0-names-0-value") == "ئابدۇرېھىم"
    assert "Traceback" not in page and "OperationalError" not in page and "127.0.0.1" not in page

    receipt_page = open_status(client, "1234 5678 9012 3456 7890")
    assert receipt_page.status_code == 503
    assert field_value(text_of(receipt_page), "receipt") == "1234 5678 9012 3456 7890"
    with app.app_context():
        db.engine.dispose()


def test_missing_public_keys_give_503_with_the_text_kept(make_app, tmp_path):
    app = make_app("public", INTAKE_PUBLIC_KEYS=str(tmp_path / "missing.json"))
    client = app.test_client()
    response = post_report(client, report_form(client, typed()))
    assert response.status_code == 503
    assert field_value(text_of(response), "relatives-0-testimony") == TESTIMONY
    assert submissions(app) == 0


def test_submissions_are_rate_limited_with_a_429_in_the_visitors_language(make_app):
    app = make_app("public", INTAKE_SUBMIT_RATE_LIMIT="2/minute", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    for _ in range(2):
        assert post_report(client, report_form(client, typed())).status_code == 200
    response = post_report(client, report_form(client, typed(), lang="ug"))
    page = text_of(response)
    assert response.status_code == 429
    assert 'lang="ug-Arab" dir="rtl"' in page
    assert "سىناش قېتىم سانى بەك كۆپ بولدى" in page  # "too many attempts"
    # Everything typed is held on the page, ready to send again; nothing was stored.
    assert field_value(page, "relatives-0-testimony") == TESTIMONY
    assert field_value(page, "relatives-0-names-0-value") == "ئابدۇرېھىم"
    assert submissions(app) == 2


def test_fixing_errors_and_adding_people_do_not_use_up_the_submission_limit(make_app):
    app = make_app("public", INTAKE_SUBMIT_RATE_LIMIT="2/minute", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    data = report_form(client, relative(0, testimony="no name yet"))
    for _ in range(4):
        assert post_report(client, data).status_code == 422
        assert post_report(client, {**data, "action": "add_relative"}).status_code == 200
    data.update(relative(0, names__0__value="Tursun"))
    assert post_report(client, data).status_code == 200


def test_receipt_attempts_are_rate_limited(make_app):
    app = make_app("public", INTAKE_RECEIPT_RATE_LIMIT="3/minute", RATELIMIT_STORAGE_URI="memory://")
    client = app.test_client()
    codes = [open_status(client, f"0000 0000 0000 0000 000{i}").status_code for i in range(5)]
    assert codes == [422, 422, 422, 429, 429]


def test_https_posts_work_without_a_referer(public_app):
    """Referrer-Policy is no-referrer, so Flask-WTF's HTTPS Referer check must be off (WTF_CSRF_SSL_STRICT)."""
    client = public_app.test_client()
    page = text_of(client.get("/report", base_url="https://localhost"))
    response = client.post("/report", base_url="https://localhost", content_type="multipart/form-data",
                           data={"csrf_token": csrf_token(page), "action": "send", **typed()})
    assert response.status_code == 200

"""Redis unreachable (the rate limits' and used form tokens' store): a calm 503, and on the public
face the family's text comes back, as for a database outage. It was a 500 with the text lost."""

from __future__ import annotations

from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Submission
from tests.web.public.pages import field_value, relative, report_form, text_of
from tests.web_fixtures import csrf_token

NOWHERE = "redis://127.0.0.1:1/0"  # nothing listens on port 1: refused at once


def test_a_public_post_keeps_the_text_when_redis_is_down(make_app):
    public = make_app("public", INTAKE_REDIS_URL=NOWHERE)
    client = public.test_client()
    data = report_form(client, relative(0, testimony="ئۇ 2017-يىلى تۇتۇلدى.", birth__year="1984"))
    response = client.post("/report", data=data)
    page = text_of(response)
    assert response.status_code == 503
    assert "NOT saved" in page and "Traceback" not in page
    assert field_value(page, "relatives-0-testimony") == "ئۇ 2017-يىلى تۇتۇلدى."
    with public.app_context():
        assert db.session.scalar(select(func.count()).select_from(Submission)) == 0
    lookup = client.post("/status", data={"csrf_token": csrf_token(page), "receipt": "1234 " * 5 + "1234"})
    assert lookup.status_code == 503


def test_sign_in_answers_503_when_redis_is_down(make_app):
    review = make_app("review", INTAKE_REDIS_URL=NOWHERE)
    client = review.test_client()
    token = csrf_token(client.get("/review/sign-in").data)
    response = client.post("/review/sign-in", data={"csrf_token": token, "username": "x", "password": "y" * 12})
    assert response.status_code == 503
    assert "Traceback" not in response.get_data(as_text=True)

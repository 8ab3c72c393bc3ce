"""A NUL character anywhere in a request never ends in a server error.

PostgreSQL cannot hold or compare text with a NUL in it: the driver raises before the query is
sent, so a NUL reaching a lookup was a 500 on PostgreSQL (and nothing on SQLite). Found by probing:
`/review/reports/%00`, `/review/persons/%00`, linking a report to a person "\\x00", proposing an export
for a recipient "\\x00". Now a path with a NUL answers 404, and in query strings and the review
face's form fields a NUL becomes U+FFFD (as bytes that are not UTF-8 already do), so the pages answer
as for any odd text. The public forms refuse control characters with their own message
(tests/web/public/test_submission.py covers NUL there).
"""

from __future__ import annotations

import pytest

from intake.extensions import db
from intake.keyring import get_vault
from intake.services import take_in
from tests.helpers import full_report, submit
from tests.web_fixtures import csrf_token


@pytest.fixture
def reviewer(app, make_user, sign_in):
    stored = submit(app, full_report("n"))
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    return client, stored.report_handles[0], csrf_token(client.get("/review/").data)


@pytest.mark.parametrize("path", ["/review/reports/%00", "/review/persons/%00", "/review/reports/R-%00/notes",
                                  "/review/setup/%00"])
def test_a_nul_in_the_path_names_nothing(reviewer, path):
    client, _, token = reviewer
    assert client.get(path).status_code == 404
    assert client.post(path, data={"csrf_token": token}).status_code in (404, 405)


def test_a_nul_in_review_forms_and_filters_is_answered_calmly(reviewer):
    client, handle, token = reviewer
    answers = [
        client.post(f"/review/reports/{handle}/person", data={"link-csrf_token": token, "link-person": "P-\x00"}),
        client.post("/review/exports/propose", data={"csrf_token": token, "recipient": "a\x00b", "purpose": "\x00"}),
        client.get("/review/inbox?tag=%00&county=a%00b&older=1.%00"),
        client.get("/review/search?q=%00"),
        client.get("/admin/audit?actor=%00"),
    ]
    for response in answers:
        assert response.status_code < 500, response.request.path

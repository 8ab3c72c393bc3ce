"""A refusal or a missing page inside the review face (a stale link to a report, a person merged
away, a mistyped handle) leads back to the inbox, not to the families' start page with its quick-exit
button, and not to a dead end; the public face's error pages keep theirs."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("face", ["both", "review"])
def test_a_missing_review_page_leads_back_to_the_inbox(make_app, make_user, sign_in, face):
    app = make_app(face)
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    for url in ("/review/reports/R-NOPE0-NOPE0", "/review/persons/P-NOPE0-NOPE0", "/review/no-such-page"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 404, url
        assert "Page not found" in html and '<a href="/review/inbox">Back to the inbox</a>' in html, url
        assert "Go to the start page" not in html and "Leave this site quickly" not in html, url


def test_a_missing_public_page_still_leads_to_the_start_page(make_app):
    html = make_app("both").test_client().get("/no-such-page").get_data(as_text=True)
    assert "Go to the start page" in html and "Back to the inbox" not in html

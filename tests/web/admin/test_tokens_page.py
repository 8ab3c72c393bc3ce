"""The admin page for API tokens: created for researchers only, shown once, listed, revoked."""

from __future__ import annotations

import re

from tests.web_fixtures import audit_head, audit_since, csrf_token


def test_create_list_and_revoke_a_token(app, make_user, sign_in):
    researcher, reviewer = make_user("researcher"), make_user("reviewer")
    client = app.test_client()
    sign_in(client, make_user("admin"))
    head = audit_head(app)
    page = client.get("/admin/tokens")
    assert page.status_code == 200 and "No tokens yet." in page.get_data(as_text=True)
    made = client.post("/admin/tokens", data={"csrf_token": csrf_token(page.data), "username": "researcher1",
                                              "label": "laptop", "days": "30"})
    html = made.get_data(as_text=True)
    assert made.status_code == 200, html
    token = re.search(r'<code class="link-once">(itk_[^<]+)</code>', html).group(1)
    api = app.test_client()
    assert api.get("/api/v1/exports", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    listing = client.get("/admin/tokens").get_data(as_text=True)
    assert token not in listing and "active" in listing  # shown once only
    refused = client.post("/admin/tokens", data={"csrf_token": csrf_token(listing), "username": reviewer.username
                                                 if hasattr(reviewer, "username") else "reviewer2"})
    assert refused.status_code == 409 and "researcher accounts only" in refused.get_data(as_text=True)
    revoke_url = re.search(r'action="(/admin/tokens/[^"]+/revoke)"', listing).group(1)
    assert client.post(revoke_url, data={"csrf_token": csrf_token(listing)}).status_code == 302
    assert api.get("/api/v1/exports", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert "revoked" in client.get("/admin/tokens").get_data(as_text=True)
    assert [e["action"] for e in audit_since(app, head)] == ["api_token.create", "api_token.revoke"]
    assert researcher.id is not None

"""What the eleventh outside probe found, each through the interface it was found on.

- The expired-page answer of the public status pages (`/status`, `/status/news`,
  `/status/withdraw`, `/receipt`) drew the posted receipt back into the page whatever it held: a
  form posted without a token (from a page of another origin in a browser that sends no
  Sec-Fetch-Site, or by any client) was reflected as it came, the same size in and out, outside every
  rate limit (CSRF is checked before them). The answer to a malformed receipt on `/status` did the
  same within the limit. A receipt has a known alphabet and length: only text that could be one (or a
  receipt mistyped by a digit or two) is drawn back; anything else leaves the box empty.
"""

from __future__ import annotations

import pytest

from tests.web.public.conftest import GENEROUS
from tests.web.public.pages import text_of

_RECEIPT = "1234 5678 9012 3456 7890 1234"
_ODD = "CALL +44 20 7946 0000 NOW " * 4000  # 100 KB of the sender's text


@pytest.mark.parametrize("path", ["/status", "/status/news", "/status/withdraw", "/receipt"])
def test_an_expired_status_page_does_not_draw_back_a_receipt_that_cannot_be_one(make_app, path):
    client = make_app("public", **GENEROUS).test_client()
    answer = client.post(path, data={"receipt": _ODD, "news": "kept"})
    assert answer.status_code in (400, 422)
    page = text_of(answer)
    assert "CALL +44" not in page and len(page) < len(_ODD)


@pytest.mark.parametrize("path", ["/status", "/status/news", "/status/withdraw"])
def test_an_expired_status_page_still_draws_back_a_receipt_the_family_typed(make_app, path):
    client = make_app("public", **GENEROUS).test_client()
    page = text_of(client.post(path, data={"receipt": _RECEIPT}))
    assert _RECEIPT in page or _RECEIPT.replace(" ", "") in page


def test_an_expired_lookup_keeps_a_receipt_mistyped_by_a_digit(make_app):
    client = make_app("public", **GENEROUS).test_client()
    mistyped = _RECEIPT[:-1]  # one digit short: the family fixes it without typing all again
    assert mistyped in text_of(client.post("/status", data={"receipt": mistyped}))


def test_a_malformed_receipt_is_not_drawn_back_at_any_size(make_app):
    from tests.web.public.pages import csrf_token

    client = make_app("public", **GENEROUS).test_client()
    token = csrf_token(text_of(client.get("/status")))
    answer = client.post("/status", data={"csrf_token": token, "receipt": _ODD})
    assert answer.status_code == 422
    assert "CALL +44" not in text_of(answer)


def test_a_held_status_page_does_not_keep_a_receipt_that_cannot_be_one(make_app):
    from tests.web.public.pages import csrf_token

    app = make_app("public", **{**GENEROUS, "INTAKE_RECEIPT_RATE_LIMIT": "1/minute"})
    client = app.test_client()
    token = csrf_token(text_of(client.get("/status")))
    assert client.post("/status", data={"csrf_token": token, "receipt": _RECEIPT}).status_code == 422
    held = client.post("/status", data={"csrf_token": token, "receipt": _ODD})
    assert held.status_code == 429
    assert "CALL +44" not in text_of(held)
    kept = client.post("/status", data={"csrf_token": token, "receipt": _RECEIPT})
    assert kept.status_code == 429 and _RECEIPT in text_of(kept)

"""Helpers for driving the public pages like a browser without script would."""

from __future__ import annotations

import html
import re
from typing import Any

from flask.testing import FlaskClient

from tests.web_fixtures import csrf_token  # noqa: F401 - the page helpers below and the tests use it

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
RECEIPT_GROUP = re.compile(r'<span class="receipt-group">(\d{4})</span>')
# A number or name the page isolated for right-to-left text (intake/web/bidi.py): LRI or FSI, the
# value, PDI. Only whole pairs around text without other direction characters count.
ISOLATED = re.compile("[\u2066\u2068]([^\u2066-\u2069]*)\u2069")


def receipt_of(page: str) -> str:
    groups = RECEIPT_GROUP.findall(page)
    assert len(groups) == 6, "the page shows no receipt"
    return " ".join(groups)


def text_of(response: Any) -> str:
    """The page as text, with the page's own bidi isolates around values removed (so tests can look
    for "up to 2 people"); a stray direction character that came from input stays."""
    return ISOLATED.sub(r"\1", response.get_data(as_text=True))


def relative(index: int, **values: str) -> dict[str, str]:
    """Form fields of relative `index`; keyword names use __ for nesting (names__0__value)."""
    return {f"relatives-{index}-" + key.replace("__", "-"): value for key, value in values.items()}


def report_form(client: FlaskClient, *relatives: dict[str, str], lang: str | None = None,
                **extra: str) -> dict[str, Any]:
    """Fresh form data with a valid token for `client`, ready to post to /report."""
    page = text_of(client.get("/report" + (f"?lang={lang}" if lang else "")))
    data: dict[str, Any] = {"csrf_token": csrf_token(page), "language": "ug", "action": "send"}
    for block in relatives:
        data.update(block)
    data.update(extra)
    return data


def post_report(client: FlaskClient, data: dict[str, Any], **kwargs: Any) -> Any:
    return client.post("/report", data=data, content_type="multipart/form-data", **kwargs)


def field_value(page: str, name: str) -> str | None:
    """The value a text input or textarea shows (HTML-unescaped), or None if absent."""
    match = re.search(r'<input[^>]*\bname="%s"[^>]*>' % re.escape(name), page)
    if match:
        value = re.search(r'\bvalue="([^"]*)"', match.group(0))
        return html.unescape(value.group(1)) if value else ""
    match = re.search(r'<textarea[^>]*\bname="%s"[^>]*>\r?\n?(.*?)</textarea>' % re.escape(name), page, re.S)
    return html.unescape(match.group(1)) if match else None


def open_status(client: FlaskClient, receipt: str, **kwargs: Any) -> Any:
    token = csrf_token(text_of(client.get("/status")))
    return client.post("/status", data={"csrf_token": token, "receipt": receipt}, **kwargs)

"""RFC 9457 problem documents: how the API says no (never an HTML page, never exception text)."""

from __future__ import annotations

from flask import jsonify
from werkzeug.wrappers import Response


def problem(status: int, title: str, detail: str | None = None) -> Response:
    body = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    return response

"""Error pages: calm words, never exception text, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, Response, render_template, request
from flask.globals import request_ctx
from limits.errors import StorageError
from redis import RedisError
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, InternalServerError, ServiceUnavailable

from ..crypto.errors import CryptoError

log = logging.getLogger(__name__)
API_PREFIX = "/api/"
REVIEW_PREFIX = "/review/"


def init_app(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):  # noqa: ANN202
        if request.path.startswith(API_PREFIX):  # a program reads these: a problem document, not a page
            from ..api.problems import problem

            return problem(exc.code or 500, exc.name)
        if request_ctx.url_adapter is None:
            # The Host header could not be bound (werkzeug's BadHost: a label IDNA cannot encode), so
            # the page could not build a link: a bare answer, which still gets the security headers.
            return Response(f"{exc.code} {exc.name}", exc.code or 500, mimetype="text/plain")
        return render_template("errors/error.html", code=exc.code, name=exc.name,
                               in_review=_in_review_face()), exc.code or 500

    def _in_review_face() -> bool:
        """A page under the review face's prefix where that face is served: its error page leads back to
        the inbox (a reviewer on a stale link is left neither on a dead end nor on the families' start
        page, with its quick-exit button)."""
        return "review.inbox" in app.view_functions and request.path.startswith(REVIEW_PREFIX)

    @app.errorhandler(OperationalError)
    def _database_down(exc: OperationalError):  # noqa: ANN202
        log.error("database unavailable: %s", type(exc).__name__)
        return _http_error(ServiceUnavailable())

    @app.errorhandler(RedisError)
    @app.errorhandler(StorageError)
    def _redis_down(exc: Exception):  # noqa: ANN202 - the rate limits' store (INTAKE_REDIS_URL)
        log.error("rate-limit store unavailable: %s", type(exc).__name__)
        return _http_error(ServiceUnavailable())

    @app.errorhandler(CryptoError)
    def _crypto_error(exc: CryptoError):  # noqa: ANN202
        # The message names ids and keys, never content; still, only the class goes to the log.
        log.error("crypto error: %s", type(exc).__name__)
        return _http_error(ServiceUnavailable())

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception):  # noqa: ANN202
        log.error("unhandled %s", type(exc).__name__)
        return _http_error(InternalServerError())

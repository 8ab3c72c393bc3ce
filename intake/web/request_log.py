"""Request logging that never records who asked, what they searched for, or a credential.

The development server (werkzeug) prefixes every access line with the client address and writes the
whole request line, query string included; a filter rewrites the address away, drops the query
string and hides credentials in the path. Under gunicorn, use the shipped `gunicorn.conf.py`: its
access-log format has no address, user agent, referrer or query string, and its logger
(web/gunicorn_hooks.py) applies the same redaction to paths and to gunicorn's own warnings.

A credential in a path: the one-time set-up link (`/review/setup/<token>`, review/auth.py) is a
bearer secret for 48 hours; whoever reads it in a log can set the account's password first.
"""

from __future__ import annotations

import logging
import re

_ADDRESS = re.compile(r"^\S+ - - ")
# Paths whose next segment is a secret (keep in step with the routes that take one).
SECRET_PATH_PREFIXES = ("/review/setup/",)
_SECRET_SEGMENT = re.compile("(" + "|".join(re.escape(p) for p in SECRET_PATH_PREFIXES) + r")[^/?#\s'\"]+")
# A query string after a path, wherever one appears in a log line (quoted request lines included).
_QUERY = re.compile(r"(/[^\s?'\"]*)\?[^\s'\"\x1b]*")
REDACTED = "-"


def redact_target(target: str) -> str:
    """A request target fit for a log: no query string, and no credential in the path."""
    return _SECRET_SEGMENT.sub(r"\1" + REDACTED, target.split("?", 1)[0])


def scrub(message: str) -> str:
    """Any log text with request targets in it: query strings dropped, credentials in paths hidden."""
    return _SECRET_SEGMENT.sub(r"\1" + REDACTED, _QUERY.sub(r"\1", message))


class DropClientAddress(logging.Filter):
    """For werkzeug's access and error lines: no address, no query string, no credential."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(_ADDRESS.sub("- - - ", message))
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


def init_app() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropClientAddress) for f in logger.filters):
        logger.addFilter(DropClientAddress())

"""Request logging that never records who asked.

The development server (werkzeug) prefixes every access line with the client address; a filter
rewrites it away. Under gunicorn, use the shipped `gunicorn.conf.py`, whose access-log format has
no address, no user agent and no referrer.
"""

from __future__ import annotations

import logging
import re

_ADDRESS = re.compile(r"^\S+ - - ")


class DropClientAddress(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _ADDRESS.match(message):
            record.msg = _ADDRESS.sub("- - - ", message)
            record.args = ()
        return True


def init_app() -> None:
    logger = logging.getLogger("werkzeug")
    if not any(isinstance(f, DropClientAddress) for f in logger.filters):
        logger.addFilter(DropClientAddress())

"""gunicorn's own output, made as discreet as the application's (loaded by gunicorn.conf.py).

- `QuietLogger`: access lines carry the path with credentials hidden and without query string
  (web/request_log.py), whatever format an operator sets; gunicorn's warnings about malformed
  requests name the client ("Invalid request from ip=...") and quote the request line: the address
  is dropped and the line scrubbed the same way.
- `write_neutral_error`: gunicorn answers a request it cannot parse (a bad request line or header,
  headers too large) itself, before the application sees it, with a page that quotes the offending
  input and carries none of the application's security headers. This answer says only the status,
  with `nosniff`, a `default-src 'none'` policy, no framing and no caching.
"""

from __future__ import annotations

import logging
import re
import socket
from typing import Any

from gunicorn import util
from gunicorn.glogging import Logger

from .request_log import REDACTED, redact_target, scrub

_CLIENT = re.compile(r"\bfrom ip=.*?: ")  # an IPv6 address never holds ": " (a colon, then a space)


class _ScrubErrors(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = scrub(_CLIENT.sub("from ip=" + REDACTED + ": ", message))
        if cleaned != message:
            record.msg = cleaned
            record.args = ()
        return True


class QuietLogger(Logger):
    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        if not any(isinstance(f, _ScrubErrors) for f in self.error_log.filters):
            self.error_log.addFilter(_ScrubErrors())

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_target(str(atoms.get("U") or ""))
        atoms.update({"U": path, "q": "", "r": f"{atoms.get('m')} {path} {atoms.get('H')}",
                      "h": REDACTED, "a": REDACTED, "f": REDACTED})
        for name in [k for k in atoms if k.startswith("{") and k.endswith("}i")]:
            atoms[name] = REDACTED  # request headers (X-Forwarded-For, Referer, cookies): never logged
        return atoms


ERROR_HEADERS = ("Content-Type: text/plain; charset=utf-8\r\n"
                 "X-Content-Type-Options: nosniff\r\n"
                 "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
                 "X-Frame-Options: DENY\r\n"
                 "Referrer-Policy: no-referrer\r\n"
                 "Cache-Control: no-store\r\n")


def write_neutral_error(sock: socket.socket, status_int: int, reason: str, mesg: str) -> None:
    """Replaces gunicorn.util.write_error: the status line and its words, nothing the client sent."""
    body = f"{status_int} {reason}\n"
    response = (f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\n{ERROR_HEADERS}"
                f"Content-Length: {len(body)}\r\n\r\n{body}")
    util.write_nonblock(sock, response.encode("latin-1"))

"""The report form's one-time value: what the receipt of a form sent twice is drawn from again.

The same page sent twice (a double click, a reload of the receipt page) must draw the same receipt
(families.submit, form_seed), and nothing else may: whoever holds a family's sent form, its body
kept in a browser's history on a shared computer or logged by a proxy, would otherwise post it again
at any later time, from any browser, and be shown the family's receipt (an outside probe did,
through the expired-page answer, which draws the form back with the value it was sent and a fresh
token). So the value is issued here, with the time it was drawn, and bound by an HMAC (under a key
derived from INTAKE_SECRET_KEY) to the visitor's session: its CSRF secret, which Flask-WTF keeps in
the session cookie. It is good in that browser session while the page's CSRF token lives
(WTF_CSRF_TIME_LIMIT) and an hour beyond; any other value is replaced by a fresh one, so the form is
a new submission.
"""

from __future__ import annotations

import base64
import hmac
import re
import secrets
import time
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app, session

_SHAPE = re.compile(r"([0-9]{1,12})\.([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{22})")  # issued.nonce.tag
_DEFAULT_LIFE = 4 * 3600  # when WTF_CSRF_TIME_LIMIT is None (tokens without a limit)
# Beyond the page's token: a form sent just before its token expired, reloaded just after, is drawn
# back by the expired-page answer with this value, and sent again shows the same receipt.
_GRACE = 3600


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _tag(issued: int, nonce: str) -> str:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
               info=b"intake/form-once/v1").derive(str(current_app.config["SECRET_KEY"]).encode())
    # The session's CSRF secret (none when CSRF is off, in some tests' configuration).
    bound = str(session.get(current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token"), ""))
    message = f"intake/form-once|{issued}|{nonce}|{bound}".encode()
    return _b64(hmac.new(key, message, sha256).digest()[:16])


def issue() -> str:
    issued, nonce = int(time.time()), _b64(secrets.token_bytes(16))
    return f"{issued}.{nonce}.{_tag(issued, nonce)}"


def valid(value: str | None) -> bool:
    """Whether `value` was issued here, to this browser session, and is not older than the page's life."""
    found = _SHAPE.fullmatch(value or "")
    if found is None:
        return False
    issued, nonce, tag = int(found.group(1)), found.group(2), found.group(3)
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    life = (_DEFAULT_LIFE if limit is None else int(limit)) + _GRACE
    return hmac.compare_digest(tag, _tag(issued, nonce)) and 0 <= time.time() - issued <= life

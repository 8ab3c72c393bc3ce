"""Availability behind Tor or a proxy: limits that do not depend on the visitor's address.

Behind an onion service every visitor has the same address, so per-address limits become one limit
for everyone. Every public form that costs work (sending, a receipt check, news, withdrawal) carries
a token issued with the page: single-use, short-lived, bound to that form and signed with a key
derived from INTAKE_SECRET_KEY. A script served from this origin (static/pow.js) finds a counter
such that SHA-256(token ":" counter) starts with INTAKE_POW_BITS zero bits, and sends it with
the form. A POST with a valid solution costs the sender that work and is exempt from the
per-address limits. Without script (or with an expired token) the form still works, counted
against the per-address limits *and* a global ceiling per form (INTAKE_NOSCRIPT_CEILING), so an
abuser who does no work can use up the no-script allowance but cannot stop families whose browser
runs the script. Used tokens are remembered until they expire (Redis when configured, else memory).
"""

from __future__ import annotations

import base64
import hmac
import secrets
import threading
import time
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app, g, request

from ..digits import ascii_digits

TOKEN_FIELD = "pow_token"
SOLUTION_FIELD = "pow_solution"
# Which form each protected endpoint takes (a token issued for one form is refused by the others).
FORM_OF_ENDPOINT = {"public.report": "report", "public.status_lookup": "status",
                    "public.status_news": "news", "public.status_withdraw": "withdraw"}
_EXTENSION = "intake.pow_used"


def _key(app: Flask) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"intake/pow-token/v1").derive(str(app.config["SECRET_KEY"]).encode())


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def issue(form: str) -> str:
    """A fresh token for one form: form.expiry.bits.nonce.tag (ASCII, safe in a hidden field)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    expires = int(time.time()) + int(app.config["INTAKE_POW_TOKEN_SECONDS"])
    body = f"{form}.{expires}.{int(app.config['INTAKE_POW_BITS'])}.{_b64(secrets.token_bytes(16))}"
    return f"{body}.{_b64(hmac.new(_key(app), body.encode(), sha256).digest()[:16])}"


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte:
            return bits + 8 - byte.bit_length()
        bits += 8
    return bits


def solve(token: str) -> str:
    """What the script does (used by tests and benchmarks): the first counter that meets the target."""
    bits, counter = int(token.split(".")[2]), 0
    while leading_zero_bits(sha256(f"{token}:{counter}".encode()).digest()) < bits:
        counter += 1
    return str(counter)


def _valid(token: str, solution: str, form: str) -> tuple[str, int] | None:
    """(nonce, expiry) of a well-formed, authentic, unexpired, solved token for `form`; else None."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    parts = token.split(".")
    # ASCII only: compare_digest raises on non-ASCII text, and a token is never anything else.
    if len(token) > 200 or not token.isascii() or len(parts) != 5 or not ascii_digits(solution) \
            or len(solution) > 20:
        return None
    body, tag = ".".join(parts[:4]), parts[4]
    expected = _b64(hmac.new(_key(app), body.encode(), sha256).digest()[:16])
    if not hmac.compare_digest(tag, expected) or parts[0] != form:
        return None
    expires, bits = int(parts[1]), int(parts[2])
    if expires < time.time() or bits < int(app.config["INTAKE_POW_BITS"]):
        return None
    if leading_zero_bits(sha256(f"{token}:{solution}".encode()).digest()) < bits:
        return None
    return parts[3], expires


def solved() -> bool:
    """Whether this request carries a valid, unused solution for its form (claimed on first ask)."""
    if "pow_solved" not in g:
        g.pow_solved = _check_and_claim()
    return bool(g.pow_solved)


def _check_and_claim() -> bool:
    form = FORM_OF_ENDPOINT.get(request.endpoint or "")
    if request.method != "POST" or form is None:
        return False
    try:
        token, solution = request.form.get(TOKEN_FIELD, ""), request.form.get(SOLUTION_FIELD, "")
    except Exception:  # noqa: BLE001 - an unreadable body has no solution; the view answers it
        return False
    found = _valid(token, solution, form)
    return found is not None and _claim(*found)


def _claim(nonce: str, expires: int) -> bool:
    """Mark a token used; False if it already was (single use)."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    ttl = max(1, expires - int(time.time()))
    redis_url = app.config.get("INTAKE_REDIS_URL")
    if redis_url:
        return bool(_redis(app, redis_url).set(f"intake:pow-used:{nonce}", b"1", nx=True, ex=ttl))
    return _memory(app).claim(nonce, expires)


def _redis(app: Flask, url: str):  # noqa: ANN202 - redis is an optional dependency
    client = app.extensions.get("intake.pow_redis")
    if client is None:
        import redis

        client = app.extensions["intake.pow_redis"] = redis.Redis.from_url(url)
    return client


class UsedTokens:
    """Used token nonces until they expire, in this process (without Redis: one set per worker)."""

    LIMIT = 200_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._until: dict[str, int] = {}

    def claim(self, nonce: str, expires: int) -> bool:
        now = int(time.time())
        with self._lock:
            if len(self._until) >= self.LIMIT:  # forget expired ones, then the oldest
                self._until = {n: t for n, t in self._until.items() if t >= now}
                while len(self._until) >= self.LIMIT:
                    self._until.pop(next(iter(self._until)))
            if nonce in self._until and self._until[nonce] >= now:
                return False
            self._until[nonce] = expires
            return True


def _memory(app: Flask) -> UsedTokens:
    return app.extensions.setdefault(_EXTENSION, UsedTokens())

"""The second factor: TOTP (RFC 6238, as authenticator apps do it) and one-time recovery codes.

TOTP comes from pyca `cryptography` (HMAC-SHA1, 6 digits, 30-second steps: the parameters every
authenticator app supports). A code is accepted one step either side of now, and only for a step
after the last one used, so a code seen over a shoulder cannot be replayed.

Recovery codes carry 80 random bits each, so a plain SHA-256 of each is stored (no slow hash is
needed against guessing at that entropy); each is removed once used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets

import segno
from cryptography.hazmat.primitives.hashes import SHA1
from cryptography.hazmat.primitives.twofactor.totp import TOTP

STEP = 30
DIGITS = 6
SECRET_BYTES = 20
WINDOW = 1  # steps accepted either side of now
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstvwxyz23456789"  # no 0/o, 1/l/i, u: easy to read and type
_RECOVERY_LENGTH = 16  # 16 symbols of a 30-letter alphabet: about 78 bits
_CODE = re.compile(r"^[0-9]{6}$")


def new_secret() -> bytes:
    return os.urandom(SECRET_BYTES)


def _totp(secret: bytes) -> TOTP:
    return TOTP(secret, DIGITS, SHA1(), STEP, enforce_key_length=True)  # noqa: S303 - RFC 6238 default


def provisioning_uri(secret: bytes, account: str, issuer: str) -> str:
    return _totp(secret).get_provisioning_uri(account, issuer)


def qr_svg(uri: str) -> str:
    """The provisioning URI as inline SVG markup: no script, no image request, no external service."""
    return segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff",
                                                 title="QR code for the authenticator app")


def manual_key(secret: bytes) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    text = base64.b32encode(secret).decode("ascii").rstrip("=")
    return " ".join(text[i:i + 4] for i in range(0, len(text), 4))


def counter_at(timestamp: float) -> int:
    return int(timestamp // STEP)


def code_for(secret: bytes, counter: int) -> str:
    """The code of one time step (what the app shows then)."""
    return _totp(secret).generate(counter * STEP).decode("ascii")


def is_totp_code(text: str) -> bool:
    return bool(_CODE.match(_squash(text)))


def matching_counter(secret: bytes, code: str, timestamp: float) -> int | None:
    """The time step (within the window around `timestamp`) whose code this is, or None.

    Every candidate step is compared in constant time, and all of them always are.
    """
    code = _squash(code)
    if not _CODE.match(code):
        return None
    now = counter_at(timestamp)
    found = None
    for counter in range(now - WINDOW, now + WINDOW + 1):
        if hmac.compare_digest(code_for(secret, counter).encode(), code.encode()):
            found = counter
    return found


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH))
        codes.append("-".join(raw[i:i + 4] for i in range(0, _RECOVERY_LENGTH, 4)))
    return codes


def hash_recovery_code(code: str) -> str:
    return hashlib.sha256(_normalise_recovery(code).encode("ascii", "replace")).hexdigest()


def matching_recovery_code(code: str, hashes: list[str]) -> str | None:
    """The stored hash this recovery code matches, or None (compared in constant time)."""
    candidate = hash_recovery_code(code)
    found = None
    for stored in hashes:
        if hmac.compare_digest(stored.encode(), candidate.encode()):
            found = stored
    return found


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text or "")


def _normalise_recovery(code: str) -> str:
    return re.sub(r"[\s\-]+", "", code or "").lower()

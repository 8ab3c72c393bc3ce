"""Receipts: what a family keeps to come back.

A receipt is 20 decimal digits in five groups of four (66 bits of entropy), language-neutral and
easy to copy by hand. The server stores only:
  - a lookup token, HMAC-SHA256 under the pepper (finds the submission without a table scan), and
  - a verifier, Argon2id over the digits with the pepper as Argon2's secret input.
A key derived from the receipt (HKDF, salted with the submission id) is the family's X25519 reply
key: reviewers seal replies to its public half, and only the receipt holder can open them.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
import uuid
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import x25519
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .passphrase import KdfParams

DIGITS = 20
GROUP = 4
_VERIFIER_VERSION = 1


class MalformedReceipt(ValueError):
    """The text given is not 20 digits (after removing spaces and dashes)."""


def new_receipt() -> str:
    number = secrets.randbelow(10**DIGITS)
    digits = f"{number:0{DIGITS}d}"
    return " ".join(digits[i:i + GROUP] for i in range(0, DIGITS, GROUP))


def normalise(text: str) -> str:
    """Accept spaces, dashes and any script's decimal digits (Arabic-Indic, full-width...)."""
    out = []
    for ch in text:
        if ch.isspace() or ch in "-‐‑–—_.":
            continue
        value = unicodedata.decimal(ch, None)
        if value is None:
            raise MalformedReceipt("a receipt has only digits")
        out.append(str(value))
    if len(out) != DIGITS:
        raise MalformedReceipt(f"a receipt has {DIGITS} digits")
    return "".join(out)


def lookup_token(pepper: bytes, digits: str) -> bytes:
    return hmac.new(pepper, b"intake/receipt-lookup/v1|" + digits.encode(), sha256).digest()[:16]


def make_verifier(pepper: bytes, digits: str, params: KdfParams) -> bytes:
    salt = secrets.token_bytes(16)
    digest = params.derive(digits.encode(), salt, pepper=pepper)
    head = bytes([_VERIFIER_VERSION]) + params.iterations.to_bytes(2, "big") + params.lanes.to_bytes(1, "big") \
        + params.memory_cost.to_bytes(4, "big")
    return head + salt + digest


def check_verifier(pepper: bytes, digits: str, verifier: bytes) -> bool:
    if len(verifier) != 8 + 16 + 32 or verifier[0] != _VERIFIER_VERSION:
        return False
    params = KdfParams(iterations=int.from_bytes(verifier[1:3], "big"), lanes=verifier[3],
                       memory_cost=int.from_bytes(verifier[4:8], "big"))
    digest = params.derive(digits.encode(), verifier[8:24], pepper=pepper)
    return hmac.compare_digest(digest, verifier[24:])


def burn_time(pepper: bytes, params: KdfParams) -> None:
    """Do the work of one verification, so an unknown receipt costs as long as a known one."""
    params.derive(b"0" * DIGITS, b"\0" * 16, pepper=pepper)


def reply_private_key(digits: str, submission_id: uuid.UUID) -> x25519.X25519PrivateKey:
    seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=submission_id.bytes,
                info=b"intake/family-reply-key/v1").derive(digits.encode())
    return x25519.X25519PrivateKey.from_private_bytes(seed)


def reply_public_key(digits: str, submission_id: uuid.UUID) -> bytes:
    return reply_private_key(digits, submission_id).public_key().public_bytes_raw()

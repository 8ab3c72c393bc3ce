"""Receipts: what a family keeps to come back.

A receipt is 20 decimal digits in five groups of four (66 bits of entropy), language-neutral and
easy to copy by hand. The server stores only:
  - a bucket number, 16 bits of an HMAC under the pepper: it narrows a lookup to a handful of
    candidates, but is far too coarse to test a guess against, and
  - a verifier, Argon2id over the digits with the pepper as Argon2's secret input.
Every candidate in the bucket is verified, whether or not an earlier one matched, so the time taken
depends on the bucket's size only, never on whether the receipt exists.
A key derived from the receipt (HKDF, salted with the submission id) is the family's reply key, a
hybrid ML-KEM-768 + X25519 pair: reviewers seal replies to its public half with HPKE, and only the
receipt holder can open them, now or after quantum computers arrive.
"""

from __future__ import annotations

import hmac
import secrets
import unicodedata
import uuid
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .encoding import pack
from .keys import KemSuite, PrivateKey, PublicKey
from .passphrase import KdfParams
from .wraps import open_sealed, seal_to

DIGITS = 20
GROUP = 4
_VERIFIER_VERSION = 1


class MalformedReceipt(ValueError):
    """The text given is not 20 digits (after removing spaces and dashes)."""


def new_receipt() -> str:
    return grouped(f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}")


def grouped(digits: str) -> str:
    """Digits in groups of four, as a receipt is shown and written down."""
    return " ".join(digits[i:i + GROUP] for i in range(0, len(digits), GROUP))


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


BUCKET_BITS = 16


def bucket(pepper: bytes, digits: str) -> int:
    """A coarse lookup key: many receipts share each bucket, so it narrows the search but proves nothing."""
    digest = hmac.new(pepper, b"intake/receipt-bucket/v1|" + digits.encode(), sha256).digest()
    return int.from_bytes(digest[:4], "big") >> (32 - BUCKET_BITS)


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


def reply_private_key(digits: str, submission_id: uuid.UUID) -> PrivateKey:
    """The family's hybrid ML-KEM-768 + X25519 reply key, re-derived from the receipt whenever needed."""
    seed = HKDF(algorithm=hashes.SHA256(), length=96, salt=submission_id.bytes,
                info=b"intake/family-reply-key/v2").derive(digits.encode())
    return PrivateKey(KemSuite.MLKEM768_X25519, seed)


def reply_public_key(digits: str, submission_id: uuid.UUID) -> bytes:
    return reply_private_key(digits, submission_id).public().raw


def _reply_info(submission_id: uuid.UUID, message_id: uuid.UUID) -> bytes:
    return pack("intake/family-reply", 1, submission_id, message_id)


def seal_for_family(reply_public: bytes, submission_id: uuid.UUID, message_id: uuid.UUID, text: str) -> bytes:
    """Seal a reviewer's message so that only the receipt holder can read it (HPKE, bound to the message)."""
    return seal_to(PublicKey(KemSuite.MLKEM768_X25519, reply_public), text.encode("utf-8"),
                   _reply_info(submission_id, message_id))


def open_for_family(digits: str, submission_id: uuid.UUID, message_id: uuid.UUID, blob: bytes) -> str:
    private = reply_private_key(digits, submission_id)
    plain = open_sealed({private.public().key_id: private}, blob, lambda _k: _reply_info(submission_id, message_id))
    return plain.decode("utf-8")

"""Receipts: what a family keeps to come back.

A receipt is 24 decimal digits in six groups of four (about 79.7 bits), language-neutral and easy
to copy by hand. It has two parts:
  - the selector, its first 8 digits: the server stores HMAC-SHA256 of it under the pepper, unique
    and indexed, so a check finds its one row with an index lookup whatever the number of rows;
  - the rest: Argon2id over all 24 digits, with the pepper as Argon2's secret input and a salt of
    the row's own, gives the *stretched receipt*. Only a tag derived from it (HKDF) is stored.
So a check costs one Argon2id at any size; an unknown selector costs one too (burn_time).

Everything else the receipt opens comes from the stretched receipt through HKDF, never from the
digits directly: the family's reply key (an ML-KEM-768 + X25519 pair; only its public half is
stored) and the key of the names the family typed (shown back to them on the status page). A
database reader without the pepper can test no guess at all; with the pepper, every guess still
costs one Argon2id, against one row.

Receipts issued before (20 digits) are *legacy*: a 16-bit bucket (HMAC under the pepper) and an
Argon2id verifier over the digits. They are still accepted, and on their next successful use
move to the scheme above (selector from their first 8 digits, see services/families.py).

Stored Argon2id parameters are checked against a floor and a ceiling (KdfBounds) before use: a
tampered row can neither make a check cheap nor make it exhaust memory.
"""

from __future__ import annotations

import hmac
import json
import secrets
import unicodedata
import uuid
from dataclasses import dataclass
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from .encoding import pack
from .errors import DecryptionError
from .fields import decrypt_field, encrypt_field
from .keys import KemSuite, PrivateKey, PublicKey
from .passphrase import KdfBounds, KdfParams
from .wraps import open_sealed, seal_to

DIGITS = 24
LEGACY_DIGITS = 20
SELECTOR_DIGITS = 8
GROUP = 4
SALT_BYTES = 16
_LEGACY_VERSION = 1
_VERSION = 2
_HEAD = 1 + 2 + 1 + 4  # version, iterations, lanes, memory (KiB)


class MalformedReceipt(ValueError):
    """The text given is not 24 (or, for older receipts, 20) digits after removing spaces and dashes."""


def new_receipt() -> str:
    return grouped(f"{secrets.randbelow(10**DIGITS):0{DIGITS}d}")


def from_seed(pepper: bytes, seed: bytes, attempt: int = 0) -> str:
    """Receipt digits drawn from a form's own one-time value (a seed of 32 bytes from a random value
    the form carries, and what it holds) instead of fresh randomness: the same form sent twice (a
    double click, a reload of the answer) draws the same receipt, so it is stored once. 128 bits of
    HMAC-SHA256 under the pepper, reduced to 24 digits (a bias of about 2^-48)."""
    digest = hmac.new(pepper, pack("intake/receipt-from-form", 1, seed, attempt), sha256).digest()
    return grouped(f"{int.from_bytes(digest[:16], 'big') % 10**DIGITS:0{DIGITS}d}")


def grouped(digits: str) -> str:
    """Digits in groups of four, as a receipt is shown and written down."""
    return " ".join(digits[i:i + GROUP] for i in range(0, len(digits), GROUP))


_MAX_TYPED = 200  # characters normalise reads at all: more is malformed whatever it holds
_SEPARATORS = "-‐‑–—_."


def as_typed(text: str | None) -> str | None:
    """The text as typed when it could be a receipt (typed, or mistyped by a digit): only spaces,
    separators and decimal digits, as long as normalise reads. Anything else is not drawn back into
    a page: a form posted from elsewhere would have it reflected, whatever its size."""
    if text is None:
        return None
    if len(text) > _MAX_TYPED or not all(_separator(ch) or unicodedata.decimal(ch, None) is not None for ch in text):
        return ""
    return text


def _separator(ch: str) -> bool:
    """A character a receipt may be typed with between its digits (normalise drops it)."""
    return ch.isspace() or ch in _SEPARATORS


def normalise(text: str) -> str:
    """Accept spaces, dashes and any script's decimal digits (Arabic-Indic, full-width...)."""
    if len(text) > _MAX_TYPED:  # malformed anyway: no work on an arbitrarily long string
        raise MalformedReceipt(f"a receipt has {DIGITS} digits")
    out = []
    for ch in text:
        if _separator(ch):
            continue
        value = unicodedata.decimal(ch, None)
        if value is None:
            raise MalformedReceipt("a receipt has only digits")
        out.append(str(value))
    if len(out) not in (DIGITS, LEGACY_DIGITS):
        raise MalformedReceipt(f"a receipt has {DIGITS} digits")
    return "".join(out)


def is_legacy(digits: str) -> bool:
    return len(digits) == LEGACY_DIGITS


# --- cost bounds ---------------------------------------------------------------------------------

def _head(version: int, params: KdfParams) -> bytes:
    return (bytes([version]) + params.iterations.to_bytes(2, "big") + params.lanes.to_bytes(1, "big")
            + params.memory_cost.to_bytes(4, "big"))


def _parse(verifier: bytes | None, version: int) -> tuple[KdfParams, bytes, bytes] | None:
    if not verifier or len(verifier) != _HEAD + SALT_BYTES + 32 or verifier[0] != version:
        return None
    params = KdfParams(iterations=int.from_bytes(verifier[1:3], "big"), lanes=verifier[3],
                       memory_cost=int.from_bytes(verifier[4:8], "big"))
    return params, verifier[_HEAD:_HEAD + SALT_BYTES], verifier[_HEAD + SALT_BYTES:]


def burn_time(pepper: bytes, params: KdfParams) -> None:
    """Do the work of one verification, so an unknown receipt costs as long as a known one."""
    params.derive(b"0" * DIGITS, b"\0" * SALT_BYTES, pepper=pepper)


# --- the current scheme: selector and stretched receipt -------------------------------------------

def selector(pepper: bytes, digits: str) -> bytes:
    """The keyed lookup value of a receipt: HMAC of its first 8 digits (and its length)."""
    return hmac.new(pepper, pack("intake/receipt-selector", _VERSION, len(digits), digits[:SELECTOR_DIGITS]),
                    sha256).digest()


def _hkdf(secret: bytes, salt: bytes | None, info: str, length: int = 32) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=length, salt=salt, info=info.encode()).derive(secret)


@dataclass(frozen=True)
class Stretched:
    """The receipt after Argon2id (in memory only, for one request): every key the receipt opens."""

    secret: bytes

    def tag(self) -> bytes:
        return _hkdf(self.secret, None, "intake/receipt-verifier/v2")

    def reply_private_key(self, submission_id: uuid.UUID) -> PrivateKey:
        """The family's hybrid ML-KEM-768 + X25519 reply key."""
        return PrivateKey(KemSuite.MLKEM768_X25519,
                          _hkdf(self.secret, submission_id.bytes, "intake/family-reply-key/v3", 96))

    def reply_public_key(self, submission_id: uuid.UUID) -> bytes:
        return self.reply_private_key(submission_id).public().raw

    def names_key(self, submission_id: uuid.UUID) -> bytes:
        return _hkdf(self.secret, submission_id.bytes, "intake/family-names/v1")


def _stretch(pepper: bytes, digits: str, params: KdfParams, salt: bytes) -> Stretched:
    return Stretched(params.derive(digits.encode(), salt, pepper=pepper))


def make_verifier(pepper: bytes, digits: str, params: KdfParams) -> tuple[bytes, Stretched]:
    """(the stored verifier, the stretched receipt) for a new receipt or one moving to this scheme."""
    salt = secrets.token_bytes(SALT_BYTES)
    stretched = _stretch(pepper, digits, params, salt)
    return _head(_VERSION, params) + salt + stretched.tag(), stretched


def open_verifier(pepper: bytes, digits: str, verifier: bytes | None, bounds: KdfBounds) -> Stretched | None:
    """The stretched receipt if `digits` match the verifier; None otherwise. Always one Argon2id:
    a malformed verifier, or one whose parameters are out of bounds, gets burn_time instead."""
    parsed = _parse(verifier, _VERSION)
    if parsed is None or not bounds.admits(parsed[0]):
        burn_time(pepper, bounds.floor)
        return None
    params, salt, tag = parsed
    stretched = _stretch(pepper, digits, params, salt)
    return stretched if hmac.compare_digest(stretched.tag(), tag) else None


# --- legacy receipts (20 digits, bucket scheme), accepted until they move -------------------------

BUCKET_BITS = 16


def bucket(pepper: bytes, digits: str) -> int:
    """A coarse lookup key of a legacy receipt: many receipts share each bucket, so it proves nothing."""
    digest = hmac.new(pepper, b"intake/receipt-bucket/v1|" + digits.encode(), sha256).digest()
    return int.from_bytes(digest[:4], "big") >> (32 - BUCKET_BITS)


def make_legacy_verifier(pepper: bytes, digits: str, params: KdfParams) -> bytes:
    """A verifier of the legacy scheme (only for tests and benchmarks that need old rows)."""
    salt = secrets.token_bytes(SALT_BYTES)
    return _head(_LEGACY_VERSION, params) + salt + params.derive(digits.encode(), salt, pepper=pepper)


def check_legacy_verifier(pepper: bytes, digits: str, verifier: bytes | None, bounds: KdfBounds) -> bool:
    """One Argon2id (or burn_time, for a malformed or out-of-bounds verifier)."""
    parsed = _parse(verifier, _LEGACY_VERSION)
    if parsed is None or not bounds.admits(parsed[0]):
        burn_time(pepper, bounds.floor)
        return False
    params, salt, digest = parsed
    return hmac.compare_digest(params.derive(digits.encode(), salt, pepper=pepper), digest)


def legacy_reply_private_key(digits: str, submission_id: uuid.UUID) -> PrivateKey:
    """The reply key of a legacy receipt, derived from the digits: replies sealed to it before the
    receipt moved to the current scheme stay readable."""
    seed = HKDF(algorithm=hashes.SHA256(), length=96, salt=submission_id.bytes,
                info=b"intake/family-reply-key/v2").derive(digits.encode())
    return PrivateKey(KemSuite.MLKEM768_X25519, seed)


# --- what the receipt opens ---------------------------------------------------------------------

def _reply_info(submission_id: uuid.UUID, message_id: uuid.UUID) -> bytes:
    return pack("intake/family-reply", 1, submission_id, message_id)


def seal_for_family(reply_public: bytes, submission_id: uuid.UUID, message_id: uuid.UUID, text: str) -> bytes:
    """Seal a reviewer's message so that only the receipt holder can read it (HPKE, bound to the message)."""
    return seal_to(PublicKey(KemSuite.MLKEM768_X25519, reply_public), text.encode("utf-8"),
                   _reply_info(submission_id, message_id))


def open_for_family(private_keys: list[PrivateKey], submission_id: uuid.UUID, message_id: uuid.UUID,
                    blob: bytes) -> str:
    """Open a reply with whichever of the family's reply keys it was sealed to."""
    plain = open_sealed({key.public().key_id: key for key in private_keys}, blob,
                        lambda _k: _reply_info(submission_id, message_id))
    return plain.decode("utf-8")


_NAMES_KEY_ID = bytes(16)  # a fixed marker: an id computed from the key would be a test for it


def seal_names(stretched: Stretched, submission_id: uuid.UUID, names: list[list[str]]) -> bytes:
    """The names the family typed, per person in order, readable only with the receipt."""
    plain = json.dumps(names, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return encrypt_field(stretched.names_key(submission_id), _NAMES_KEY_ID, "submissions", "family_names",
                         submission_id, plain)


def open_names(stretched: Stretched, submission_id: uuid.UUID, blob: bytes) -> list[list[str]]:
    plain = decrypt_field(stretched.names_key(submission_id), _NAMES_KEY_ID, "submissions", "family_names",
                          submission_id, blob)
    names = json.loads(plain.decode("utf-8"))
    if not isinstance(names, list):
        raise DecryptionError("the family's names are not a list")
    return [[str(n) for n in person] for person in names]

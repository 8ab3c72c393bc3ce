"""Integrity seals: review-side state carried with an HMAC under a review-side key.

The public face can write rows but must not be able to change what the review side later trusts
(a report's verification level, its person link, a submission's status...). The review face seals
every such row with HMAC-SHA256 under its integrity key, which the public face never holds, and
checks the seal before it uses the row.

Seal layout, version 1:
    version (1 byte) | integrity key id (16 bytes) | HMAC-SHA256 (32 bytes)          = 49 bytes
MAC input:
    pack("intake/seal", version, key id, domain, *canonical parts)

`domain` names the kind of row ("report-state", "link-event"...); the parts are the row's id and
every column a decision relies on. So a seal copied to another row or another kind of row, a
column changed, or a seal made under an unknown key all fail. The key id travels in the seal, so
the key can rotate: old seals verify under the previous key until they are re-sealed.

Pure: no Flask, no database.
"""

from __future__ import annotations

import hmac
import struct
import uuid
from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.hmac import HMAC

from .encoding import pack
from .keys import SymmetricKey

SEAL_VERSION = 1
SEAL_BYTES = 1 + 16 + 32
_DOMAIN = "intake/seal"


class SealCheck(StrEnum):
    OK = "ok"
    MISSING = "missing"  # never sealed (awaiting take-in, or from before seals existed)
    UNKNOWN_KEY = "unknown key"  # sealed under a key this process does not hold
    INVALID = "invalid"  # the row or the seal was changed


def _canonical(part: Any) -> bytes:
    """One unambiguous byte string per value, with its type, so None, "" and 0 never collide."""
    kind = part.__class__
    if part is None:
        return b"n"
    if kind is str:
        return b"s" + part.encode("utf-8")
    if kind is uuid.UUID:
        return b"u" + part.bytes
    if kind is bool:
        return b"?" + (b"1" if part else b"0")
    if kind is int:
        return b"i" + str(part).encode()
    if isinstance(part, datetime):
        return b"t" + part.isoformat(timespec="microseconds").encode()
    if isinstance(part, date):
        return b"d" + part.isoformat().encode()
    if isinstance(part, float):
        return b"f" + repr(part).encode()
    if isinstance(part, bool | int):  # subclasses
        return _canonical(bool(part) if isinstance(part, bool) else int(part))
    if isinstance(part, str):
        return _canonical(str(part))
    if isinstance(part, uuid.UUID):
        return b"u" + part.bytes
    if isinstance(part, bytes | bytearray | memoryview):
        return b"b" + bytes(part)
    raise TypeError(f"cannot seal a value of type {kind.__name__}")


_LENGTH = struct.Struct(">I").pack


@lru_cache(maxsize=256)
def _prefix(key_id: bytes, domain: str) -> bytes:
    return pack(_DOMAIN, SEAL_VERSION, key_id, domain)


def _message(key_id: bytes, domain: str, parts: tuple[Any, ...]) -> bytes:
    # The same bytes as pack(_DOMAIN, version, key id, domain, *canonical parts), built faster: a
    # whole-store verification checks millions of seals, so the commonest kinds of part are
    # encoded here as `_canonical` encodes them, without a call each.
    out = [_prefix(key_id, domain)]
    append = out.append
    for part in parts:
        kind = part.__class__
        if kind is uuid.UUID:
            append(_UUID_HEAD + part.int.to_bytes(16, "big"))  # UUID.bytes, without its property call
        elif kind is str:
            encoded = part.encode("utf-8")
            append(_LENGTH(len(encoded) + 1) + b"s" + encoded)
        elif part is None:
            append(_NONE)
        elif kind is int:  # a state's sequence number: on every report and submission seal
            encoded = b"i" + str(part).encode()
            append(_LENGTH(len(encoded)) + encoded)
        elif kind is bool:
            append(_TRUE if part else _FALSE)
        elif kind is bytes:  # a candidate pair's fingerprint: on every pair a deduplication run queues
            append(_LENGTH(len(part) + 1) + b"b" + part)
        elif kind is float:  # its probability
            encoded = b"f" + repr(part).encode()
            append(_LENGTH(len(encoded)) + encoded)
        else:
            encoded = _canonical(part)
            append(_LENGTH(len(encoded)) + encoded)
    return b"".join(out)


_UUID_HEAD = _LENGTH(17) + b"u"  # length prefix and tag of a canonical UUID
_NONE = _LENGTH(1) + b"n"
_TRUE, _FALSE = _LENGTH(2) + b"?1", _LENGTH(2) + b"?0"


def _mac(key: SymmetricKey, domain: str, parts: tuple[Any, ...]) -> bytes:
    return hmac.digest(key.secret, _message(key.key_id, domain, parts), "sha256")


def seal(key: SymmetricKey, domain: str, *parts: Any) -> bytes:
    return bytes([SEAL_VERSION]) + key.key_id + _mac(key, domain, parts)


def seal_key_id(blob: bytes | None) -> bytes | None:
    """The integrity key a seal was made with (None for a missing or malformed seal)."""
    if blob is None or len(blob) != SEAL_BYTES or blob[0] != SEAL_VERSION:
        return None
    return bytes(blob[1:17])


def check(keys: Mapping[bytes, SymmetricKey], blob: bytes | None, domain: str, *parts: Any) -> SealCheck:
    if blob is None:
        return SealCheck.MISSING
    key_id = seal_key_id(blob)
    if key_id is None:
        return SealCheck.INVALID
    key = keys.get(key_id)
    if key is None:
        return SealCheck.UNKNOWN_KEY
    if not hmac.compare_digest(bytes(blob[17:]), _mac(key, domain, parts)):
        return SealCheck.INVALID
    return SealCheck.OK


class Checker:
    """`check` for the many rows of one batch: the HMAC of each key is keyed once and copied per
    seal, and verified in constant time, all in pyca/cryptography's native HMAC (the standard
    library's `hmac.HMAC.copy` is Python code: three times the cost per seal). Every seal is still
    checked in full. Make one per batch or job; it holds the prepared keys for as long as it lives."""

    __slots__ = ("_keys", "_macs")

    def __init__(self, keys: Mapping[bytes, SymmetricKey]) -> None:
        self._keys = keys
        self._macs: dict[bytes, Any] = {}

    def __call__(self, blob: bytes | None, domain: str, parts: tuple[Any, ...]) -> SealCheck:
        """The same verdict as `check(keys, blob, domain, *parts)`."""
        if blob is None:
            return SealCheck.MISSING
        if len(blob) != SEAL_BYTES or blob[0] != SEAL_VERSION:  # seal_key_id's checks, without its call
            return SealCheck.INVALID
        key_id = bytes(blob[1:17])
        prepared = self._macs.get(key_id)
        if prepared is None:
            key = self._keys.get(key_id)
            if key is None:
                return SealCheck.UNKNOWN_KEY
            prepared = self._macs[key_id] = HMAC(key.secret, SHA256())
        mac = prepared.copy()
        mac.update(_message(key_id, domain, parts))
        try:
            mac.verify(bytes(blob[17:]))
        except InvalidSignature:
            return SealCheck.INVALID
        return SealCheck.OK

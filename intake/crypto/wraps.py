"""Wrapping a record's data key (DEK).

Inbox wrap (public face, write-only), version 1:
    version (1) | suite code (1) | review key id (16) | HPKE single-shot ciphertext
  HPKE info binds the wrap to (format version, owner table, owner id, review key id).

Working-store wrap (review face), version 1:
    version (1) | KEK id (16) | nonce (12) | AES-256-GCM ciphertext and tag
  Associated data binds it to (format version, owner table, owner id, KEK id).

Escrow seal: the same HPKE construction over a key's serialisation, bound to (kind, key id).
"""

from __future__ import annotations

import os
import uuid
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .encoding import pack
from .errors import DecryptionError, UnknownKeyError
from .keys import KemSuite, PrivateKey, PublicKey, SymmetricKey

WRAP_VERSION = 1
_LEN16 = (16).to_bytes(4, "big")  # pack()'s length prefix of a 16-byte part (a UUID, a key id)


def _inbox_info(owner_table: str, owner_id: uuid.UUID, key_id: bytes) -> bytes:
    return pack("intake/inbox-wrap", WRAP_VERSION, owner_table, owner_id, key_id)


def _kek_aad(owner_table: str, owner_id: uuid.UUID, key_id: bytes) -> bytes:
    # pack("intake/kek-wrap", WRAP_VERSION, owner_table, owner_id, key_id) with its constant head
    # packed once per table: a bulk read unwraps a data key per record.
    # (UUID.bytes is a Python property: its body, inlined.)
    return _kek_head(owner_table) + _LEN16 + owner_id.int.to_bytes(16, "big") + len(key_id).to_bytes(4, "big") + key_id


@lru_cache(maxsize=64)
def _kek_head(owner_table: str) -> bytes:
    return pack("intake/kek-wrap", WRAP_VERSION, owner_table)


def seal_to(public: PublicKey, secret: bytes, info: bytes) -> bytes:
    """HPKE single-shot seal of `secret` to `public`, prefixed with suite and key id."""
    sealed = public.suite.hpke_suite().encrypt(secret, public.hpke_key(), info=info)
    return bytes([WRAP_VERSION, public.suite.code]) + public.key_id + sealed


def open_sealed(private_keys: dict[bytes, PrivateKey], blob: bytes, info_for) -> bytes:  # noqa: ANN001
    """Open a `seal_to` blob with whichever held private key it names; `info_for(key_id)` gives the info."""
    if len(blob) < 18 or blob[0] != WRAP_VERSION:
        raise DecryptionError("sealed key is malformed or of an unknown format version")
    suite = KemSuite.from_code(blob[1])
    key_id = blob[2:18]
    private = private_keys.get(key_id)
    if private is None:
        raise UnknownKeyError(f"sealed to key {key_id.hex()}, which this process does not hold")
    if private.suite is not suite:
        raise DecryptionError("sealed key names a suite that does not match its key")
    try:
        return suite.hpke_suite().decrypt(blob[18:], private.hpke_key(), info=info_for(key_id))
    except (InvalidTag, ValueError):
        raise DecryptionError("sealed key failed authentication (tampered, moved or wrong key)") from None


def inbox_wrap(review_public: PublicKey, owner_table: str, owner_id: uuid.UUID, dek: bytes) -> bytes:
    return seal_to(review_public, dek, _inbox_info(owner_table, owner_id, review_public.key_id))


def inbox_unwrap(review_private: dict[bytes, PrivateKey], owner_table: str, owner_id: uuid.UUID,
                 blob: bytes) -> bytes:
    return open_sealed(review_private, blob, lambda key_id: _inbox_info(owner_table, owner_id, key_id))


def kek_wrap(kek: SymmetricKey, owner_table: str, owner_id: uuid.UUID, dek: bytes) -> bytes:
    nonce = os.urandom(12)
    sealed = AESGCM(kek.secret).encrypt(nonce, dek, _kek_aad(owner_table, owner_id, kek.key_id))
    return bytes([WRAP_VERSION]) + kek.key_id + nonce + sealed


def kek_unwrap(keks: dict[bytes, SymmetricKey], owner_table: str, owner_id: uuid.UUID,
               blob: bytes, *, aeads: dict[bytes, AESGCM] | None = None) -> bytes:
    """Open a working-store wrap. `aeads` caches one AES object per KEK across calls (bulk reads)."""
    if len(blob) != 77 or blob[0] != WRAP_VERSION:
        raise DecryptionError("working-store wrap is malformed or of an unknown format version")
    key_id = bytes(blob[1:17])
    kek = keks.get(key_id)
    if kek is None:
        raise UnknownKeyError(f"wrapped under key-encryption key {key_id.hex()}, which is not held")
    if aeads is None:
        aead = AESGCM(kek.secret)
    elif (aead := aeads.get(key_id)) is None:
        aead = aeads[key_id] = AESGCM(kek.secret)
    try:
        return aead.decrypt(blob[17:29], blob[29:], _kek_aad(owner_table, owner_id, key_id))
    except InvalidTag:
        raise DecryptionError("working-store wrap failed authentication (tampered, moved or wrong key)") from None


class KekRewrap:
    """Re-wrap working-store wraps under a new KEK in bulk (key rotation): the same bytes as
    `kek_unwrap` then `kek_wrap`, with one AESGCM object per key instead of two per wrap."""

    def __init__(self, keks: dict[bytes, SymmetricKey], new: SymmetricKey) -> None:
        self._aeads = {key_id: AESGCM(k.secret) for key_id, k in keks.items()}
        self._new_id = new.key_id
        self._head = bytes([WRAP_VERSION]) + new.key_id
        self._new = self._aeads.get(new.key_id) or AESGCM(new.secret)
        self._prefixes: dict[str, bytes] = {}

    def _aad(self, owner_table: str, owner_id: uuid.UUID | bytes, key_id: bytes) -> bytes:
        # pack() is a concatenation of length-prefixed parts, so the constant head is packed once
        # per table: the same bytes as _kek_aad, at a fraction of the cost.
        prefix = self._prefixes.get(owner_table)
        if prefix is None:
            prefix = self._prefixes[owner_table] = pack("intake/kek-wrap", WRAP_VERSION, owner_table)
        raw = owner_id if isinstance(owner_id, bytes) else owner_id.bytes
        return prefix + _LEN16 + raw + _LEN16 + key_id

    def __call__(self, owner_table: str, owner_id: uuid.UUID | bytes, blob: bytes) -> bytes:
        """`owner_id` as a UUID or its 16 bytes."""
        if len(blob) != 77 or blob[0] != WRAP_VERSION:
            raise DecryptionError("working-store wrap is malformed or of an unknown format version")
        key_id = blob[1:17]
        aead = self._aeads.get(key_id)
        if aead is None:
            raise UnknownKeyError(f"wrapped under key-encryption key {key_id.hex()}, which is not held")
        try:
            dek = aead.decrypt(blob[17:29], blob[29:], self._aad(owner_table, owner_id, key_id))
        except InvalidTag:
            raise DecryptionError("working-store wrap failed authentication (tampered, moved or wrong key)") from None
        nonce = os.urandom(12)
        return (self._head + nonce + self._new.encrypt(nonce, dek, self._aad(owner_table, owner_id, self._new_id)))


def escrow_info(kind: str, key_id: bytes) -> bytes:
    return pack("intake/escrow", WRAP_VERSION, kind, key_id)

"""Field encryption: AES-256-GCM under the record's data key (DEK).

Ciphertext layout, version 1:
    version (1 byte) | key id (16 bytes, the DEK's id) | nonce (12 bytes) | ciphertext and tag

The associated data binds the ciphertext to (format version, table, column, row id, key id), so a
ciphertext copied into another row or column, or presented with another key, fails to decrypt.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .encoding import pack
from .errors import DecryptionError, UnknownKeyError

FIELD_VERSION = 1
_HEADER = 1 + 16 + 12
_DOMAIN = "intake/field"


def field_aad(table: str, column: str, row_id: uuid.UUID, key_id: bytes) -> bytes:
    # pack() is a concatenation of length-prefixed parts, so the constant head can be cached.
    return _aad_head(table, column) + pack(row_id, key_id)


@lru_cache(maxsize=512)
def _aad_head(table: str, column: str) -> bytes:
    return pack(_DOMAIN, FIELD_VERSION, table, column)


def encrypt_field(dek: bytes, key_id: bytes, table: str, column: str, row_id: uuid.UUID,
                  plaintext: bytes) -> bytes:
    nonce = os.urandom(12)
    sealed = AESGCM(dek).encrypt(nonce, plaintext, field_aad(table, column, row_id, key_id))
    return bytes([FIELD_VERSION]) + key_id + nonce + sealed


def field_key_id(blob: bytes) -> bytes:
    """The DEK id a field ciphertext was made with (raises on a malformed blob)."""
    if len(blob) < _HEADER + 16 or blob[0] != FIELD_VERSION:
        raise _malformed()
    return blob[1:17]


def decrypt_field(dek: bytes, key_id: bytes, table: str, column: str, row_id: uuid.UUID,
                  blob: bytes) -> bytes:
    return decrypt_with(AESGCM(dek), key_id, table, column, row_id, blob)


def decrypt_with(aead: AESGCM, key_id: bytes, table: str, column: str, row_id: uuid.UUID, blob: bytes) -> bytes:
    """`decrypt_field` with the data key's AES object made once by the caller."""
    return RowOpener(aead, key_id, table, row_id).open(column, blob)


_LEN16 = (16).to_bytes(4, "big")


class RowOpener:
    """Decrypts the fields of one row (bulk reads): the AES object and the row's part of the
    associated data are made once, not once per field."""

    __slots__ = ("aead", "key_id", "table", "row_id", "_tail")

    def __init__(self, aead: AESGCM, key_id: bytes, table: str, row_id: uuid.UUID) -> None:
        self.aead, self.key_id, self.table, self.row_id = aead, key_id, table, row_id
        # pack(row_id, key_id), spelled out: this runs once per record of a million-record job.
        self._tail = _LEN16 + row_id.bytes + len(key_id).to_bytes(4, "big") + key_id

    def open(self, column: str, blob: bytes) -> bytes:
        if len(blob) < _HEADER + 16 or blob[0] != FIELD_VERSION:
            raise _malformed()
        if blob[1:17] != self.key_id:
            raise _other_key(self.table, column, self.row_id)
        try:
            return self.aead.decrypt(blob[17:29], blob[29:], _aad_head(self.table, column) + self._tail)
        except InvalidTag:
            raise _failed(self.table, column, self.row_id) from None


class ColumnsOpener:
    """Opens the same columns of many rows of one table (bulk reads): each column's constant part of
    the associated data is packed once, and one call opens a row. Every field gets every check
    `RowOpener.open` makes (format, key id, authentication against table, column, row and key)."""

    __slots__ = ("table", "columns", "_heads")

    def __init__(self, table: str, columns: Sequence[str]) -> None:
        self.table, self.columns = table, tuple(columns)
        self._heads = tuple(_aad_head(table, column) for column in self.columns)

    def open_row(self, aead: AESGCM, key_id: bytes, row_id: uuid.UUID,
                 blobs: Sequence[bytes | None]) -> list[bytes | None]:
        """The plaintext of each of the row's `blobs` (in `columns` order; None stays None)."""
        # pack(row_id, key_id), spelled out (UUID.bytes is a Python property: its body, inlined).
        tail = _LEN16 + row_id.int.to_bytes(16, "big") + len(key_id).to_bytes(4, "big") + key_id
        # Version and key id in one comparison; anything else goes to `_refused` for its own error.
        prefix = _VERSION_BYTE + key_id
        decrypt = aead.decrypt
        out: list[bytes | None] = []
        append = out.append
        column = ""
        try:
            for column, head, blob in zip(self.columns, self._heads, blobs, strict=True):
                if blob is None:
                    append(None)
                elif blob[:17] == prefix and len(blob) >= _HEADER + 16:
                    append(decrypt(blob[17:29], blob[29:], head + tail))
                else:
                    raise _refused(self.table, column, row_id, key_id, blob)
        except InvalidTag:
            raise _failed(self.table, column, row_id) from None
        return out


_VERSION_BYTE = bytes([FIELD_VERSION])


def _refused(table: str, column: str, row_id: uuid.UUID, key_id: bytes, blob: bytes) -> Exception:
    """Why `RowOpener.open` would refuse this blob before decrypting it."""
    if len(blob) < _HEADER + 16 or blob[0] != FIELD_VERSION:
        return _malformed()
    if blob[1:17] != key_id:
        return _other_key(table, column, row_id)
    return _malformed()  # a key id of another length than 16: not a field this format makes


def _malformed() -> DecryptionError:
    return DecryptionError("field ciphertext is malformed or of an unknown format version")


def _other_key(table: str, column: str, row_id: uuid.UUID) -> UnknownKeyError:
    return UnknownKeyError(f"{table}.{column} of row {row_id} was encrypted under another data key")


def _failed(table: str, column: str, row_id: uuid.UUID) -> DecryptionError:
    return DecryptionError(f"{table}.{column} of row {row_id} failed authentication (tampered, moved or wrong key)")

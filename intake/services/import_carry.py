"""Carrying an uploaded list between the steps of the admin import page, without storing it.

The server keeps nothing between requests (no temporary file, no cache): the page carries the
file back and forth in a hidden field, compressed and encrypted (AES-256-GCM) under a review-side
key derived from the index root, bound to the admin's account and to an expiry. Nobody else, and
not this admin after the expiry, can hand it back; a changed byte fails closed.
"""

from __future__ import annotations

import base64
import os
import struct
import time
import uuid
import zlib

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..crypto.blind_index import index_key
from ..crypto.vault import Vault
from .errors import InvalidInput

VERSION = b"\x01"
LIFETIME = 3600  # seconds: long enough to fix a mapping, short enough not to linger in a browser tab
_AD = b"intake/import-carry/v1"


def _key(vault: Vault) -> bytes:
    return index_key(vault.require_index_root(), "import-carry")


def seal(vault: Vault, data: bytes, file_name: str, user_id: uuid.UUID, *, now: float | None = None) -> str:
    expires = int((now or time.time()) + LIFETIME)
    name = file_name.encode("utf-8")[:255]
    plain = struct.pack(">B", len(name)) + name + zlib.compress(data, 6)
    nonce = os.urandom(12)
    header = VERSION + struct.pack(">Q", expires)
    blob = header + nonce + AESGCM(_key(vault)).encrypt(nonce, plain, _AD + user_id.bytes + header)
    return base64.urlsafe_b64encode(blob).decode("ascii")


def open_carried(vault: Vault, carried: str, user_id: uuid.UUID, *, max_bytes: int,
                 now: float | None = None) -> tuple[bytes, str]:
    """The file and its name back, or InvalidInput ("upload it again")."""
    again = InvalidInput("The uploaded file could not be carried to this step (it expired after an hour, or the "
                         "page was changed). Upload it again.")
    try:
        blob = base64.urlsafe_b64decode(carried.encode("ascii"))
    except (ValueError, UnicodeEncodeError):
        raise again from None
    if len(blob) < 1 + 8 + 12 + 16 or blob[:1] != VERSION:
        raise again
    header, nonce, sealed = blob[:9], blob[9:21], blob[21:]
    if struct.unpack(">Q", header[1:])[0] < (now or time.time()):
        raise again
    try:
        plain = AESGCM(_key(vault)).decrypt(nonce, sealed, _AD + user_id.bytes + header)
    except InvalidTag:
        raise again from None
    size = plain[0]
    name = plain[1:1 + size].decode("utf-8", errors="replace")
    inflater = zlib.decompressobj()
    data = inflater.decompress(plain[1 + size:], max_bytes + 1)
    if len(data) > max_bytes:
        raise again
    return data, name

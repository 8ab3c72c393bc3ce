"""Blind indexes: truncated HMAC-SHA256 of a normalised value under a per-index key.

Per-index keys are derived with HKDF from the index root key, so equal values in different indexes
(a birth year and a county code, say) never produce the same token. Truncation to 8 bytes keeps
the false-positive rate negligible for lookups while leaving tokens short.
"""

from __future__ import annotations

import hmac
from functools import lru_cache
from hashlib import sha256

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

TOKEN_BYTES = 8


@lru_cache(maxsize=64)
def index_key(root: bytes, index: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                info=b"intake/blind-index/v1/" + index.encode()).derive(root)


def token(root: bytes, index: str, normalised: str) -> bytes:
    return hmac.new(index_key(root, index), normalised.encode("utf-8"), sha256).digest()[:TOKEN_BYTES]

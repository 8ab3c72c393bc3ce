"""Account passwords: Argon2id in PHC string format (pyca/cryptography)."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

from .passphrase import KdfParams


def hash_password(password: str, params: KdfParams) -> str:
    kdf = Argon2id(salt=os.urandom(16), length=32, iterations=params.iterations, lanes=params.lanes,
                   memory_cost=params.memory_cost)
    return kdf.derive_phc_encoded(password.encode("utf-8"))


def verify_password(password: str, encoded: str | None) -> bool:
    if not encoded:
        return False
    try:
        Argon2id.verify_phc_encoded(password.encode("utf-8"), encoded)
    except (InvalidKey, ValueError):
        return False
    return True

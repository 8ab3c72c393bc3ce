"""Argon2id key derivation from an operator passphrase (pyca/cryptography's Argon2id)."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass

from cryptography.hazmat.primitives.kdf.argon2 import Argon2id


@dataclass(frozen=True)
class KdfParams:
    iterations: int
    lanes: int
    memory_cost: int  # KiB

    def derive(self, secret: bytes, salt: bytes, pepper: bytes | None = None, length: int = 32) -> bytes:
        return Argon2id(salt=salt, length=length, iterations=self.iterations, lanes=self.lanes,
                        memory_cost=self.memory_cost, secret=pepper).derive(secret)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# Profiles. "keystore" guards the master keys: expensive on purpose (about a second, 256 MiB).
# "receipt" runs on every receipt check on the public face, behind a rate limit.
# "test" exists only so the test suite runs fast; production config refuses it.
PROFILES: dict[str, dict[str, KdfParams]] = {
    "strong": {
        "keystore": KdfParams(iterations=3, lanes=4, memory_cost=256 * 1024),
        "receipt": KdfParams(iterations=2, lanes=1, memory_cost=19 * 1024),
        "password": KdfParams(iterations=3, lanes=1, memory_cost=64 * 1024),
    },
    "test": {
        "keystore": KdfParams(iterations=1, lanes=1, memory_cost=8),
        "receipt": KdfParams(iterations=1, lanes=1, memory_cost=8),
        "password": KdfParams(iterations=1, lanes=1, memory_cost=8),
    },
}


def new_salt() -> bytes:
    return os.urandom(16)

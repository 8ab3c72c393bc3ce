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


@dataclass(frozen=True)
class KdfBounds:
    """The Argon2id parameters a stored verifier or keystore may name: no cheaper than the floor, no
    dearer than the ceiling (memory above it could exhaust the server; a tampered value must do
    neither)."""

    floor: KdfParams
    ceiling: KdfParams

    @classmethod
    def around(cls, configured: KdfParams) -> KdfBounds:
        """The configured parameters are the floor; the ceiling leaves room to raise them later."""
        return cls(floor=configured, ceiling=KdfParams(iterations=4 * configured.iterations,
                                                       lanes=4 * configured.lanes,
                                                       memory_cost=8 * configured.memory_cost))

    def admits(self, params: KdfParams) -> bool:
        return all(isinstance(getattr(params, f), int) and
                   getattr(self.floor, f) <= getattr(params, f) <= getattr(self.ceiling, f)
                   for f in ("iterations", "lanes", "memory_cost"))

    def refusal(self, params: KdfParams, what: str) -> str | None:
        """Why `params` may not be used (one line, numbers only), or None."""
        if self.admits(params):
            return None
        return (f"{what} names Argon2id cost t={params.iterations} p={params.lanes} m={params.memory_cost} KiB, "
                f"outside the accepted range t={self.floor.iterations}..{self.ceiling.iterations} "
                f"p={self.floor.lanes}..{self.ceiling.lanes} m={self.floor.memory_cost}..{self.ceiling.memory_cost} KiB "
                "(INTAKE_KDF_PROFILE)")


# Before a profile is known (a keystore read by a tool): any cost Argon2id accepts, up to the
# strong profile's ceiling, so a tampered file cannot make the process allocate without bound.
ANY_PROFILE = KdfBounds(floor=KdfParams(iterations=1, lanes=1, memory_cost=8),
                        ceiling=KdfBounds.around(PROFILES["strong"]["keystore"]).ceiling)


def bounds(profile: str, purpose: str) -> KdfBounds:
    return KdfBounds.around(PROFILES[profile][purpose])


def new_salt() -> bytes:
    return os.urandom(16)

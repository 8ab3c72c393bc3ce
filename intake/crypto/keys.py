"""Key material: the review key pair (HPKE recipient), key-encryption keys, the escrow key.

Key ids are 16 bytes. A public key's id is a hash of its suite and bytes (a fingerprint anyone can
recompute); a symmetric key's id is random, since hashing a secret would leak a test for it.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from enum import StrEnum

from cryptography.hazmat.primitives import hpke
from cryptography.hazmat.primitives.asymmetric import mlkem, x25519

from .errors import KeystoreError


class KemSuite(StrEnum):
    """HPKE suites the service can use; the KDF and AEAD are fixed (HKDF-SHA256, AES-256-GCM)."""

    MLKEM768_X25519 = "MLKEM768_X25519"  # post-quantum hybrid, the default
    X25519 = "X25519"  # classical, selectable by configuration

    @property
    def code(self) -> int:
        return {KemSuite.MLKEM768_X25519: 1, KemSuite.X25519: 2}[self]

    @classmethod
    def from_code(cls, code: int) -> KemSuite:
        for suite in cls:
            if suite.code == code:
                return suite
        raise KeystoreError(f"unknown HPKE suite code {code}")

    def hpke_suite(self) -> hpke.Suite:
        kem = hpke.KEM.MLKEM768_X25519 if self is KemSuite.MLKEM768_X25519 else hpke.KEM.X25519
        return hpke.Suite(kem, hpke.KDF.HKDF_SHA256, hpke.AEAD.AES_256_GCM)


_MLKEM_SEED = 64
_MLKEM_PUBLIC = 1184
_X25519 = 32


def fingerprint(suite: KemSuite, public_bytes: bytes) -> bytes:
    return hashlib.sha256(b"intake/key-id/v1|" + suite.value.encode() + b"|" + public_bytes).digest()[:16]


@dataclass(frozen=True)
class PublicKey:
    """An HPKE recipient public key (review key or escrow key)."""

    suite: KemSuite
    raw: bytes

    @property
    def key_id(self) -> bytes:
        return fingerprint(self.suite, self.raw)

    def hpke_key(self):  # noqa: ANN201 - a cryptography key object of the suite's type
        try:
            if self.suite is KemSuite.X25519:
                return x25519.X25519PublicKey.from_public_bytes(self.raw)
            if len(self.raw) != _MLKEM_PUBLIC + _X25519:
                raise ValueError("wrong length")
            return hpke.MLKEM768X25519PublicKey(
                mlkem.MLKEM768PublicKey.from_public_bytes(self.raw[:_MLKEM_PUBLIC]),
                x25519.X25519PublicKey.from_public_bytes(self.raw[_MLKEM_PUBLIC:]),
            )
        except ValueError:
            raise KeystoreError(f"malformed {self.suite.value} public key") from None


@dataclass(frozen=True)
class PrivateKey:
    """An HPKE recipient private key. `raw` is the seed material; never print or log it."""

    suite: KemSuite
    raw: bytes

    @classmethod
    def generate(cls, suite: KemSuite) -> PrivateKey:
        if suite is KemSuite.X25519:
            return cls(suite, os.urandom(_X25519))
        return cls(suite, os.urandom(_MLKEM_SEED) + os.urandom(_X25519))

    def hpke_key(self):  # noqa: ANN201
        try:
            if self.suite is KemSuite.X25519:
                return x25519.X25519PrivateKey.from_private_bytes(self.raw)
            if len(self.raw) != _MLKEM_SEED + _X25519:
                raise ValueError("wrong length")
            return hpke.MLKEM768X25519PrivateKey(
                mlkem.MLKEM768PrivateKey.from_seed_bytes(self.raw[:_MLKEM_SEED]),
                x25519.X25519PrivateKey.from_private_bytes(self.raw[_MLKEM_SEED:]),
            )
        except ValueError:
            raise KeystoreError(f"malformed {self.suite.value} private key") from None

    def public(self) -> PublicKey:
        if self.suite is KemSuite.X25519:
            pub = x25519.X25519PrivateKey.from_private_bytes(self.raw).public_key()
            return PublicKey(self.suite, pub.public_bytes_raw())
        m = mlkem.MLKEM768PrivateKey.from_seed_bytes(self.raw[:_MLKEM_SEED]).public_key()
        x = x25519.X25519PrivateKey.from_private_bytes(self.raw[_MLKEM_SEED:]).public_key()
        return PublicKey(self.suite, m.public_bytes_raw() + x.public_bytes_raw())

    def __repr__(self) -> str:  # keep key bytes out of tracebacks and logs
        return f"PrivateKey({self.suite.value}, id={self.public().key_id.hex()})"


@dataclass(frozen=True)
class SymmetricKey:
    """A 256-bit AES key with a random id: a key-encryption key or a data key."""

    key_id: bytes
    secret: bytes

    @classmethod
    def generate(cls) -> SymmetricKey:
        return cls(os.urandom(16), os.urandom(32))

    def __repr__(self) -> str:
        return f"SymmetricKey(id={self.key_id.hex()})"

"""The registry of key kinds: what each key in the keystore is, its algorithm, and how it rotates.

Adding a kind is one entry in KINDS. Everything else (keys init, keys add, the vault, the
keystore's consistency check on unlock, the key status page) reads this table.

Every kind is escrowed: the keystore seals a copy of each secret to the offline escrow key.

Rotation:
  rewrap   a new version becomes current, then `flask keys rotate` re-wraps every data key under it;
           the previous version is retired once nothing is wrapped under it (kek, review)
  add      a new version becomes current (`flask keys add KIND`); older versions stay loaded to
           verify or re-derive what they made, until retired (audit, integrity, export-signing,
           pseudonym)
  fixed    one version for the keystore's life: rotating means re-computing every value made with
           it, which is its own job (index)

Key ids are 16 bytes. A public key's id is derived from the public key (anyone can recompute it);
a symmetric key's id is random, since hashing a secret would leak a test for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import ed25519

from .errors import KeystoreError
from .keys import KemSuite, PrivateKey, fingerprint


@dataclass(frozen=True)
class NewKey:
    """A freshly generated key: its id, its secret, and for key pairs the public half and suite."""

    key_id: bytes
    secret: bytes
    public: bytes | None = None
    suite: str | None = None

    def __repr__(self) -> str:  # keep the secret out of tracebacks and logs
        return f"NewKey(id={self.key_id.hex()})"


@dataclass(frozen=True)
class KeyKind:
    name: str
    purpose: str
    algorithm: str
    rotation: str  # rewrap | add | fixed (see the module docstring)
    generate: Callable[[KemSuite | None], NewKey]
    # For key pairs: the public half computed from the secret. Unlocking checks it against the public
    # half written in the file, so a writer of the file cannot swap a public key under a known id.
    public_of: Callable[[bytes, str | None], bytes] | None = None
    id_of: Callable[[bytes, str | None], bytes] | None = None  # a key pair's id from its public half
    required: bool = True  # a keystore without a current key of this kind does not unlock
    escrowed: bool = True
    after_add: str = ""  # what the operator must do after `keys add` (shown by the CLI)

    @property
    def addable(self) -> bool:
        return self.rotation == "add"


def _symmetric(_suite: KemSuite | None) -> NewKey:
    return NewKey(os.urandom(16), os.urandom(32))


def ed25519_key_id(public: bytes) -> bytes:
    """The id of an Ed25519 key: the first 16 bytes of its public key (as audit entries name it)."""
    return public[:16]


def _ed25519(_suite: KemSuite | None) -> NewKey:
    private = ed25519.Ed25519PrivateKey.generate()
    public = private.public_key().public_bytes_raw()
    return NewKey(ed25519_key_id(public), private.private_bytes_raw(), public)


def _ed25519_public(secret: bytes, _suite: str | None) -> bytes:
    return ed25519.Ed25519PrivateKey.from_private_bytes(secret).public_key().public_bytes_raw()


def _hpke(suite: KemSuite | None) -> NewKey:
    private = PrivateKey.generate(suite or KemSuite.MLKEM768_X25519)
    public = private.public()
    return NewKey(public.key_id, private.raw, public.raw, private.suite.value)


def _hpke_public(secret: bytes, suite: str | None) -> bytes:
    return PrivateKey(KemSuite(suite or ""), secret).public().raw


KINDS: dict[str, KeyKind] = {k.name: k for k in (
    KeyKind("review", "HPKE recipient: the public face seals each record's data key to it", "HPKE (suite "
            "configurable, default ML-KEM-768+X25519, HKDF-SHA256, AES-256-GCM)", "rewrap", _hpke, _hpke_public,
            lambda public, suite: fingerprint(KemSuite(suite or ""), public)),
    KeyKind("kek", "key-encryption key: wraps each record's data key on the review side", "AES-256-GCM",
            "rewrap", _symmetric),
    KeyKind("index", "root of the blind-index keys (HKDF per index)", "HMAC-SHA256", "fixed", _symmetric),
    KeyKind("audit", "signs every audit entry and checkpoint", "Ed25519", "add", _ed25519, _ed25519_public,
            lambda public, _suite: ed25519_key_id(public)),
    KeyKind("integrity", "MACs review-side state that later decisions rely on", "HMAC-SHA256", "add",
            _symmetric, required=False, after_add="run `flask integrity seal` to re-seal every row under it"),
    KeyKind("export-signing", "signs export manifests", "Ed25519", "add", _ed25519, _ed25519_public,
            lambda public, _suite: ed25519_key_id(public), required=False),
    KeyKind("pseudonym", "secret from which export pseudonyms are derived", "HMAC-SHA256 (32-byte secret)", "add",
            _symmetric, required=False),
)}

ADDABLE = tuple(name for name, kind in KINDS.items() if kind.addable)


def kind(name: str) -> KeyKind:
    try:
        return KINDS[name]
    except KeyError:
        raise KeystoreError(f"unknown key kind {name!r} (known: {', '.join(KINDS)})") from None


def check_public(kind_name: str, key_id: bytes, secret: bytes, public: bytes | None, suite: str | None) -> None:
    """Refuse a key pair whose recorded public half is not the one its secret makes."""
    k = kind(kind_name)
    if k.public_of is None:
        return
    try:
        derived = k.public_of(secret, suite)
    except (ValueError, KeystoreError):
        derived = None
    if derived is None or public != derived or (k.id_of is not None and k.id_of(derived, suite) != key_id):
        raise KeystoreError(f"{kind_name} key {key_id.hex()}: the public key written in the keystore is not "
                            "the one its secret makes, or not the one its id names (the file was altered)")

"""The keys one running process holds.

The public face builds its vault from the public bundle alone: it can seal data keys to the review
key and nothing else. The review face loads the keystore; until the operator passphrase unlocks it,
the vault knows key ids and public halves only, and every read raises KeysLockedError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from .errors import KeysLockedError, KeystoreError, WriteOnlyError
from .keys import KemSuite, PrivateKey, PublicKey, SymmetricKey
from .keystore import Keystore, read_public_bundle


@dataclass
class Vault:
    face: str  # public | review | both
    review_public: PublicKey | None = None
    keystore: Keystore | None = None
    review_private: dict[bytes, PrivateKey] = field(default_factory=dict, repr=False)
    keks: dict[bytes, SymmetricKey] = field(default_factory=dict, repr=False)
    current_kek_id: bytes | None = None
    index_root: bytes | None = field(default=None, repr=False)
    # Every blind-index root key held, by id (the current one is index_root): searches match tokens
    # under each, so an index key rotation (`flask index rebuild --rotate-key`) never hides a row.
    index_keys: dict[bytes, bytes] = field(default_factory=dict, repr=False)
    current_index_id: bytes | None = None
    audit_signer: ed25519.Ed25519PrivateKey | None = field(default=None, repr=False)
    audit_public: dict[bytes, ed25519.Ed25519PublicKey] = field(default_factory=dict, repr=False)
    # Review-side integrity (MAC) keys by id; seals name theirs, so previous versions still verify.
    integrity_keys: dict[bytes, SymmetricKey] = field(default_factory=dict, repr=False)
    current_integrity_id: bytes | None = None
    _master: bytes | None = field(default=None, repr=False)

    # ---------- construction ----------
    @classmethod
    def public_only(cls, bundle: Path) -> Vault:
        return cls(face="public", review_public=read_public_bundle(bundle))

    @classmethod
    def from_keystore(cls, path: Path, face: str, passphrase: str | None = None) -> Vault:
        keystore = Keystore.load(path)
        vault = cls(face=face, keystore=keystore, review_public=keystore.review_public())
        for entry in keystore.of_kind("audit"):
            if entry.public:
                vault.audit_public[entry.key_id] = ed25519.Ed25519PublicKey.from_public_bytes(entry.public)
        if passphrase is not None:
            vault.unlock(passphrase)
        return vault

    def unlock(self, passphrase: str) -> None:
        if self.keystore is None:
            raise WriteOnlyError("this process holds only public keys; there is nothing to unlock")
        master = self.keystore.unlock(passphrase)
        self.load_secrets(master)

    def load_secrets(self, master: bytes) -> None:
        ks = self.keystore
        assert ks is not None
        review_private: dict[bytes, PrivateKey] = {}
        keks: dict[bytes, SymmetricKey] = {}
        integrity_keys: dict[bytes, SymmetricKey] = {}
        index_keys: dict[bytes, bytes] = {}
        current_index_id: bytes | None = None
        current_kek_id = index_root = audit_signer = current_integrity_id = None
        self.keks = {}
        for entry in ks.entries:
            secret = ks.secret_of(master, entry)
            if entry.kind == "review":
                review_private[entry.key_id] = PrivateKey(KemSuite(entry.suite or ""), secret)
            elif entry.kind == "kek":
                keks[entry.key_id] = SymmetricKey(entry.key_id, secret)
                if entry.state == "current":
                    current_kek_id = entry.key_id
            elif entry.kind == "index":
                index_keys[entry.key_id] = secret
                if entry.state == "current":
                    index_root, current_index_id = secret, entry.key_id
            elif entry.kind == "audit" and entry.state == "current":
                audit_signer = ed25519.Ed25519PrivateKey.from_private_bytes(secret)
            elif entry.kind == "integrity":
                integrity_keys[entry.key_id] = SymmetricKey(entry.key_id, secret)
                if entry.state == "current":
                    current_integrity_id = entry.key_id
            if entry.kind == "audit" and entry.public:
                self.audit_public[entry.key_id] = ed25519.Ed25519PublicKey.from_public_bytes(entry.public)
        if current_kek_id is None or index_root is None:
            raise KeystoreError("the keystore lacks a current key-encryption or index key")
        # Swap everything in at once, so a concurrent reader never sees half a key set.
        self.review_private, self.keks, self.current_kek_id = review_private, keks, current_kek_id
        self.index_root, self.audit_signer, self._master = index_root, audit_signer, master
        self.integrity_keys, self.current_integrity_id = integrity_keys, current_integrity_id
        self.index_keys, self.current_index_id = index_keys, current_index_id
        self.review_public = ks.review_public()

    def reload(self) -> bool:
        """Re-read the keystore after another process rotated keys. True if the keys changed."""
        if self.keystore is None or self._master is None:
            return False
        fresh = Keystore.load(self.keystore.path)
        if [(e.key_id, e.state) for e in fresh.entries] == [(e.key_id, e.state) for e in self.keystore.entries]:
            return False
        self.keystore = fresh
        self.load_secrets(self._master)
        return True

    # ---------- state ----------
    @property
    def unlocked(self) -> bool:
        return self.current_kek_id is not None

    @property
    def holds_private_keys(self) -> bool:
        return bool(self.review_private or self.keks)

    def require_readable(self) -> None:
        """Raise the clear error for why this process cannot read, if it cannot."""
        if self.keystore is None:
            raise WriteOnlyError(
                "this process is the public face and holds only public keys: it can store testimony "
                "but never read it back"
            )
        if not self.unlocked:
            raise KeysLockedError("the review keys are locked: start the review face with the key passphrase")

    def current_kek(self) -> SymmetricKey:
        self.require_readable()
        assert self.current_kek_id is not None
        return self.keks[self.current_kek_id]

    def require_review_public(self) -> PublicKey:
        if self.review_public is None:
            raise KeystoreError("no review public key is configured; run `flask keys init`")
        return self.review_public

    def current_integrity_key(self) -> SymmetricKey:
        """The key new integrity seals are made with (the review face only)."""
        self.require_readable()
        if self.current_integrity_id is None:
            raise KeystoreError("the keystore has no integrity key: run `flask keys integrity-key`, "
                                "then `flask integrity seal`")
        return self.integrity_keys[self.current_integrity_id]

    def require_index_root(self) -> bytes:
        self.require_readable()
        assert self.index_root is not None
        return self.index_root

    def current_index_key(self) -> tuple[bytes, bytes]:
        """(key id, root secret) of the index key new tokens are made with."""
        root = self.require_index_root()
        assert self.current_index_id is not None
        return self.current_index_id, root

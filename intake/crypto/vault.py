"""The keys one running process holds.

The public face builds its vault from the public bundle alone: it can seal data keys to the review
key and nothing else. The review face loads the keystore; until the operator passphrase unlocks it,
the vault knows key ids and public halves only, and every read raises KeysLockedError.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519

from .errors import KeysLockedError, KeystoreError, UnknownKeyError, WriteOnlyError
from . import kinds
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
    audit_signer: ed25519.Ed25519PrivateKey | None = field(default=None, repr=False)
    audit_public: dict[bytes, ed25519.Ed25519PublicKey] = field(default_factory=dict, repr=False)
    # Review-side integrity (MAC) keys by id; seals name theirs, so previous versions still verify.
    integrity_keys: dict[bytes, SymmetricKey] = field(default_factory=dict, repr=False)
    current_integrity_id: bytes | None = None
    export_public: dict[bytes, ed25519.Ed25519PublicKey] = field(default_factory=dict, repr=False)
    # Every unlocked secret by kind and id, and the current id of each kind (see crypto/kinds.py).
    secrets: dict[str, dict[bytes, bytes]] = field(default_factory=dict, repr=False)
    current_ids: dict[str, bytes] = field(default_factory=dict, repr=False)
    _master: bytes | None = field(default=None, repr=False)

    # ---------- construction ----------
    @classmethod
    def public_only(cls, bundle: Path) -> Vault:
        return cls(face="public", review_public=read_public_bundle(bundle))

    @classmethod
    def from_keystore(cls, path: Path, face: str, passphrase: str | None = None) -> Vault:
        keystore = Keystore.load(path)
        vault = cls(face=face, keystore=keystore)
        try:
            vault._load_publics()
        except ValueError:
            raise KeystoreError(f"key file {path} holds a malformed public key") from None
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
        by_kind: dict[str, dict[bytes, bytes]] = {name: {} for name in kinds.KINDS}
        current: dict[str, bytes] = {}
        for entry in ks.entries:
            secret = ks.secret_of(master, entry)
            kinds.check_public(entry.kind, entry.key_id, secret, entry.public, entry.suite)
            by_kind[entry.kind][entry.key_id] = secret
            if entry.state == "current":
                current[entry.kind] = entry.key_id
        for name, k in kinds.KINDS.items():
            if k.required and name not in current:
                raise KeystoreError(f"the keystore lacks a current {name} key")
        # Swap everything in at once, so a concurrent reader never sees half a key set.
        self.secrets, self.current_ids, self._master = by_kind, current, master
        self.review_private = {kid: PrivateKey(KemSuite(ks.entry(kid).suite or ""), secret)
                               for kid, secret in by_kind["review"].items()}
        self.keks = {kid: SymmetricKey(kid, secret) for kid, secret in by_kind["kek"].items()}
        self.current_kek_id = current["kek"]
        self.index_root = by_kind["index"][current["index"]]
        self.audit_signer = ed25519.Ed25519PrivateKey.from_private_bytes(by_kind["audit"][current["audit"]])
        self.integrity_keys = {kid: SymmetricKey(kid, secret) for kid, secret in by_kind["integrity"].items()}
        self.current_integrity_id = current.get("integrity")
        self._load_publics()

    def _load_publics(self) -> None:
        """Public halves readable without the passphrase (authenticated only once unlocked)."""
        ks = self.keystore
        assert ks is not None
        self.review_public = ks.review_public()
        self.audit_public = {e.key_id: ed25519.Ed25519PublicKey.from_public_bytes(e.public)
                             for e in ks.of_kind("audit") if e.public}
        self.export_public = {e.key_id: ed25519.Ed25519PublicKey.from_public_bytes(e.public)
                              for e in ks.of_kind("export-signing") if e.public}

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

    # ---------- keys of the registered kinds ----------
    def current_secret(self, kind_name: str) -> tuple[bytes, bytes]:
        """(key id, secret) of the current key of a kind; a clear error if there is none."""
        self.require_readable()
        key_id = self.current_ids.get(kind_name)
        if key_id is None:
            raise KeystoreError(f"the keystore has no {kind_name} key: run `flask keys add {kind_name}`")
        return key_id, self.secrets[kind_name][key_id]

    def secret(self, kind_name: str, key_id: bytes) -> bytes:
        """A key of a kind by id (current or previous), for verifying or re-deriving old values."""
        self.require_readable()
        found = self.secrets.get(kind_name, {}).get(key_id)
        if found is None:
            raise UnknownKeyError(f"no {kind_name} key {key_id.hex()} in this keystore (retired?)")
        return found

    def current_export_signer(self) -> tuple[bytes, ed25519.Ed25519PrivateKey]:
        """The key new export manifests are signed with: (key id, private key)."""
        key_id, secret = self.current_secret("export-signing")
        return key_id, ed25519.Ed25519PrivateKey.from_private_bytes(secret)

    def export_verify_keys(self) -> dict[str, ed25519.Ed25519PublicKey]:
        """Every export-signing public key not retired, by hex id (no passphrase needed)."""
        return {key_id.hex(): public for key_id, public in self.export_public.items()}

    def current_pseudonym_secret(self) -> tuple[bytes, bytes]:
        """(key id, 32-byte secret) from which export pseudonyms are derived."""
        return self.current_secret("pseudonym")

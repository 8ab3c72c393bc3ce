"""The review face's key file, and the public bundle the public face reads.

The keystore is JSON. Public halves and ids are readable without the passphrase (so `keys status`
works while locked); every secret is AES-256-GCM under a key derived with Argon2id from the operator
passphrase, with associated data naming the secret's kind and id. An escrow public key receives an
HPKE-sealed copy of every secret key, so losing the passphrase does not lose the archive.

The public part (kinds, ids, states, public keys, the escrow key, the Argon2id cost, retirements) is
authenticated by an HMAC under a key derived from the passphrase's key: whoever can write the file
but lacks the passphrase cannot slip in an audit or escrow key of their own, change a key's state,
or lower the cost. Unlocking checks it; until then the public part is only as trustworthy as the
file's permissions. Unlocking also checks each key pair's public half against its secret
(crypto/kinds.py), and the stored Argon2id cost against a floor and a ceiling before deriving.

Writes are atomic (temporary file, fsync, rename) and the file is created mode 0600.
"""

from __future__ import annotations

import base64
import hmac
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from hashlib import sha256
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from ..local_files import MAX_KEY_FILE, LocalFileError, read_json
from . import kinds
from .encoding import pack
from .errors import KeystoreError, WrongPassphraseError
from .keys import KemSuite, PrivateKey, PublicKey, SymmetricKey
from .passphrase import ANY_PROFILE, KdfBounds, KdfParams, new_salt
from .wraps import escrow_info, open_sealed, seal_to

FORMAT = "intake-keystore/2"  # /2: the public part carries a MAC
LEGACY_FORMAT = "intake-keystore/1"
PUBLIC_FORMAT = "intake-public-keys/1"
_CHECK = b"intake keystore passphrase check"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _now() -> str:
    return datetime.now(UTC).date().isoformat()


def write_atomic(path: Path, data: dict[str, Any], mode: int = 0o600) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=True)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _read_json(path: Path, expected_format: str | tuple[str, ...]) -> dict[str, Any]:
    if not Path(path).exists():
        raise KeystoreError(f"key file {path} does not exist (run `flask keys init`)")
    try:
        data = read_json(path, MAX_KEY_FILE, "key file")
    except LocalFileError:
        raise KeystoreError(f"key file {path} is unreadable, too large, or not valid JSON") from None
    accepted = (expected_format,) if isinstance(expected_format, str) else expected_format
    if not isinstance(data, dict) or data.get("format") not in accepted:
        raise KeystoreError(f"key file {path} is not of format {accepted[0]}")
    return data


@dataclass
class KeyEntry:
    """One key version in the keystore. `state` is current, previous (still used by some wraps) or retired."""

    kind: str  # a name in kinds.KINDS
    key_id: bytes
    created: str
    state: str
    sealed: bytes  # the secret, sealed under the passphrase key
    suite: str | None = None
    public: bytes | None = None


@dataclass
class Keystore:
    path: Path
    kdf: KdfParams
    salt: bytes
    check: bytes
    entries: list[KeyEntry] = field(default_factory=list)
    escrow: PublicKey | None = None
    escrow_copies: list[dict[str, str]] = field(default_factory=list)
    # Keys removed from the keystore: {"kind", "id", "on": retired on, "destroyed": date or absent}.
    # Their escrow copies stay until the backups that may need them have expired (`destroy_expired`).
    retired: list[dict[str, str]] = field(default_factory=list)
    # The Argon2id cost the file may name (the configured profile's, set by whoever loads it).
    bounds: KdfBounds = ANY_PROFILE
    format: str = FORMAT
    # The bytes the file's public MAC covers, as read, and that MAC; the MAC key once unlocked.
    _signed: bytes = field(default=b"", repr=False)
    _mac: bytes | None = field(default=None, repr=False)
    _mac_key: bytes | None = field(default=None, repr=False)

    # ---------- creation and persistence ----------
    @classmethod
    def create(cls, path: Path, passphrase: str, kdf: KdfParams) -> tuple[Keystore, bytes]:
        salt = new_salt()
        master = kdf.derive(passphrase.encode("utf-8"), salt)
        check = _seal_secret(master, "check", b"", _CHECK)
        store = cls(path=Path(path), kdf=kdf, salt=salt, check=check)
        store._mac_key = _mac_key(master)
        return store, master

    @classmethod
    def load(cls, path: Path, bounds: KdfBounds | None = None) -> Keystore:
        data = _read_json(path, (FORMAT, LEGACY_FORMAT))
        try:
            entries = [
                KeyEntry(kind=e["kind"], key_id=bytes.fromhex(e["id"]), created=e["created"], state=e["state"],
                         sealed=_unb64(e["sealed"]), suite=e.get("suite"),
                         public=_unb64(e["public"]) if e.get("public") else None)
                for e in data["keys"]
            ]
            escrow = None
            if data.get("escrow"):
                escrow = PublicKey(KemSuite(data["escrow"]["suite"]), _unb64(data["escrow"]["public"]))
            kdf = KdfParams(**{f: int(data["kdf"][f]) for f in ("iterations", "lanes", "memory_cost")})
            mac = _unb64(data["public_mac"]) if data.get("public_mac") else None
            return cls(path=Path(path), kdf=kdf, salt=_unb64(data["salt"]),
                       check=_unb64(data["check"]), entries=entries, escrow=escrow,
                       escrow_copies=list(data.get("escrow_copies", [])), retired=list(data.get("retired", [])),
                       bounds=bounds or ANY_PROFILE, format=data["format"], _signed=_signed_bytes(data), _mac=mac)
        except (KeyError, TypeError, ValueError, AttributeError):  # AttributeError: a number where text belongs
            raise KeystoreError(f"key file {path} is malformed") from None

    def save(self) -> None:
        """Write the file with a MAC over its public part (needs the passphrase's key: create or unlock first)."""
        if self._mac_key is None:
            raise KeystoreError("the keystore can be written only once unlocked with the passphrase")
        data = self._document()
        data["public_mac"] = _b64(_hmac(self._mac_key, _signed_bytes(data)))
        write_atomic(self.path, data)
        self.format, self._signed, self._mac = FORMAT, _signed_bytes(data), _unb64(data["public_mac"])

    def _document(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kdf": self.kdf.as_dict(),
            "salt": _b64(self.salt),
            "check": _b64(self.check),
            "keys": [
                {"kind": e.kind, "id": e.key_id.hex(), "created": e.created, "state": e.state,
                 "sealed": _b64(e.sealed), "suite": e.suite, "public": _b64(e.public) if e.public else None}
                for e in self.entries
            ],
            "escrow": {"suite": self.escrow.suite.value, "public": _b64(self.escrow.raw)} if self.escrow else None,
            "escrow_copies": self.escrow_copies,
            "retired": self.retired,
        }

    # ---------- unlocking ----------
    def unlock(self, passphrase: str, *, allow_legacy: bool = False) -> bytes:
        """Derive the master key, then authenticate the public part. Refuses stored Argon2id costs
        outside `bounds` before deriving anything."""
        refusal = self.bounds.refusal(self.kdf, f"key file {self.path}")
        if refusal:
            raise KeystoreError(refusal)
        master = self.kdf.derive(passphrase.encode("utf-8"), self.salt)
        try:
            _open_secret(master, "check", b"", self.check)
        except InvalidTag:
            raise WrongPassphraseError("the passphrase does not open this keystore") from None
        self.authenticate(master, allow_legacy=allow_legacy)
        return master

    def authenticate(self, master: bytes, *, allow_legacy: bool = False) -> None:
        """Check the MAC over the public part (ids, kinds, states, public keys, escrow key, costs)."""
        key = _mac_key(master)
        if self.format == LEGACY_FORMAT and not allow_legacy:
            raise KeystoreError(f"key file {self.path} predates authenticated key files: run "
                                "`flask keys upgrade-keystore` once, and check the escrow key id it prints")
        if self.format != LEGACY_FORMAT and (self._mac is None or
                                             not hmac.compare_digest(_hmac(key, self._signed), self._mac)):
            raise KeystoreError(f"key file {self.path}: its public part (key ids, public keys, escrow key) fails "
                                "authentication: it was altered outside `flask keys`; restore it from a backup")
        self._mac_key = key

    @property
    def authenticated(self) -> bool:
        """True once the public part was checked against the passphrase (or written by this process)."""
        return self._mac_key is not None

    def secret_of(self, master: bytes, entry: KeyEntry) -> bytes:
        try:
            return _open_secret(master, entry.kind, entry.key_id, entry.sealed)
        except InvalidTag:
            raise KeystoreError(f"{entry.kind} key {entry.key_id.hex()} in the keystore failed authentication") from None

    # ---------- adding keys ----------
    def add(self, master: bytes, kind: str, key_id: bytes, secret: bytes, *, suite: str | None = None,
            public: bytes | None = None, state: str = "current") -> KeyEntry:
        if state == "current":
            for e in self.entries:
                if e.kind == kind and e.state == "current":
                    e.state = "previous"
        entry = KeyEntry(kind=kind, key_id=key_id, created=_now(), state=state,
                         sealed=_seal_secret(master, kind, key_id, secret), suite=suite, public=public)
        self.entries.append(entry)
        if self.escrow is not None:
            self.escrow_copies.append({
                "kind": kind, "id": key_id.hex(), "escrow_id": self.escrow.key_id.hex(),
                "sealed": _b64(seal_to(self.escrow, _escrow_payload(entry, secret), escrow_info(kind, key_id))),
            })
        return entry

    def add_new(self, master: bytes, kind_name: str, suite: KemSuite | None = None) -> KeyEntry:
        """Generate a key of a registered kind and make it the current version of that kind."""
        new = kinds.kind(kind_name).generate(suite)
        return self.add(master, kind_name, new.key_id, new.secret, suite=new.suite, public=new.public)

    def add_review_key(self, master: bytes, private: PrivateKey) -> KeyEntry:
        pub = private.public()
        return self.add(master, "review", pub.key_id, private.raw, suite=private.suite.value, public=pub.raw)

    def add_kek(self, master: bytes, kek: SymmetricKey) -> KeyEntry:
        return self.add(master, "kek", kek.key_id, kek.secret)

    def add_integrity_key(self, master: bytes, key: SymmetricKey) -> KeyEntry:
        return self.add(master, "integrity", key.key_id, key.secret)

    def add_audit_key(self, master: bytes, signer: ed25519.Ed25519PrivateKey) -> KeyEntry:
        public = signer.public_key().public_bytes_raw()
        return self.add(master, "audit", kinds.ed25519_key_id(public), signer.private_bytes_raw(), public=public)

    def remove(self, kind: str, key_id: bytes) -> None:
        """Take a key out of the keystore (retire it); its escrow copy stays, and the day is recorded."""
        before = len(self.entries)
        self.entries = [e for e in self.entries if not (e.kind == kind and e.key_id == key_id)]
        if len(self.entries) == before:
            raise KeystoreError(f"no {kind} key {key_id.hex()} in the keystore")
        self.retired.append({"kind": kind, "id": key_id.hex(), "on": _now()})

    def destroy_escrow_copies(self, key_id: bytes) -> int:
        """Delete every escrow copy of a retired key: from then on nothing here can open it."""
        before = len(self.escrow_copies)
        self.escrow_copies = [c for c in self.escrow_copies if c.get("id") != key_id.hex()]
        for record in self.retired:
            if record["id"] == key_id.hex():
                record["destroyed"] = _now()
        return before - len(self.escrow_copies)

    # ---------- queries ----------
    def of_kind(self, kind: str) -> list[KeyEntry]:
        return [e for e in self.entries if e.kind == kind]

    def current(self, kind: str) -> KeyEntry:
        for e in self.entries:
            if e.kind == kind and e.state == "current":
                return e
        raise KeystoreError(f"the keystore has no current {kind} key")

    def entry(self, key_id: bytes) -> KeyEntry:
        for e in self.entries:
            if e.key_id == key_id:
                return e
        raise KeystoreError(f"no key {key_id.hex()} in the keystore")

    def find(self, key_id_hex_prefix: str) -> KeyEntry:
        matches = [e for e in self.entries if e.key_id.hex().startswith(key_id_hex_prefix.lower())]
        if len(matches) != 1:
            raise KeystoreError(f"{len(matches)} keys match id {key_id_hex_prefix!r}; give more digits")
        return matches[0]

    def review_public(self) -> PublicKey:
        entry = self.current("review")
        return PublicKey(KemSuite(entry.suite or ""), entry.public or b"")


def _mac_key(master: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"intake/keystore-public-mac/v1").derive(master)


def _signed_bytes(data: dict[str, Any]) -> bytes:
    """Everything in the file but the MAC itself, canonically encoded."""
    return json.dumps({k: v for k, v in data.items() if k != "public_mac"}, sort_keys=True,
                      separators=(",", ":"), ensure_ascii=True).encode("ascii")


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, b"intake/keystore-public/v1|" + data, sha256).digest()


def _seal_secret(master: bytes, kind: str, key_id: bytes, secret: bytes) -> bytes:
    nonce = os.urandom(12)
    return nonce + AESGCM(master).encrypt(nonce, secret, pack("intake/keystore", 1, kind, key_id))


def _open_secret(master: bytes, kind: str, key_id: bytes, blob: bytes) -> bytes:
    return AESGCM(master).decrypt(blob[:12], blob[12:], pack("intake/keystore", 1, kind, key_id))


def _escrow_payload(entry: KeyEntry, secret: bytes) -> bytes:
    return json.dumps({"kind": entry.kind, "id": entry.key_id.hex(), "suite": entry.suite,
                       "secret": _b64(secret)}).encode("utf-8")


# ---------- escrow ----------
ESCROW_FORMAT = "intake-escrow-private/1"


def write_escrow_private(path: Path, private: PrivateKey) -> None:
    """Write the escrow private key for offline custody. Meant to leave this machine at once."""
    write_atomic(Path(path), {"format": ESCROW_FORMAT, "suite": private.suite.value, "private": _b64(private.raw),
                              "id": private.public().key_id.hex()})


def read_escrow_private(path: Path) -> PrivateKey:
    data = _read_json(Path(path), ESCROW_FORMAT)
    try:
        return PrivateKey(KemSuite(data["suite"]), _unb64(data["private"]))
    except (KeyError, ValueError, TypeError, AttributeError):
        raise KeystoreError(f"escrow key file {path} is malformed") from None


def read_public_key_file(path: Path) -> PublicKey:
    """Read a public key file (a public bundle or an escrow public file)."""
    try:
        data = read_json(path, MAX_KEY_FILE, "public key file")
        return PublicKey(KemSuite(data["suite"]), _unb64(data["public"]))  # type: ignore[index]
    except (KeyError, ValueError, TypeError, AttributeError):
        raise KeystoreError(f"{path} is not a public key file (an escrow PRIVATE file is never needed here)") from None


def write_public_key_file(path: Path, public: PublicKey) -> None:
    write_atomic(Path(path), {"format": PUBLIC_FORMAT, "suite": public.suite.value, "public": _b64(public.raw),
                              "id": public.key_id.hex()}, mode=0o644)


def read_public_bundle(path: Path) -> PublicKey:
    """The public face's only key: the current review public key."""
    _read_json(Path(path), PUBLIC_FORMAT)
    return read_public_key_file(path)


def open_escrow_copy(escrow_private: PrivateKey, copy: dict[str, str]) -> dict[str, Any]:
    """Recover one key from its escrow copy (offline recovery)."""
    blob = _unb64(copy["sealed"])
    key_id = bytes.fromhex(copy["id"])
    pub_id = escrow_private.public().key_id
    payload = open_sealed({pub_id: escrow_private}, blob, lambda _kid: escrow_info(copy["kind"], key_id))
    data = json.loads(payload)
    data["secret"] = _unb64(data["secret"])
    return data

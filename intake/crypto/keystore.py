"""The review face's key file, and the public bundle the public face reads.

The keystore is JSON. Public halves and ids are readable without the passphrase (so `keys status`
works while locked); every secret is AES-256-GCM under a key derived with Argon2id from the operator
passphrase, with associated data naming the secret's kind and id. An escrow public key receives an
HPKE-sealed copy of every secret key, so losing the passphrase does not lose the archive.

Writes are atomic (temporary file, fsync, rename) and the file is created mode 0600.
"""

from __future__ import annotations

import base64
import json
import os
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from . import kinds
from .encoding import pack
from .errors import KeystoreError, WrongPassphraseError
from .keys import KemSuite, PrivateKey, PublicKey, SymmetricKey
from .passphrase import KdfParams, new_salt
from .wraps import escrow_info, open_sealed, seal_to

FORMAT = "intake-keystore/1"
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


def _read_json(path: Path, expected_format: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KeystoreError(f"key file {path} does not exist (run `flask keys init`)") from None
    except (OSError, ValueError):
        raise KeystoreError(f"key file {path} is unreadable or not valid JSON") from None
    if not isinstance(data, dict) or data.get("format") != expected_format:
        raise KeystoreError(f"key file {path} is not of format {expected_format}")
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

    # ---------- creation and persistence ----------
    @classmethod
    def create(cls, path: Path, passphrase: str, kdf: KdfParams) -> tuple[Keystore, bytes]:
        salt = new_salt()
        master = kdf.derive(passphrase.encode("utf-8"), salt)
        check = _seal_secret(master, "check", b"", _CHECK)
        return cls(path=Path(path), kdf=kdf, salt=salt, check=check), master

    @classmethod
    def load(cls, path: Path) -> Keystore:
        data = _read_json(path, FORMAT)
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
            return cls(path=Path(path), kdf=KdfParams(**data["kdf"]), salt=_unb64(data["salt"]),
                       check=_unb64(data["check"]), entries=entries, escrow=escrow,
                       escrow_copies=list(data.get("escrow_copies", [])), retired=list(data.get("retired", [])))
        except (KeyError, TypeError, ValueError):
            raise KeystoreError(f"key file {path} is malformed") from None

    def save(self) -> None:
        write_atomic(self.path, {
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
        })

    # ---------- unlocking ----------
    def unlock(self, passphrase: str) -> bytes:
        master = self.kdf.derive(passphrase.encode("utf-8"), self.salt)
        try:
            _open_secret(master, "check", b"", self.check)
        except InvalidTag:
            raise WrongPassphraseError("the passphrase does not open this keystore") from None
        return master

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
    except (KeyError, ValueError):
        raise KeystoreError(f"escrow key file {path} is malformed") from None


def read_public_key_file(path: Path) -> PublicKey:
    """Read a public key file (a public bundle or an escrow public file)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        return PublicKey(KemSuite(data["suite"]), _unb64(data["public"]))
    except (OSError, KeyError, ValueError, TypeError):
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

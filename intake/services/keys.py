"""Key management: initialise, report status, rotate (resumably) and retire keys.

Rotation never touches field ciphertext: only the 32-byte data-key wraps are re-made. A rotation
first saves the new key in the keystore, then re-wraps in committed batches; killed at any point
and run again, it finds the wraps still under older keys and finishes them, creating no new key.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..crypto import wraps
from ..crypto.errors import KeystoreError
from ..crypto.keys import KemSuite, PrivateKey, PublicKey, SymmetricKey
from ..crypto.keystore import Keystore, write_escrow_private, write_public_key_file
from ..crypto.passphrase import KdfParams
from ..crypto.vault import Vault
from ..models import RecordKey
from . import audit
from .errors import Conflict


@dataclass(frozen=True)
class InitResult:
    review_key_id: str
    kek_id: str
    index_key_id: str
    audit_key_id: str
    integrity_key_id: str
    escrow_key_id: str
    escrow_private_written: Path | None


def init_keys(keystore_path: Path, public_bundle: Path, passphrase: str, *, suite: KemSuite, kdf: KdfParams,
              escrow_public: PublicKey | None = None, escrow_out: Path | None = None) -> InitResult:
    """Create the keystore: review pair, KEK, index key, audit key, integrity key, each escrowed."""
    if keystore_path.exists():
        raise Conflict(f"{keystore_path} already exists; keys are initialised (see `flask keys status`)")
    if len(passphrase) < 12:
        raise ValueError("the key passphrase must be at least 12 characters")
    written = None
    if escrow_public is None:
        if escrow_out is None:
            raise ValueError("give the escrow public key to import, or where to write a new escrow key")
        if escrow_out.exists():
            raise Conflict(f"{escrow_out} already exists; will not overwrite an escrow key")
        escrow_private = PrivateKey.generate(KemSuite.MLKEM768_X25519)
        write_escrow_private(escrow_out, escrow_private)
        escrow_public = escrow_private.public()
        written = escrow_out
    keystore, master = Keystore.create(keystore_path, passphrase, kdf)
    keystore.escrow = escrow_public
    review = keystore.add_review_key(master, PrivateKey.generate(suite))
    kek = keystore.add_kek(master, SymmetricKey.generate())
    index = SymmetricKey.generate()
    keystore.add(master, "index", index.key_id, index.secret)
    audit_key = keystore.add_audit_key(master, ed25519.Ed25519PrivateKey.generate())
    integrity = keystore.add_integrity_key(master, SymmetricKey.generate())
    keystore.save()
    write_public_key_file(public_bundle, keystore.review_public())
    return InitResult(review.key_id.hex(), kek.key_id.hex(), index.key_id.hex(), audit_key.key_id.hex(),
                      integrity.key_id.hex(), escrow_public.key_id.hex(), written)


@dataclass(frozen=True)
class KeyStatus:
    kind: str
    key_id: str
    state: str
    created: str
    suite: str | None
    wraps: int | None  # data-key wraps under this key (review and KEK keys)


def status(session: Session | None, keystore: Keystore) -> list[KeyStatus]:
    counts: dict[bytes, int] = {}
    if session is not None:
        for key_id, n in session.execute(select(RecordKey.holder_key_id, func.count()).group_by(
                RecordKey.holder_key_id)):
            counts[bytes(key_id)] = n
    return [KeyStatus(e.kind, e.key_id.hex(), e.state, e.created, e.suite,
                      counts.get(e.key_id, 0) if e.kind in ("review", "kek") else None)
            for e in keystore.entries]


def _stale(session: Session, holder: str, current: bytes) -> int:
    return session.scalar(select(func.count()).select_from(RecordKey).where(
        RecordKey.holder == holder, RecordKey.holder_key_id != current)) or 0


def rotation_pending(session: Session, vault: Vault) -> dict[str, int]:
    """Wraps still under a non-current key, per holder kind: non-zero means a rotation is unfinished."""
    assert vault.current_kek_id is not None
    return {"kek": _stale(session, "kek", vault.current_kek_id),
            "review": _stale(session, "inbox", vault.require_review_public().key_id)}


def rotate(session: Session, vault: Vault, passphrase: str, *, kek: bool = True, review: bool = False,
           suite: KemSuite | None = None, public_bundle: Path | None = None, batch: int = 1000,
           on_total: Callable[[int], None] | None = None, progress: Callable[[int], None] | None = None,
           actor: str = "cli") -> dict[str, str]:
    """Rotate the KEK and/or the review pair, then re-wrap every data key. Resumes an unfinished run."""
    keystore = vault.keystore
    if keystore is None:
        raise KeystoreError("only the review face can rotate keys")
    master = keystore.unlock(passphrase)
    vault.load_secrets(master)
    # Any unfinished rotation is finished first, and creates no key: a rerun after a crash must not
    # pile up key versions.
    resuming = any(rotation_pending(session, vault).values())
    created: dict[str, str] = {}
    if kek and not resuming:
        created["kek"] = keystore.add_kek(master, SymmetricKey.generate()).key_id.hex()
    if review and not resuming:
        new = PrivateKey.generate(suite or KemSuite(keystore.current("review").suite or ""))
        created["review"] = keystore.add_review_key(master, new).key_id.hex()
    if created:
        keystore.save()  # the new key is durable before any wrap depends on it
        vault.load_secrets(master)
        if "review" in created and public_bundle is not None:
            write_public_key_file(public_bundle, keystore.review_public())
        audit.record(session, vault, actor=actor, action="keys.rotate",
                     details={f"new_{kind}": key_id for kind, key_id in created.items()})
        session.commit()
    pending = rotation_pending(session, vault)
    if on_total:
        on_total(pending["kek"] + pending["review"])
    _rewrap(session, vault, "kek", batch, progress)
    _rewrap(session, vault, "inbox", batch, progress)
    return created


def _rewrap(session: Session, vault: Vault, holder: str, batch: int,
            progress: Callable[[int], None] | None) -> None:
    if holder == "kek":
        current_id = vault.current_kek().key_id
    else:
        current_id = vault.require_review_public().key_id
    while True:
        rows = session.scalars(select(RecordKey).where(
            RecordKey.holder == holder, RecordKey.holder_key_id != current_id).order_by(RecordKey.id).limit(batch)
        ).all()
        if not rows:
            return
        for row in rows:
            if holder == "kek":
                dek = wraps.kek_unwrap(vault.keks, row.owner_table, row.owner_id, row.wrapped)
                row.wrapped = wraps.kek_wrap(vault.current_kek(), row.owner_table, row.owner_id, dek)
            else:
                dek = wraps.inbox_unwrap(vault.review_private, row.owner_table, row.owner_id, row.wrapped)
                row.wrapped = wraps.inbox_wrap(vault.require_review_public(), row.owner_table, row.owner_id, dek)
            row.holder_key_id = current_id
        session.commit()  # each batch is atomic: a crash leaves every wrap under one key or the other
        if progress:
            progress(len(rows))


def retire(session: Session, vault: Vault, passphrase: str, key_id_prefix: str, actor: str = "cli") -> str:
    """Delete a previous KEK or review private key from the keystore, once no wrap uses it.

    The escrow copy remains, so a backup restored from before the rotation can still be recovered.
    """
    keystore = vault.keystore
    if keystore is None:
        raise KeystoreError("only the review face holds keys to retire")
    master = keystore.unlock(passphrase)
    entry = keystore.find(key_id_prefix)
    if entry.kind not in ("kek", "review"):
        raise Conflict(f"{entry.kind} keys are not retired this way")
    if entry.state == "current":
        raise Conflict("the current key cannot be retired; rotate first")
    in_use = session.scalar(select(func.count()).select_from(RecordKey).where(
        RecordKey.holder_key_id == entry.key_id)) or 0
    if in_use:
        raise Conflict(f"{in_use} data keys are still wrapped under {entry.key_id.hex()}; run `flask keys rotate`")
    keystore.remove(entry.kind, entry.key_id)
    keystore.save()
    vault.load_secrets(master)
    audit.record(session, vault, actor=actor, action="keys.retire", details={"key_id": entry.key_id.hex(),
                                                                             "kind": entry.kind})
    session.commit()
    return entry.key_id.hex()


def recover_from_escrow(keystore_path: Path, escrow_private: PrivateKey, new_passphrase: str, *,
                        kdf: KdfParams, out_path: Path) -> list[str]:
    """Rebuild the keystore under a new passphrase from the escrow copies (the passphrase was lost).

    Every key the escrow holds a copy of comes back with its id and state; keys retired since are
    skipped unless still listed. Writes a new file; the old one is left untouched.
    """
    from ..crypto.keystore import open_escrow_copy

    if out_path.exists():
        raise Conflict(f"{out_path} already exists; choose another output file")
    if len(new_passphrase) < 12:
        raise ValueError("the key passphrase must be at least 12 characters")
    old = Keystore.load(keystore_path)
    if old.escrow is None or old.escrow.key_id != escrow_private.public().key_id:
        raise KeystoreError("this escrow key is not the one the keystore's copies are sealed to")
    secrets = {}
    for copy in old.escrow_copies:
        opened = open_escrow_copy(escrow_private, copy)
        secrets[(opened["kind"], opened["id"])] = opened["secret"]
    fresh, master = Keystore.create(out_path, new_passphrase, kdf)
    fresh.escrow = old.escrow
    fresh.escrow_copies = list(old.escrow_copies)  # still valid: same escrow key, same secrets
    recovered = []
    for entry in old.entries:
        secret = secrets.get((entry.kind, entry.key_id.hex()))
        if secret is None:
            raise KeystoreError(f"the escrow holds no copy of {entry.kind} key {entry.key_id.hex()}")
        saved_escrow, fresh.escrow = fresh.escrow, None  # re-adding must not duplicate escrow copies
        added = fresh.add(master, entry.kind, entry.key_id, secret, suite=entry.suite, public=entry.public,
                          state=entry.state)
        fresh.escrow = saved_escrow
        added.created = entry.created
        recovered.append(f"{entry.kind} {entry.key_id.hex()}")
    fresh.save()
    return recovered

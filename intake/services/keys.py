"""Key management: initialise, report status, rotate (resumably) and retire keys.

Rotation never touches field ciphertext: only the 32-byte data-key wraps are re-made. A rotation
first saves the new key in the keystore, then re-wraps in committed batches; killed at any point
and run again, it finds the wraps still under older keys and finishes them, creating no new key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import String, func, select, text, type_coerce
from sqlalchemy.orm import Session

from ..crypto import kinds, wraps
from ..crypto.errors import KeystoreError
from ..crypto.keys import KemSuite, PrivateKey, PublicKey, SymmetricKey
from ..crypto.keystore import LEGACY_FORMAT, Keystore, write_escrow_private, write_public_key_file
from ..crypto.passphrase import KdfBounds, KdfParams
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
    ids: dict[str, str]  # every kind made (crypto/kinds.py) -> its key id


def init_keys(keystore_path: Path, public_bundle: Path, passphrase: str, *, suite: KemSuite, kdf: KdfParams,
              escrow_public: PublicKey | None = None, escrow_out: Path | None = None) -> InitResult:
    """Create the keystore with one key of every registered kind (crypto/kinds.py), each escrowed."""
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
    ids = {name: keystore.add_new(master, name, suite).key_id.hex() for name in kinds.KINDS}
    keystore.save()
    write_public_key_file(public_bundle, keystore.review_public())
    return InitResult(ids["review"], ids["kek"], ids["index"], ids["audit"], ids["integrity"],
                      escrow_public.key_id.hex(), written, ids)


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
                      counts.get(e.key_id, 0) if e.kind in kinds.WRAPPING else None)
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
           suite: KemSuite | None = None, public_bundle: Path | None = None, batch: int = 5000,
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
    _rewrap(session, vault, batch, progress)
    return created


def _rewrap(session: Session, vault: Vault, batch: int, progress: Callable[[int], None] | None) -> None:
    """Re-wrap every wrap not yet under the current KEK (working store) or review key (inbox), in
    committed batches.

    Core-level, one pass: rows are read as tuples in primary-key order after the last batch
    (keyset pagination on the primary key alone, so no database plans a scan and sort of every
    stale row per batch) and the stale ones are written back with one executemany UPDATE per batch;
    no ORM objects. Each UPDATE also names the key the wrap was under, so a wrap changed meanwhile
    (a withdrawal shredding it) is left alone rather than resurrected."""
    table = RecordKey.__table__
    # SQLite keeps UUIDs as 32 hex digits: read and write them as such rather than build a UUID
    # object per row and turn it back into text.
    as_text = session.get_bind().dialect.name == "sqlite"
    if as_text:
        session.execute(text("PRAGMA cache_size = -65536"))  # 64 MiB for this connection: fewer page reads
    row_id = type_coerce(table.c.id, String) if as_text else table.c.id
    owner = type_coerce(table.c.owner_id, String) if as_text else table.c.owner_id
    new_kek, review_public = vault.current_kek(), vault.require_review_public()
    current = {"kek": new_kek.key_id, "inbox": review_public.key_id}
    kek_rewrap = wraps.KekRewrap(vault.keks, new_kek)

    def remake(holder: str, owner_table: str, owner_id: uuid.UUID | bytes, blob: bytes) -> bytes:
        if holder == "kek":
            return kek_rewrap(owner_table, owner_id, blob)
        oid = owner_id if isinstance(owner_id, uuid.UUID) else uuid.UUID(bytes=owner_id)
        dek = wraps.inbox_unwrap(vault.review_private, owner_table, oid, blob)
        return wraps.inbox_wrap(review_public, owner_table, oid, dek)

    # One executemany per batch straight to the driver: SQLAlchemy's per-value bind processing
    # (a memoryview per byte string on SQLite) costs more than the cryptography here.
    mark = "?" if session.get_bind().dialect.paramstyle == "qmark" else "%s"
    write = (f"UPDATE {table.name} SET wrapped = {mark}, holder_key_id = {mark} "
             f"WHERE id = {mark} AND holder_key_id = {mark}")
    query = select(row_id, table.c.holder, table.c.owner_table, owner, table.c.holder_key_id, table.c.wrapped)
    after = None
    while True:
        page = query if after is None else query.where(row_id > after)
        rows = session.execute(page.order_by(row_id).limit(batch)).all()
        if not rows:
            return
        updates = [(remake(r[1], r[2], bytes.fromhex(r[3]) if as_text else r[3], r[5]), current[r[1]], r[0], r[4])
                   for r in rows if r[1] in current and bytes(r[4]) != current[r[1]]]
        if updates:
            session.connection().exec_driver_sql(write, updates)
            session.commit()  # each batch is atomic: a crash leaves every wrap under one key or the other
            if progress:
                progress(len(updates))
        after = rows[-1][0]


def retire(session: Session, vault: Vault, passphrase: str, key_id_prefix: str, actor: str = "cli") -> str:
    """Delete a previous key (RETIRABLE kinds) from the keystore, once nothing uses it (no data-key
    wrap, or no seal). A retired export-signing key no longer verifies the exports it signed.

    The escrow copy remains, so a backup restored from before the rotation can still be recovered,
    until `destroy_expired` deletes it once such backups have expired.
    """
    keystore = vault.keystore
    if keystore is None:
        raise KeystoreError("only the review face holds keys to retire")
    master = keystore.unlock(passphrase)
    entry = keystore.find(key_id_prefix)
    if entry.kind not in kinds.RETIRABLE:
        raise Conflict(f"{entry.kind} keys are not retired this way")
    if entry.state == "current":
        raise Conflict("the current key cannot be retired; rotate first")
    in_use = _uses(session, entry.kind, entry.key_id)
    if in_use:
        fix = "`flask integrity seal`" if entry.kind == "integrity" else "`flask keys rotate`"
        raise Conflict(f"{in_use} rows still depend on {entry.key_id.hex()}; run {fix}")
    keystore.remove(entry.kind, entry.key_id)
    keystore.save()
    vault.load_secrets(master)
    audit.record(session, vault, actor=actor, action="keys.retire", details={"key_id": entry.key_id.hex(),
                                                                             "kind": entry.kind})
    session.commit()
    return entry.key_id.hex()


def _uses(session: Session, kind: str, key_id: bytes) -> int:
    if kind in ("export-signing", "pseudonym"):
        return 0  # nothing in the database depends on them; retiring ends verification of old exports
    if kind == "integrity":
        from .integrity_jobs import seals_under

        return seals_under(session, key_id)
    return session.scalar(select(func.count()).select_from(RecordKey).where(RecordKey.holder_key_id == key_id)) or 0


def add_key(session: Session, vault: Vault, passphrase: str, kind_name: str, actor: str = "cli") -> str:
    """A new current key of a kind rotated by adding (crypto/kinds.py: audit, integrity,
    export-signing, pseudonym): the first, for a keystore made before the kind existed, or the next
    version. Older versions stay in the keystore, so what they signed or made still verifies."""
    keystore = vault.keystore
    if keystore is None:
        raise KeystoreError("only the review face holds these keys")
    kind = kinds.kind(kind_name)
    if not kind.addable:
        how = "`flask keys rotate`" if kind.rotation == "rewrap" else "rebuilding what is made with it"
        raise Conflict(f"{kind_name} keys are not added this way; they rotate by {how}")
    master = keystore.unlock(passphrase)
    entry = keystore.add_new(master, kind_name)
    keystore.save()
    vault.load_secrets(master)
    audit.record(session, vault, actor=actor, action="keys.add",
                 details={"kind": kind_name, "key_id": entry.key_id.hex()})
    session.commit()
    return entry.key_id.hex()


def add_integrity_key(session: Session, vault: Vault, passphrase: str, actor: str = "cli") -> str:
    """A new current integrity key (kept for `flask keys integrity-key`)."""
    return add_key(session, vault, passphrase, "integrity", actor)


def upgrade_keystore(path: Path, passphrase: str, bounds: KdfBounds) -> tuple[str | None, int]:
    """Authenticate a keystore written before its public part carried a MAC: check every key pair's
    public half against its secret, then write the MAC. Returns (escrow key id, number of keys) for
    the operator to compare with their records (the escrow key is the one thing not derivable here)."""
    store = Keystore.load(path, bounds)
    if store.format != LEGACY_FORMAT:
        raise Conflict(f"{path} is already authenticated; nothing to upgrade")
    master = store.unlock(passphrase, allow_legacy=True)
    for entry in store.entries:
        kinds.check_public(entry.kind, entry.key_id, store.secret_of(master, entry), entry.public, entry.suite)
    store.save()
    return (store.escrow.key_id.hex() if store.escrow else None), len(store.entries)


@dataclass(frozen=True)
class Expiry:
    kind: str
    key_id: str
    outcome: str  # "retired", "destroyed", "kept" or "refused"
    detail: str


def destroy_expired(session: Session, vault: Vault, passphrase: str, *, retention_days: int,
                    today: date | None = None, dry_run: bool = False, actor: str = "cli") -> list[Expiry]:
    """Make old key-encryption and review keys unrecoverable once no backup can still need them.

    1. A previous KEK that no wrap uses any more is retired (out of the keystore; the day is
       recorded). Its escrow copy stays: a backup from before the rotation may need it. (Review keys
       are retired by hand, `flask keys retire`, once the public face seals to the new one.)
    2. A key retired more than `retention_days` ago (INTAKE_BACKUP_RETENTION_DAYS: how long backups
       of the database are kept) loses its escrow copies. Every backup that held wraps under it has
       expired by then, so the data keys it wrapped, withdrawn testimony among them, are gone for good.
       Refused while any wrap in the database uses it (a restored backup?).
    Keys retired before retirement days were recorded count from today.
    """
    keystore = vault.keystore
    if keystore is None:
        raise KeystoreError("only the review face holds keys")
    master = keystore.unlock(passphrase)
    today = today or date.today()
    out: list[Expiry] = []
    for entry in [e for e in keystore.entries if e.kind == "kek" and e.state != "current"]:
        if _uses(session, entry.kind, entry.key_id) == 0:
            out.append(Expiry(entry.kind, entry.key_id.hex(), "retired", "no wrap uses it"))
            if not dry_run:
                keystore.remove(entry.kind, entry.key_id)
    known = {r["id"] for r in keystore.retired} | {e.key_id.hex() for e in keystore.entries}
    for copy in keystore.escrow_copies:  # retired before the day was kept
        if copy["kind"] in kinds.WRAPPING and copy["id"] not in known:
            keystore.retired.append({"kind": copy["kind"], "id": copy["id"], "on": today.isoformat()})
            known.add(copy["id"])
    for record in [r for r in keystore.retired if r["kind"] in kinds.WRAPPING and not r.get("destroyed")]:
        key_id = bytes.fromhex(record["id"])
        due = date.fromisoformat(record["on"]) + timedelta(days=retention_days)
        if today < due:
            out.append(Expiry(record["kind"], record["id"], "kept", f"escrow copy kept until {due.isoformat()}"))
        elif (uses := _uses(session, record["kind"], key_id)):
            out.append(Expiry(record["kind"], record["id"], "refused", f"{uses} wraps still use it"))
        else:
            out.append(Expiry(record["kind"], record["id"], "destroyed", "escrow copies deleted"))
            if not dry_run:
                keystore.destroy_escrow_copies(key_id)
    if dry_run:
        return out
    keystore.save()
    vault.load_secrets(master)
    actions = {"retired": "keys.retire", "destroyed": "keys.destroy"}
    for item in out:
        if item.outcome in actions:
            audit.record(session, vault, actor=actor, action=actions[item.outcome],
                         details={"key_id": item.key_id, "kind": item.kind})
    session.commit()
    return out


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
    fresh.retired = list(old.retired)
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

"""Rebuilding the blind indexes, and rotating the index key through the rebuild.

`rebuild` recomputes, through the bulk decryption path, every taken-in report that has no row
under the current index key and normaliser version (blind_indexes.INDEX_VERSION). It commits per
batch: killed at any point, the next run finds the reports still to do and carries on. It is also
the backfill of the blocking keys for reports taken in before they existed, and (first, without
decrypting) of the arrival order on index rows written before the rows carried it, and of the
packed copies of reports' fields that whole-store jobs read (services/packed_fields.py).

`rotate_key` follows `services.keys.rotate`: the new key is saved in the keystore (escrowed) before
any row uses it, and an unfinished rotation is finished first without making another key. Until
the rebuild is over, lookups compare tokens under both keys (blind_indexes.tokens_held); once no
row uses the previous key, `retire_unused` takes it out of the keystore (its escrow copy stays).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.orm import Session

from ..crypto.errors import KeystoreError
from ..crypto.keys import SymmetricKey
from ..crypto.vault import Vault
from ..models import BlindIndex, Report, Submission, SubmissionStatus
from . import audit, blind_indexes, packed_fields
from .blind_indexes import INDEX_FIELDS, INDEX_VERSION


def _stale(key_id: bytes) -> Any:
    """Taken-in, not withdrawn reports without a row under this key and the current version."""
    current = exists().where(BlindIndex.report_id == Report.id, BlindIndex.key_id == key_id,
                             BlindIndex.version == INDEX_VERSION)
    return and_(Submission.in_working_store.is_(True), Submission.status != SubmissionStatus.WITHDRAWN.value,
                ~current)


def pending_count(session: Session, vault: Vault) -> int:
    """Reports the next rebuild would recompute."""
    key_id, _root = vault.current_index_key()
    return session.scalar(select(func.count()).select_from(Report).join(
        Submission, Submission.id == Report.submission_id).where(_stale(key_id))) or 0


def stale_rows(session: Session, key_id: bytes) -> int:
    """Index rows under another key or normaliser version (0 once a rebuild has finished)."""
    return session.scalar(select(func.count()).select_from(BlindIndex).where(
        BlindIndex.key_id.is_(None) | (BlindIndex.key_id != key_id) | (BlindIndex.version != INDEX_VERSION))) or 0


def copy_arrivals(session: Session, *, batch: int = 1000) -> int:
    """Copy `reports.arrival` onto the index rows written before they carried it (migration 0015),
    a batch of reports per commit; nothing decrypted, nothing recomputed. Returns the rows filled."""
    if session.scalar(select(BlindIndex.id).where(BlindIndex.arrival.is_(None)).limit(1)) is None:
        return 0  # the common case: one look, no walk over every report
    copied = 0
    last: uuid.UUID | None = None
    while True:
        query = select(Report.id).where(Report.arrival.is_not(None)).order_by(Report.id).limit(batch)
        if last is not None:
            query = query.where(Report.id > last)
        ids = list(session.scalars(query))
        if not ids:
            return copied
        last = ids[-1]
        arrival = select(Report.arrival).where(Report.id == BlindIndex.report_id).scalar_subquery()
        copied += session.execute(update(BlindIndex).where(BlindIndex.report_id.in_(ids), BlindIndex.arrival.is_(None))
                                  .values(arrival=arrival).execution_options(synchronize_session=False)).rowcount or 0
        session.commit()


def rebuild(session: Session, vault: Vault, *, batch: int = 1000, limit: int | None = None,
            progress: Callable[[int], None] | None = None) -> tuple[int, int]:
    """Recompute the indexes of every report not yet indexed under the current key and version
    (or `limit` of them). Returns (rebuilt, unreadable); logs and audits counts only."""
    from .bulk import iter_reports

    key_id, root = vault.current_index_key()
    copied = copy_arrivals(session, batch=batch)
    packed, unpacked = packed_fields.backfill(session, batch=batch, progress=progress)
    done = failed = 0
    last: uuid.UUID | None = None
    while limit is None or done + failed < limit:
        size = batch if limit is None else min(batch, limit - done - failed)
        query = (select(Report.id, Report.arrival).join(Submission, Submission.id == Report.submission_id)
                 .where(_stale(key_id)).order_by(Report.id).limit(size))
        if last is not None:
            query = query.where(Report.id > last)  # an unreadable report is not retried in this run
        arrivals: dict[uuid.UUID, int | None] = dict(session.execute(query).all())
        if not arrivals:
            break
        ids = list(arrivals)
        last = ids[-1]
        tokens: dict[uuid.UUID, set[tuple[str, bytes]]] = {}
        for part in iter_reports(session, vault, batch=batch, report_ids=ids, fields=INDEX_FIELDS):
            tokens.update((p.id, blind_indexes.tokens_for(root, p.fields())) for p in part if p.readable)
        blind_indexes.replace(session, tokens, key_id, arrivals)
        session.commit()
        done += len(tokens)
        failed += len(ids) - len(tokens)
        if progress:
            progress(len(ids))
    if done or failed or copied or packed or unpacked:
        audit.record(session, vault, actor="system", action="index.rebuild",
                     details={"rebuilt": done, "unreadable": failed, "arrivals_copied": copied,
                              "packed_copies": packed, "not_packed": unpacked,
                              "key_id": key_id.hex(), "version": INDEX_VERSION})
        session.commit()
    return done, failed


def rotation_pending(session: Session, vault: Vault) -> bool:
    """Rows under an index key other than the current one: a rotation whose rebuild is unfinished.
    (Rows from before key ids were recorded have none: they are a rebuild's, not a rotation's.)"""
    key_id, _root = vault.current_index_key()
    return bool(session.scalar(select(func.count()).select_from(BlindIndex).where(
        BlindIndex.key_id.is_not(None), BlindIndex.key_id != key_id)))


def rotate_key(session: Session, vault: Vault, passphrase: str, *, actor: str = "cli") -> str | None:
    """Make a new current index key (None: finishing an unfinished rotation, no new key).
    Run `rebuild`, then `retire_unused`, afterwards."""
    keystore = vault.keystore
    if keystore is None:
        raise KeystoreError("only the review face holds the index key")
    master = keystore.unlock(passphrase)
    vault.load_secrets(master)
    if rotation_pending(session, vault):
        return None
    new = SymmetricKey.generate()
    keystore.add(master, "index", new.key_id, new.secret)
    keystore.save()  # durable before any row depends on it
    vault.load_secrets(master)
    audit.record(session, vault, actor=actor, action="keys.rotate", details={"new_index": new.key_id.hex()})
    session.commit()
    return new.key_id.hex()


def retire_unused(session: Session, vault: Vault, passphrase: str, *, actor: str = "cli") -> list[str]:
    """Take previous index keys that no row uses any more out of the keystore (escrow copies stay)."""
    keystore = vault.keystore
    if keystore is None:
        raise KeystoreError("only the review face holds the index key")
    master = keystore.unlock(passphrase)
    vault.load_secrets(master)
    if stale_rows(session, vault.current_index_key()[0]):
        return []  # rows not yet rebuilt may still be under a previous key (or none recorded)
    retired = []
    for entry in [e for e in keystore.of_kind("index") if e.state != "current"]:
        used = session.scalar(select(func.count()).select_from(BlindIndex).where(BlindIndex.key_id == entry.key_id))
        if not used:
            keystore.remove("index", entry.key_id)
            retired.append(entry.key_id.hex())
    if retired:
        keystore.save()
        vault.load_secrets(master)
        for key_id in retired:
            audit.record(session, vault, actor=actor, action="keys.retire", details={"key_id": key_id, "kind": "index"})
        session.commit()
    return retired

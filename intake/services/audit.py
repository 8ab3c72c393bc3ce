"""The audit log: append entries, verify the chain.

Entries carry ids (UUIDs, handles, key ids) and action names, never personal data. `record` adds
the entry to the caller's transaction, so an action and its audit entry commit or fail together;
the entry takes its place in the chain at commit (see `record`).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import event, func, insert, select, text
from sqlalchemy.orm import Session, SessionTransaction

from ..crypto import audit_chain
from ..crypto.errors import KeysLockedError
from ..crypto.vault import Vault
from ..models import AuditEvent
from ..models.base import utcnow

# Details may hold only short identifiers and numbers; free text could smuggle personal data in.
_SAFE_DETAIL = re.compile(r"^[A-Za-z0-9_.:\-]{0,80}$")


def record(session: Session, vault: Vault, *, actor: str, action: str, object_type: str | None = None,
           object_id: str | None = None, details: dict[str, Any] | None = None) -> AuditEvent:
    """Add one entry to the caller's transaction (the caller commits).

    The entry joins the chain when the transaction commits (`_chain_pending`): only then is the
    chain's head read and locked, for the few milliseconds of the insert and the commit, so audited
    actions running side by side do not queue behind one another for their whole transaction. Its
    `seq` is therefore set only at commit; a rolled-back transaction leaves no entry."""
    signer = vault.audit_signer
    if signer is None:
        raise KeysLockedError("the audit signing key is locked; audited actions need unlocked review keys")
    details = details or {}
    for key, value in details.items():
        if not (isinstance(value, int | float | bool) or value is None or
                (isinstance(value, str) and _SAFE_DETAIL.match(value))):
            raise ValueError(f"audit detail {key!r} must be an id or a number, not free text")
    public = signer.public_key().public_bytes_raw()
    entry = AuditEvent(occurred_at=utcnow().replace(microsecond=0), actor=actor, action=action,
                       object_type=object_type, object_id=object_id, details=details, key_id=public[:16])
    session.connection()  # begin the transaction now, so a rollback before any other statement drops the entry
    # (a scoped session proxies the Session, but not get_nested_transaction)
    savepoint = getattr(session, "registry", lambda: session)().get_nested_transaction()
    session.info.setdefault(_PENDING, []).append((entry, signer, savepoint))
    return entry


_PENDING = "intake.audit_pending"
_LOCK = 7311001  # the PostgreSQL advisory lock that orders appenders


def lock_chain(session: Session) -> None:
    """Hold the chain's head until this transaction ends, so no other appender can take the next
    number (PostgreSQL: an advisory lock; SQLite: the database's write lock, taken by a no-op write)."""
    session.execute(_LOCK_PG if session.get_bind().dialect.name == "postgresql" else _LOCK_OTHER)


# Built once (every audited page commits an entry): the lock, and the chain's head.
_LOCK_PG = text(f"SELECT pg_advisory_xact_lock({_LOCK})")
_LOCK_OTHER = text("DELETE FROM audit_events WHERE 1 = 0")
_HEAD = select(AuditEvent.seq, AuditEvent.entry_hash).order_by(AuditEvent.seq.desc()).limit(1)
# PostgreSQL: the lock and the head sent together as one simple query (one round trip on every
# audited page). Not one statement: a statement's snapshot is taken before it waits for the lock, and
# would miss an entry committed meanwhile; in one simple query each statement takes its own snapshot
# (READ COMMITTED), so the head is read once the lock is held, as with two round trips.
_LOCK_AND_HEAD_PG = (f"{_LOCK_PG.text}; "
                     f"SELECT seq, entry_hash FROM {AuditEvent.__tablename__} ORDER BY seq DESC LIMIT 1")


def _locked_head(session: Session) -> Any:
    """Lock the chain (`lock_chain`) and read its head (seq, entry_hash), or None for an empty log."""
    if session.get_bind().dialect.name != "postgresql":
        lock_chain(session)
        return session.execute(_HEAD).first()
    result = session.connection().exec_driver_sql(_LOCK_AND_HEAD_PG)
    try:
        cursor = result.cursor  # the driver's cursor: the second statement's rows are its next result
        cursor.nextset()
        return cursor.fetchone()
    finally:
        result.close()


@event.listens_for(Session, "before_commit")
def _chain_pending(session: Session) -> None:
    """Link the transaction's entries into the chain, in the order recorded, just before commit
    (of the whole transaction: a SAVEPOINT's release commits nothing yet)."""
    if session.in_nested_transaction():
        return
    pending = session.info.pop(_PENDING, None)
    if not pending:
        return
    last = _locked_head(session)
    seq, prev = (last[0], last[1]) if last else (0, audit_chain.GENESIS)
    rows = []
    for entry, signer, _savepoint in pending:
        seq += 1
        entry.seq, entry.prev_hash = seq, prev
        entry.entry_hash = audit_chain.entry_hash(prev, entry.fields())
        entry.signature = audit_chain.sign(signer, entry.entry_hash)
        prev = entry.entry_hash
        rows.append({column: getattr(entry, column) for column in _COLUMNS})
    # A plain INSERT of the table: the entries are never changed again, and the unit of work's flush
    # of them cost more than the statement (every audited page commits one).
    session.execute(insert(_TABLE), rows)


_TABLE = AuditEvent.__table__
_COLUMNS = tuple(c.key for c in _TABLE.columns)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    """An entry recorded inside a SAVEPOINT that rolls back goes with it; a whole rollback drops all."""
    pending = session.info.get(_PENDING)
    if not pending:
        return
    if not previous_transaction.nested:
        session.info.pop(_PENDING, None)
        return

    def inside(savepoint: SessionTransaction | None) -> bool:
        while savepoint is not None:
            if savepoint is previous_transaction:
                return True
            savepoint = savepoint.parent
        return False

    session.info[_PENDING] = [p for p in pending if not inside(p[2])]


@dataclass(frozen=True)
class Start:
    """Where verification starts: after a trusted checkpoint (entry `seq` with hash `head`, `count`
    entries up to it), or at the first entry."""

    seq: int
    head: bytes
    count: int


@dataclass
class Verification:
    count: int = 0
    head_seq: int = 0
    head_hash: str = audit_chain.GENESIS.hex()
    findings: list[audit_chain.Finding] = field(default_factory=list)
    checked: int = 0  # entries whose hash and signature were checked in this run
    since: int = 0  # the checkpoint's entry verification started from (0: the first entry)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(session: Session, vault: Vault, expect_head: str | None = None, batch: int = 5000, *,
           since: Start | None = None, public_keys: dict[bytes, ed25519.Ed25519PublicKey] | None = None,
           progress: Callable[[int], None] | None = None) -> Verification:
    """Walk the chain in order; report every broken link, edit, gap or bad signature.

    From the first entry, or from a checkpoint: then the checkpoint's entry must still carry the
    hash the checkpoint names, and everything after it is checked (what lies before was checked when
    the checkpoint was made; `flask audit verify` walks the whole chain)."""
    keys = vault.audit_public if public_keys is None else public_keys
    result = Verification(since=since.seq if since else 0)
    prev = audit_chain.GENESIS
    expected_seq = 1
    query = select(AuditEvent).order_by(AuditEvent.seq)
    if since is not None:
        query = query.where(AuditEvent.seq >= since.seq)
        expected_seq = since.seq
        result.count = since.count - 1
    for entry in session.scalars(query.execution_options(yield_per=batch)):
        if since is not None and entry.seq == since.seq:
            prev = entry.prev_hash  # the link into it was checked when the checkpoint was made
            if entry.entry_hash != since.head:
                result.findings.append(audit_chain.Finding(entry.seq, "is not the entry the checkpoint signed "
                                                                      "(the chain was rewritten up to here)"))
        if entry.seq != expected_seq:
            result.findings.append(audit_chain.Finding(entry.seq, f"follows entry {expected_seq - 1}: "
                                                                  "entries are missing or reordered"))
        problem = audit_chain.check_entry(prev, entry.fields(), entry.prev_hash, entry.entry_hash,
                                          entry.signature, keys.get(entry.key_id))
        if problem:
            result.findings.append(audit_chain.Finding(entry.seq, problem))
        prev = entry.entry_hash
        expected_seq = entry.seq + 1
        result.count += 1
        result.checked += 1
        if progress and result.checked % 1000 == 0:
            progress(1000)
        result.head_seq, result.head_hash = entry.seq, entry.entry_hash.hex()
    if since is not None and result.checked == 0:
        result.findings.append(audit_chain.Finding(since.seq, "the checkpoint's entry is gone "
                                                              "(entries were cut off the end or deleted)"))
    if expect_head and expect_head.lower() != result.head_hash:
        result.findings.append(audit_chain.Finding(result.head_seq, "the chain's head is not the expected one "
                                                                    "(entries were cut off the end or rewritten)"))
    return result


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0

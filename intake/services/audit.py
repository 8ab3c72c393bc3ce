"""The audit log: append entries, verify the chain.

Entries carry ids (UUIDs, handles, key ids) and action names, never personal data. `record` adds
the entry to the caller's transaction, so an action and its audit entry commit or fail together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..crypto import audit_chain
from ..crypto.errors import KeysLockedError
from ..crypto.vault import Vault
from ..models import AuditEvent
from ..models.base import utcnow

# Details may hold only short identifiers and numbers; free text could smuggle personal data in.
_SAFE_DETAIL = re.compile(r"^[A-Za-z0-9_.:\-]{0,80}$")


def record(session: Session, vault: Vault, *, actor: str, action: str, object_type: str | None = None,
           object_id: str | None = None, details: dict[str, Any] | None = None) -> AuditEvent:
    """Append one signed entry to the chain (the caller commits)."""
    signer = vault.audit_signer
    if signer is None:
        raise KeysLockedError("the audit signing key is locked; audited actions need unlocked review keys")
    details = details or {}
    for key, value in details.items():
        if not (isinstance(value, int | float | bool) or value is None or
                (isinstance(value, str) and _SAFE_DETAIL.match(value))):
            raise ValueError(f"audit detail {key!r} must be an id or a number, not free text")
    if session.get_bind().dialect.name == "postgresql":
        # Serialise appenders so two processes never both take the same sequence number.
        session.execute(text("SELECT pg_advisory_xact_lock(7311001)"))
    last = session.execute(select(AuditEvent.seq, AuditEvent.entry_hash)
                           .order_by(AuditEvent.seq.desc()).limit(1)).first()
    seq, prev = (last[0] + 1, last[1]) if last else (1, audit_chain.GENESIS)
    public = signer.public_key().public_bytes_raw()
    event = AuditEvent(seq=seq, occurred_at=utcnow().replace(microsecond=0), actor=actor, action=action,
                       object_type=object_type, object_id=object_id, details=details,
                       prev_hash=prev, key_id=public[:16])
    event.entry_hash = audit_chain.entry_hash(prev, event.fields())
    event.signature = audit_chain.sign(signer, event.entry_hash)
    session.add(event)
    session.flush()
    return event


@dataclass
class Verification:
    count: int = 0
    head_seq: int = 0
    head_hash: str = audit_chain.GENESIS.hex()
    findings: list[audit_chain.Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings


def verify(session: Session, vault: Vault, expect_head: str | None = None, batch: int = 5000) -> Verification:
    """Walk the whole chain in order; report every broken link, edit, gap or bad signature."""
    result = Verification()
    prev = audit_chain.GENESIS
    expected_seq = 1
    for event in session.scalars(select(AuditEvent).order_by(AuditEvent.seq).execution_options(yield_per=batch)):
        if event.seq != expected_seq:
            result.findings.append(audit_chain.Finding(event.seq, f"follows entry {expected_seq - 1}: "
                                                                  "entries are missing or reordered"))
        problem = audit_chain.check_entry(prev, event.fields(), event.prev_hash, event.entry_hash,
                                          event.signature, vault.audit_public.get(event.key_id))
        if problem:
            result.findings.append(audit_chain.Finding(event.seq, problem))
        prev = event.entry_hash
        expected_seq = event.seq + 1
        result.count += 1
        result.head_seq, result.head_hash = event.seq, event.entry_hash.hex()
    if expect_head and expect_head.lower() != result.head_hash:
        result.findings.append(audit_chain.Finding(result.head_seq, "the chain's head is not the expected one "
                                                                    "(entries were cut off the end or rewritten)"))
    return result


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(AuditEvent)) or 0

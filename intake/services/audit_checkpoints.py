"""Signed audit checkpoints: "the chain up to entry N has head H", signed by the audit key.

A checkpoint is made only after the chain up to it verified. Stored in the database, it lets the
admin page verify just the entries after it; exported to a file kept elsewhere (another machine,
paper, a colleague's mailbox), it lets `flask audit verify --checkpoint FILE` detect a chain that
was rewritten or cut back before it, even by someone who controls this database, and it names the
audit key it was signed with, which is then trusted for that reason.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ed25519
from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto import audit_chain
from ..crypto.errors import KeysLockedError
from ..crypto.keystore import write_atomic
from ..crypto.vault import Vault
from ..local_files import LocalFileError, read_regular
from ..models import AuditCheckpoint, AuditEvent
from ..models.base import utcnow
from . import audit
from .errors import Conflict

# The admin page makes a checkpoint once it has verified this many entries past the last one.
AUTO_EVERY = 200
MAX_CHECKPOINT_FILE = 64 * 1024  # a checkpoint file is about 500 bytes


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    head: bytes
    count: int
    created: str  # ISO seconds, UTC
    key_id: bytes
    signature: bytes

    def start(self) -> audit.Start:
        return audit.Start(self.seq, self.head, self.count)

    def valid_under(self, public: ed25519.Ed25519PublicKey | None) -> bool:
        return audit_chain.checkpoint_valid(public, self.signature, self.seq, self.head, self.count, self.created)


def _of(row: AuditCheckpoint) -> Checkpoint:
    return Checkpoint(row.seq, row.entry_hash, row.count, row.created_at.isoformat(timespec="seconds"),
                      row.key_id, row.signature)


def latest(session: Session, public_keys: dict[bytes, ed25519.Ed25519PublicKey],
           look_back: int = 20) -> tuple[Checkpoint | None, list[audit_chain.Finding]]:
    """The newest stored checkpoint whose signature verifies, and a finding for each newer one that
    does not (a forged row: the review role cannot write one, nor sign it without the audit key)."""
    findings = []
    for row in session.scalars(select(AuditCheckpoint).order_by(AuditCheckpoint.seq.desc()).limit(look_back)):
        checkpoint = _of(row)
        if checkpoint.valid_under(public_keys.get(checkpoint.key_id)):
            return checkpoint, findings
        findings.append(audit_chain.Finding(row.seq, "a stored checkpoint at this entry has no valid signature "
                                                     "(it was forged or altered); it was not used"))
    return None, findings


def verify_from_latest(session: Session, vault: Vault) -> audit.Verification:
    """Verify the entries after the newest valid checkpoint (all of them if there is none)."""
    checkpoint, findings = latest(session, vault.audit_public)
    result = audit.verify(session, vault, since=checkpoint.start() if checkpoint else None)
    result.findings[:0] = findings
    return result


def make(session: Session, vault: Vault, verified: audit.Verification | None = None) -> Checkpoint:
    """Sign the head of a chain that verified (from the last checkpoint), store it, commit."""
    signer = vault.audit_signer
    if signer is None:
        raise KeysLockedError("the audit signing key is locked; a checkpoint needs unlocked review keys")
    result = verified or verify_from_latest(session, vault)
    if not result.ok:
        raise Conflict(f"the audit log is NOT intact ({len(result.findings)} problems): no checkpoint was made; "
                       "run `flask audit verify`")
    if result.head_seq == 0:
        raise Conflict("the audit log is empty: nothing to checkpoint")
    existing = session.get(AuditCheckpoint, result.head_seq)
    if existing is not None:
        return _of(existing)
    created = utcnow().replace(microsecond=0)
    head = bytes.fromhex(result.head_hash)
    message = audit_chain.checkpoint_message(result.head_seq, head, result.count, created.isoformat(timespec="seconds"))
    key_id = signer.public_key().public_bytes_raw()[:16]
    row = AuditCheckpoint(seq=result.head_seq, entry_hash=head, count=result.count, created_at=created,
                          key_id=key_id, signature=signer.sign(message))
    session.add(row)
    session.commit()
    return _of(row)


def against(session: Session, checkpoint: Checkpoint) -> list[audit_chain.Finding]:
    """What is wrong with the stored chain given a checkpoint kept elsewhere (nothing: an empty list)."""
    stored = session.scalar(select(AuditEvent.entry_hash).where(AuditEvent.seq == checkpoint.seq))
    if stored is None:
        return [audit_chain.Finding(checkpoint.seq, "the checkpoint's entry is missing: the chain was cut back "
                                                    "or rewritten since the checkpoint")]
    if bytes(stored) != checkpoint.head:
        return [audit_chain.Finding(checkpoint.seq, "differs from the checkpoint: the chain up to here was "
                                                    "rewritten since the checkpoint")]
    return []


# ---------- the exported file ----------
def export(path: Path, checkpoint: Checkpoint, public: ed25519.Ed25519PublicKey) -> None:
    """Write a checkpoint with the public key that signed it (no secret: keep it anywhere but here)."""
    if path.exists():
        raise Conflict(f"{path} already exists; choose another file")
    write_atomic(path, {"format": audit_chain.CHECKPOINT_FORMAT, "seq": checkpoint.seq,
                        "head": checkpoint.head.hex(), "count": checkpoint.count, "created": checkpoint.created,
                        "key_id": checkpoint.key_id.hex(),
                        "public_key": base64.b64encode(public.public_bytes_raw()).decode("ascii"),
                        "signature": base64.b64encode(checkpoint.signature).decode("ascii")}, mode=0o644)


def read_file(path: Path) -> tuple[Checkpoint, ed25519.Ed25519PublicKey]:
    """An exported checkpoint and its audit key, its signature checked; ValueError (one line) if not."""
    try:
        data: Any = json.loads(read_regular(path, MAX_CHECKPOINT_FILE, "checkpoint file"))
        if data.get("format") != audit_chain.CHECKPOINT_FORMAT:
            raise ValueError
        raw_public = base64.b64decode(data["public_key"], validate=True)
        public = ed25519.Ed25519PublicKey.from_public_bytes(raw_public)
        checkpoint = Checkpoint(int(data["seq"]), bytes.fromhex(data["head"]), int(data["count"]),
                                str(data["created"]), bytes.fromhex(data["key_id"]),
                                base64.b64decode(data["signature"], validate=True))
    except LocalFileError as error:
        raise ValueError(str(error)) from None
    except (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError):
        raise ValueError(f"{path} is not a readable audit checkpoint file") from None
    if checkpoint.key_id != raw_public[:16] or not checkpoint.valid_under(public):
        raise ValueError(f"{path}: the checkpoint's signature does not verify under the key it names (altered)")
    return checkpoint, public

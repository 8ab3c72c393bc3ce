"""Audit entries: a hash chain with an Ed25519 signature on every entry.

entry_hash = SHA-256(previous entry_hash | canonical JSON of the entry's fields)
signature  = Ed25519(entry_hash) by the audit key named in the entry

Editing an entry breaks its hash; deleting or reordering entries breaks the chain (each entry names
its sequence number and its predecessor's hash); forging a whole new chain needs the signing key.
Cutting entries off the end is caught only against a head recorded elsewhere, which `flask audit
verify` prints and can check (`--expect-head`), or against a signed checkpoint exported elsewhere
(`flask audit checkpoint --out`): a checkpoint names an entry and its hash, signed by the audit key,
so a chain rewritten or cut back before it no longer matches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from hashlib import sha256
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

GENESIS = b"\0" * 32


def canonical(fields: dict[str, Any]) -> bytes:
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode("ascii")


def entry_hash(prev_hash: bytes, fields: dict[str, Any]) -> bytes:
    return sha256(b"intake/audit/v1|" + prev_hash + canonical(fields)).digest()


def sign(signer: ed25519.Ed25519PrivateKey, digest: bytes) -> bytes:
    return signer.sign(digest)


@dataclass(frozen=True)
class Finding:
    seq: int
    problem: str


def check_entry(prev_hash: bytes, fields: dict[str, Any], stored_prev: bytes, stored_hash: bytes,
                signature: bytes, public: ed25519.Ed25519PublicKey | None) -> str | None:
    """Return what is wrong with one entry, or None."""
    if stored_prev != prev_hash:
        return "does not follow the entry before it (an entry was deleted, inserted or reordered)"
    if entry_hash(prev_hash, fields) != stored_hash:
        return "its content does not match its hash (the entry was edited)"
    if public is None:
        return "is signed by an unknown audit key"
    try:
        public.verify(signature, stored_hash)
    except InvalidSignature:
        return "has an invalid signature"
    return None


# ---------- checkpoints ----------
CHECKPOINT_FORMAT = "intake-audit-checkpoint/1"


def checkpoint_message(seq: int, head: bytes, count: int, created: str) -> bytes:
    """What a checkpoint's signature covers: the entry number, its hash, how many entries lead to it
    and when the checkpoint was made (ISO seconds, UTC)."""
    return b"intake/audit-checkpoint/v1|" + canonical({"seq": seq, "head": head.hex(), "count": count,
                                                        "created": created})


def checkpoint_valid(public: ed25519.Ed25519PublicKey | None, signature: bytes, seq: int, head: bytes, count: int,
                     created: str) -> bool:
    if public is None:
        return False
    try:
        public.verify(signature, checkpoint_message(seq, head, count, created))
    except InvalidSignature:
        return False
    return True

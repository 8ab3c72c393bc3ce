"""The audit log as admins read it: newest first, a page at a time, with the chain verified from the
last signed checkpoint (and a new checkpoint made once enough entries have verified past it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import AuditEvent
from . import audit, audit_checkpoints, users

PER_PAGE = 50


@dataclass
class AuditPage:
    entries: list[AuditEvent]
    number: int
    pages: int
    total: int
    names: dict[str, str]  # user id -> username, for the actors and objects on this page
    verification: audit.Verification | None  # None: no keys to verify with

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page(session: Session, vault: Vault | None, number: int, per_page: int = PER_PAGE) -> AuditPage:
    total = audit.count(session)
    pages = max(1, -(-total // per_page))
    number = min(max(1, number), pages)
    entries = list(session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())
                                   .offset((number - 1) * per_page).limit(per_page)))
    ids = {e.actor for e in entries} | {e.object_id for e in entries if e.object_type == "user" and e.object_id}
    verification = None
    if vault is not None:
        verification = audit_checkpoints.verify_from_latest(session, vault)
        if verification.ok and verification.checked >= audit_checkpoints.AUTO_EVERY and vault.audit_signer:
            audit_checkpoints.make(session, vault, verification)
    names = {str(uid): name for uid, name in users.usernames(session, ids).items()}  # the log holds ids as text
    return AuditPage(entries, number, pages, total, names, verification)

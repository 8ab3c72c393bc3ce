"""The audit log as admins read it: newest first, a page at a time, with the chain verified from the
last signed checkpoint (and a new checkpoint made once enough entries have verified past it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import AuditEvent
from . import audit, audit_checkpoints
from .audit_listing import AuditFilter, conditions, labels

PER_PAGE = 50


@dataclass
class AuditPage:
    entries: list[AuditEvent]
    number: int
    pages: int
    total: int
    names: dict[str, str]  # id -> handle, username or tag name, for the ids on this page
    verification: audit.Verification | None  # None: no keys to verify with

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def page(session: Session, vault: Vault | None, number: int, per_page: int = PER_PAGE,
         filters: AuditFilter | None = None) -> AuditPage:
    where = conditions(session, filters) if filters is not None and filters.active else []
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*where)) if where \
        else audit.count(session)
    pages = max(1, -(-(total or 0) // per_page))
    number = min(max(1, number), pages)
    entries = list(session.scalars(select(AuditEvent).where(*where).order_by(AuditEvent.seq.desc())
                                   .offset((number - 1) * per_page).limit(per_page)))
    verification = None
    if vault is not None:
        verification = audit_checkpoints.verify_from_latest(session, vault)
        if verification.ok and verification.checked >= audit_checkpoints.AUTO_EVERY and vault.audit_signer:
            audit_checkpoints.make(session, vault, verification)
    names = labels(session, entries)  # ids (the log holds them as text) -> handles, usernames, tag names
    return AuditPage(entries, number, pages, total or 0, names, verification)

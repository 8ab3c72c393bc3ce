"""Whole-store integrity jobs (review face): seal what predates the seals, re-seal under a new
integrity key, and verify every sealed row. Resumable: each batch commits on its own, and a rerun
only finds what is left.

`seal_store` seals rows stored before integrity seals existed (their plain values are taken as
they are: nothing authenticated them before) and the consent choices the migration set aside. Once
it has run to the end it records `integrity.backfill` in the audit log; after that, a taken-in row
without a seal is not legacy but stripped, so it is refused (and reported) unless the operator
says otherwise. Rows sealed under a previous integrity key are checked under that key and re-sealed
under the current one; a row whose seal fails is reported, never re-sealed.

`verify_store` runs `integrity_states.report_states` and `submission_states` over the whole store, batch
by batch (the same checks every page and job makes), and checks every link and status event.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from ..crypto.errors import CryptoError
from ..crypto.integrity import SealCheck
from ..crypto.vault import Vault
from ..models import AuditEvent, RecordKey, Report, StatusEvent, Submission, SubmissionStatus
from ..models.sealed import data_keys
from . import audit, consent, integrity, integrity_states
from .integrity import LINK_EVENT, REPORT, SPECS, STATUS_EVENT, SUBMISSION, Spec, Verdict
from .row_locks import hold_for_write

BACKFILL = integrity.BACKFILL_ACTION
MAX_LISTED = 1000


@dataclass
class SealOutcome:
    consent: int = 0
    sealed: dict[str, int] = field(default_factory=dict)  # table -> rows sealed for the first time
    resealed: int = 0  # rows moved to the current integrity key
    refused: list[tuple[str, uuid.UUID, str]] = field(default_factory=list)  # table, id, why

    def details(self) -> dict[str, int]:
        return {"consent": self.consent, "resealed": self.resealed, "refused": len(self.refused),
                **{f"sealed_{table}": n for table, n in self.sealed.items()}}


def backfill_done(session: Session) -> bool:
    return session.scalar(select(AuditEvent.seq).where(AuditEvent.action == BACKFILL).limit(1)) is not None


def _unsealed(spec: Spec) -> Any:
    """Rows of `spec` without a seal that only a legacy backfill may seal (others wait for take-in)."""
    model = spec.model
    mac = getattr(model, spec.mac)
    if spec is SUBMISSION:
        return and_(mac.is_(None), Submission.in_working_store.is_(True),
                    Submission.status != SubmissionStatus.WITHDRAWN.value)
    if spec is REPORT:
        return and_(mac.is_(None), Report.submission_id.in_(select(Submission.id).where(
            Submission.in_working_store.is_(True), Submission.status != SubmissionStatus.WITHDRAWN.value)))
    if spec is STATUS_EVENT:  # a family's own-key event waits for take-in until its key is re-wrapped
        taken_in = select(RecordKey.owner_id).where(RecordKey.owner_table == "status_events", RecordKey.holder == "kek")
        return and_(mac.is_(None), or_(StatusEvent.own_key.is_(False), StatusEvent.id.in_(taken_in)))
    return mac.is_(None)


def seal_store(session: Session, vault: Vault, *, batch: int = 500, accept_unsealed: bool = False,
               progress: Callable[[int], None] | None = None, actor: str = "cli") -> SealOutcome:
    key = vault.current_integrity_key()
    legacy = accept_unsealed or not backfill_done(session)
    out = SealOutcome()
    _seal_consent(session, legacy, out, batch, progress)
    for spec in SPECS:
        out.sealed[spec.model.__tablename__] = _seal_unsealed(session, vault, spec, legacy, out, batch, progress)
        out.resealed += _reseal(session, vault, spec, key.key_id, out, batch, progress)
    backfilled = not backfill_done(session) and not out.refused
    audit.record(session, vault, actor=actor, action="integrity.seal", details=out.details())
    if backfilled:
        audit.record(session, vault, actor=actor, action=BACKFILL, details={"complete": True})
    session.commit()
    return out


def _seal_consent(session: Session, legacy: bool, out: SealOutcome, batch: int,
                  progress: Callable[[int], None] | None) -> None:
    pending = and_(Submission.consent_sealed.is_(None), Submission.legacy_consent.is_not(None),
                   Submission.status != SubmissionStatus.WITHDRAWN.value)
    if not legacy:
        # After the backfill, a plain choice beside no sealed one was put there by someone else.
        out.refused += [("submissions", i, "plain consent after the backfill")
                        for i in session.scalars(select(Submission.id).where(pending).limit(MAX_LISTED))]
        return
    skip: set[uuid.UUID] = set()
    while True:
        rows = list(session.scalars(select(Submission).where(pending, Submission.id.not_in(skip))
                                    .order_by(Submission.id).limit(batch)))
        if not rows:
            return
        data_keys(session).prefetch("submissions", [r.id for r in rows])
        for submission in rows:
            try:
                out.consent += consent.seal_legacy_consent(submission)
            except CryptoError as exc:
                skip.add(submission.id)
                out.refused.append(("submissions", submission.id, f"consent: {type(exc).__name__}"))
        session.commit()
        if progress:
            progress(len(rows))


def _seal_unsealed(session: Session, vault: Vault, spec: Spec, legacy: bool, out: SealOutcome, batch: int,
                   progress: Callable[[int], None] | None) -> int:
    where = _unsealed(spec)
    if not legacy:
        out.refused += [(spec.model.__tablename__, i, "no seal, after the backfill: stripped?")
                        for i in session.scalars(select(spec.model.id).where(where).limit(MAX_LISTED))]
        return 0
    done = 0
    while True:
        rows = _held_batch(session, spec, select(spec.model).where(where), batch)
        if not rows:
            return done
        for row in rows:
            if spec in (SUBMISSION, REPORT):
                row.state_seq = (row.state_seq or 0) + 1
            integrity.seal_row(vault, spec, row)
        session.commit()
        done += len(rows)
        if progress:
            progress(len(rows))


def _held_batch(session: Session, spec: Spec, query: Any, batch: int) -> list[Any]:
    """The next `batch` rows of `query`, held until the batch commits (FOR UPDATE, in id order as
    every other holder; SQLite's one write lock taken before the read). A reviewer's change committed
    between an unheld read and the batch's write kept its column under a seal of the values read, and
    the row failed verification as if tampered with; held, the change waits for the batch or the
    batch reads what it committed."""
    if session.get_bind().dialect.name == "sqlite":
        hold_for_write(session, spec.model.id, uuid.UUID(int=0))
    else:
        query = query.with_for_update(of=spec.model)
    return list(session.scalars(query.order_by(spec.model.id).limit(batch)
                                .execution_options(populate_existing=True)))


def _reseal(session: Session, vault: Vault, spec: Spec, current: bytes, out: SealOutcome, batch: int,
            progress: Callable[[int], None] | None) -> int:
    mac = getattr(spec.model, spec.mac)
    older = and_(mac.is_not(None), func.substr(mac, 2, 16) != current)
    done, skip = 0, set()
    while True:
        rows = _held_batch(session, spec, select(spec.model).where(older, spec.model.id.not_in(skip)), batch)
        if not rows:
            return done
        for row in rows:
            check = integrity.check_row(vault, spec, row)
            if check is SealCheck.OK:
                integrity.seal_row(vault, spec, row)
                done += 1
            else:
                skip.add(row.id)
                out.refused.append((spec.model.__tablename__, row.id, f"seal {check.value}: not re-sealed"))
        session.commit()
        if progress:
            progress(len(rows))


def seals_under(session: Session, key_id: bytes) -> int:
    """How many seals an integrity key still makes (retiring it is refused while any)."""
    total = 0
    for spec in SPECS:
        mac = getattr(spec.model, spec.mac)
        total += session.scalar(select(func.count()).select_from(spec.model).where(
            func.substr(mac, 2, 16) == key_id)) or 0
    return total


def unsealed_count(session: Session) -> int:
    """Rows `seal_store` would seal or re-seal (for a progress bar)."""
    total = session.scalar(select(func.count()).select_from(Submission).where(
        Submission.consent_sealed.is_(None), Submission.legacy_consent.is_not(None))) or 0
    for spec in SPECS:
        total += session.scalar(select(func.count()).select_from(spec.model).where(_unsealed(spec))) or 0
    return total


# ---------- verifying the whole store ----------

@dataclass
class StoreCheck:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)  # table -> verdict -> rows
    problems: list[tuple[str, uuid.UUID, str]] = field(default_factory=list)  # table, id, why (TAMPERED only)

    @property
    def tampered(self) -> int:
        return sum(c.get(Verdict.TAMPERED.value, 0) for c in self.counts.values())

    def add(self, table: str, row_id: uuid.UUID, verdict: Verdict, problem: str | None) -> None:
        per = self.counts.setdefault(table, {})
        per[verdict.value] = per.get(verdict.value, 0) + 1
        if verdict is Verdict.TAMPERED and len(self.problems) < MAX_LISTED:
            self.problems.append((table, row_id, problem or ""))


def verify_store(session: Session, vault: Vault, *, batch: int = 2000,
                 progress: Callable[[int], None] | None = None) -> StoreCheck:
    vault.current_integrity_key()
    result = StoreCheck()
    for ids in _id_batches(session, Submission, batch):
        for sid, state in integrity_states.submission_states(session, vault, ids).items():
            result.add("submissions", sid, state.verdict, state.problem)
        _done(progress, ids)
    for ids in _id_batches(session, Report, batch):
        for rid, state in integrity_states.report_states(session, vault, ids).items():
            result.add("reports", rid, state.verdict, state.problem)
        _done(progress, ids)
    for spec in (LINK_EVENT, STATUS_EVENT):
        table = spec.model.__tablename__
        for rows in _row_batches(session, spec, batch):
            verdict = {SealCheck.OK: Verdict.VERIFIED, SealCheck.MISSING: Verdict.NOT_SEALED}
            for row in rows:
                check = integrity.check_row(vault, spec, row)
                result.add(table, row.id, verdict.get(check, Verdict.TAMPERED),
                           None if check in verdict else f"its seal is {check.value}")
            _done(progress, rows)
    return result


def store_size(session: Session) -> int:
    return sum(session.scalar(select(func.count()).select_from(spec.model)) or 0 for spec in SPECS)


def _id_batches(session: Session, model: type, batch: int) -> Any:
    last: uuid.UUID | None = None
    while True:
        query = select(model.id).order_by(model.id).limit(batch)  # type: ignore[attr-defined]
        ids = list(session.scalars(query.where(model.id > last) if last else query))  # type: ignore[attr-defined]
        if not ids:
            return
        yield ids
        last = ids[-1]


def _row_batches(session: Session, spec: Spec, batch: int) -> Any:
    last: uuid.UUID | None = None
    model = spec.model
    while True:
        query = select(*spec.select_columns()).order_by(model.id).limit(batch)
        rows = session.execute(query.where(model.id > last) if last else query).all()
        if not rows:
            return
        yield rows
        last = rows[-1].id


def _done(progress: Callable[[int], None] | None, items: list[Any]) -> None:
    if progress:
        progress(len(items))

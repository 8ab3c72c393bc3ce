"""Deciding candidate pairs: the side-by-side view (decrypts two reports; audited), accept, reject,
defer, accepting a whole cluster, undoing an accept and putting a rejected pair back.

Accepting goes through the persons service (`persons.join_reports`): one link batch, sealed and
audited there, that a later undo inverts; the pair records the batch, the reviewer and the time in
the same transaction, with one `duplicates.accept` entry per pair (a cluster: per link). A pair's
seal and audited state (`duplicates.current`) are checked before any decision, and both reports'
states must verify.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import CandidatePair, PairStatus, Person, Report
from ..models.base import utcnow
from ..wording import Said, code_word, said
from . import audit, dedup_jobs, dedup_rows, duplicates, integrity, integrity_states, persons, triage
from .errors import Conflict, InvalidInput, NotFound
from .row_locks import hold_for_write

log = logging.getLogger(__name__)
OPEN = frozenset({PairStatus.PENDING.value, PairStatus.DEFERRED.value})
MAX_CLUSTER_PAIRS = 200


# ---------- the side-by-side page ----------

@dataclass(frozen=True)
class FieldLine:
    field: str
    left: Any
    right: Any
    level: int | None
    sentence: Said  # quotes the reports' values: made for the page, never stored
    weight: float | None  # log2 Bayes factor: above 0 for a match, below for a mismatch


@dataclass
class PairView:
    pair: duplicates.PairRow
    left: triage.DecryptedReport
    right: triage.DecryptedReport
    persons: tuple[str | None, str | None]  # person handles (verified), or None
    lines: list[FieldLine]
    note: Said | None = None  # why explanations are missing, if they are


@dataclass(frozen=True)
class _StoredScore:
    """A stored pair as the matcher's PairScore, for explaining it without the model."""

    left_id: str
    right_id: str
    probability: float
    levels: dict[str, int]
    weights: dict[str, float]


def _explain(left_row: dict[str, Any], right_row: dict[str, Any], pair: CandidatePair
             ) -> tuple[list[FieldLine], Said | None]:
    from ..dedup import explain_pair, score_candidates

    note = None
    try:
        loaded = dedup_jobs.current_model()
        scores = score_candidates(loaded.model, left_row, [right_row])
        score: Any = scores[0] if scores else None
    except dedup_jobs.NoModel:
        score, note = None, said("No trained model: the weights are not shown (run %(command)s).",
                                  command="flask dedup train")
    if score is None:
        score = _StoredScore(str(pair.left_id), str(pair.right_id), pair.probability,
                             dict(duplicates.decode_levels(pair.levels)), {})
    lines = [FieldLine(field=e.field, left=e.left_value, right=e.right_value, level=e.level, sentence=e.sentence,
                       weight=None if e.weight is None else float(e.weight))
             for e in explain_pair(left_row, right_row, score)]
    return lines, note


def _pair(session: Session, pair_id: uuid.UUID, *, lock: bool = False) -> CandidatePair:
    query = select(CandidatePair).where(CandidatePair.id == pair_id)
    pair = session.scalars(query.with_for_update().execution_options(populate_existing=True) if lock
                           else query).one_or_none()
    if pair is None:
        raise NotFound(said("no such pair"))
    return pair


def _checked(session: Session, vault: Vault, pair_id: uuid.UUID) -> CandidatePair:
    # Two decisions on one pair are made one after the other, the second reading the first's (on
    # SQLite a rejection once wrote "rejected" over an acceptance made meanwhile, both audited).
    hold_for_write(session, CandidatePair.status, pair_id)
    pair = _pair(session, pair_id, lock=True)
    if not duplicates.current(session, vault, pair):
        raise Conflict(said("this pair failed verification (changed outside the review face); nothing was changed"))
    return pair


def _reports(session: Session, vault: Vault, pair: CandidatePair) -> tuple[list[Report], dict[uuid.UUID, integrity.ReportState]]:
    reports = [session.get(Report, pair.left_id), session.get(Report, pair.right_id)]
    found = [r for r in reports if r is not None]
    if len(found) != 2:
        raise NotFound(said("no such pair"))
    states = integrity_states.report_states(session, vault, [r.id for r in found])
    for report in found:
        if not states[report.id].verified:
            state = states[report.id]
            raise Conflict(said("report %(handle)s: %(verdict)s (%(problem)s); it cannot be compared",
                                  handle=report.handle, verdict=integrity.VERDICT_WORDS[state.verdict],
                                  problem=state.problem))
    return found, states


def pair_view(session: Session, vault: Vault, pair_id: uuid.UUID, *, actor: uuid.UUID) -> PairView:
    """Both reports decrypted side by side, with what matched and how. Audited (one entry for the
    pair, one `report.view` per report) and committed before anything is returned."""
    vault.require_readable()
    pair = _pair(session, pair_id)
    if not duplicates.current(session, vault, pair):
        raise Conflict(said("this pair failed verification (changed outside the review face)"))
    reports, states = _reports(session, vault, pair)
    left, right = triage.decrypt_reports(session, vault, reports, states=states)
    rows = [dedup_rows.row_of(r.id, r.fields) for r in (left, right)]
    lines, note = _explain(rows[0], rows[1], pair)
    handles = {p.id: p.handle for p in session.scalars(select(Person).where(
        Person.id.in_([s.person_id for s in states.values() if s.person_id])))}
    [row] = duplicates.pairs_by_id(session, vault, [pair.id])
    view = PairView(pair=row, left=left, right=right, lines=lines, note=note,
                    persons=(handles.get(states[left.id].person_id), handles.get(states[right.id].person_id)))
    audit.record(session, vault, actor=str(actor), action="duplicates.view", object_type="candidate_pair",
                 object_id=str(pair.id), details={"left": str(pair.left_id), "right": str(pair.right_id)})
    for report in reports:
        audit.record(session, vault, actor=str(actor), action="report.view", object_type="report",
                     object_id=str(report.id), details={"pair": str(pair.id)})
    session.commit()
    return view


# ---------- decisions ----------

def _decide(vault: Vault, pair: CandidatePair, status: PairStatus, actor: uuid.UUID,
            batch: uuid.UUID | None = None) -> None:
    pair.status = status.value
    pair.decided_by_id, pair.decided_at, pair.batch_id = actor, utcnow(), batch
    duplicates.seal(vault, pair)


def _audit(session: Session, vault: Vault, action: str, pair: CandidatePair, actor: uuid.UUID, **details: Any) -> None:
    audit.record(session, vault, actor=str(actor), action=f"duplicates.{action}", object_type="candidate_pair",
                 object_id=str(pair.id), details={"probability": round(pair.probability, 6),
                                                  "model": pair.model_version, **details,
                                                  **integrity.anchor(pair.state_seq)})


def _open(pair: CandidatePair) -> None:
    if pair.status not in OPEN:
        raise Conflict(said("this pair was already decided (%(status)s)", status=code_word(pair.status)))


def _reason(reason: str | None, probability: float) -> str:
    return (reason or "").strip() or f"accepted from the duplicates queue (probability {probability:.3f})"


def accept(session: Session, vault: Vault, pair_id: uuid.UUID, *, actor: uuid.UUID, reason: str | None = None) -> str | None:
    """Link both reports to one person (persons.join_reports) and record the decision. Returns the
    person's handle. Reports already on one person: recorded as accepted, nothing to link."""
    vault.require_readable()
    try:
        pair = _checked(session, vault, pair_id)
        _open(pair)
        reports, states = _reports(session, vault, pair)
        people = {states[r.id].person_id for r in reports}
        if len(people) == 1 and None not in people:
            _decide(vault, pair, PairStatus.ACCEPTED, actor)
            _audit(session, vault, "accept", pair, actor, already_linked=True)
            session.commit()
            return session.get(Person, people.pop()).handle  # type: ignore[union-attr]

        def record(batch: uuid.UUID) -> None:
            _decide(vault, pair, PairStatus.ACCEPTED, actor, batch)
            _audit(session, vault, "accept", pair, actor, batch=str(batch))

        outcome = persons.join_reports(session, vault, [r.handle for r in reports], actor=actor,
                                       reason=_reason(reason, pair.probability), score=pair.probability,
                                       on_batch=record)
        return outcome.person_handle
    except Exception:
        session.rollback()
        raise


def accept_cluster(session: Session, vault: Vault, pair_ids: Sequence[uuid.UUID], *, actor: uuid.UUID,
                   reason: str | None = None) -> str | None:
    """Accept every link of a cluster in one person-link batch (one undo reverts it), audited per
    link. Every pair must be open, verified, at or above the cluster threshold, and the pairs must
    form one connected group: what the reviewer was shown, nothing more."""
    vault.require_readable()
    ids = list(dict.fromkeys(pair_ids))
    if len(ids) < 2 or len(ids) > MAX_CLUSTER_PAIRS:
        raise InvalidInput(said("a cluster is between 2 and 200 pairs"))
    cluster_threshold = duplicates.thresholds()[1]
    try:
        pairs = [_checked(session, vault, pid) for pid in sorted(ids)]  # in a scoring run's lock order
        for pair in pairs:
            _open(pair)
            if pair.probability < cluster_threshold:
                raise Conflict(said("a link of this cluster is below the threshold for accepting it in one action; "
                                    "decide its pairs one by one"))
        rows = duplicates.pairs_by_id(session, vault, ids)
        groups = duplicates.group(rows)
        if len(groups) != 1 or len(groups[0].pairs) != len(ids):
            raise Conflict(said("these pairs do not form one cluster; nothing was changed"))
        for pair in pairs:
            _reports(session, vault, pair)

        def record(batch: uuid.UUID) -> None:
            for pair in pairs:
                _decide(vault, pair, PairStatus.ACCEPTED, actor, batch)
                _audit(session, vault, "accept", pair, actor, batch=str(batch), cluster=len(pairs))

        weakest = min(p.probability for p in pairs)
        outcome = persons.join_reports(session, vault, groups[0].handles, actor=actor,
                                       reason=_reason(reason, weakest), score=weakest, on_batch=record)
        return outcome.person_handle
    except Exception:
        session.rollback()
        raise


def reject(session: Session, vault: Vault, pair_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    """Remember the pair as a cannot-link for the reports as they are now (their fingerprint)."""
    vault.require_readable()
    pair = _checked(session, vault, pair_id)
    _open(pair)
    prints = dedup_rows.fingerprints(session, [pair.left_id, pair.right_id])
    pair.fingerprint = dedup_rows.pair_fingerprint(prints, pair.left_id, pair.right_id)
    _decide(vault, pair, PairStatus.REJECTED, actor)
    _audit(session, vault, "reject", pair, actor)
    session.commit()


def defer(session: Session, vault: Vault, pair_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    vault.require_readable()
    pair = _checked(session, vault, pair_id)
    if pair.status != PairStatus.PENDING.value:
        raise Conflict(said("only a pending pair can be deferred (this one is %(status)s)",
                            status=code_word(pair.status)))
    _decide(vault, pair, PairStatus.DEFERRED, actor)
    _audit(session, vault, "defer", pair, actor)
    session.commit()


def reopen(session: Session, vault: Vault, pair_id: uuid.UUID, *, actor: uuid.UUID) -> None:
    """Put a rejected pair back in the queue: a rejection made by mistake would otherwise keep two
    reports of one person apart for as long as neither changes. The audit log keeps the rejection
    and says who put it back."""
    vault.require_readable()
    pair = _checked(session, vault, pair_id)
    if pair.status != PairStatus.REJECTED.value:
        raise Conflict(said("only a rejected pair can be put back in the queue (this one is %(status)s)",
                            status=code_word(pair.status)))
    pair.status = PairStatus.PENDING.value
    pair.decided_by_id = pair.decided_at = pair.batch_id = None
    duplicates.seal(vault, pair)
    _audit(session, vault, "reopen", pair, actor)
    session.commit()


def undo_accept(session: Session, vault: Vault, pair_id: uuid.UUID, *, actor: uuid.UUID, reason: str) -> None:
    """Undo the person-link batch an accept made (persons.undo_batch: refused if a later change
    moved its reports) and put every pair that batch accepted back in the queue."""
    vault.require_readable()
    try:
        pair = _checked(session, vault, pair_id)
        if pair.status != PairStatus.ACCEPTED.value or pair.batch_id is None:
            raise Conflict(said("only an accepted pair that linked reports can be undone here"))
        batch = pair.batch_id
        together = [_checked(session, vault, p) for p in session.scalars(
            select(CandidatePair.id).where(CandidatePair.batch_id == batch).order_by(CandidatePair.id))]
        for other in together:
            other.status = PairStatus.PENDING.value
            other.decided_by_id = other.decided_at = other.batch_id = None  # the audit entry says who
            duplicates.seal(vault, other)
            _audit(session, vault, "undo", other, actor, batch=str(batch))
        if persons.undo_problem(session, batch) == persons.ALREADY_UNDONE:
            session.commit()  # undone on the person page already: the pairs just go back in the queue
            return
        persons.undo_batch(session, vault, batch, reason=reason, actor=actor)
    except Exception:
        session.rollback()
        raise

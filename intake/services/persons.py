"""Persons: linking reports to the individual they describe, merging, splitting, undoing.

The history is the append-only `PersonLinkEvent` log; nothing here updates or deletes an event, a
report's sealed columns, a status event or a message. `Report.person_id` is only a denormalised
copy of the state the log implies, rewritten in the same transaction as the events it follows.

One operation = one batch = one audit entry. Within a batch a report has at most one UNLINK (its
state before) and one LINK (its state after), so a batch's effect does not depend on row order.
Batches are ordered by `occurred_at`, kept strictly increasing (see `_batch_time`).

Undo rule: undoing batch X appends the inverse batch (`undoes_batch_id = X`). It is refused if X
was already undone (undo the undo to redo), or if any report of X is no longer where X left it
(a later batch moved it and was not undone): the reviewer must undo that later change first. So an
undo only ever inverts its own batch and never silently reverts someone else's later work.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import LinkKind, Person, PersonLinkEvent, RecordKey, Report
from ..models.base import utcnow
from ..models.sealed import data_keys
from ..wording import Said, said
from . import audit, integrity, integrity_states, triage
from .errors import Conflict, InvalidInput, NotFound
from .row_locks import hold_for_write

MAX_REASON = 2000


# ---------- the log and the state it implies ----------

def derived_links(session: Session, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each report's person according to the event log alone (None: never linked, or unlinked).
    Unverified: `integrity_states.link_history` is the same fold over the events whose seals check."""
    if not report_ids:
        return {}
    events = session.execute(select(PersonLinkEvent.report_id, PersonLinkEvent.kind, PersonLinkEvent.person_id,
                                    PersonLinkEvent.occurred_at, PersonLinkEvent.batch_id)
                             .where(PersonLinkEvent.report_id.in_(report_ids))).all()
    return fold_links(report_ids, events)


def fold_links(report_ids: Iterable[uuid.UUID], events: Iterable[Any]) -> dict[uuid.UUID, uuid.UUID | None]:
    """Replay link events (rows with report_id, kind, person_id, occurred_at, batch_id) in log order:
    batches by time, and within a batch a report's UNLINK before its LINK."""
    state: dict[uuid.UUID, uuid.UUID | None] = {rid: None for rid in report_ids}
    for e in sorted(events, key=lambda e: (e.occurred_at, e.batch_id, e.kind != LinkKind.UNLINK)):
        state[e.report_id] = e.person_id if e.kind == LinkKind.LINK else None
    return state


def inconsistent_reports(session: Session) -> list[uuid.UUID]:
    """Reports whose `person_id` disagrees with the log (should always be empty)."""
    ids = list(session.scalars(select(Report.id).where(
        Report.person_id.is_not(None) | Report.id.in_(select(PersonLinkEvent.report_id)))))
    derived = derived_links(session, ids)
    current = dict(session.execute(select(Report.id, Report.person_id).where(Report.id.in_(ids))).all())
    return [rid for rid in ids if derived[rid] != current[rid]]


def _lock(session: Session) -> None:
    # Serialise link changes so two reviewers never both build on the same "current" state. SQLite
    # has no advisory lock and its reads hold nothing: its one write lock, taken before the read
    # (no report has this id), does it (tests/security/test_probe_round12.py).
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7311002)"))
    else:
        hold_for_write(session, Report.person_id, uuid.UUID(int=0))


def _batch_time(session: Session) -> datetime:
    """Now, or just after the newest event if the clock has not moved on (keeps batches ordered)."""
    now = utcnow()
    last = session.scalar(select(func.max(PersonLinkEvent.occurred_at)))
    return max(now, last + timedelta(microseconds=1)) if last else now


def _check_current(session: Session, vault: Vault, reports: list[Report]) -> dict[uuid.UUID, uuid.UUID | None]:
    """Each report's verified person; Conflict if any report's state fails verification (a forged
    or replayed link, a tampered link event...), so no change is ever built on it."""
    states = integrity_states.report_states(session, vault, [r.id for r in reports])
    for report in reports:
        state = states[report.id]
        if not state.verified:
            raise Conflict(said("report %(handle)s: %(verdict)s (%(problem)s); nothing was changed",
                                  handle=report.handle, verdict=integrity.VERDICT_WORDS[state.verdict],
                                  problem=state.problem))
    return {report.id: states[report.id].person_id for report in reports}


def _ensure_person_key(session: Session, person_id: uuid.UUID) -> None:
    # Reasons are sealed under the person's data key; persons made elsewhere may not have one yet.
    keys = data_keys(session)
    if ("persons", person_id) in keys.cache:
        return
    exists = session.scalar(select(func.count()).select_from(RecordKey).where(
        RecordKey.owner_table == "persons", RecordKey.owner_id == person_id))
    if not exists:
        keys.create("persons", person_id, via="kek")


def _new_person(session: Session) -> Person:
    person = Person()
    session.add(person)
    data_keys(session).create("persons", person.id, via="kek")
    return person


def _reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput(said("say why (the reason is kept, sealed, with the change)"))
    if len(reason) > MAX_REASON:
        raise InvalidInput(said("a reason has at most %(num)s characters", num=MAX_REASON))
    return reason


def _append_batch(session: Session, vault: Vault, changes: list[tuple[Report, uuid.UUID | None, uuid.UUID | None]],
                  *, actor: uuid.UUID, reason: str, score: float | None = None,
                  undoes: uuid.UUID | None = None) -> uuid.UUID:
    """Append one batch: per report an UNLINK from its old person and a LINK to its new one, each
    event sealed, and each report's sealed state moved to its new person."""
    batch_id, when = uuid.uuid4(), _batch_time(session)
    for report, before, after in changes:
        for kind, person_id in ((LinkKind.UNLINK, before), (LinkKind.LINK, after)):
            if person_id is None:
                continue
            _ensure_person_key(session, person_id)
            event = PersonLinkEvent(batch_id=batch_id, kind=kind.value, report_id=report.id, person_id=person_id,
                                    actor_id=actor, occurred_at=when, score=score, undoes_batch_id=undoes)
            event.reason = reason
            integrity.seal_link_event(vault, event)
            session.add(event)
        integrity.write_report(session, vault, report, person_id=after)
    session.flush()
    return batch_id


def _person(session: Session, handle: str, *, typed: bool = False) -> Person:
    """The person with `handle`. NotFound when it names none, or InvalidInput when a reviewer `typed`
    the handle into a form (a mistyped handle is a message on the form, not a missing page)."""
    person = session.scalar(select(Person).where(Person.handle == handle))
    if person is None:
        raise (InvalidInput if typed else NotFound)(said("no such person"))
    return person


# ---------- operations: one batch, one audit entry, one commit each ----------

@dataclass(frozen=True)
class Outcome:
    batch_id: uuid.UUID
    person_handle: str | None


def link_report(session: Session, vault: Vault, report_handle: str, person_handle: str | None, *, reason: str,
                actor: uuid.UUID, score: float | None = None) -> Outcome:
    """Link a report to a person (a new one when `person_handle` is None), leaving its old one."""
    reason = _reason(reason)
    vault.require_readable()
    _lock(session)
    report = triage.get_report(session, report_handle)
    before = _check_current(session, vault, [report])[report.id]
    person = _person(session, person_handle, typed=True) if person_handle else _new_person(session)
    if before == person.id:
        raise Conflict(said("the report is already linked to that person"))
    batch = _append_batch(session, vault, [(report, before, person.id)], actor=actor, reason=reason, score=score)
    audit.record(session, vault, actor=str(actor), action="person.link", object_type="person",
                 object_id=str(person.id), details={"report": str(report.id), "batch": str(batch),
                                                    "previous": str(before) if before else None})
    session.commit()
    return Outcome(batch, person.handle)


def merge_persons(session: Session, vault: Vault, into_handle: str, from_handle: str, *, reason: str,
                  actor: uuid.UUID, score: float | None = None) -> Outcome:
    """Move every report of person B to person A. B stays, empty; its history stays with it."""
    reason = _reason(reason)
    vault.require_readable()
    _lock(session)
    into, source = _person(session, into_handle), _person(session, from_handle, typed=True)
    if into.id == source.id:
        raise InvalidInput(said("a person cannot be merged into itself"))
    reports = list(session.scalars(select(Report).where(Report.person_id == source.id).order_by(Report.id)))
    if not reports:
        raise Conflict(said("that person has no reports to merge"))
    _check_current(session, vault, reports)
    batch = _append_batch(session, vault, [(r, source.id, into.id) for r in reports], actor=actor, reason=reason,
                          score=score)
    audit.record(session, vault, actor=str(actor), action="person.merge", object_type="person",
                 object_id=str(into.id), details={"from": str(source.id), "batch": str(batch),
                                                  "reports": len(reports)})
    session.commit()
    return Outcome(batch, into.handle)


def join_reports(session: Session, vault: Vault, report_handles: list[str], *, reason: str, actor: uuid.UUID,
                 score: float | None = None, on_batch: Callable[[uuid.UUID], None] | None = None) -> Outcome:
    """Make these reports one person in one batch (so one undo reverts it): with every report
    already linked to any of their persons, they all end on the person holding most of them (a new
    person when none has one). Used by the deduplication queue's accept, for a pair or a cluster:
    `on_batch(batch_id)` runs before the commit, so the caller's record of it commits with it."""
    reason = _reason(reason)
    vault.require_readable()
    _lock(session)
    reports = [triage.get_report(session, handle) for handle in dict.fromkeys(report_handles)]
    if len(reports) < 2:
        raise InvalidInput(said("joining takes at least two reports"))
    current = _check_current(session, vault, reports)
    person_ids = {p for p in current.values() if p is not None}
    members = {r.id: r for r in reports}
    if person_ids:
        others = [r for r in session.scalars(select(Report).where(Report.person_id.in_(person_ids)).order_by(Report.id))
                  if r.id not in members]
        current.update(_check_current(session, vault, others))
        members.update((r.id, r) for r in others)
    sizes = {p: sum(1 for rid in members if current[rid] == p) for p in person_ids}
    target = (session.get(Person, max(person_ids, key=lambda p: (sizes[p], str(p)))) if person_ids
              else _new_person(session))
    assert target is not None
    changes = [(r, current[r.id], target.id) for r in sorted(members.values(), key=lambda r: str(r.id))
               if current[r.id] != target.id]
    if not changes:
        raise Conflict(said("these reports are already linked to one person"))
    batch = _append_batch(session, vault, changes, actor=actor, reason=reason, score=score)
    if on_batch is not None:
        on_batch(batch)
    audit.record(session, vault, actor=str(actor), action="person.join", object_type="person",
                 object_id=str(target.id), details={"batch": str(batch), "reports": len(changes),
                                                    "persons": len(person_ids)})
    session.commit()
    return Outcome(batch, target.handle)


def split_report(session: Session, vault: Vault, report_handle: str, *, reason: str, actor: uuid.UUID) -> Outcome:
    """Take a report out of its person into a new person of its own."""
    reason = _reason(reason)
    vault.require_readable()
    _lock(session)
    report = triage.get_report(session, report_handle)
    before = _check_current(session, vault, [report])[report.id]
    if before is None:
        raise Conflict(said("the report is not linked to any person"))
    others = session.scalar(select(func.count()).select_from(Report).where(
        Report.person_id == before, Report.id != report.id))
    if not others:
        raise Conflict(said("the report is already the only one of its person"))
    person = _new_person(session)
    batch = _append_batch(session, vault, [(report, before, person.id)], actor=actor, reason=reason)
    audit.record(session, vault, actor=str(actor), action="person.split", object_type="report",
                 object_id=str(report.id), details={"from": str(before), "to": str(person.id), "batch": str(batch)})
    session.commit()
    return Outcome(batch, person.handle)


def batch_effect(events: list[PersonLinkEvent]) -> dict[uuid.UUID, tuple[uuid.UUID | None, uuid.UUID | None]]:
    """Per report of a batch: (person before, person after)."""
    effect: dict[uuid.UUID, list[uuid.UUID | None]] = {}
    for event in events:
        slot = effect.setdefault(event.report_id, [None, None])
        slot[0 if event.kind == LinkKind.UNLINK else 1] = event.person_id
    return {rid: (before, after) for rid, (before, after) in effect.items()}


def _batch_events(session: Session, batch_id: uuid.UUID) -> list[PersonLinkEvent]:
    return list(session.scalars(select(PersonLinkEvent).where(PersonLinkEvent.batch_id == batch_id)))


NO_SUCH_CHANGE = said("no such change")
ALREADY_UNDONE = said("this change was already undone (undo the undo to redo it)")


def undo_problem(session: Session, batch_id: uuid.UUID, events: list[PersonLinkEvent] | None = None) -> Said | None:
    """Why batch `batch_id` (whose events may be given) cannot be undone now (None: it can)."""
    return undo_problems(session, {batch_id: _batch_events(session, batch_id) if events is None else events})[batch_id]


def undo_problems(session: Session, batches: dict[uuid.UUID, list[PersonLinkEvent]],
                  handles: dict[Any, str] | None = None,
                  known: Iterable[Any] | None = None) -> dict[uuid.UUID, Said | None]:
    """`undo_problem` of many batches (their events given) in two queries however many there are
    (three when a report moved later and `handles`, report handles by id, does not name it).
    `known`: every link event of the batches' reports, already read (an undo's events are on the
    reports it undoes): then no query but for missing handles."""
    effects = {batch_id: batch_effect(events) for batch_id, events in batches.items()}
    report_ids = list({rid for effect in effects.values() for rid in effect})
    if known is not None:
        known = list(known)
        undone = {e.undoes_batch_id for e in known if e.undoes_batch_id in batches}
        wanted = set(report_ids)
        derived = fold_links(report_ids, [e for e in known if e.report_id in wanted])
    else:
        undone = set(session.scalars(select(PersonLinkEvent.undoes_batch_id).where(
            PersonLinkEvent.undoes_batch_id.in_(list(batches))))) if batches else set()
        derived = derived_links(session, report_ids)
    moved = {batch_id: [rid for rid, (_, after) in effect.items() if derived[rid] != after]
             for batch_id, effect in effects.items()}
    handles = dict(handles or {})
    missing = {rid for rids in moved.values() for rid in rids} - set(handles)
    if missing:
        handles.update(session.execute(select(Report.id, Report.handle).where(Report.id.in_(missing))).all())
    out: dict[uuid.UUID, Said | None] = {}
    for batch_id, events in batches.items():
        if not events:
            out[batch_id] = NO_SUCH_CHANGE
        elif batch_id in undone:
            out[batch_id] = ALREADY_UNDONE
        elif moved[batch_id]:
            out[batch_id] = said("a later change moved %(handles)s; undo that later change first, so this undo "
                                 "does not silently revert it",
                                 handles=", ".join(sorted(handles[rid] for rid in moved[batch_id])))
        else:
            out[batch_id] = None
    return out


def undo_batch(session: Session, vault: Vault, batch_id: uuid.UUID, *, reason: str, actor: uuid.UUID) -> Outcome:
    """Append the inverse of a batch, restoring every report of it to where it was before."""
    reason = _reason(reason)
    vault.require_readable()
    _lock(session)
    events = _batch_events(session, batch_id)
    problem = undo_problem(session, batch_id, events)
    if problem == NO_SUCH_CHANGE:
        raise NotFound(problem)
    if problem:
        raise Conflict(problem)
    effect = batch_effect(events)
    reports = list(session.scalars(select(Report).where(Report.id.in_(list(effect))).order_by(Report.id)))
    _check_current(session, vault, reports)
    inverse = _append_batch(session, vault, [(r, effect[r.id][1], effect[r.id][0]) for r in reports], actor=actor,
                            reason=reason, undoes=batch_id)
    audit.record(session, vault, actor=str(actor), action="person.undo", object_type="link_batch",
                 object_id=str(batch_id), details={"batch": str(inverse), "reports": len(reports)})
    session.commit()
    return Outcome(inverse, None)


"""The person page's reading: every linked report decrypted, the combined timeline and the link
history, in a number of queries that does not grow with the reports or the batches shown.

The reports are read with what `integrity_states.states_of_rows` verifies in one query; the status events,
data keys and usernames (of events and of the history's actors together) in one query each; the
history's events, handles, reason keys and undo checks in one query each. Every seal is checked as
before, and one `person.view` plus one `report.view` per report commit before anything decrypted is
returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import bindparam, select, union_all
from sqlalchemy.orm import Session

from ..crypto.vault import Vault
from ..models import Person, PersonLinkEvent, Report, Submission
from ..models.prebuilt import Prebuilt
from ..models.sealed import data_keys, with_working_wrap
from ..wording import Said, said
from . import audit, integrity_states, triage
from .errors import NotFound
from .persons import batch_effect, undo_problems
from .report_view import PersonRef


@dataclass
class BatchView:
    batch_id: uuid.UUID
    occurred_at: datetime
    actor: str | None
    reason: str | None
    score: float | None
    undoes: uuid.UUID | None
    moves: list[tuple[str, str | None, str | None]]  # report handle, person handle before, after
    undo_problem: Said | None = None


@dataclass
class PersonView:
    person: PersonRef
    reports: list[triage.DecryptedReport]
    timeline: list[triage.TimelineEntry]
    history: list[BatchView] = field(default_factory=list)
    # Reports whose row names this person but whose state does not verify: handle and why. Their
    # content is not shown here, since the link itself may be forged.
    unverified: list[tuple[str, str]] = field(default_factory=list)
    beside: Any = None  # what `view_of`'s `beside` read for the page


# The page's statements, built once (building them cost about what running them does), values bound.
_PERSON = select(Person.id, Person.handle).where(Person.handle == bindparam("handle", type_=Person.handle.type))
_REPORTS = (select(Report, *integrity_states.state_columns()).join(Submission, Submission.id == Report.submission_id)
            .where(Report.person_id == bindparam("person_id", type_=Report.person_id.type))
            .order_by(Report.created_on, Report.handle))
# PostgreSQL: the person's and each report's submission's data key read with them (`with_working_wrap`).
_BY_DIALECT = {False: (_PERSON, _REPORTS),
               True: (with_working_wrap(_PERSON, "persons", Person.id),
                      with_working_wrap(_REPORTS, "submissions", Report.submission_id))}
_EVENTS = (select(PersonLinkEvent).where(PersonLinkEvent.batch_id.in_(select(PersonLinkEvent.batch_id).where(
    PersonLinkEvent.person_id == bindparam("person_id", type_=PersonLinkEvent.person_id.type))))
    .order_by(PersonLinkEvent.occurred_at.desc(), PersonLinkEvent.batch_id))
_HANDLES = Prebuilt(lambda among: union_all(select(Report.id, Report.handle).where(among(Report.id, "reports")),
                                            select(Person.id, Person.handle).where(among(Person.id, "persons"))))


def view_of(session: Session, vault: Vault, handle: str, *, actor: uuid.UUID,
            beside: Callable[[PersonView], Any] | None = None) -> PersonView:
    """A person with every linked report decrypted, the combined timeline and the link history.
    `beside`: what else the page reads, in the same transaction before the entries commit (as
    `report_view.view_of`'s: plain values only); its result is `view.beside`.

    Audited as one `person.view` (the history's sealed reasons) plus one `report.view` per report,
    so "who has read report R" stays one lookup by the report's id however it was reached.
    """
    vault.require_readable()
    person_query, reports_query = _BY_DIALECT[session.get_bind().dialect.name == "postgresql"]
    found = session.execute(person_query, {"handle": handle}).first()
    if found is None:
        raise NotFound(said("no such person"))
    person = PersonRef(found.id, found.handle)
    rows = session.execute(reports_query, {"person_id": person.id}).all()
    keys = data_keys(session)
    keys.take_from("persons", [found], attrgetter("id"))
    keys.take_from("submissions", rows, lambda row: row[0].submission_id)
    named = [row[0] for row in rows]
    states = integrity_states.states_of_rows(session, vault, rows)
    reports = [r for r in named if states[r.id].verified and states[r.id].person_id == person.id]
    events = list(session.scalars(_EVENTS, {"person_id": person.id}))
    decrypted, names = triage.decrypt_with_names(session, vault, reports, states, (e.actor_id for e in events))
    timeline = sorted((e for r in decrypted for e in r.timeline), key=lambda e: (e.event_date or "", e.recorded_on))
    view = PersonView(person=person, reports=decrypted, timeline=timeline,
                      history=_history(session, events, names),
                      unverified=[(r.handle, f"{states[r.id].verdict}: {states[r.id].problem}")
                                  for r in named if r not in reports])
    if beside is not None:
        view.beside = beside(view)
    audit.record(session, vault, actor=str(actor), action="person.view", object_type="person",
                 object_id=str(person.id), details={"reports": len(reports)})
    for report in reports:
        audit.record(session, vault, actor=str(actor), action="report.view", object_type="report",
                     object_id=str(report.id), details={"person": str(person.id)})
    session.commit()
    return view


def _history(session: Session, events: list[PersonLinkEvent], names: dict[uuid.UUID, str]) -> list[BatchView]:
    """The batches that ever moved a report to or from the person, newest first (`events`: theirs)."""
    report_ids, person_ids = {e.report_id for e in events}, {e.person_id for e in events if e.person_id}
    handles: dict[Any, str] = dict(session.execute(_HANDLES(session), {
        "reports": list(report_ids), "persons": list(person_ids)}).all()) if events else {}
    data_keys(session).prefetch("persons", person_ids)  # the reasons' keys, one query for every person
    grouped: dict[uuid.UUID, list[PersonLinkEvent]] = {}
    for event in events:
        grouped.setdefault(event.batch_id, []).append(event)
    problems = undo_problems(session, grouped, handles)
    out = []
    for batch_id, rows in grouped.items():
        first = rows[0]
        moves = [(handles[rid], handles.get(before), handles.get(after))
                 for rid, (before, after) in sorted(batch_effect(rows).items(), key=lambda kv: handles[kv[0]])]
        out.append(BatchView(batch_id=batch_id, occurred_at=first.occurred_at,
                             actor=names.get(first.actor_id) if first.actor_id else None,
                             reason=first.reason, score=first.score, undoes=first.undoes_batch_id, moves=moves,
                             undo_problem=problems[batch_id]))
    return out

"""The person page's reading: every linked report decrypted, the combined timeline and the link
history, in a number of queries that does not grow with the reports or the batches shown.

The reports are read with what `integrity_states.states_of_rows` verifies in one query; the status events
with their authors' names, and the data keys, in one query each. Every link event the page needs
(its reports' link histories, which `states_of_rows` checks, the history's batches, whether each
can be undone, the handles and actors' names they show) comes in one query (`_LINKS`). Every seal
is checked as before, and one `person.view` plus one `report.view` per report commit before anything
decrypted is returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from sqlalchemy import bindparam, select, union
from sqlalchemy.orm import Session, aliased

from ..crypto.vault import Vault
from ..models import Person, PersonLinkEvent, Report, Submission, User
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


def _links(among: Any) -> Any:
    """Every link event of the reports of the person's batches and of the page's reports (`ids`),
    newest batch first, with its report's and person's handles and its actor's name. That is each
    of the page's reports' whole link history, every batch that ever moved a report to or from the
    person, and every later event of those reports (undos included: an undo's events are on the
    reports of the batch it undoes)."""
    mine, theirs, shown = aliased(PersonLinkEvent), aliased(PersonLinkEvent), aliased(PersonLinkEvent)
    batches = select(mine.batch_id).where(mine.person_id == bindparam("person_id", type_=mine.person_id.type))
    reports = union(select(theirs.report_id).where(theirs.batch_id.in_(batches)),
                    select(shown.report_id).where(among(shown.report_id, "ids")))
    return (select(PersonLinkEvent, Report.handle.label("report_handle"), Person.handle.label("person_handle"),
                   User.username.label("actor_name"))
            .join(Report, Report.id == PersonLinkEvent.report_id)
            .join(Person, Person.id == PersonLinkEvent.person_id)
            .outerjoin(User, User.id == PersonLinkEvent.actor_id)
            .where(PersonLinkEvent.report_id.in_(reports))
            .order_by(PersonLinkEvent.occurred_at.desc(), PersonLinkEvent.batch_id))


_LINKS = Prebuilt(_links)


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
    links = session.execute(_LINKS(session), {"person_id": person.id, "ids": [r.id for r in named]}).all()
    events = [link[0] for link in links]
    states = integrity_states.states_of_rows(session, vault, rows, link_events=events)
    reports = [r for r in named if states[r.id].verified and states[r.id].person_id == person.id]
    decrypted, _names = triage.decrypt_with_names(session, vault, reports, states)
    timeline = sorted((e for r in decrypted for e in r.timeline), key=lambda e: (e.event_date or "", e.recorded_on))
    view = PersonView(person=person, reports=decrypted, timeline=timeline, history=_history(session, person, links),
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


def _history(session: Session, person: PersonRef, links: Sequence[Any]) -> list[BatchView]:
    """The batches that ever moved a report to or from the person, newest first (`links`: `_LINKS`'s rows)."""
    handles: dict[Any, str] = {}
    names: dict[Any, str] = {}
    for event, report_handle, person_handle, actor_name in links:
        handles[event.report_id], handles[event.person_id] = report_handle, person_handle
        if actor_name is not None:
            names[event.actor_id] = actor_name
    mine = {link[0].batch_id for link in links if link[0].person_id == person.id}
    grouped: dict[uuid.UUID, list[PersonLinkEvent]] = {}
    for link in links:
        if link[0].batch_id in mine:
            grouped.setdefault(link[0].batch_id, []).append(link[0])
    # The reasons' keys, one query for every other person (this one's was read with it).
    data_keys(session).prefetch("persons", {e.person_id for events in grouped.values() for e in events})
    problems = undo_problems(session, grouped, handles, known=[link[0] for link in links])
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

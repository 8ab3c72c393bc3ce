"""The report page's reading of one report: decrypted, verified and audited, in few queries.

One query reads the report with its submission, what `integrity_states.states_of_rows` verifies, the
person's handle, the tags and the other reports of the submission; the status events, data keys and
authors' names (of events and messages together) follow in one query each. Every seal is still
checked as before (`integrity_states.states_of_rows`, status-event verdicts), and one `report.view` entry
commits before anything decrypted is returned.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, String, bindparam, cast, func, select
from sqlalchemy.orm import Session, aliased

from ..crypto.vault import Vault
from ..models import Message, MessageKind, Person, Report, Submission
from ..models.sealed import data_keys, with_working_wrap
from ..models.tag import ReportTag, Tag
from . import audit, integrity_states
from .consent import Consent, consent_of
from ..wording import said
from .errors import NotFound
from .triage import DecryptedReport, MessageEntry, decrypt_with_names

# Tag names are [a-z0-9-] and handles [A-Z0-9-]: a line break never occurs in either.
_SEPARATOR = "\n"


@dataclass(frozen=True)
class PersonRef:
    """The person a report is linked to, as read with the report (no lazy load after the commit)."""

    id: uuid.UUID
    handle: str


@dataclass
class ReportView:
    report: DecryptedReport
    submission_id: uuid.UUID
    submission_status: str | None  # None unless the submission's sealed state verified
    language: str | None
    consent: Consent
    assignee_id: uuid.UUID | None
    person: PersonRef | None
    tags: list[str]
    siblings: list[str]  # handles of the other reports of the same submission
    from_family: list[MessageEntry]
    notes: list[MessageEntry]
    replies: list[MessageEntry]
    arrival: int | None = None  # the inbox's order key (previous/next report)
    beside: Any = None  # what `view_of`'s `beside` read for the page


def _query(postgresql: bool) -> Select[Any]:
    """The report by its handle (a bound parameter, `handle`); on PostgreSQL with its submission's data
    key as wrapped (`with_working_wrap`). Built once per dialect: building it cost more than running
    it (a twentieth of the page's CPU), and the built statement keeps its cache key."""
    tags = (select(func.aggregate_strings(Tag.name, _SEPARATOR)).select_from(ReportTag)
            .join(Tag, Tag.id == ReportTag.tag_id).where(ReportTag.report_id == Report.id)
            .correlate(Report).scalar_subquery())
    other = aliased(Report)
    # "position:handle", so the siblings keep the submission's order however the strings are joined.
    siblings = (select(func.aggregate_strings(cast(other.position, String) + ":" + other.handle, _SEPARATOR))
                .where(other.submission_id == Report.submission_id, other.id != Report.id)
                .correlate(Report).scalar_subquery())
    query = (select(Report, Submission, *integrity_states.state_columns(), Person.handle.label("person_handle"),
                    tags.label("tag_names"), siblings.label("sibling_handles"))
             .join(Submission, Submission.id == Report.submission_id)
             .outerjoin(Person, Person.id == Report.person_id)
             .where(Report.handle == bindparam("handle", type_=String)))
    return with_working_wrap(query, "submissions", Report.submission_id) if postgresql else query


_QUERY = {postgresql: _query(postgresql) for postgresql in (False, True)}
# The submission's messages about this report or about all of its reports.
_MESSAGES = select(Message).where(
    Message.submission_id == bindparam("submission_id", type_=Message.submission_id.type),
    (Message.report_id == bindparam("report_id", type_=Message.report_id.type)) | Message.report_id.is_(None)
).order_by(Message.sequence)


def _split(text: str | None) -> list[str]:
    return text.split(_SEPARATOR) if text else []


def written_by(message: Message) -> tuple[str, uuid.UUID | None]:
    """The kind and author a message can be trusted for. A row with a data key of its own was written
    by the public face (a family's follow-up), and that face's role may insert any kind and author: such
    a row is the family's, whatever it claims. A reviewer's note or reply is sealed under the
    submission's key, which the public face does not keep."""
    if message.own_key:
        return MessageKind.FROM_FAMILY.value, None
    return message.kind, message.author_id


def view_of(session: Session, vault: Vault, handle: str, *, actor: uuid.UUID,
            beside: Callable[[ReportView], Any] | None = None) -> ReportView:
    """Everything about one report, decrypted. Records one `report.view` entry and commits first.

    `beside`: what else the page reads (files, retractions, previous/next...), called with the view
    in the same transaction before the entry commits (after it, a second transaction would cost a
    pooled connection's check, a BEGIN and a ROLLBACK); its result is `view.beside`. It must return
    plain values (objects read through the session expire at the commit)."""
    vault.require_readable()
    row = session.execute(_QUERY[session.get_bind().dialect.name == "postgresql"], {"handle": handle}).first()
    if row is None:
        raise NotFound(said("no such report"))
    report, submission = row[0], row[1]
    data_keys(session).take_from("submissions", [row], lambda _row: report.submission_id)
    states = integrity_states.states_of_rows(session, vault, [row])
    messages = session.scalars(_MESSAGES, {"submission_id": report.submission_id, "report_id": report.id}).all()
    [decrypted], authors = decrypt_with_names(session, vault, [report], states, (m.author_id for m in messages))
    thread: dict[str, list[MessageEntry]] = {k.value: [] for k in MessageKind}
    for m in messages:
        kind, author_id = written_by(m)
        thread.setdefault(kind, []).append(MessageEntry(id=m.id, kind=kind, body=m.body, created_on=m.created_on,
                                                        author=authors.get(author_id) if author_id else None,
                                                        in_reply_to=m.in_reply_to_id))
    state = decrypted.state
    # The person only as the verified state names it (the row's link could be forged).
    person = PersonRef(state.person_id, row.person_handle) if state.person_id and row.person_handle else None
    siblings = sorted((int(p), h) for p, _, h in (s.partition(":") for s in _split(row.sibling_handles)))
    view = ReportView(
        report=decrypted, submission_id=submission.id,
        submission_status=state.submission.status if state.submission else None,
        language=submission.language, consent=consent_of(submission), assignee_id=report.assigned_to_id,
        person=person, tags=sorted(_split(row.tag_names)), siblings=[h for _, h in siblings],
        from_family=thread[MessageKind.FROM_FAMILY.value], notes=thread[MessageKind.INTERNAL_NOTE.value],
        replies=thread[MessageKind.TO_FAMILY.value], arrival=report.arrival)
    if beside is not None:
        view.beside = beside(view)
    # The entry commits before any plaintext leaves this function: no unrecorded reading.
    audit.record(session, vault, actor=str(actor), action="report.view", object_type="report",
                 object_id=str(report.id), details={"submission": str(submission.id)})
    session.commit()
    return view

"""Finding reports without decrypting anything: the inbox and the blind-index search.

The inbox's filters (`InboxFilter`, `_conditions`) are here, its pages in services/inbox.py. The
county filter goes through the `county` blind index. What a page shows of each report's review-side
state (status, verification, person, the family's status) comes from `integrity_states.report_states`:
verified, or replaced by the reason it is not.

`search` finds reports by exact Chinese ID number or normalised name: the query is normalised and
keyed into a token, and matching rows come back as handles. It is audited with the index name and
the number of results, never the query (an ID number or a name is what the log must not hold).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..digits import ascii_digits
from ..crypto.errors import KeysLockedError
from ..crypto.vault import Vault
from ..models import (Person, Report, Role, StatusKind, Submission, SubmissionStatus, User,
                      VerificationLevel)
from ..models.tag import ReportTag, Tag
from ..wording import said
from . import audit, blind_indexes, integrity, integrity_states, normalise
from .errors import InvalidInput

PAGE_SIZE = 50

SEARCHABLE = ("id_number", "name", "name_birth_year", "county_birth_year")
COMPOUND = frozenset({"name_birth_year", "county_birth_year"})  # a value with a birth year
NEEDS_YEAR = frozenset({"name_birth_year"})  # county_birth_year without a year: every year
MAX_RESULTS = 200


# ---------- the inbox ----------

@dataclass(frozen=True)
class InboxFilter:
    status: str | None = None  # the report's status category (detained, sentenced...)
    verification: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    county: str | None = None  # a GB/T 2260 code, matched through the blind index
    assigned_to: uuid.UUID | None = None
    unassigned: bool = False
    needs_information: bool = False
    tag: str | None = None


def _conditions(session: Session, vault: Vault | None, f: InboxFilter) -> list[Any]:
    """The filters on the report's own columns (the county is `county_tokens`')."""
    where: list[Any] = []
    if f.status:
        if f.status not in set(StatusKind):
            raise InvalidInput(said("unknown status"))
        where.append(Report.status == f.status)
    if f.verification:
        if f.verification not in set(VerificationLevel):
            raise InvalidInput(said("unknown verification level"))
        where.append(Report.verification == f.verification)
    if f.created_from:
        where.append(Report.created_on >= f.created_from)
    if f.created_to:
        where.append(Report.created_on <= f.created_to)
    if f.unassigned:
        where.append(Report.assigned_to_id.is_(None))
    elif f.assigned_to:
        where.append(Report.assigned_to_id == f.assigned_to)
    if f.needs_information:
        where.append(Submission.status == SubmissionStatus.NEEDS_INFORMATION.value)
    if f.tag:
        where.append(Report.id.in_(select(ReportTag.report_id).join(Tag, Tag.id == ReportTag.tag_id)
                                   .where(Tag.name == f.tag.strip().lower())))
    return where


def county_tokens(vault: Vault | None, f: InboxFilter) -> blind_indexes.CountyTokens | None:
    """The county filter's tokens: the county with every birth decade (and every birth year, for rows
    older than the decades), under every index key held. None: no county filter."""
    if not f.county:
        return None
    code = normalise.county(f.county)
    if code is None:
        raise InvalidInput(said("a county is a six-digit GB/T 2260 code"))
    if vault is None:
        raise KeysLockedError("filtering by county needs the review keys")
    return blind_indexes.county_tokens(vault, code)


def _shown(state: integrity.ReportState, persons: dict[uuid.UUID, str]) -> tuple[Any, ...]:
    """(status, verification, submission status, person handle): the verified values, or None each."""
    if not state.verified:
        return None, None, None, None
    assert state.submission is not None
    return (state.status, state.verification, state.submission.status,
            persons.get(state.person_id) if state.person_id else None)


def _problem(state: integrity.ReportState) -> str | None:
    return None if state.verified else f"{state.verdict}: {state.problem}"


def person_handles(session: Session, states: Any) -> dict[uuid.UUID, str]:
    ids = {s.person_id for s in states if s.verified and s.person_id}
    return dict(session.execute(select(Person.id, Person.handle).where(Person.id.in_(ids))).all()) if ids else {}


def tags_of(session: Session, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    out: dict[uuid.UUID, list[str]] = {}
    if report_ids:
        for report_id, name in session.execute(
                select(ReportTag.report_id, Tag.name).join(Tag, Tag.id == ReportTag.tag_id)
                .where(ReportTag.report_id.in_(report_ids)).order_by(Tag.name)):
            out.setdefault(report_id, []).append(name)
    return out


def reviewers(session: Session) -> list[Any]:
    """Active accounts a report can be assigned to: rows of (id, username), not whole accounts (the
    inbox and report pages list them on every view; nothing else of an account is needed there)."""
    return list(session.execute(_REVIEWERS))


_REVIEWERS = select(User.id, User.username).where(
    User.is_active.is_(True), User.role.in_([Role.REVIEWER.value, Role.ADMIN.value])).order_by(User.username)


# ---------- search by ID number or name ----------

@dataclass(frozen=True)
class Hit:
    report_id: uuid.UUID
    handle: str
    created_on: date
    status: str | None  # verified values only, as in the inbox
    verification: str | None
    person_handle: str | None
    integrity: str | None = None


def search(session: Session, vault: Vault, index: str, value: str, *, actor: uuid.UUID,
           birth_year: str | int | None = None) -> list[Hit]:
    """Reports matching an ID number, a name, a name with a birth year, or a county code with a
    birth year (or alone: then every birth year). Audited with the index and the count only."""
    if index not in SEARCHABLE:
        raise InvalidInput(said("search by ID number, name, name and birth year, or county and birth year"))
    value = (value or "").strip()
    if not value:
        raise InvalidInput(said("enter an ID number, a name or a county code"))
    year = str(birth_year).strip() if birth_year not in (None, "") else None
    if year is None and index in COMPOUND and (split := re.fullmatch(r"(.+?)\s+(\d{4})", value)):
        value, year = split.group(1), split.group(2)  # "653101 1984", "Abdurehim 1984": one field
    if year is not None and not (ascii_digits(year) and len(year) == 4):
        raise InvalidInput(said("a birth year is four digits"))
    if index in NEEDS_YEAR and year is None:
        raise InvalidInput(said("enter the birth year too"))
    if index == "county_birth_year" and normalise.county(value) is None:
        raise InvalidInput(said("a county is a six-digit GB/T 2260 code"))
    vault.require_readable()
    ids = blind_indexes.matching_ids(vault, index, value, year)
    rows = session.execute(
        select(Report.id, Report.handle, Report.created_on).where(Report.id.in_(ids))
        .order_by(Report.created_on.desc(), Report.handle).limit(MAX_RESULTS)).all() if ids is not None else []
    states = integrity_states.report_states(session, vault, [r[0] for r in rows])
    persons = person_handles(session, states.values())
    hits = []
    for rid, handle, created_on in rows:
        status, verification, _, person = _shown(states[rid], persons)
        hits.append(Hit(rid, handle, created_on, status, verification, person, _problem(states[rid])))
    audit.record(session, vault, actor=str(actor), action="search", object_type="blind_index", object_id=index,
                 details={"index": index, "results": len(hits)})
    session.commit()
    return hits

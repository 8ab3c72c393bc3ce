"""The inbox: reports newest first, a page at a time, with keyset pagination.

Order is `reports.arrival` (set at take-in), newest first, ties broken by id; a page is found from
a cursor (the last row's (arrival, id)) through the index on those two columns, so the thousandth
page costs what the first does. There is no count of all reports: it would read every row on each
view. Reports not yet taken in have no arrival and are counted apart (`awaiting`).

Each page decrypts what the reviewer must see to triage (names and home county) in memory, for the
rows of that page only, and records one `inbox.view` audit entry with the number of rows decrypted
(never what they hold) before returning. With the keys locked the list still works, without names.
Review-side state comes from `integrity.report_states`: verified, or replaced by the reason it is not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy.orm import Session

from ..crypto import fields
from ..crypto.errors import CryptoError
from ..crypto.vault import Vault
from ..models import Attachment, Report, Submission, User
from ..models.base import today
from ..models.sealed import Codec, data_keys
from . import audit, integrity
from .errors import InvalidInput
from .search import InboxFilter, _conditions, _problem, _shown, person_handles, tags_of

PAGE_SIZE = 50
NEWER, OLDER, LAST = "newer", "older", "last"


@dataclass(frozen=True)
class Cursor:
    arrival: int
    id: uuid.UUID

    def encode(self) -> str:
        return f"{self.arrival}.{self.id.hex}"

    @classmethod
    def decode(cls, text: str | None) -> Cursor | None:
        """A cursor from a query string; None for anything malformed (the first page then)."""
        if not text or len(text) > 64 or text.count(".") != 1:
            return None
        arrival, _, ident = text.partition(".")
        if not (arrival.isascii() and arrival.isdigit()) or len(arrival) > 18:
            return None
        try:
            return cls(int(arrival), uuid.UUID(hex=ident))
        except ValueError:
            return None


@dataclass(frozen=True)
class InboxRow:
    report_id: uuid.UUID
    handle: str
    created_on: date
    status: str | None  # verified values only (see integrity.report_states); None otherwise
    verification: str | None
    submission_status: str | None
    assignee: str | None
    person_handle: str | None
    tags: tuple[str, ...]
    attachments: int
    integrity: str | None  # why the state is not shown, when it does not verify
    names: list[dict[str, Any]] | None  # decrypted for this page; None: keys locked or unreadable
    county: str | None  # the family's home county: a GB/T 2260 code (or the text they typed)
    cursor: Cursor

    @property
    def age_days(self) -> int:
        return max(0, (today() - self.created_on).days)


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    newer: Cursor | None  # cursor for the page before (None: this is the first page)
    older: Cursor | None  # cursor for the page after (None: this is the last page)
    awaiting: int  # submissions not taken in yet
    decrypted: bool  # whether names were decrypted (and the view audited)


def _base(session: Session, vault: Vault | None, filters: InboxFilter) -> Any:
    query = select(Report.id).where(Report.arrival.is_not(None), *_conditions(session, vault, filters))
    if filters.needs_information:  # the only filter on the submission: join only when it is used
        query = query.join(Submission, Submission.id == Report.submission_id)
    return query


def _page_ids(session: Session, query: Any, direction: str | None, cursor: Cursor | None,
              per_page: int) -> tuple[list[uuid.UUID], bool]:
    """Ids of one page newest first, and whether there is more in the direction travelled."""
    key = tuple_(Report.arrival, Report.id)
    if direction == NEWER and cursor is not None:
        query = query.where(key > tuple_(cursor.arrival, cursor.id)).order_by(Report.arrival, Report.id)
    elif direction == LAST:
        query = query.order_by(Report.arrival, Report.id)
    else:
        if direction == OLDER and cursor is not None:
            query = query.where(key < tuple_(cursor.arrival, cursor.id))
        query = query.order_by(Report.arrival.desc(), Report.id.desc())
    ids = list(session.scalars(query.limit(per_page + 1)))
    more = len(ids) > per_page
    ids = ids[:per_page]
    return (ids[::-1] if direction in (NEWER, LAST) else ids), more


def inbox(session: Session, vault: Vault | None, filters: InboxFilter, *, actor: uuid.UUID | None,
          direction: str | None = None, cursor: Cursor | None = None, per_page: int = PAGE_SIZE) -> InboxPage:
    """One page, newest first. `direction` NEWER or OLDER moves from `cursor`; LAST is the oldest page."""
    if direction not in (None, NEWER, OLDER, LAST):
        raise InvalidInput("unknown direction")
    ids, more = _page_ids(session, _base(session, vault, filters), direction, cursor, per_page)
    found = {r.id: r for r in session.execute(
        select(Report.id, Report.handle, Report.created_on, Report.arrival, Report.submission_id,
               Report.names_sealed, Report.home_county_sealed, User.username)
        .outerjoin(User, User.id == Report.assigned_to_id).where(Report.id.in_(ids))).all()} if ids else {}
    rows_in_order = [found[i] for i in ids if i in found]
    tags = tags_of(session, ids)
    states = integrity.report_states(session, vault, ids)
    persons = person_handles(session, states.values())
    counts = attachment_counts(session, ids)
    readable = vault is not None and vault.unlocked and actor is not None
    plain = _decrypt_page(session, rows_in_order) if readable and rows_in_order else {}
    rows = []
    for r in rows_in_order:
        status, verification, submission_status, person = _shown(states[r.id], persons)
        names, county = plain.get(r.id, (None, None))
        rows.append(InboxRow(r.id, r.handle, r.created_on, status, verification, submission_status, r.username,
                             person, tuple(tags.get(r.id, ())), counts.get(r.id, 0), _problem(states[r.id]),
                             names, county, Cursor(r.arrival, r.id)))
    if readable and plain:
        assert vault is not None
        # Committed before any name leaves this function: no unrecorded reading. Counts only.
        audit.record(session, vault, actor=str(actor), action="inbox.view", details={"reports": len(plain)})
        session.commit()
    at_start = direction is None or (direction in (NEWER, LAST) and not more)
    at_end = (direction == LAST) or (direction != NEWER and not more)
    return InboxPage(rows=rows, newer=None if at_start or not rows else rows[0].cursor,
                     older=None if at_end or not rows else rows[-1].cursor,
                     awaiting=awaiting(session), decrypted=bool(plain))


def _decrypt_page(session: Session, rows: list[Any]) -> dict[uuid.UUID, tuple[Any, str | None]]:
    """Names and county of each row, in memory; a row that does not decrypt is left out."""
    keys = data_keys(session)
    keys.prefetch("submissions", {r.submission_id for r in rows})
    out: dict[uuid.UUID, tuple[Any, str | None]] = {}
    for r in rows:
        try:
            dek_id, dek = keys.get("submissions", r.submission_id)
            names = Codec.JSON.decode(fields.decrypt_field(
                dek, dek_id, "reports", "names", r.id, r.names_sealed)) if r.names_sealed else []
            county = Codec.TEXT.decode(fields.decrypt_field(
                dek, dek_id, "reports", "home_county", r.id, r.home_county_sealed)) if r.home_county_sealed else None
        except (CryptoError, UnicodeDecodeError, ValueError):
            continue
        out[r.id] = (names, county)
    return out


def names_and_counties(session: Session, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Any, str | None]]:
    """Names and home county of these reports, decrypted in memory (search results show them).
    The caller has audited the reading (search records its number of results)."""
    if not report_ids:
        return {}
    rows = session.execute(select(Report.id, Report.submission_id, Report.names_sealed, Report.home_county_sealed)
                           .where(Report.id.in_(report_ids))).all()
    return _decrypt_page(session, list(rows))


def attachment_counts(session: Session, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not report_ids:
        return {}
    return dict(session.execute(select(Attachment.report_id, func.count(Attachment.id))
                                .where(Attachment.report_id.in_(report_ids)).group_by(Attachment.report_id)).all())


def awaiting(session: Session) -> int:
    return session.scalar(select(func.count(Submission.id)).where(
        Submission.in_working_store.is_(False), Submission.purged_on.is_(None))) or 0


def neighbours(session: Session, vault: Vault | None, filters: InboxFilter,
               me: Report) -> tuple[str | None, str | None]:
    """The handles just newer and just older than report `me` in the inbox under `filters`."""
    if me.arrival is None:
        return None, None
    base = _base(session, vault, filters)
    key, mine = tuple_(Report.arrival, Report.id), tuple_(me.arrival, me.id)
    newer = session.scalar(base.with_only_columns(Report.handle).where(key > mine)
                           .order_by(Report.arrival, Report.id).limit(1))
    older = session.scalar(base.with_only_columns(Report.handle).where(key < mine)
                           .order_by(Report.arrival.desc(), Report.id.desc()).limit(1))
    return newer, older

"""The inbox: reports newest first, a page at a time, with keyset pagination.

Order is `reports.arrival` (set at take-in), newest first, ties broken by id; a page is found from
a cursor (the last row's (arrival, id)) through the index on those two columns, so the thousandth
page costs what the first does. There is no count of all reports: it would read every row on each
view. Reports not yet taken in have no arrival and are counted apart (`awaiting`).

Each page decrypts what the reviewer must see to triage (names and home county) in memory, for the
rows of that page only, and records one `inbox.view` audit entry with the number of rows decrypted
(never what they hold) before returning. With the keys locked the list still works, without names.
Review-side state comes from `integrity_states.report_states`: verified, or replaced by the reason it is not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, literal, select, tuple_, union_all
from sqlalchemy.orm import Session

from ..crypto import fields
from ..crypto.errors import CryptoError
from ..crypto.vault import Vault
from ..models import Attachment, Person, Report, Submission, User
from ..models.tag import ReportTag, Tag
from ..models.base import today
from ..models.sealed import Codec, data_keys
from . import audit, integrity_states
from .errors import InvalidInput
from .search import InboxFilter, _conditions, _problem, _shown

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
    status: str | None  # verified values only (see integrity_states.report_states); None otherwise
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


# The tags of a row, as one string (tag names are [a-z0-9-]: a line break never occurs in one).
_TAG_SEPARATOR = "\n"


def _details(page: Any) -> Any:
    """Everything a page shows of each of its rows, in one query: the row, what
    `integrity_states.states_of_rows` verifies (the report joined to its submission), the assignee's name,
    the person's handle (shown only when the verified state names that person), the number of files
    and the tags. `page` is the subquery of the page's ids (cut first, so only its rows are joined)."""
    files = (select(func.count(Attachment.id)).where(Attachment.shown_with(Report.id, Report.submission_id))
             .correlate(Report).scalar_subquery())
    tags = (select(func.aggregate_strings(Tag.name, _TAG_SEPARATOR)).select_from(ReportTag)
            .join(Tag, Tag.id == ReportTag.tag_id).where(ReportTag.report_id == Report.id)
            .correlate(Report).scalar_subquery())
    return (select(*integrity_states.state_columns(), Report.created_on, Report.arrival, Report.names_sealed,
                   Report.home_county_sealed, User.username, Person.handle.label("person_handle"),
                   files.label("files"), tags.label("tag_names"))
            .join(page, page.c.id == Report.id)
            .join(Submission, Submission.id == Report.submission_id)
            .outerjoin(User, User.id == Report.assigned_to_id)
            .outerjoin(Person, Person.id == Report.person_id))


def _page_rows(session: Session, query: Any, direction: str | None, cursor: Cursor | None,
               per_page: int) -> tuple[list[Any], bool]:
    """The rows of one page newest first, and whether there is more in the direction travelled:
    one query (the page's ids by the (arrival, id) index, then their details)."""
    key = tuple_(Report.arrival, Report.id)
    ascending = direction == LAST or (direction == NEWER and cursor is not None)
    if direction == NEWER and cursor is not None:
        query = query.where(key > tuple_(cursor.arrival, cursor.id))
    elif direction == OLDER and cursor is not None:
        query = query.where(key < tuple_(cursor.arrival, cursor.id))
    order = (Report.arrival, Report.id) if ascending else (Report.arrival.desc(), Report.id.desc())
    page = query.order_by(*order).limit(per_page + 1).subquery("page")
    rows = list(session.execute(_details(page).order_by(*order)).all())
    more = len(rows) > per_page
    rows = rows[:per_page]
    return (rows[::-1] if ascending else rows), more


def inbox(session: Session, vault: Vault | None, filters: InboxFilter, *, actor: uuid.UUID | None,
          direction: str | None = None, cursor: Cursor | None = None, per_page: int = PAGE_SIZE) -> InboxPage:
    """One page, newest first. `direction` NEWER or OLDER moves from `cursor`; LAST is the oldest page.

    A fixed number of queries whatever the page size or the store's: the page's rows (one query),
    their verification (the audit log's anchors and the sealed link events: one query each), their
    data keys (one), the audit entry, and the count of submissions awaiting take-in."""
    if direction not in (None, NEWER, OLDER, LAST):
        raise InvalidInput("unknown direction")
    rows_in_order, more = _page_rows(session, _base(session, vault, filters), direction, cursor, per_page)
    states = integrity_states.states_of_rows(session, vault, rows_in_order)
    readable = vault is not None and vault.unlocked and actor is not None
    plain = _decrypt_page(session, rows_in_order) if readable and rows_in_order else {}
    rows = []
    for r in rows_in_order:
        state = states[r.id]
        persons = {state.person_id: r.person_handle} if state.verified and state.person_id == r.person_id else {}
        status, verification, submission_status, person = _shown(state, persons)
        names, county = plain.get(r.id, (None, None))
        tags = tuple(sorted(r.tag_names.split(_TAG_SEPARATOR))) if r.tag_names else ()
        rows.append(InboxRow(r.id, r.handle, r.created_on, status, verification, submission_status, r.username,
                             person, tags, r.files or 0, _problem(state), names, county, Cursor(r.arrival, r.id)))
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


def awaiting(session: Session) -> int:
    return session.scalar(select(func.count(Submission.id)).where(
        Submission.in_working_store.is_(False), Submission.purged_on.is_(None))) or 0


def neighbours(session: Session, vault: Vault | None, filters: InboxFilter, arrival: int | None,
               report_id: uuid.UUID) -> tuple[str | None, str | None]:
    """The handles just newer and just older than report (`arrival`, `report_id`) in the inbox under
    `filters` (the report's own values, as its page read them: the row is not read again)."""
    if arrival is None:
        return None, None
    base = _base(session, vault, filters)
    key, mine = tuple_(Report.arrival, Report.id), tuple_(arrival, report_id)
    # Both in one round trip; each side keeps its own index walk (ORDER BY ... LIMIT 1 in a subquery).
    newer = base.with_only_columns(Report.handle, literal(NEWER).label("side")).where(key > mine) \
        .order_by(Report.arrival, Report.id).limit(1).subquery()
    older = base.with_only_columns(Report.handle, literal(OLDER).label("side")).where(key < mine) \
        .order_by(Report.arrival.desc(), Report.id.desc()).limit(1).subquery()
    found = {side: handle for handle, side in session.execute(
        union_all(select(newer.c.handle, newer.c.side), select(older.c.handle, older.c.side)))}
    return found.get(NEWER), found.get(OLDER)

"""The inbox: reports newest first, a page at a time, with keyset pagination.

Order is `reports.arrival` (set at take-in), newest first, ties broken by id; a page is found from
a cursor (the last row's (arrival, id)) through the index on those two columns, so the thousandth
page costs what the first does. There is no count of all reports: it would read every row on each
view. Reports not yet taken in have no arrival and are counted apart (`awaiting`). The county
filter pages through the blind index, whose rows carry the arrival (`_county_slice`).

Each page decrypts what the reviewer must see to triage (names and home county) in memory, for the
rows of that page only, and records one `inbox.view` audit entry with the number of rows decrypted
(never what they hold) before returning. With the keys locked the list still works, without names.
Review-side state comes from `integrity_states.report_states`: verified, or replaced by the reason it is not.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from operator import attrgetter
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from sqlalchemy import (LargeBinary, any_, bindparam, false, func, literal, literal_column, select, true, tuple_,
                        union_all)
from sqlalchemy.orm import Session

from ..digits import ascii_digits
from ..crypto import fields
from ..crypto.errors import CryptoError
from ..crypto.vault import Vault
from ..models import Attachment, BlindIndex, Person, Report, Submission, User
from ..models.tag import ReportTag, Tag
from ..models.base import today
from ..models.prebuilt import pg_array
from ..models.sealed import data_keys
from . import audit, integrity_states
from .blind_indexes import DECADES_SINCE, CountyTokens
from .errors import InvalidInput
from .search import InboxFilter, _conditions, _problem, _shown, county_tokens

# Rows per page, chosen by the reviewer (`?rows=`). 25 by default: a page decrypts, verifies and
# draws each of its rows, so its cost grows with them (see docs/benchmarks.md, Review pages), and a
# screen of names read is a screen recorded; 50 and 100 for reading down a long list.
ROW_CHOICES = (25, 50, 100)
PAGE_SIZE = ROW_CHOICES[0]
COUNTY_INDEX, YEAR_INDEX = "county_birth_decade", "county_birth_year"  # the county filter's (see _county_slice)
# Written into the kept statements as constants, not bound: PostgreSQL's generic plan of a prepared
# statement must see them to use the partial index (version < 15) and to estimate the rows of an
# index name; with parameters it planned every county page anew (~1 ms each).
_COUNTY_INDEX, _YEAR_INDEX = (literal(name, literal_execute=True) for name in (COUNTY_INDEX, YEAR_INDEX))
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
        if not ascii_digits(arrival) or len(arrival) > 18:
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


@dataclass(frozen=True)
class _Where:
    """A filter made ready to query: conditions on the report's own columns, and the county's
    blind-index tokens (None: no county filter), with what PostgreSQL's county query needs."""
    filters: InboxFilter
    conditions: list[Any]
    county: CountyTokens | None
    pg_county: bool = False  # PostgreSQL's county query: the tokens array parameters (`tokens`, `legacy`)

    @classmethod
    def of(cls, session: Session, vault: Vault | None, filters: InboxFilter) -> _Where:
        county, conditions = county_tokens(vault, filters), _conditions(session, vault, filters)
        return cls(filters, conditions, county,
                   county is not None and bool(county.decades) and session.get_bind().dialect.name == "postgresql")

    # Built only when a statement is: a kept one (_UNFILTERED) binds the tokens by name, and building
    # these for every county page cost more CPU than the rest of the filter.
    @cached_property
    def tokens(self) -> Any:
        """PostgreSQL: the county's birth-decade tokens as one array parameter (None otherwise)."""
        return pg_array("county_tokens", LargeBinary(), self.county.decades) if self.pg_county else None

    @cached_property
    def legacy(self) -> Any:
        """PostgreSQL: the county's rows written before the birth decades (see _county_slice; None otherwise)."""
        if not self.pg_county:
            return None
        assert self.county is not None
        # Rows of reports indexed before INDEX_VERSION 15 (until `flask index rebuild`), found by
        # their birth-year tokens in a partial index of those rows alone: their ids materialised first
        # (PostgreSQL would otherwise walk every report newest first, probing the index per report).
        # Once rebuilt: one look per token at an empty index.
        years = pg_array("county_year_tokens", LargeBinary(), self.county.years)
        return (select(BlindIndex.report_id)
                .where(BlindIndex.index_name == _YEAR_INDEX, BlindIndex.token == any_(years),
                       BlindIndex.version < literal_column(str(DECADES_SINCE)))
                .cte("county_legacy").prefix_with("MATERIALIZED"))

    def on(self, query: Any) -> Any:
        """`query` (over reports) restricted to these conditions."""
        if self.filters.needs_information:  # the only filter on the submission: join only when it is used
            query = query.join(Submission, Submission.id == Report.submission_id)
        return query.where(*self.conditions)


def _ordered(query: Any, arrival: Any, ident: Any, bound: Cursor | None, ascending: bool, limit: int) -> Any:
    """`query` cut to `limit` rows in inbox order from `bound` (excluded): the newer ones oldest
    first when `ascending`, else the older ones newest first."""
    key = tuple_(arrival, ident)
    if bound is not None:
        query = query.where(key > tuple_(bound.arrival, bound.id) if ascending else key < tuple_(bound.arrival, bound.id))
    # The limit written into the statement, not bound: with LIMIT $n PostgreSQL's generic plan of a
    # prepared statement assumes a tenth of the table, so it planned every page anew (~0.6 ms each).
    return (query.order_by(*((arrival, ident) if ascending else (arrival.desc(), ident.desc())))
            .limit(literal_column(str(int(limit)))))


def _slice(where: _Where, bound: Cursor | None, ascending: bool, limit: int) -> Any:
    """The ids and arrivals of up to `limit` reports under the filter, in inbox order from `bound`."""
    reports = where.on(select(Report.id.label("id"), Report.arrival.label("arrival")).where(Report.arrival.is_not(None)))
    if where.county is None:
        return _ordered(reports, Report.arrival, Report.id, bound, ascending, limit)
    if not where.county.decades:
        return reports.where(false())
    if not where.pg_county:  # SQLite (no LATERAL): the county's report ids, then the page by arrival
        ids = select(BlindIndex.report_id).where(
            ((BlindIndex.index_name == COUNTY_INDEX) & BlindIndex.token.in_(where.county.decades))
            | ((BlindIndex.index_name == YEAR_INDEX) & BlindIndex.token.in_(where.county.years)
               & (BlindIndex.version < DECADES_SINCE)))
        return _ordered(reports.where(Report.id.in_(ids)), Report.arrival, Report.id, bound, ascending, limit)
    return _county_slice(where, reports, bound, ascending, limit)


def _county_slice(where: _Where, reports: Any, bound: Cursor | None, ascending: bool, limit: int) -> Any:
    """The county filter on PostgreSQL. A report is under one of the county's tokens (one per birth
    decade, 14), and a token's rows are in inbox order in the lookup index (index_name, token,
    arrival, report_id): for each token its first `limit` rows from `bound` (a LATERAL index-only
    read that stops there), then the first `limit` of those; beside them the rows indexed before the
    decades existed (`_Where.legacy`)."""
    token = func.unnest(where.tokens).table_valued("token").render_derived(name="county_token")
    rows = select(BlindIndex.report_id.label("id"), BlindIndex.arrival.label("arrival")).where(
        BlindIndex.index_name == _COUNTY_INDEX, BlindIndex.token == token.c.token, BlindIndex.arrival.is_not(None))
    if where.conditions or where.filters.needs_information:  # else an index-only read
        rows = where.on(rows.join(Report, Report.id == BlindIndex.report_id))
    every = _ordered(rows, BlindIndex.arrival, BlindIndex.report_id, bound, ascending, limit).lateral("county_rows")
    legacy = _ordered(reports.where(Report.id.in_(select(where.legacy.c.report_id))), Report.arrival, Report.id,
                      bound, ascending, limit).subquery("county_legacy_rows")
    merged = union_all(select(legacy.c.id, legacy.c.arrival),
                       select(every.c.id, every.c.arrival).select_from(token).join(every, true())).subquery("county")
    return _ordered(select(merged.c.id, merged.c.arrival), merged.c.arrival, merged.c.id, None, ascending, limit)


# The tags of a row, as one string (tag names are [a-z0-9-]: a line break never occurs in one).
_TAG_SEPARATOR = "\n"


def _details(page: Any) -> Any:
    """Everything a page shows of each of its rows, in one query: the row, what
    `integrity_states.states_of_rows` verifies (the report joined to its submission), the assignee's name,
    the person's handle (shown only when the verified state names that person), the number of files
    and the tags; and, the same on every row, the count of submissions awaiting take-in. `page` is
    the subquery of the page's ids (cut first, so only its rows are joined)."""
    files = (select(func.count(Attachment.id)).where(Attachment.shown_with(Report.id, Report.submission_id))
             .correlate(Report).scalar_subquery())
    tags = (select(func.aggregate_strings(Tag.name, _TAG_SEPARATOR)).select_from(ReportTag)
            .join(Tag, Tag.id == ReportTag.tag_id).where(ReportTag.report_id == Report.id)
            .correlate(Report).scalar_subquery())
    return (select(*integrity_states.state_columns(), Report.created_on, Report.arrival, Report.names_sealed,
                   Report.home_county_sealed, User.username, Person.handle.label("person_handle"),
                   files.label("files"), tags.label("tag_names"),
                   _AWAITING.scalar_subquery().label("awaiting"))
            .join(page, page.c.id == Report.id)
            .join(Submission, Submission.id == Report.submission_id)
            .outerjoin(User, User.id == Report.assigned_to_id)
            .outerjoin(Person, Person.id == Report.person_id))


def _page_query(where: _Where, bound: Any, ascending: bool, limit: int) -> Any:
    page = _slice(where, bound, ascending, limit).subquery("page")
    order = (Report.arrival, Report.id) if ascending else (Report.arrival.desc(), Report.id.desc())
    return _details(page).order_by(*order)


# Statements of the unfiltered inbox, with the cursor as parameters: a page's by (county filter,
# ascending, from a cursor, limit), and the report page's neighbours.
_UNFILTERED: dict[tuple[Any, ...], Any] = {}
_CURSOR_SLOT = Cursor(bindparam("after_arrival", type_=Report.arrival.type),  # type: ignore[arg-type]
                      bindparam("after_id", type_=Report.id.type))


def _page_rows(session: Session, where: _Where, direction: str | None, cursor: Cursor | None,
               per_page: int) -> tuple[list[Any], bool]:
    """The rows of one page newest first, and whether there is more in the direction travelled:
    one query (the page's ids in (arrival, id) order, then their details)."""
    ascending = direction == LAST or (direction == NEWER and cursor is not None)
    bound = cursor if direction in (NEWER, OLDER) else None
    county = where.pg_county  # PostgreSQL's county filter, its tokens one array parameter
    if (where.county is None or county) and not where.conditions and not where.filters.needs_information:
        # The unfiltered inbox (the most read page) and the county filter: each statement built once
        # per shape (building the county's cost as much as running it), the cursor and tokens bound.
        key = (county, ascending, bound is not None, per_page + 1)
        query = _UNFILTERED.get(key)
        if query is None:
            query = _UNFILTERED[key] = _page_query(where, _CURSOR_SLOT if bound else None, ascending, per_page + 1)
        params = {"after_arrival": bound.arrival, "after_id": bound.id} if bound else {}
        if county:
            assert where.county is not None
            params.update(county_tokens=where.county.decades, county_year_tokens=where.county.years)
        rows = list(session.execute(query, params).all())
    else:
        rows = list(session.execute(_page_query(where, bound, ascending, per_page + 1)).all())
    more = len(rows) > per_page
    rows = rows[:per_page]
    return (rows[::-1] if ascending else rows), more


def inbox(session: Session, vault: Vault | None, filters: InboxFilter, *, actor: uuid.UUID | None,
          direction: str | None = None, cursor: Cursor | None = None, per_page: int = PAGE_SIZE) -> InboxPage:
    """One page, newest first. `direction` NEWER or OLDER moves from `cursor`; LAST is the oldest page.

    A fixed number of queries whatever the page size or the store's: the page's rows (one query),
    their verification (the audit log's anchors and the sealed link events: one query each), their
    data keys (one), and the audit entry; the count of submissions awaiting take-in comes with the rows
    (a query of its own only for a page without rows)."""
    if direction not in (None, NEWER, OLDER, LAST):
        raise InvalidInput("unknown direction")
    rows_in_order, more = _page_rows(session, _Where.of(session, vault, filters), direction, cursor, per_page)
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
                     awaiting=rows_in_order[0].awaiting if rows_in_order else awaiting(session),
                     decrypted=bool(plain))


def _decrypt_page(session: Session, rows: list[Any]) -> dict[uuid.UUID, tuple[Any, str | None]]:
    """Names and county of each row, in memory; a row that does not decrypt is left out."""
    keys = data_keys(session)
    keys.prefetch("submissions", [r.submission_id for r in rows])  # prefetch makes the set
    out: dict[uuid.UUID, tuple[Any, str | None]] = {}
    loads = json.loads
    for r in rows:
        # Read by position (a row's attribute costs ten times its index), by the query's own names.
        rid, sid, names_sealed, county_sealed = _sealed_of(r)
        try:
            dek_id, dek = keys.get("submissions", sid)
            # Both fields under the one AES object, each with every check decrypt_field makes.
            names, county = _OPENER.open_row(AESGCM(dek), dek_id, rid, (names_sealed or None, county_sealed or None))
            # Codec.JSON and Codec.TEXT's decoding, spelled out: a page decodes a hundred fields.
            out[rid] = (loads(names.decode("utf-8")) if names_sealed else [],
                        county.decode("utf-8") if county_sealed else None)
        except (CryptoError, UnicodeDecodeError, ValueError):
            continue
    return out


_OPENER = fields.ColumnsOpener("reports", ("names", "home_county"))
_sealed_of = attrgetter("id", "submission_id", "names_sealed", "home_county_sealed")


def names_and_counties(session: Session, report_ids: list[uuid.UUID]) -> dict[uuid.UUID, tuple[Any, str | None]]:
    """Names and home county of these reports, decrypted in memory (search results show them).
    The caller has audited the reading (search records its number of results)."""
    if not report_ids:
        return {}
    rows = session.execute(select(Report.id, Report.submission_id, Report.names_sealed, Report.home_county_sealed)
                           .where(Report.id.in_(report_ids))).all()
    return _decrypt_page(session, list(rows))


def awaiting(session: Session) -> int:
    return session.scalar(_AWAITING) or 0


_AWAITING = select(func.count(Submission.id)).where(Submission.in_working_store.is_(False),
                                                    Submission.purged_on.is_(None))


def neighbours(session: Session, vault: Vault | None, filters: InboxFilter, arrival: int | None,
               report_id: uuid.UUID) -> tuple[str | None, str | None]:
    """The handles just newer and just older than report (`arrival`, `report_id`) in the inbox under
    `filters` (the report's own values, as its page read them: the row is not read again)."""
    if arrival is None:
        return None, None
    where, mine = _Where.of(session, vault, filters), Cursor(arrival, report_id)
    if where.county is None and not where.conditions and not where.filters.needs_information:
        query = _UNFILTERED.get(("neighbours",))  # the unfiltered inbox's (the report page's usual): built once
        if query is None:
            query = _UNFILTERED["neighbours",] = _neighbours_query(where, _CURSOR_SLOT)
        rows = session.execute(query, {"after_arrival": arrival, "after_id": report_id})
    else:
        rows = session.execute(_neighbours_query(where, mine))
    found = {side: handle for handle, side in rows}
    return found.get(NEWER), found.get(OLDER)


def _neighbours_query(where: _Where, mine: Any) -> Any:
    # Both in one round trip; each side keeps its own index walk (ORDER BY ... LIMIT 1 in a subquery).
    sides = [(side, _slice(where, mine, side == NEWER, 1).subquery()) for side in (NEWER, OLDER)]
    return union_all(*(select(Report.handle, literal(side).label("side")).join(one, one.c.id == Report.id)
                       for side, one in sides))

"""The inbox's county filter reads the county's blind-index rows in inbox order (each row carries its
report's arrival): every page in the right order whichever way it is reached, with other filters
too, rows written before they carried the arrival still found, and `flask index rebuild` copying it
onto them. SQLite and PostgreSQL (the `db_url` fixture)."""

from __future__ import annotations

import dataclasses
import uuid
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import delete, event, func, select, text, update

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, BlindIndex, Report, Submission, SubmissionStatus
from intake.services import inbox, index_jobs, search, take_in
from tests.helpers import full_report, submit
from tests.unit.test_triage import make_reviewer

KASHGAR, URUMQI = "653101", "650102"
YEARS = ("1960", "1984-06", None)  # three of the county's tokens (no birth year is a token of its own)


@pytest.fixture
def store(public_app: Flask, review_app: Flask) -> Flask:
    """Eleven reports of Kashgar over three birth years between four of Urumqi, in three submissions
    (arrival follows submission, then position); two Kashgar reports share an arrival, as two
    take-ins racing may leave them (the order then falls to the id)."""
    counties = [KASHGAR if i % 3 else URUMQI for i in range(15)]
    reports = [dataclasses.replace(full_report(f"c{i}"), home_county=county, birth_date=YEARS[i % 3])
               for i, county in enumerate(counties)]
    for part in (reports[:5], reports[5:9], reports[9:]):
        submit(public_app, *part)
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (3, 0)
        a, b = db.session.scalars(select(Report.id).order_by(Report.arrival).limit(2).offset(7)).all()
        tied = db.session.scalar(select(Report.arrival).where(Report.id == a))
        for rid in (a, b):
            db.session.execute(update(Report).where(Report.id == rid).values(arrival=tied))
            db.session.execute(update(BlindIndex).where(BlindIndex.report_id == rid).values(arrival=tied))
        db.session.commit()
    return review_app


def newest_first(app: Flask, county: str, **where) -> list[str]:
    """What the pages must show, read from the reports themselves (the county from the sealed field)."""
    with app.app_context():
        rows = db.session.scalars(select(Report).filter_by(**where).order_by(Report.arrival.desc(), Report.id.desc()))
        return [r.handle for r in rows if r.home_county == county]


def walk(app: Flask, per_page: int = 3, **f) -> tuple[list[str], list[list[str]]]:
    """Every page from the first by `older` links, then back by `newer` links from the last; and
    the oldest page. Checks each page's links on the way."""
    filters = search.InboxFilter(**f)
    with app.app_context():
        vault = get_vault()

        def page(direction=None, cursor=None):  # noqa: ANN001, ANN202
            return inbox.inbox(db.session, vault, filters, actor=None, per_page=per_page, direction=direction,
                               cursor=cursor)

        pages = [page()]
        assert pages[0].newer is None
        while pages[-1].older is not None:
            pages.append(page(inbox.OLDER, pages[-1].older))
        back = [pages[-1]]
        while back[-1].newer is not None:
            back.append(page(inbox.NEWER, back[-1].newer))
        seen = [[r.handle for r in p.rows] for p in pages]
        assert [[r.handle for r in p.rows] for p in reversed(back)] == seen  # the same pages, coming back
        last = page(inbox.LAST)
        assert [r.handle for r in last.rows] == [h for p in seen for h in p][-per_page:] and last.older is None
        return [h for p in seen for h in p], seen


def test_county_pages_in_inbox_order_whichever_way_they_are_reached(store):
    expected = newest_first(store, KASHGAR)
    assert len(expected) == 10
    seen, pages = walk(store, county=KASHGAR)
    assert seen == expected and [len(p) for p in pages] == [3, 3, 3, 1]
    assert walk(store, per_page=50, county=KASHGAR)[0] == expected  # one page of everything
    assert walk(store, county=URUMQI)[0] == newest_first(store, URUMQI)
    assert walk(store, county="659004")[0] == []  # a county nobody comes from


def test_county_with_other_filters_and_the_report_pages_neighbours(store):
    reviewer = make_reviewer(store)
    with store.app_context():
        mine = [r.id for r in db.session.scalars(select(Report).order_by(Report.arrival)) if r.home_county == KASHGAR]
        db.session.execute(update(Report).where(Report.id.in_(mine[::2])).values(assigned_to_id=reviewer))
        db.session.commit()
    expected = newest_first(store, KASHGAR, assigned_to_id=reviewer)
    assert len(expected) == 5
    assert walk(store, per_page=2, county=KASHGAR, assigned_to=reviewer)[0] == expected
    with store.app_context():  # the filter on the submission: another join
        first = db.session.scalar(select(Report.submission_id).order_by(Report.arrival).limit(1))
        db.session.execute(update(Submission).where(Submission.id == first).values(
            status=SubmissionStatus.NEEDS_INFORMATION.value))
        db.session.commit()
    expected = newest_first(store, KASHGAR, submission_id=first)
    assert 0 < len(expected) < 10
    assert walk(store, per_page=2, county=KASHGAR, needs_information=True)[0] == expected

    neighbours_in_order(store, newest_first(store, KASHGAR))


def neighbours_in_order(app: Flask, everything: list[str]) -> None:
    """Each report page's previous and next report under the county filter are its neighbours in
    `everything` (the county's reports newest first)."""
    filters = search.InboxFilter(county=KASHGAR)
    with app.app_context():
        for i, handle in enumerate(everything):
            arrival, rid = db.session.execute(select(Report.arrival, Report.id).where(Report.handle == handle)).one()
            newer, older = inbox.neighbours(db.session, get_vault(), filters, arrival, rid)
            assert newer == (everything[i - 1] if i else None)
            assert older == (everything[i + 1] if i + 1 < len(everything) else None)


def unfilled(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(BlindIndex).where(BlindIndex.arrival.is_(None)))


def test_take_in_writes_the_arrival_on_every_row(store):
    with store.app_context():
        assert db.session.scalar(select(func.count()).select_from(BlindIndex)) > 15
        assert not db.session.scalar(select(func.count()).select_from(BlindIndex).join(
            Report, Report.id == BlindIndex.report_id).where(BlindIndex.arrival.is_distinct_from(Report.arrival)))


def legacy(app: Flask) -> int:
    """Rows written before the birth decades (INDEX_VERSION 15)."""
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(BlindIndex).where(BlindIndex.version < 15))


def as_written_before(app: Flask, ids: list[uuid.UUID], *, arrival: bool) -> None:
    """These reports' rows as INDEX_VERSION 14 left them: no birth-decade row, version 14, and
    (not `arrival`) no arrival either, as migration 0015 left them."""
    with app.app_context():
        db.session.execute(delete(BlindIndex).where(BlindIndex.report_id.in_(ids),
                                                    BlindIndex.index_name == "county_birth_decade"))
        values: dict[str, Any] = {"version": 14} if arrival else {"version": 14, "arrival": None}
        db.session.execute(update(BlindIndex).where(BlindIndex.report_id.in_(ids)).values(**values))
        db.session.commit()


@pytest.mark.parametrize("which", ["some", "all"])
@pytest.mark.parametrize("arrival", [True, False], ids=["version-14", "no-arrival"])
def test_rows_written_before_the_decades_are_found_until_the_rebuild(store, which, arrival):
    """Rows as INDEX_VERSION 14 (with an arrival) or migration 0015 (without) left them, beside rows
    written since (some) or alone (all): found by their birth-year tokens until the rebuild writes
    the decades (and copies the arrival)."""
    expected = newest_first(store, KASHGAR)
    with store.app_context():
        ids = list(db.session.scalars(select(Report.id).order_by(Report.id)))
    old = ids[::2] if which == "some" else ids
    as_written_before(store, old, arrival=arrival)
    assert legacy(store) and bool(unfilled(store)) is not arrival
    assert walk(store, county=KASHGAR)[0] == expected
    assert walk(store, per_page=2, county=KASHGAR)[0] == expected
    neighbours_in_order(store, expected)

    with store.app_context():
        assert index_jobs.rebuild(db.session, get_vault(), batch=4) == (len(old), 0)
        if not arrival:
            copied = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "index.rebuild")).first()
            assert copied.details["arrivals_copied"] > 0
    assert legacy(store) == unfilled(store) == 0
    test_take_in_writes_the_arrival_on_every_row(store)
    assert walk(store, county=KASHGAR)[0] == expected


def test_the_county_filter_follows_an_index_key_rotation(store, keys):
    """The county's tokens are kept per process. Once the index key is rotated, every row rebuilt
    under the new key and the old key retired, the same vault's filter still finds every report:
    tokens kept from before the rotation would find none."""
    expected = newest_first(store, KASHGAR)
    assert walk(store, per_page=50, county=KASHGAR)[0] == expected
    with store.app_context():
        vault = get_vault()
        kept = search.county_tokens(vault, search.InboxFilter(county=KASHGAR))
        before = kept.decades + kept.years
        assert index_jobs.rotate_key(db.session, vault, keys.passphrase)
        assert index_jobs.rebuild(db.session, vault) == (15, 0)
        assert index_jobs.retire_unused(db.session, vault, keys.passphrase)
        after = search.county_tokens(vault, search.InboxFilter(county=KASHGAR))
        assert not set(before) & set(after.decades + after.years)
    assert walk(store, per_page=50, county=KASHGAR)[0] == expected


def test_a_birth_decade_with_most_of_a_page(public_app, review_app):
    """26 reports of one county, 20 of them born in 1984, the rest around them (one in the same
    decade), walked by pages of 12 and of 50: each page holds rows of several decades' tokens."""
    years = ["1984"] * 20 + ["1960", "1971", None, "1984-06", "1990", "1960"]
    reports = [dataclasses.replace(full_report(f"y{i}"), home_county=KASHGAR, birth_date=years[(i * 7) % 26])
               for i in range(26)]
    submit(public_app, *reports[:13])
    submit(public_app, *reports[13:])
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (2, 0)
    expected = newest_first(review_app, KASHGAR)
    assert len(expected) == 26
    for per_page in (12, 50):
        assert walk(review_app, per_page=per_page, county=KASHGAR)[0] == expected, per_page


def test_a_cursor_into_nowhere_is_an_empty_page_not_an_error(store):
    with store.app_context():
        page = inbox.inbox(db.session, get_vault(), search.InboxFilter(county=KASHGAR), actor=None,
                           direction=inbox.OLDER, cursor=inbox.Cursor(0, uuid.UUID(int=0)))
        assert page.rows == [] and page.older is None


def test_a_page_reads_a_pages_worth_of_index_rows_however_large_the_county(public_app, review_app, db_url):
    """The plan, on PostgreSQL: 60 reports under one token of the county, a page of 5 reads at most
    6 of their index rows (the page and one to tell whether there is more), not all 60."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no LATERAL: its county query is the earlier one, whose rows the tests above check")
    submit(public_app, *[dataclasses.replace(full_report(f"p{i}"), home_county=KASHGAR, birth_date="1984")
                         for i in range(60)])
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (1, 0)
        db.session.execute(text("ANALYZE"))
        statements: list[tuple[str, Any]] = []

        def grab(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
            if "blind_indexes" in statement:
                statements.append((statement, parameters))

        event.listen(db.engine, "before_cursor_execute", grab)
        try:
            page = inbox.inbox(db.session, get_vault(), search.InboxFilter(county=KASHGAR), actor=None, per_page=5)
        finally:
            event.remove(db.engine, "before_cursor_execute", grab)
        assert len(page.rows) == 5 and page.older is not None
        [(statement, parameters)] = statements
        driver = db.session.connection().connection.driver_connection
        with driver.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0][0]["Plan"]

    def index_rows(node: dict[str, Any], exact: dict[str, Any] | None = None) -> int:
        """Rows out of the blind_indexes scans. A scan run once per token reports its rows as a
        rounded mean per run, so the count is taken from the nearest node run once above it."""
        exact = node if node["Actual Loops"] == 1 else exact
        if node.get("Relation Name") == "blind_indexes":
            assert exact is not None
            return exact["Actual Rows"]
        return sum(index_rows(child, exact) for child in node.get("Plans", []))

    assert 0 < index_rows(plan) <= 6, plan

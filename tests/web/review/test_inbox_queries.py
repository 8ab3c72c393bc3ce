"""The inbox asks the database a fixed number of questions per page: as many for a page of 2 rows as
for one of 40, with tags, assignees and persons on them, filtered by county or not, first page or
by cursor. Counted with an SQLAlchemy listener (a count, not a timing): a per-row lookup (N+1)
creeping back in fails here."""

from __future__ import annotations

import dataclasses
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event, select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Person, Report
from intake.services import persons, triage
from tests.helpers import full_report
from tests.web.review.test_triage_views import audit_entries, audit_head, load, rows_of

# Every page of the inbox: session and account (2), reviewers for the forms (1), the page's rows
# with their states, assignees, persons, files and tags, and the count of submissions awaiting
# take-in (1), the audit log's anchors and the sealed link events they are verified against (2),
# their data keys (1: read beside each of 50 rows they cost the rows' query more than their own), the
# audit entry (the chain's lock and head, 1 on PostgreSQL and 2 on SQLite; the insert), saved views (1).
MAX_QUERIES = {"postgresql": 10, "sqlite": 11}


@contextmanager
def counted(app) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany) -> None:  # noqa: ANN001
        statements.append(statement)

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def queries_for(app, client, url: str, rows: int) -> int:
    with counted(app) as statements:
        page = client.get(url)
    assert page.status_code == 200
    assert len(rows_of(page.get_data(as_text=True))) == rows, url
    return len(statements)


def decorate(app, user, handles: list[str]) -> None:
    """Tags, an assignee and a person on every row, so any per-row lookup would show."""
    with app.app_context():
        vault = get_vault()
        for i, handle in enumerate(handles):
            triage.add_tag(db.session, vault, handle, f"tag-{i % 3}", actor=user.id)
            triage.add_tag(db.session, vault, handle, "urgent", actor=user.id)
            triage.assign(db.session, vault, handle, user.id, actor=user.id)
        persons.link_report(db.session, vault, handles[0], None, reason="same ID number", actor=user.id)
        person = db.session.scalar(select(Person.handle).join(Report, Report.person_id == Person.id)
                                   .where(Report.handle == handles[0]))
        for handle in handles[1:]:
            persons.link_report(db.session, vault, handle, person, reason="same ID number", actor=user.id)


def test_queries_per_inbox_page_do_not_grow_with_rows(app, make_user, sign_in):
    user = make_user("reviewer", username="amina")
    client = app.test_client()
    sign_in(client, user)
    kashgar = [dataclasses.replace(full_report(f"k{i}"), home_county="653101") for i in range(2)]
    few = load(app, *kashgar)
    decorate(app, user, few)
    small = {"first": queries_for(app, client, "/review/inbox", 2),
             "county": queries_for(app, client, "/review/inbox?county=653101", 2),
             "last": queries_for(app, client, "/review/inbox?last=1", 2)}

    many = load(app, *[dataclasses.replace(full_report(str(i)), home_county="653101") for i in range(50)])
    decorate(app, user, many[:40])
    html = client.get("/review/inbox?rows=50").get_data(as_text=True)
    assert "urgent" in html and "amina" in html  # the rows carry what would be looked up per row
    older = re.search(r'href="([^"]*older=[^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    before = audit_head(app)
    large = {"first": queries_for(app, client, "/review/inbox?rows=50", 50),
             "county": queries_for(app, client, "/review/inbox?county=653101&rows=50", 50),
             "last": queries_for(app, client, "/review/inbox?last=1&rows=50", 50)}
    assert queries_for(app, client, older, 2) == small["first"]  # a page reached by cursor
    assert [e[0] for e in audit_entries(app, before)] == ["inbox.view"] * 4  # still one entry per page

    assert large == small
    dialect = "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"
    assert max(small.values()) <= MAX_QUERIES[dialect], small


def test_a_wrap_read_with_the_rows_under_a_key_not_held_is_read_again(app, make_user, sign_in):
    """The report and person pages read one working-store wrap beside each row (PostgreSQL). When that
    one is under a key-encryption key this process does not hold (here a stray second wrap that comes
    first), the keys are read again the usual way: every page still shows what it decrypts."""
    from intake.models import RecordKey, Submission

    user = make_user("reviewer", username="amina")
    client = app.test_client()
    sign_in(client, user)
    [handle] = load(app, full_report("w"))
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        submission = db.session.get(Submission, report.submission_id)
        db.session.add(RecordKey(id=uuid.UUID(int=0), owner_table="submissions", owner_id=submission.id,
                                 dek_id=bytes(16), holder="kek", holder_key_id=bytes(16), wrapped=b"stray"))
        persons.link_report(db.session, get_vault(), handle, None, reason="same ID number", actor=user.id)
        person = db.session.scalar(select(Person.handle).join(Report, Report.person_id == Person.id)
                                   .where(Report.handle == handle))
    inbox = client.get("/review/inbox").get_data(as_text=True)
    assert rows_of(inbox) == [handle] and "name-ug-w" in inbox
    for url in (f"/review/reports/{handle}", f"/review/persons/{person}"):
        page = client.get(url)
        assert page.status_code == 200 and "name-ug-w" in page.get_data(as_text=True), url


def test_an_inbox_page_is_planned_once_per_connection(app, db_url):
    """PostgreSQL keeps a generic plan of a statement prepared on a connection when it costs no more
    than one planned for the values at hand. An inbox page's statement binds no limit (LIMIT $n makes
    the generic plan assume a tenth of the table, so every page was planned anew): after the
    driver prepares it (its fifth use), the pages are served from one generic plan."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite does not keep plans between statements")
    from sqlalchemy import text

    from intake.services import inbox
    from intake.services.search import InboxFilter

    load(app, *[dataclasses.replace(full_report(f"g{i}")) for i in range(3)])
    with app.app_context():
        vault = get_vault()
        for _ in range(20):  # one transaction: one connection
            first = inbox.inbox(db.session, vault, InboxFilter(), actor=None, per_page=2)
            inbox.inbox(db.session, vault, InboxFilter(), actor=None, per_page=2, direction=inbox.OLDER,
                        cursor=first.older)
        plans = db.session.execute(text(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%ORDER BY reports.arrival DESC, reports.id DESC%'")).all()
        db.session.rollback()
    assert len(plans) == 2, plans  # the first page's statement and the one from a cursor
    assert all(generic >= 10 and custom <= 5 for generic, custom in plans), plans


def test_an_inbox_page_stays_prepared_across_rolled_back_requests(app, db_url):
    """A request that only reads ends in a rollback (the front page, any page that does not commit).
    psycopg forgets every prepared statement on a rollback: with such requests between the inbox's
    pages, its statement never reached its fifth use on a connection and was planned on every page.
    The connection keeps them (models/pg_connection.py)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite does not keep plans between statements")
    from sqlalchemy import text

    from intake.services import inbox
    from intake.services.search import InboxFilter

    load(app, *[dataclasses.replace(full_report(f"r{i}")) for i in range(3)])
    with app.app_context():
        vault = get_vault()
        backends = set()
        for _ in range(14):
            inbox.inbox(db.session, vault, InboxFilter(), actor=None, per_page=2)
            backends.add(db.session.scalar(text("SELECT pg_backend_pid()")))
            db.session.rollback()  # as a request that read and did not commit ends
        plans = db.session.execute(text(
            "SELECT generic_plans FROM pg_prepared_statements "
            "WHERE statement LIKE '%ORDER BY reports.arrival DESC, reports.id DESC%'")).scalars().all()
        db.session.rollback()
    assert len(backends) == 1, backends  # one connection throughout, as a worker's
    assert plans and plans[0] >= 3, plans

"""The report page and the person page ask the database a bounded number of questions, however much a
report carries (tags, notes, replies, status events, files) and however many reports a person has.
Counted with an SQLAlchemy listener (a count, not a timing): a per-item lookup creeping back in, or
the signed-in account read again, fails here."""

from __future__ import annotations

import dataclasses
import io
import os

from PIL import Image
from sqlalchemy import event, select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Report
from intake.services import attachments, persons, triage
from tests.helpers import full_report
from tests.web.review.test_inbox_queries import counted
from tests.web.review.test_persons_views import person_of
from tests.web.review.test_triage_views import audit_entries, audit_head, load, reviewer  # noqa: F401

# The report page: session and account (2); the report with its submission, authenticated-state
# columns, person, tags and sibling reports (1; on PostgreSQL with the submission's data key as
# wrapped); the audit anchors and sealed link events its state is checked against (2); messages,
# status events with their authors' names, data keys (SQLite), the names of messages' authors who
# wrote no event (2-4: here none); the audit entry (the chain's lock and head, 1 on PostgreSQL and 2
# on SQLite; the insert); reviewers for the assignment form, previous/next report, retractions,
# files, import source (5).
MAX_REPORT_QUERIES = {"postgresql": 14, "sqlite": 16}
# The person page: session and account (2), the person (1), its reports with their state columns (1;
# on PostgreSQL both with their data keys as wrapped), every link event it needs with its handles and
# actors' names (1: the reports' link histories, the history, the undo checks), anchors (1), status
# events with their authors' names (1), data keys (SQLite, 2), its reasons' keys (SQLite, or other
# persons': 0-1), the audit entries (lock and head 1 on PostgreSQL, 2 on SQLite; the insert),
# retractions (1).
MAX_PERSON_QUERIES = {"postgresql": 10, "sqlite": 13}


def dialect(app) -> str:
    return "postgresql" if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") else "sqlite"


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (seed % 256, 10, 10)).save(out, "PNG")
    return out.getvalue()


def decorate(app, user, handle: str, times: int) -> None:
    """`times` of everything the report page lists, so any per-item lookup would show."""
    with app.app_context():
        vault = get_vault()
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        for i in range(times):
            triage.add_tag(db.session, vault, handle, f"tag-{i}", actor=user.id)
            triage.add_note(db.session, vault, handle, f"note {i}", actor=user.id)
            triage.reply(db.session, vault, handle, f"reply {i}", question=bool(i % 2), actor=user.id)
            triage.add_status_event(db.session, vault, handle, kind="detained", event_date=f"{2018 + i}",
                                    source=f"cousin {i}", actor=user.id)
            upload = attachments.inspect_upload(f"photo-{i}.png", _png(i))
            attachments.add_attachments(db.session, report.submission_id, [upload], report_id=report.id,
                                        own_key=False)
            db.session.commit()
        triage.assign(db.session, vault, handle, user.id, actor=user.id)


def queries_for(app, client, url: str, expect: str) -> int:
    with counted(app) as statements:
        page = client.get(url)
    assert page.status_code == 200
    assert expect in page.get_data(as_text=True), url
    if os.environ.get("INTAKE_SHOW_QUERIES"):  # to see which questions a page asks (never in CI)
        print(f"\n{len(statements)} queries for {url}:\n" + "\n".join(s.split("\n")[0][:160] for s in statements))
    return len(statements)


def test_queries_per_report_page_do_not_grow_with_what_it_shows(app, reviewer):
    client, user = reviewer
    few, many = load(app, full_report("few"), full_report("many"))
    decorate(app, user, few, 1)
    decorate(app, user, many, 4)
    for handle in (few, many):
        with app.app_context():
            persons.link_report(db.session, get_vault(), handle, None, reason="same ID number", actor=user.id)
    small = queries_for(app, client, f"/review/reports/{few}", "note 0")
    before = audit_head(app)
    large = queries_for(app, client, f"/review/reports/{many}", "reply 3")
    assert [e[0] for e in audit_entries(app, before)] == ["report.view"]  # still one entry per view
    assert large == small
    assert small <= MAX_REPORT_QUERIES[dialect(app)], small


def test_queries_per_person_page_do_not_grow_with_its_reports(app, reviewer):
    client, user = reviewer
    handles = load(app, *[full_report(f"p{i}") for i in range(5)])
    with app.app_context():
        vault = get_vault()
        persons.link_report(db.session, vault, handles[0], None, reason="same ID number", actor=user.id)
    person = person_of(app, handles[0])
    with app.app_context():
        persons.link_report(db.session, get_vault(), handles[1], person, reason="same ID number", actor=user.id)
    for handle in handles[:2]:
        decorate(app, user, handle, 1)
    small = queries_for(app, client, f"/review/persons/{person}", "cousin 0")
    with app.app_context():
        for handle in handles[2:]:
            persons.link_report(db.session, get_vault(), handle, person, reason="same ID number", actor=user.id)
    for handle in handles[2:]:
        decorate(app, user, handle, 2)
    before = audit_head(app)
    large = queries_for(app, client, f"/review/persons/{person}", "cousin 1")
    assert [e[0] for e in audit_entries(app, before)] == ["person.view"] + ["report.view"] * 5
    assert large == small
    assert small <= MAX_PERSON_QUERIES[dialect(app)], small


def transactions_for(app, client, url: str) -> int:
    """How many transactions the page's request opens (each also costs a pooled connection's check,
    a BEGIN and its end)."""
    begun: list[int] = []
    with app.app_context():
        engine = db.engine
    listener = lambda conn: begun.append(1)  # noqa: E731
    event.listen(engine, "begin", listener)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(engine, "begin", listener)
    return len(begun)


def test_each_audited_page_is_read_in_one_transaction(app, reviewer):
    """What a page shows beside its decrypted reports (files, retractions, previous/next, reviewers,
    saved views) is read before its audit entry commits, not in a second transaction after it."""
    client, user = reviewer
    handles = load(app, dataclasses.replace(full_report("a"), home_county="653101"), full_report("b"))
    decorate(app, user, handles[0], 1)
    with app.app_context():
        persons.link_report(db.session, get_vault(), handles[0], None, reason="same ID number", actor=user.id)
    person = person_of(app, handles[0])
    for url in (f"/review/reports/{handles[0]}", f"/review/reports/{handles[1]}?status=received",
                f"/review/persons/{person}", "/review/inbox", "/review/inbox?county=653101"):
        before = audit_head(app)
        assert transactions_for(app, client, url) == 1, url
        assert audit_head(app) > before, url  # the page was audited: its entry is in that transaction

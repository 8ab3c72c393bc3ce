"""Persons: links, merges, splits and undo are appended events only; no testimony is ever touched.

The central guarantee, checked byte for byte: after merge -> split -> undo -> undo, every sealed
column of every report, status event, message and submission is identical to before, every
report's person is back where it was, and the event log only grew.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import (AuditEvent, Message, Person, PersonLinkEvent, RecordKey, Report, StatusEvent,
                           Submission)
from intake.services import person_view, persons, triage
from intake.services.errors import Conflict, InvalidInput
from tests.helpers import full_report
from tests.unit.test_triage import audit_count, follow_up, make_reviewer, stored


def sealed_snapshot() -> dict:
    """The raw ciphertext of every sealed column of every row that holds testimony."""
    out = {}
    for model in (Report, StatusEvent, Message, Submission):
        cols = [a.key for a in sa.inspect(model).column_attrs if a.key.endswith("_sealed") or a.key == "for_family"]
        for row in db.session.execute(select(model.id, *[getattr(model, c) for c in cols])):
            out[(model.__tablename__, row[0])] = tuple(row[1:])
    return out


def links() -> dict:
    return dict(db.session.execute(select(Report.handle, Report.person_id)).all())


def event_log() -> dict:
    cols = [c.key for c in sa.inspect(PersonLinkEvent).column_attrs]
    return {row[0]: tuple(row) for row in db.session.execute(select(*[getattr(PersonLinkEvent, c) for c in cols]))}


def person_of(handle: str) -> str | None:
    return db.session.scalar(select(Person.handle).join(Report, Report.person_id == Person.id)
                             .where(Report.handle == handle))


@pytest.fixture
def world(public_app, review_app):
    """Four reports in three submissions, with status events, notes and replies; each linked to a person."""
    reviewer = make_reviewer(review_app)
    a1, a2 = stored(public_app, review_app, full_report("a1"), full_report("a2"))
    [b1] = stored(public_app, review_app, full_report("b1"))
    [c1] = stored(public_app, review_app, full_report("c1"))
    follow_up(public_app, b1, text="news from the family", new_status="released", event_date="2022")
    follow_up(public_app, a1, text="a photo will follow")
    with review_app.app_context():
        s, v = db.session, get_vault()
        triage.add_status_event(s, v, a1, kind="detained", event_date="2017-04", source="family", actor=reviewer)
        triage.add_status_event(s, v, b1, kind="sentenced", event_date="2019", source="court", sentence="10 years",
                                actor=reviewer)
        triage.add_note(s, v, a2, "same village as b1?", actor=reviewer)
        triage.reply(s, v, b1, "Do you have his ID number?", question=True, actor=reviewer)
        pa = persons.link_report(s, v, a1, None, reason="first report", actor=reviewer).person_handle
        persons.link_report(s, v, a2, pa, reason="same ID number", actor=reviewer)
        pb = persons.link_report(s, v, b1, None, reason="first report", actor=reviewer).person_handle
        pc = persons.link_report(s, v, c1, None, reason="first report", actor=reviewer).person_handle
    return review_app, reviewer, {"a1": a1, "a2": a2, "b1": b1, "c1": c1, "pa": pa, "pb": pb, "pc": pc}


def test_merge_split_undo_restores_every_byte(world):
    app, reviewer, h = world
    with app.app_context():
        sealed_before, links_before, log_before = sealed_snapshot(), links(), event_log()
        assert len(sealed_before) >= 10 and persons.inconsistent_reports(db.session) == []

    steps = []
    with app.app_context():
        s, v = db.session, get_vault()
        merge = persons.merge_persons(s, v, h["pa"], h["pb"], reason="same person, Latin and Chinese names",
                                      actor=reviewer, score=0.97)
        steps.append(merge.batch_id)
        assert {person_of(h["a1"]), person_of(h["a2"]), person_of(h["b1"])} == {h["pa"]}
        split = persons.split_report(s, v, h["a1"], reason="different birth year", actor=reviewer)
        steps.append(split.batch_id)
        assert person_of(h["a1"]) == split.person_handle != h["pa"]
        assert persons.inconsistent_reports(s) == []
        before = audit_count(app)
        persons.undo_batch(s, v, split.batch_id, reason="birth year was a typo", actor=reviewer)
        persons.undo_batch(s, v, merge.batch_id, reason="reviewer disagreed", actor=reviewer)
        assert audit_count(app) == before + 2

    with app.app_context():  # a fresh session: only what reached the database counts
        assert sealed_snapshot() == sealed_before
        assert links() == links_before
        assert persons.inconsistent_reports(db.session) == []
        log_after = event_log()
        assert len(log_after) > len(log_before)
        assert {k: log_after[k] for k in log_before} == log_before  # earlier rows untouched
        undos = db.session.scalars(select(PersonLinkEvent.undoes_batch_id).where(
            PersonLinkEvent.undoes_batch_id.is_not(None)).distinct()).all()
        assert set(undos) == set(steps)
        merge_events = db.session.scalars(select(PersonLinkEvent).where(PersonLinkEvent.batch_id == steps[0])).all()
        assert {e.score for e in merge_events} == {0.97}
        assert {e.reason for e in merge_events} == {"same person, Latin and Chinese names"}
        assert all(b"Chinese" not in e.reason_sealed for e in merge_events)


def test_undo_refused_while_a_later_change_moved_the_same_report(world):
    app, reviewer, h = world
    with app.app_context():
        s, v = db.session, get_vault()
        merge = persons.merge_persons(s, v, h["pa"], h["pb"], reason="same person", actor=reviewer)
        split = persons.split_report(s, v, h["b1"], reason="not the same after all", actor=reviewer)
        links_then, log_size, entries = links(), len(event_log()), audit_count(app)
        with pytest.raises(Conflict, match=h["b1"]):
            persons.undo_batch(s, v, merge.batch_id, reason="undo", actor=reviewer)
        s.rollback()
        assert (links(), len(event_log()), audit_count(app)) == (links_then, log_size, entries)
        # Undo the later change first, then the merge: both are allowed, in that order.
        persons.undo_batch(s, v, split.batch_id, reason="undo split", actor=reviewer)
        persons.undo_batch(s, v, merge.batch_id, reason="undo merge", actor=reviewer)
        assert person_of(h["b1"]) == h["pb"] and person_of(h["a1"]) == h["pa"]
        with pytest.raises(Conflict, match="already undone"):
            persons.undo_batch(s, v, merge.batch_id, reason="again", actor=reviewer)


def test_undo_of_a_merge_after_unrelated_later_changes_inverts_only_that_merge(world):
    app, reviewer, h = world
    with app.app_context():
        s, v = db.session, get_vault()
        merge = persons.merge_persons(s, v, h["pa"], h["pb"], reason="same person", actor=reviewer)
        persons.link_report(s, v, h["c1"], h["pa"], reason="same facility and birth date", actor=reviewer)
        persons.undo_batch(s, v, merge.batch_id, reason="wrong merge", actor=reviewer)
        assert person_of(h["b1"]) == h["pb"]
        assert person_of(h["a1"]) == person_of(h["a2"]) == person_of(h["c1"]) == h["pa"]
        assert persons.inconsistent_reports(s) == []


def test_redo_is_undoing_the_undo(world):
    app, reviewer, h = world
    with app.app_context():
        s, v = db.session, get_vault()
        merge = persons.merge_persons(s, v, h["pa"], h["pb"], reason="same", actor=reviewer)
        undo = persons.undo_batch(s, v, merge.batch_id, reason="oops", actor=reviewer)
        persons.undo_batch(s, v, undo.batch_id, reason="it was right", actor=reviewer)
        assert person_of(h["b1"]) == h["pa"]


def test_each_operation_is_one_audit_entry_and_bad_requests_none(world):
    app, reviewer, h = world
    with app.app_context():
        s, v = db.session, get_vault()
        for action, op in (
                ("person.merge", lambda: persons.merge_persons(s, v, h["pa"], h["pc"], reason="r", actor=reviewer)),
                ("person.split", lambda: persons.split_report(s, v, h["c1"], reason="r", actor=reviewer)),
                ("person.link", lambda: persons.link_report(s, v, h["c1"], h["pb"], reason="r", actor=reviewer))):
            before = audit_count(app)
            op()
            assert audit_count(app) == before + 1
            entry = s.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
            assert entry.action == action and "r" not in entry.details.values()
        before = audit_count(app)
        for bad, error in ((lambda: persons.merge_persons(s, v, h["pa"], h["pa"], reason="r", actor=reviewer),
                            InvalidInput),
                           (lambda: persons.link_report(s, v, h["a1"], h["pa"], reason="r", actor=reviewer), Conflict),
                           (lambda: persons.link_report(s, v, h["a1"], None, reason="  ", actor=reviewer),
                            InvalidInput),
                           (lambda: persons.merge_persons(s, v, h["pb"], h["pc"], reason="r", actor=reviewer),
                            Conflict)):  # pc is empty now
            with pytest.raises(error):
                bad()
            s.rollback()
        assert audit_count(app) == before


def test_new_persons_get_a_data_key_under_the_kek_and_sealed_reasons(world):
    app, _, h = world
    with app.app_context():
        person = db.session.scalar(select(Person).where(Person.handle == h["pa"]))
        wraps = db.session.scalars(select(RecordKey).where(RecordKey.owner_table == "persons",
                                                           RecordKey.owner_id == person.id)).all()
        assert [w.holder for w in wraps] == ["kek"]
        event = db.session.scalars(select(PersonLinkEvent).where(PersonLinkEvent.person_id == person.id)).first()
        assert event.reason in ("first report", "same ID number")
        assert b"report" not in event.reason_sealed and b"ID number" not in event.reason_sealed


def test_person_view_decrypts_every_report_and_audits_each(world):
    app, reviewer, h = world
    with app.app_context():
        s, v = db.session, get_vault()
        persons.merge_persons(s, v, h["pa"], h["pb"], reason="same person", actor=reviewer)
        before = audit_count(app)
        view = person_view.view_of(s, v, h["pa"], actor=reviewer)
        entries = s.scalars(select(AuditEvent).where(AuditEvent.seq > before).order_by(AuditEvent.seq)).all()
    assert [e.action for e in entries] == ["person.view", "report.view", "report.view", "report.view"]
    assert {r.handle for r in view.reports} == {h["a1"], h["a2"], h["b1"]}
    assert all("SENTINEL-testimony" in r.fields["testimony"] for r in view.reports)
    # The combined timeline, oldest first, across reports.
    assert [(e.kind, e.event_date, e.report_handle) for e in view.timeline] == [
        ("detained", "2017-04", h["a1"]), ("sentenced", "2019", h["b1"]), ("released", "2022", h["b1"])]
    assert view.history[0].reason == "same person" and view.history[0].undo_problem is None
    assert view.history[0].moves == [(h["b1"], h["pb"], h["pa"])]


def test_batches_stay_ordered_when_the_clock_stands_still(world, monkeypatch):
    """The link state is read from the order of batches; a frozen or stepped-back clock must not scramble it."""
    app, reviewer, h = world
    with app.app_context():
        s, v = db.session, get_vault()
        frozen = s.scalar(select(PersonLinkEvent.occurred_at).order_by(PersonLinkEvent.occurred_at.desc()).limit(1))
        monkeypatch.setattr(persons, "utcnow", lambda: frozen)
        merge = persons.merge_persons(s, v, h["pa"], h["pb"], reason="same", actor=reviewer)
        persons.undo_batch(s, v, merge.batch_id, reason="no", actor=reviewer)
        assert person_of(h["b1"]) == h["pb"] and persons.inconsistent_reports(s) == []
        times = s.scalars(select(PersonLinkEvent.occurred_at).distinct()).all()
        assert len(times) == len(set(s.scalars(select(PersonLinkEvent.batch_id)).all()))

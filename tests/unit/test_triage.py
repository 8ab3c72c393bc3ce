"""Triage services: the inbox filters without decrypting, the report view decrypts and audits, every
change leaves exactly one audit entry. Data goes in through the public face and is taken in."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from intake.crypto.errors import KeysLockedError
from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import (AuditEvent, Message, Report, Role, StatusEvent, Submission, SubmissionStatus,
                           VerificationLevel)
from intake.models.tag import ReportTag
from intake.services import audit, families, inbox, report_view, search, take_in, triage, users
from intake.services.errors import InvalidInput
from tests.helpers import full_report, submit

PASSWORD = "a sufficiently long test password"


def make_reviewer(app: Flask, name: str = "rev", role: Role = Role.REVIEWER) -> uuid.UUID:
    with app.app_context():
        return users.create_user(db.session, get_vault(), username=name, role=role, password=PASSWORD,
                                 kdf=PROFILES["test"]["password"]).id


def stored(public_app: Flask, review_app: Flask, *reports, **kwargs) -> list[str]:
    """Submit through the public face, take in on the review face; the new reports' handles."""
    result = submit(public_app, *reports, **kwargs)
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault())[1] == 0
    return result.report_handles


def follow_up(public_app: Flask, handle: str, **news) -> None:
    """The family adds news on the public face (rows sealed under keys of their own)."""
    with public_app.app_context():
        submission = db.session.scalar(select(Submission).join(Report).where(Report.handle == handle))
        families.add_follow_up(db.session, submission, families.FollowUp(report_handle=handle, **news))


def audit_count(app: Flask) -> int:
    with app.app_context():
        return audit.count(db.session)


def last_entry(app: Flask) -> AuditEvent:
    with app.app_context():
        entry = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc()).limit(1)).one()
        db.session.expunge(entry)
        return entry


@pytest.fixture
def world(public_app: Flask, review_app: Flask):
    reviewer = make_reviewer(review_app)
    handles = stored(public_app, review_app, full_report("one"), full_report("two"))
    return review_app, reviewer, handles


def test_inbox_filters_and_paginates_without_decrypting(public_app, review_app, monkeypatch):
    reviewer = make_reviewer(review_app)
    kashgar = dataclasses.replace(full_report("k"), home_county="653101", status="sentenced")
    other = dataclasses.replace(full_report("o"), home_county="650102")
    [k] = stored(public_app, review_app, kashgar)
    [o] = stored(public_app, review_app, other)
    many = stored(public_app, review_app, *[full_report(str(i)) for i in range(5)])
    with review_app.app_context():
        db.session.execute(update(Report).where(Report.handle == k).values(created_on=date(2020, 1, 5),
                                                                         assigned_to_id=reviewer))
        db.session.execute(update(Report).where(Report.handle == o).values(
            created_on=date(2021, 3, 1), verification=VerificationLevel.CORROBORATED.value))
        submission_id = db.session.scalar(select(Report.submission_id).where(Report.handle == o))
        db.session.execute(update(Submission).where(Submission.id == submission_id)
                           .values(status=SubmissionStatus.NEEDS_INFORMATION.value))
        db.session.commit()
        vault = get_vault()
        # Any attempt to decrypt during the listing fails the test.
        from intake.crypto import fields
        monkeypatch.setattr(fields, "decrypt_field", lambda *a, **k: pytest.fail("the inbox decrypted a field"))

        def handles(**f):  # no actor: a listing that decrypts nothing (names need an audited reader)
            return {row.handle for row in inbox.inbox(db.session, vault, search.InboxFilter(**f), actor=None).rows}

        assert handles() == {k, o, *many}
        assert handles(county="653101") == {k}
        assert handles(county="650102") == {o}
        assert handles(status="sentenced") == {k}
        assert handles(verification="corroborated") == {o}
        assert handles(created_from=date(2020, 1, 1), created_to=date(2020, 12, 31)) == {k}
        assert handles(created_from=date(2021, 1, 1), created_to=date(2021, 12, 31)) == {o}
        assert handles(assigned_to=reviewer) == {k}
        assert handles(unassigned=True) == {o, *many}
        assert handles(needs_information=True) == {o}
        with pytest.raises(InvalidInput):
            inbox.inbox(db.session, vault, search.InboxFilter(county="Kashgar"), actor=None)
        with pytest.raises(InvalidInput):
            inbox.inbox(db.session, vault, search.InboxFilter(status="vanished"), actor=None)

        first = inbox.inbox(db.session, vault, search.InboxFilter(), actor=None, per_page=3)
        assert first.newer is None and first.older is not None
        pages = [first]
        while pages[-1].older is not None:
            pages.append(inbox.inbox(db.session, vault, search.InboxFilter(), actor=None, per_page=3,
                                     direction=inbox.OLDER, cursor=pages[-1].older))
        seen = [row.handle for page in pages for row in page.rows]
        assert seen == [*reversed(many), o, k]  # newest taken in first; no row twice, none lost
        assert [r.assignee for r in pages[-1].rows] == ["rev"]
        back = inbox.inbox(db.session, vault, search.InboxFilter(), actor=None, per_page=3,
                           direction=inbox.NEWER, cursor=pages[-1].rows[0].cursor)
        assert [r.handle for r in back.rows] == [r.handle for r in pages[-2].rows]
        oldest = inbox.inbox(db.session, vault, search.InboxFilter(), actor=None, per_page=3, direction=inbox.LAST)
        assert [r.handle for r in oldest.rows] == seen[-3:] and oldest.older is None and oldest.newer is not None
        everything = inbox.inbox(db.session, vault, search.InboxFilter(), actor=None, direction=inbox.LAST)
        assert len(everything.rows) == 7 and everything.newer is None  # the only page: nowhere newer to go


def test_inbox_county_filter_needs_keys_but_listing_does_not(world):
    app, _, handles = world
    with app.app_context():
        listed = inbox.inbox(db.session, None, search.InboxFilter(), actor=None).rows
        assert {r.handle for r in listed} == set(handles) and all(r.names is None for r in listed)
        with pytest.raises(KeysLockedError):
            inbox.inbox(db.session, None, search.InboxFilter(county="653101"), actor=None)


def test_report_view_decrypts_everything_and_audits_exactly_once(public_app, review_app):
    reviewer = make_reviewer(review_app)
    first, second = full_report("one"), full_report("two")
    handles = stored(public_app, review_app, first, second)
    before = audit_count(review_app)
    with review_app.app_context():
        view = report_view.view_of(db.session, get_vault(), handles[0], actor=reviewer)
    assert audit_count(review_app) == before + 1
    entry = last_entry(review_app)
    assert (entry.action, entry.actor, entry.object_type) == ("report.view", str(reviewer), "report")
    for name in ("names", "testimony", "id_number", "home_county", "sentence", "submitter_relationship"):
        assert view.report.fields[name] == getattr(first, name)
    assert view.siblings == [handles[1]]
    assert "SENTINEL" not in repr(entry.details)


def test_every_change_leaves_exactly_one_audit_entry(world):
    app, reviewer, handles = world
    other = make_reviewer(app, "other")
    handle = handles[0]
    changes = [
        ("report.verification", lambda s, v: triage.set_verification(s, v, handle, "documented", actor=reviewer)),
        ("report.status_event", lambda s, v: triage.add_status_event(
            s, v, handle, kind="sentenced", event_date="2019-03", source="court notice seen by cousin",
            sentence="15 years", actor=reviewer)),
        ("report.tag_add", lambda s, v: triage.add_tag(s, v, handle, "Needs-Translation", actor=reviewer)),
        ("report.tag_remove", lambda s, v: triage.remove_tag(s, v, handle, "needs-translation", actor=reviewer)),
        ("report.note", lambda s, v: triage.add_note(s, v, handle, "call back after Nowruz", actor=reviewer)),
        ("report.assign", lambda s, v: triage.assign(s, v, handle, other, actor=reviewer)),
        ("submission.status", lambda s, v: triage.set_submission_status(s, v, handle, "in_review", actor=reviewer)),
        ("message.reply", lambda s, v: triage.reply(s, v, handle, "Which year was he born?", question=True,
                                                    actor=reviewer)),
    ]
    for action, change in changes:
        before = audit_count(app)
        with app.app_context():
            change(db.session, get_vault())
        assert audit_count(app) == before + 1, action
        entry = last_entry(app)
        assert entry.action == action and entry.actor == str(reviewer)
        assert all(isinstance(v, (str, int, float, type(None))) for v in entry.details.values())
        assert "SENTINEL" not in repr(entry.details) and "Nowruz" not in repr(entry.details)

    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        assert (report.verification, report.status, report.assigned_to_id) == ("documented", "sentenced", other)
        assert report.submission.status == SubmissionStatus.NEEDS_INFORMATION
        assert db.session.scalar(select(func.count()).select_from(ReportTag)) == 0
        event = db.session.scalars(select(StatusEvent).where(StatusEvent.report_id == report.id)).one()
        assert (event.event_date, event.sentence, event.recorded_by_id, event.own_key) == \
               ("2019-03", "15 years", reviewer, False)
        assert b"Nowruz" not in db.session.scalars(select(Message.body_sealed).where(
            Message.kind == "internal_note")).one()
        view = report_view.view_of(db.session, get_vault(), handle, actor=reviewer)
    assert [n.body for n in view.notes] == ["call back after Nowruz"]
    assert [r.body for r in view.replies] == ["Which year was he born?"]
    assert [(t.kind, t.sentence, t.recorded_by) for t in view.report.timeline] == [("sentenced", "15 years", "rev")]


def test_no_op_changes_and_bad_input_leave_no_entry(world):
    app, reviewer, handles = world
    before = audit_count(app)
    with app.app_context():
        vault = get_vault()
        assert triage.set_verification(db.session, vault, handles[0], "reported", actor=reviewer) is False
        assert triage.remove_tag(db.session, vault, handles[0], "never-added", actor=reviewer) is False
        assert triage.assign(db.session, vault, handles[0], None, actor=reviewer) is False
        for bad in (lambda: triage.set_verification(db.session, vault, handles[0], "certain", actor=reviewer),
                    lambda: triage.add_tag(db.session, vault, handles[0], "Abdurehim Tursun", actor=reviewer),
                    lambda: triage.add_note(db.session, vault, handles[0], "   ", actor=reviewer),
                    lambda: triage.add_status_event(db.session, vault, handles[0], kind="sentenced",
                                                    event_date="2019", source="x", actor=reviewer),
                    lambda: triage.add_status_event(db.session, vault, handles[0], kind="released",
                                                    event_date="last spring", source="x", actor=reviewer),
                    lambda: triage.reply(db.session, vault, handles[0], " ", question=True, actor=reviewer),
                    lambda: triage.set_submission_status(db.session, vault, handles[0], "withdrawn",
                                                         actor=reviewer)):
            with pytest.raises(InvalidInput):
                bad()
        # A failed question left the family-facing status as it was.
        assert db.session.scalar(select(Submission.status)) == SubmissionStatus.RECEIVED
    assert audit_count(app) == before


def test_status_category_follows_the_latest_event_by_date(world):
    app, reviewer, handles = world
    with app.app_context():
        vault = get_vault()
        triage.add_status_event(db.session, vault, handles[0], kind="released", event_date="2021-05",
                                source="phone call", actor=reviewer)
        triage.add_status_event(db.session, vault, handles[0], kind="detained", event_date="2017",
                                source="neighbour", actor=reviewer)
        assert db.session.scalar(select(Report.status).where(Report.handle == handles[0])) == "released"
        triage.add_status_event(db.session, vault, handles[0], kind="died", event_date="2022-01-03",
                                source="RFA report", actor=reviewer)
        assert db.session.scalar(select(Report.status).where(Report.handle == handles[0])) == "died"


def test_report_view_shows_family_follow_ups_before_and_after_take_in(public_app, review_app):
    reviewer = make_reviewer(review_app)
    [handle] = stored(public_app, review_app, full_report())
    follow_up(public_app, handle, text="He was moved to Urumqi. SENTINEL-news", new_status="sentenced",
              event_date="2020-02", sentence="20 years")
    with review_app.app_context():  # not yet taken in: opened with the review private key
        view = report_view.view_of(db.session, get_vault(), handle, actor=reviewer)
    assert [m.body for m in view.from_family] == ["He was moved to Urumqi. SENTINEL-news"]
    assert [(t.kind, t.event_date, t.sentence, t.recorded_by) for t in view.report.timeline] == [
        ("sentenced", "2020-02", "20 years", None)]
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
        triage.add_status_event(db.session, get_vault(), handle, kind="released", event_date="2023",
                                source="RFA", actor=reviewer)
        view = report_view.view_of(db.session, get_vault(), handle, actor=reviewer)
    assert [m.body for m in view.from_family] == ["He was moved to Urumqi. SENTINEL-news"]
    assert [(t.kind, t.recorded_by) for t in view.report.timeline] == [("sentenced", None), ("released", "rev")]

"""The families service on its own: receipts, follow-ups and crypto-shredding withdrawal."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from intake.crypto import receipts
from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import (BlindIndex, Message, Person, PersonLinkEvent, RecordKey, Report, StatusEvent,
                           Submission)
from intake.services import families, take_in
from intake.services.errors import Conflict, InvalidInput, NotFound
from intake.services.messages import reply_to_family
from tests.helpers import full_report, submit


def check(app) -> families.ReceiptCheck:  # noqa: ANN001
    return families.ReceiptCheck(pepper=bytes.fromhex(app.config["INTAKE_RECEIPT_PEPPER"]),
                                 kdf=PROFILES["test"]["receipt"])


def test_find_by_receipt_opens_only_with_the_right_digits(public_app, monkeypatch):
    stored = submit(public_app, full_report())
    burned = []
    monkeypatch.setattr(receipts, "burn_time", lambda pepper, kdf: burned.append(1))
    with public_app.app_context():
        holder = families.find_by_receipt(db.session, stored.receipt.replace(" ", "-"), check=check(public_app))
        assert holder.submission.id == stored.submission_id and holder.digits == stored.receipt.replace(" ", "")
        assert not burned
        with pytest.raises(NotFound):
            families.find_by_receipt(db.session, "1" * 24, check=check(public_app))
        assert burned == [1]  # an unknown receipt costs one Argon2id run, like a known one
        with pytest.raises(receipts.MalformedReceipt):
            families.find_by_receipt(db.session, "12345", check=check(public_app))
        wrong_pepper = families.ReceiptCheck(pepper=b"\x01" * 32, kdf=PROFILES["test"]["receipt"])
        with pytest.raises(NotFound):
            families.find_by_receipt(db.session, stored.receipt, check=wrong_pepper)


def test_follow_ups_are_refused_when_empty_ambiguous_or_withdrawn(public_app):
    stored = submit(public_app, full_report())
    with public_app.app_context():
        submission = db.session.get(Submission, stored.submission_id)
        with pytest.raises(InvalidInput):
            families.add_follow_up(db.session, submission, families.FollowUp())
        with pytest.raises(InvalidInput):
            families.add_follow_up(db.session, submission, families.FollowUp(new_status="released"))
        with pytest.raises(InvalidInput):
            families.add_follow_up(db.session, submission, families.FollowUp(text="x", report_handle="R-NOPE"))
        families.withdraw(db.session, submission)
        with pytest.raises(Conflict):
            families.add_follow_up(db.session, submission, families.FollowUp(text="late news"))


def test_follow_up_sequences_continue_after_the_reviewers(public_app, review_app):
    stored = submit(public_app, full_report())
    with review_app.app_context():
        reply_to_family(db.session, get_vault(), submission_id=stored.submission_id, author_id=None, text="q?")
    with public_app.app_context():
        submission = db.session.get(Submission, stored.submission_id)
        handle = stored.report_handles[0]
        for kind in ("sentenced", "released"):
            families.add_follow_up(db.session, submission, families.FollowUp(
                text=f"now {kind}", report_handle=handle, new_status=kind, event_date="2024"))
        assert [m.sequence for m in db.session.scalars(select(Message).order_by(Message.sequence))] == [1, 2, 3]
        assert [e.sequence for e in db.session.scalars(select(StatusEvent).order_by(StatusEvent.sequence))] == [1, 2]
        view = families.status_view(db.session, families.find_by_receipt(db.session, stored.receipt,
                                                                         check=check(public_app)))
        assert [r.text for r in view.replies] == ["q?"]
        assert [(a.kind, a.status) for a in view.additions].count(("status", "released")) == 1
        assert view.reports[0].status == "released"


def link_to_a_person(review_app, report_id: uuid.UUID) -> None:  # noqa: ANN001
    with review_app.app_context():
        person = Person()
        db.session.add(person)
        db.session.flush()
        db.session.add(PersonLinkEvent(batch_id=uuid.uuid4(), kind="link", report_id=report_id,
                                       person_id=person.id))
        db.session.get(Report, report_id).person_id = person.id
        try:
            from intake.models.tag import ReportTag, Tag
        except ImportError:  # tags belong to another issue; cover them when they exist
            pass
        else:
            tag = Tag(name="urgent")
            db.session.add(tag)
            db.session.flush()
            db.session.add(ReportTag(report_id=report_id, tag_id=tag.id))
        db.session.commit()


def test_withdrawal_destroys_keys_first_then_every_row_hanging_off_the_submission(public_app, review_app):
    stored = submit(public_app, full_report("a"), full_report("b"))
    other = submit(public_app, full_report("c"))
    with public_app.app_context():
        submission = db.session.get(Submission, stored.submission_id)
        families.add_follow_up(db.session, submission, families.FollowUp(
            text="news", report_handle=stored.report_handles[1], new_status="died"))
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
        report_id = db.session.scalars(select(Report.id).where(Report.handle == stored.report_handles[0])).one()
    link_to_a_person(review_app, report_id)

    with public_app.app_context():
        families.withdraw(db.session, db.session.get(Submission, stored.submission_id))
        assert families.withdrawn_leftovers(db.session, stored.submission_id) == {
            "reports": 0, "own_key_children": 0, "record_keys": 0}
        assert db.session.scalar(select(func.count()).select_from(PersonLinkEvent)) == 0
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0
        # The other family's testimony is untouched.
        assert db.session.scalar(select(func.count()).select_from(Report)) == 1
        assert db.session.scalar(select(func.count()).select_from(RecordKey)) == 1
        assert db.session.scalar(select(func.count()).select_from(BlindIndex)) > 0
    with review_app.app_context():
        remaining = db.session.scalars(select(Report)).one()
        assert remaining.submission_id == other.submission_id
        assert remaining.testimony.startswith("ئۇ 2017-يىلى")  # still readable: only the withdrawn keys went


def test_an_interrupted_withdrawal_has_already_shredded_and_is_finished_on_the_next_visit(public_app, monkeypatch):
    stored = submit(public_app, full_report())
    with public_app.app_context():
        submission = db.session.get(Submission, stored.submission_id)
        families.add_follow_up(db.session, submission, families.FollowUp(text="news"))

        def crash(session, submission):  # noqa: ANN001, ANN202
            raise RuntimeError("power cut")

        monkeypatch.setattr(families, "finish_withdrawal", crash)
        with pytest.raises(RuntimeError):
            families.withdraw(db.session, submission)
    monkeypatch.undo()
    with public_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecordKey)) == 0  # keys went first
        assert db.session.scalar(select(func.count()).select_from(Report)) == 1  # rows not yet
        submission = db.session.get(Submission, stored.submission_id)
        assert submission.status == "withdrawn" and submission.in_working_store
        view = families.status_view(db.session, families.find_by_receipt(db.session, stored.receipt,
                                                                         check=check(public_app)))
        assert view.withdrawn and not view.reports
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_withdrawn_submission_is_not_retried_by_take_in(public_app, review_app):
    stored = submit(public_app, full_report())
    with public_app.app_context():
        families.withdraw(db.session, db.session.get(Submission, stored.submission_id))
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (0, 0)

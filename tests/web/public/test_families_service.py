"""The families service on its own: receipts, follow-ups and crypto-shredding withdrawal."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from intake.crypto import receipts
from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import (AuditEvent, BlindIndex, Message, Person, PersonLinkEvent, RecordKey, Report,
                           StatusEvent, Submission)
from intake.services import families, integrity, integrity_states, take_in, withdrawal
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
        assert view.reports[0].status == "unknown"  # the public face writes no report state
    with review_app.app_context():  # the review face applies the family's news at take-in, in order
        assert take_in.take_in(db.session, get_vault()) == (5, 0)  # the submission, two messages, two status events
    with public_app.app_context():
        view = families.status_view(db.session, families.find_by_receipt(db.session, stored.receipt,
                                                                         check=check(public_app)))
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
        # The public face shreds its own keys and leaves a tombstone; every row stays for the review face.
        assert withdrawal.leftovers(db.session, stored.submission_id) == {
            "reports": 2, "own_key_children": 2, "record_keys": 0}
        tombstone = db.session.get(Submission, stored.submission_id)
        assert tombstone.status == "withdrawn" and tombstone.purged_on is None
        assert (tombstone.receipt_selector, tombstone.receipt_verifier, tombstone.receipt_bucket,
                tombstone.reply_public_key, tombstone.family_names, tombstone.language,
                tombstone.contact_sealed) == (None,) * 7
        assert tombstone.reply_key_pinned is not None  # the review face's copy: its role cannot clear it
    with review_app.app_context():
        assert withdrawal.finish_pending(db.session, get_vault()) == 1
        assert withdrawal.finish_pending(db.session, get_vault()) == 0  # finished once, for good
        assert db.session.get(Submission, stored.submission_id).reply_key_pinned is None
        assert withdrawal.leftovers(db.session, stored.submission_id) == {
            "reports": 0, "own_key_children": 0, "record_keys": 0}
        for model in (PersonLinkEvent, Message, StatusEvent):
            assert db.session.scalar(select(func.count()).select_from(model)) == 0, model.__name__
        # The other family's testimony is untouched, and still readable: only the withdrawn keys went.
        remaining = db.session.scalars(select(Report)).one()
        assert remaining.submission_id == other.submission_id
        assert remaining.testimony.startswith("ئۇ 2017-يىلى")
        assert db.session.scalar(select(func.count()).select_from(RecordKey)) == 1
        assert db.session.scalar(select(func.count()).select_from(BlindIndex)) > 0
        # One audit entry: the submission's id and counts, nothing else.
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "submission.withdrawn")).one()
        assert entry.object_id == str(stored.submission_id)
        assert entry.details["reports"] == 2 and entry.details["rows"] > 2 and set(entry.details) == {
            "keys", "reports", "rows", "state"}
        tombstone = db.session.get(Submission, stored.submission_id)
        assert tombstone.consent_sealed is None and tombstone.purged_on is not None
        assert integrity_states.submission_states(db.session, get_vault(), [tombstone.id])[tombstone.id].verdict \
            is integrity.Verdict.WITHDRAWN


def test_an_interrupted_finish_keeps_the_shredding_and_is_finished_on_the_next_run(public_app, review_app,
                                                                                    monkeypatch):
    stored = submit(public_app, full_report())
    with public_app.app_context():
        submission = db.session.get(Submission, stored.submission_id)
        families.add_follow_up(db.session, submission, families.FollowUp(text="news"))
        families.withdraw(db.session, submission)
        with pytest.raises(Conflict):  # news after the withdrawal is refused
            families.add_follow_up(db.session, submission, families.FollowUp(text="late news"))
    with review_app.app_context():
        def crash(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
            raise RuntimeError("power cut")

        monkeypatch.setattr(withdrawal, "_delete_derived", crash)
        with pytest.raises(RuntimeError):
            withdrawal.finish_pending(db.session, get_vault())
        db.session.rollback()
    monkeypatch.undo()
    with review_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(RecordKey)) == 0  # keys went first
        assert db.session.scalar(select(func.count()).select_from(Report)) == 1  # rows not yet
        assert withdrawal.pending(db.session) == [stored.submission_id]
        assert withdrawal.finish_pending(db.session, get_vault()) == 1
        assert db.session.scalar(select(func.count()).select_from(Report)) == 0
        assert db.session.scalar(select(func.count()).select_from(Message)) == 0


def test_a_follow_up_key_that_raced_the_withdrawal_is_shredded_by_the_review_face(public_app, review_app):
    stored = submit(public_app, full_report())
    with public_app.app_context():
        submission = db.session.get(Submission, stored.submission_id)
        families.add_follow_up(db.session, submission, families.FollowUp(text="news"))
    with review_app.app_context():
        message_id = db.session.scalars(select(Message.id)).one()
        saved = [(k.owner_table, k.owner_id, k.dek_id, k.holder, k.holder_key_id, k.wrapped)
                 for k in db.session.scalars(select(RecordKey).where(RecordKey.owner_id == message_id))]
    with public_app.app_context():
        families.withdraw(db.session, db.session.get(Submission, stored.submission_id))
        # As if the follow-up's transaction had committed its wrap just after the shredding.
        for owner_table, owner_id, dek_id, holder, holder_key_id, wrapped in saved:
            db.session.add(RecordKey(owner_table=owner_table, owner_id=owner_id, dek_id=dek_id, holder=holder,
                                     holder_key_id=holder_key_id, wrapped=wrapped))
        db.session.commit()
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (0, 0)  # never re-wrapped
        assert withdrawal.finish_pending(db.session, get_vault()) == 1
        assert db.session.scalar(select(func.count()).select_from(RecordKey)) == 0
        assert db.session.scalars(select(AuditEvent.details).where(
            AuditEvent.action == "submission.withdrawn")).one()["keys"] == 1


def test_a_withdrawn_submission_is_not_retried_by_take_in(public_app, review_app):
    stored = submit(public_app, full_report())
    with public_app.app_context():
        families.withdraw(db.session, db.session.get(Submission, stored.submission_id))
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (0, 0)

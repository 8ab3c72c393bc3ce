"""Receipts: format, bucketed lookup verified by Argon2id, and what a wrong receipt gets."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from intake.crypto import receipts
from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Message, Submission
from intake.services import families, messages
from intake.services.errors import NotFound
from tests.helpers import full_report, submit


def _check(app) -> families.ReceiptCheck:
    return families.ReceiptCheck(pepper=bytes.fromhex(app.config["INTAKE_RECEIPT_PEPPER"]),
                                 kdf=PROFILES["test"]["receipt"])


def test_receipt_format_and_entropy():
    receipt = receipts.new_receipt()
    groups = receipt.split(" ")
    assert len(groups) == 5 and all(len(g) == 4 and g.isdigit() for g in groups)
    assert len({receipts.new_receipt() for _ in range(200)}) == 200
    assert receipts.DIGITS * 3.32 >= 64  # at least 64 bits of entropy


def test_receipts_accept_any_script_of_digits_and_separators():
    assert receipts.normalise("١٢٣٤-٥٦٧٨ ۹۰۱۲ ３４５６ 7890") == "12345678901234567890"
    with pytest.raises(receipts.MalformedReceipt):
        receipts.normalise("1234 5678")
    with pytest.raises(receipts.MalformedReceipt):
        receipts.normalise("1234 5678 9012 3456 789O")


def test_nothing_but_a_bucket_and_a_verifier_is_stored(public_app):
    stored = submit(public_app, full_report())
    digits = receipts.normalise(stored.receipt)
    with public_app.app_context():
        row = db.session.get(Submission, stored.submission_id)
        assert 0 <= row.receipt_bucket < 2 ** receipts.BUCKET_BITS
        assert digits.encode() not in row.receipt_verifier and stored.receipt.encode() not in row.receipt_verifier


def test_lookup_verifies_every_candidate_in_a_shared_bucket(public_app, monkeypatch):
    first, second, third = (submit(public_app, full_report(t)) for t in "abc")
    with public_app.app_context():
        db.session.execute(update(Submission).values(receipt_bucket=7))  # all three collide
        db.session.commit()
        monkeypatch.setattr(receipts, "bucket", lambda pepper, digits: 7)
        calls = []
        real = receipts.check_verifier
        monkeypatch.setattr(receipts, "check_verifier", lambda *a: calls.append(1) or real(*a))
        found, _ = families.find_by_receipt(db.session, first.receipt, check=_check(public_app))
        assert found.id == first.submission_id
        assert len(calls) == 3  # no early exit: a match costs the same as no match
        found, _ = families.find_by_receipt(db.session, third.receipt, check=_check(public_app))
        assert found.id == third.submission_id
        calls.clear()
        with pytest.raises(NotFound):
            families.find_by_receipt(db.session, "0000 0000 0000 0000 0001", check=_check(public_app))
        assert len(calls) == 3


def test_an_empty_bucket_still_costs_one_verification(public_app, monkeypatch):
    submit(public_app, full_report())
    burnt = []
    monkeypatch.setattr(receipts, "burn_time", lambda pepper, kdf: burnt.append(1))
    monkeypatch.setattr(receipts, "bucket", lambda pepper, digits: 65535)
    with public_app.app_context():
        db.session.execute(update(Submission).values(receipt_bucket=1))
        db.session.commit()
        with pytest.raises(NotFound):
            families.find_by_receipt(db.session, "1234 5678 9012 3456 7890", check=_check(public_app))
    assert burnt == [1]


def test_one_damaged_reply_does_not_hide_the_others(public_app, review_app):
    stored = submit(public_app, full_report())
    with review_app.app_context():
        for text in ("first question", "second question"):
            messages.reply_to_family(db.session, get_vault(), submission_id=stored.submission_id, author_id=None,
                                     text=text)
        first = db.session.scalars(select(Message).order_by(Message.sequence)).first()
        blob = bytearray(first.for_family)
        blob[-1] ^= 1
        first.for_family = bytes(blob)
        db.session.commit()
    with public_app.app_context():
        submission = db.session.get(Submission, stored.submission_id)
        view = messages.family_view(db.session, submission, receipts.normalise(stored.receipt))
        assert [text for _, text in view] == [None, "second question"]


def test_attachments_failing_never_cost_the_testimony(public_app, monkeypatch):
    from intake.services import attachments
    from intake.services.intake import SubmissionInput

    upload = attachments.inspect_upload("note.txt", "ئۇ تۇتۇلدى".encode())

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(attachments, "add_attachments", broken)
    report = full_report()
    with public_app.app_context():
        with pytest.raises(families.AttachmentsNotSaved) as excinfo:
            families.submit(db.session, SubmissionInput(language="ug", reports=[report]), [upload],
                            check=_check(public_app))
        stored = excinfo.value.stored
        assert db.session.scalars(select(Submission)).all()[0].id == stored.submission_id
        assert len(db.session.scalars(select(Submission)).all()) == 1  # stored once, not twice
        found, _ = families.find_by_receipt(db.session, stored.receipt, check=_check(public_app))
        assert found.id == stored.submission_id

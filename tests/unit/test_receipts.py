"""Receipts: format, a keyed selector and one Argon2id, legacy receipts and their move, cost bounds."""

from __future__ import annotations

import pytest
from sqlalchemy import select

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
    assert len(groups) == 6 and all(len(g) == 4 and g.isdigit() for g in groups)
    assert len({receipts.new_receipt() for _ in range(200)}) == 200
    assert receipts.DIGITS * 3.32 >= 66.4  # at least today's 66 bits (20 digits)


def test_receipts_accept_any_script_of_digits_and_separators():
    assert receipts.normalise("١٢٣٤-٥٦٧٨ ۹۰۱۲ ３４５６ 7890 1234") == "123456789012345678901234"
    assert receipts.normalise("1234 5678 9012 3456 7890") == "12345678901234567890"  # a legacy receipt
    for bad in ("1234 5678", "1234 5678 9012 3456 789O", "1" * 22, "1" * 300):
        with pytest.raises(receipts.MalformedReceipt):
            receipts.normalise(bad)


def test_nothing_but_a_keyed_selector_and_a_verifier_is_stored(public_app):
    stored = submit(public_app, full_report())
    digits = receipts.normalise(stored.receipt)
    with public_app.app_context():
        row = db.session.get(Submission, stored.submission_id)
        assert row.receipt_bucket is None and len(row.receipt_selector) == 32
        for blob in (row.receipt_selector, row.receipt_verifier, row.family_names, row.reply_public_key):
            assert digits.encode() not in blob and digits[:8].encode() not in blob


def test_one_lookup_and_one_argon2id_whatever_the_number_of_submissions(public_app, monkeypatch):
    first, second, third = (submit(public_app, full_report(t)) for t in "abc")
    calls = []
    real = receipts._stretch
    monkeypatch.setattr(receipts, "_stretch", lambda *a: calls.append(1) or real(*a))
    burnt = []
    monkeypatch.setattr(receipts, "burn_time", lambda pepper, kdf: burnt.append(1))
    with public_app.app_context():
        for stored in (first, third):
            calls.clear()
            assert families.find_by_receipt(db.session, stored.receipt, check=_check(public_app)).submission.id \
                == stored.submission_id
            assert (len(calls), burnt) == (1, [])
        calls.clear()
        with pytest.raises(NotFound):  # an unknown receipt: no row, and the same work
            families.find_by_receipt(db.session, "0000 0000 0000 0000 0000 0001", check=_check(public_app))
        assert len(calls) + len(burnt) == 1


def test_a_wrong_verifier_part_with_a_known_selector_opens_nothing(public_app):
    stored = submit(public_app, full_report())
    digits = receipts.normalise(stored.receipt)
    wrong = digits[:8] + ("0" if digits[8] != "0" else "1") + digits[9:]
    with public_app.app_context():
        with pytest.raises(NotFound):
            families.find_by_receipt(db.session, wrong, check=_check(public_app))


def tamper_parameters(app, submission_id, iterations: int, memory: int) -> None:  # noqa: ANN001
    with app.app_context():
        row = db.session.get(Submission, submission_id)
        v = bytearray(row.receipt_verifier)
        v[1:3], v[4:8] = iterations.to_bytes(2, "big"), memory.to_bytes(4, "big")
        row.receipt_verifier = bytes(v)
        db.session.commit()


@pytest.mark.parametrize("iterations, memory", [(0, 8), (1, 7), (65535, 8), (1, 4 * 1024 * 1024)])
def test_stored_argon2_parameters_outside_the_floor_and_ceiling_are_refused(public_app, monkeypatch,
                                                                            iterations, memory):
    """A tampered row can make a check neither cheap (below the floor) nor memory-hungry (above the ceiling)."""
    stored = submit(public_app, full_report())
    tamper_parameters(public_app, stored.submission_id, iterations, memory)
    derived = []
    real = receipts.KdfParams.derive
    monkeypatch.setattr(receipts.KdfParams, "derive", lambda self, *a, **k: derived.append(self) or real(self, *a, **k))
    with public_app.app_context():
        with pytest.raises(NotFound):
            families.find_by_receipt(db.session, stored.receipt, check=_check(public_app))
    assert derived == [PROFILES["test"]["receipt"]]  # burn_time at the configured cost, nothing else


def legacy_submission(app) -> tuple[str, object]:  # noqa: ANN001
    """A submission stored as before this scheme: 20 digits, bucket, legacy verifier, legacy reply key."""
    stored = submit(app, full_report())
    digits = "98765432109876543210"
    pepper = bytes.fromhex(app.config["INTAKE_RECEIPT_PEPPER"])
    with app.app_context():
        row = db.session.get(Submission, stored.submission_id)
        row.receipt_selector, row.family_names = None, None
        row.receipt_bucket = receipts.bucket(pepper, digits)
        row.receipt_verifier = receipts.make_legacy_verifier(pepper, digits, PROFILES["test"]["receipt"])
        row.reply_public_key = receipts.legacy_reply_private_key(digits, row.id).public().raw
        db.session.commit()
    return digits, stored.submission_id


def test_a_legacy_receipt_opens_moves_to_the_selector_and_keeps_its_old_replies(public_app, review_app):
    digits, submission_id = legacy_submission(public_app)
    with review_app.app_context():  # a reply sealed to the legacy reply key
        messages.reply_to_family(db.session, get_vault(), submission_id=submission_id, author_id=None, text="old")
    with public_app.app_context():
        holder = families.find_by_receipt(db.session, grouped(digits), check=_check(public_app))
        assert holder.submission.id == submission_id and holder.stretched is not None
        row = db.session.get(Submission, submission_id)
        assert row.receipt_bucket is None and row.receipt_selector == receipts.selector(
            bytes.fromhex(public_app.config["INTAKE_RECEIPT_PEPPER"]), digits)
        assert row.receipt_verifier[0] == 2
    with review_app.app_context():  # sealed to the new, stretched reply key
        messages.reply_to_family(db.session, get_vault(), submission_id=submission_id, author_id=None, text="new")
    with public_app.app_context():
        holder = families.find_by_receipt(db.session, digits, check=_check(public_app))
        view = messages.family_view(db.session, holder.submission, holder.reply_keys())
        assert [text for _, text in view] == ["old", "new"]


def test_legacy_checks_verify_every_candidate_in_the_bucket_and_burn_for_an_empty_one(public_app, monkeypatch):
    digits, submission_id = legacy_submission(public_app)
    pepper = bytes.fromhex(public_app.config["INTAKE_RECEIPT_PEPPER"])
    with public_app.app_context():  # two more legacy rows in the same bucket
        for other in ("11111111111111111111", "22222222222222222222"):
            stored = submit(public_app, full_report())
            row = db.session.get(Submission, stored.submission_id)
            row.receipt_selector, row.receipt_bucket = None, receipts.bucket(pepper, digits)
            row.receipt_verifier = receipts.make_legacy_verifier(pepper, other, PROFILES["test"]["receipt"])
        db.session.commit()
        calls, burnt = [], []
        real = receipts.check_legacy_verifier
        monkeypatch.setattr(receipts, "check_legacy_verifier", lambda *a: calls.append(1) or real(*a))
        monkeypatch.setattr(receipts, "burn_time", lambda pepper, kdf: burnt.append(1))
        wrong = digits[:-1] + ("0" if digits[-1] != "0" else "1")
        real_bucket = receipts.bucket
        monkeypatch.setattr(receipts, "bucket", lambda pepper, d: real_bucket(pepper, digits))  # same bucket
        with pytest.raises(NotFound):
            families.find_by_receipt(db.session, wrong, check=_check(public_app))
        assert len(calls) == 3 and burnt == [1]  # all three verified; the selector path burnt one
        calls.clear()
        burnt.clear()
        monkeypatch.setattr(receipts, "bucket", lambda pepper, d: 99999)  # an empty bucket
        with pytest.raises(NotFound):
            families.find_by_receipt(db.session, wrong, check=_check(public_app))
        assert calls == [] and burnt == [1, 1]  # the selector path and the empty bucket: one each


def grouped(digits: str) -> str:
    return receipts.grouped(digits)


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
        holder = families.find_by_receipt(db.session, stored.receipt, check=_check(public_app))
        view = messages.family_view(db.session, holder.submission, holder.reply_keys())
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
                            check=_check(public_app), max_reports=10)
        stored = excinfo.value.stored
        assert db.session.scalars(select(Submission)).all()[0].id == stored.submission_id
        assert len(db.session.scalars(select(Submission)).all()) == 1  # stored once, not twice
        found = families.find_by_receipt(db.session, stored.receipt, check=_check(public_app)).submission
        assert found.id == stored.submission_id


def test_damaged_names_show_references_instead_of_blocking_the_page(public_app, caplog):
    stored = submit(public_app, full_report())
    with public_app.app_context():
        row = db.session.get(Submission, stored.submission_id)
        row.family_names = row.family_names[:-1] + bytes([row.family_names[-1] ^ 1])
        db.session.commit()
        holder = families.find_by_receipt(db.session, stored.receipt, check=_check(public_app))
        assert holder.names() is None
        view = families.status_view(db.session, holder)
        assert [p.names for p in view.people] == [()]
    assert "SENTINEL" not in caplog.text

"""The whole path: public face seals, review face takes in, working store decrypts."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import func, select

from intake.crypto.errors import WriteOnlyError
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import SEALED_REPORT_FIELDS, BlindIndex, RecordKey, Report, Submission
from intake.services import take_in
from tests.helpers import full_report, submit


def test_every_sealed_field_round_trips_in_every_script(public_app, review_app):
    first, second = full_report("one"), full_report("two")
    stored = submit(public_app, first, second, contact="Signal +90 555 " + "SENTINEL-contact")

    with review_app.app_context():
        vault = get_vault()
        assert take_in.take_in(db.session, vault) == (1, 0)
    with review_app.app_context():  # a fresh session: nothing cached from the take-in
        submission = db.session.get(Submission, stored.submission_id)
        assert submission.contact == "Signal +90 555 SENTINEL-contact"
        reports = submission.reports
        assert [r.handle for r in reports] == stored.report_handles
        for report, expected in zip(reports, (first, second), strict=True):
            for field in SEALED_REPORT_FIELDS:
                assert getattr(report, field) == getattr(expected, field), field
            assert report.status == "detained"


def test_take_in_rewraps_under_the_kek_and_indexes(public_app, review_app):
    stored = submit(public_app, full_report())
    with review_app.app_context():
        rows = db.session.scalars(select(RecordKey)).all()
        assert [r.holder for r in rows] == ["inbox"]
        inbox_ciphertexts = {c: getattr(db.session.get(Report, db.session.scalars(select(Report.id)).one()), c)
                             for c in ("testimony_sealed", "names_sealed")}
        take_in.take_in(db.session, get_vault())
    with review_app.app_context():
        rows = db.session.scalars(select(RecordKey)).all()
        assert [r.holder for r in rows] == ["kek"]
        vault = get_vault()
        assert rows[0].holder_key_id == vault.current_kek_id
        report = db.session.scalars(select(Report)).one()
        # Field ciphertexts are untouched by take-in: only the 32-byte key wrap changed.
        assert report.testimony_sealed == inbox_ciphertexts["testimony_sealed"]
        assert report.names_sealed == inbox_ciphertexts["names_sealed"]
        assert db.session.get(Submission, stored.submission_id).in_working_store
        assert db.session.scalar(select(func.count()).select_from(BlindIndex)) >= 4


def test_review_face_reads_a_submission_not_yet_taken_in(public_app, review_app):
    """Before take-in, the review face can still open the inbox wrap with its private key."""
    report = full_report()
    submit(public_app, report)
    with review_app.app_context():
        assert db.session.scalars(select(Report)).one().testimony == report.testimony


def test_public_face_cannot_read_back_what_it_stored(public_app):
    report = full_report()
    submit(public_app, report)
    with public_app.app_context():
        stored = db.session.scalars(select(Report)).one()
        with pytest.raises(WriteOnlyError, match="only public keys"):
            _ = stored.testimony
        with pytest.raises(WriteOnlyError):
            _ = stored.names


def test_public_face_holds_no_private_key_material(public_app, keys):
    with public_app.app_context():
        vault = get_vault()
        assert vault is not None and vault.face == "public"
        assert vault.keystore is None
        assert not vault.holds_private_keys and vault.index_root is None and vault.audit_signer is None
    # It never even opens the keystore: only the public bundle is configured.
    assert "INTAKE_KEYSTORE" not in public_app.config or not public_app.config["INTAKE_KEYSTORE"]


def test_empty_and_absent_fields_stay_absent(public_app, review_app):
    sparse = dataclasses.replace(full_report(), gender=None, id_number=None, sentence=None, testimony=None)
    submit(public_app, sparse)
    with review_app.app_context():
        report = db.session.scalars(select(Report)).one()
        assert report.gender is None and report.id_number is None and report.testimony is None
        assert report.gender_sealed is None
        assert report.names == sparse.names


def test_review_face_edits_are_sealed_too(public_app, review_app):
    submit(public_app, full_report())
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
        report = db.session.scalars(select(Report)).one()
        report.sentence = "۱۴ يىل — 14 years"
        db.session.commit()
        assert b"14 years" not in report.sentence_sealed
    with review_app.app_context():
        assert db.session.scalars(select(Report)).one().sentence == "۱۴ يىل — 14 years"


def test_family_follow_ups_get_their_own_key_and_are_taken_in(public_app, review_app):
    from intake.models import Message, MessageKind
    from intake.models.sealed import data_keys

    stored = submit(public_app, full_report())
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
    with public_app.app_context():  # later, the family adds news; the public face cannot unwrap the old key
        news = Message(submission_id=stored.submission_id, kind=MessageKind.FROM_FAMILY.value, own_key=True,
                       sequence=1)
        db.session.add(news)
        data_keys(db.session).create("messages", news.id, via="inbox")
        news.body = "ئۇ قويۇپ بېرىلدى — released in March"
        db.session.commit()
        news_id = news.id
    with review_app.app_context():
        assert take_in.pending_count(db.session) == 1
        assert take_in.take_in(db.session, get_vault()) == (1, 0)
        assert take_in.pending_count(db.session) == 0
        holders = db.session.execute(select(RecordKey.owner_table, RecordKey.holder)).all()
        assert sorted(holders) == [("messages", "kek"), ("submissions", "kek")]
    with review_app.app_context():
        assert db.session.get(Message, news_id).body == "ئۇ قويۇپ بېرىلدى — released in March"


def test_family_reads_a_reply_with_the_receipt_only(public_app, review_app):
    from intake.crypto import receipts
    from intake.services import messages

    stored = submit(public_app, full_report())
    with review_app.app_context():
        messages.reply_to_family(db.session, get_vault(), submission_id=stored.submission_id, author_id=None,
                                 text="Do you know the facility's name? / لاگېرنىڭ نامىنى بىلەمسىز؟")
    with public_app.app_context():
        from intake.crypto.errors import CryptoError
        from intake.crypto.passphrase import PROFILES
        from intake.services import families

        check = families.ReceiptCheck(pepper=bytes.fromhex(public_app.config["INTAKE_RECEIPT_PEPPER"]),
                                      kdf=PROFILES["test"]["receipt"])
        holder = families.find_by_receipt(db.session, stored.receipt, check=check)
        [(message, text)] = messages.family_view(db.session, holder.submission, holder.reply_keys())
        assert text.endswith("لاگېرنىڭ نامىنى بىلەمسىز؟")
        wrong = receipts.Stretched(b"\1" * 32).reply_private_key(holder.submission.id)
        with pytest.raises(CryptoError):  # a wrong receipt derives another key: nothing opens
            messages.family_view(db.session, holder.submission, [wrong])

"""Tampered, moved or mis-keyed ciphertext fails closed with a clear domain error."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from intake.crypto.errors import DecryptionError, KeysLockedError, UnknownKeyError, WrongPassphraseError
from intake.crypto.vault import Vault
from intake.extensions import db
from intake.keyring import get_vault, vault_problem
from intake.models import RecordKey, Report
from intake.services import take_in
from tests.helpers import full_report, submit


def _flip_bit(blob: bytes, index: int = -1) -> bytes:
    data = bytearray(blob)
    data[index] ^= 0x01
    return bytes(data)


@pytest.fixture
def two_reports(public_app, review_app):
    """Two reports in one submission (same data key), already in the working store."""
    submit(public_app, full_report("first"), full_report("second"))
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
    return review_app


def _reports(app):
    return db.session.scalars(select(Report).order_by(Report.position)).all()


def _set(app, report_id, **values):
    with app.app_context():
        db.session.execute(update(Report).where(Report.id == report_id).values(**values))
        db.session.commit()


@pytest.mark.parametrize("index", [0, 5, 20, 40, -1])
def test_a_flipped_bit_anywhere_is_refused(two_reports, index):
    with two_reports.app_context():
        report = _reports(two_reports)[0]
        report_id, blob = report.id, report.testimony_sealed
    _set(two_reports, report_id, testimony_sealed=_flip_bit(blob, index))
    with two_reports.app_context():
        report = db.session.get(Report, report_id)
        with pytest.raises((DecryptionError, UnknownKeyError)) as excinfo:
            _ = report.testimony
        assert "SENTINEL" not in str(excinfo.value)


def test_ciphertext_swapped_between_rows_is_refused(two_reports):
    with two_reports.app_context():
        first, second = _reports(two_reports)
        ids, blobs = (first.id, second.id), (first.testimony_sealed, second.testimony_sealed)
    _set(two_reports, ids[0], testimony_sealed=blobs[1])
    with two_reports.app_context():
        with pytest.raises(DecryptionError, match=r"reports\.testimony .*failed authentication"):
            _ = db.session.get(Report, ids[0]).testimony


def test_ciphertext_swapped_between_columns_is_refused(two_reports):
    with two_reports.app_context():
        report = _reports(two_reports)[0]
        report_id, occupation = report.id, report.occupation_sealed
    _set(two_reports, report_id, testimony_sealed=occupation)
    with two_reports.app_context():
        report = db.session.get(Report, report_id)
        with pytest.raises(DecryptionError):
            _ = report.testimony
        assert report.facility.startswith("SENTINEL-facility")  # the untouched columns still read


def test_ciphertext_from_another_submission_names_an_unknown_key(public_app, review_app):
    submit(public_app, full_report("x"))
    submit(public_app, full_report("y"))
    with review_app.app_context():
        a, b = db.session.scalars(select(Report)).all()
        a_id, b_blob = a.id, b.names_sealed
    _set(review_app, a_id, names_sealed=b_blob)
    with review_app.app_context():
        with pytest.raises(UnknownKeyError, match="another data key"):
            _ = db.session.get(Report, a_id).names


def test_a_wrap_under_an_unknown_kek_is_refused(two_reports):
    with two_reports.app_context():
        db.session.execute(update(RecordKey).values(wrapped=b"\x01" + b"\xee" * 16 + b"\0" * 60))
        db.session.commit()
    with two_reports.app_context():
        with pytest.raises(UnknownKeyError, match="not held"):
            _ = _reports(two_reports)[0].testimony


def test_a_tampered_wrap_is_refused(two_reports):
    with two_reports.app_context():
        row = db.session.scalars(select(RecordKey)).one()
        row.wrapped = _flip_bit(row.wrapped)
        db.session.commit()
    with two_reports.app_context():
        with pytest.raises(DecryptionError, match="wrap failed authentication"):
            _ = _reports(two_reports)[0].testimony


def test_a_wrap_moved_to_another_submission_is_refused(public_app, review_app):
    submit(public_app, full_report("x"))
    submit(public_app, full_report("y"))
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
        a, b = db.session.scalars(select(RecordKey).order_by(RecordKey.owner_id)).all()
        a.wrapped, b.wrapped = b.wrapped, a.wrapped
        db.session.commit()
    with review_app.app_context():
        with pytest.raises(DecryptionError):
            _ = db.session.scalars(select(Report)).first().testimony


def test_a_tampered_inbox_wrap_is_refused_and_take_in_skips_it(public_app, review_app):
    submit(public_app, full_report())
    with review_app.app_context():
        row = db.session.scalars(select(RecordKey)).one()
        row.wrapped = _flip_bit(row.wrapped, 40)
        db.session.commit()
        assert take_in.take_in(db.session, get_vault()) == (0, 1)
        with pytest.raises(DecryptionError):
            _ = db.session.scalars(select(Report)).one().testimony


def test_wrong_passphrase_is_a_clear_error(keys):
    with pytest.raises(WrongPassphraseError, match="does not open"):
        Vault.from_keystore(keys.keystore, "review", passphrase="not the passphrase at all")


def test_review_face_with_wrong_passphrase_stays_locked_and_serves_nothing(public_app, make_app):
    submit(public_app, full_report())
    locked = make_app("review", INTAKE_KEY_PASSPHRASE="not the passphrase at all")
    with locked.app_context():
        assert "does not open" in vault_problem()
        with pytest.raises(KeysLockedError, match="locked"):
            _ = db.session.scalars(select(Report)).one().testimony
    response = locked.test_client().get("/review/")
    assert response.status_code == 200
    assert b"locked" in response.data and b"SENTINEL" not in response.data


def test_the_keystore_file_itself_is_authenticated(keys):
    import json

    data = json.loads(keys.keystore.read_text())
    kek = next(e for e in data["keys"] if e["kind"] == "kek")
    other = next(e for e in data["keys"] if e["kind"] == "index")
    kek["sealed"], other["sealed"] = other["sealed"], kek["sealed"]  # swap two sealed secrets
    keys.keystore.write_text(json.dumps(data))
    from intake.crypto.errors import KeystoreError

    with pytest.raises(KeystoreError, match="fails authentication"):  # the file's MAC, before any secret
        Vault.from_keystore(keys.keystore, "review", passphrase=keys.passphrase)

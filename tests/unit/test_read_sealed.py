"""`sealed.read_sealed`: a row's sealed fields read together (one data key lookup, one AES object) give
exactly what reading each attribute gives, fail closed the same way, and fill the same cache."""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy import select, update

from intake.crypto.errors import CryptoError, DecryptionError, UnknownKeyError
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import SEALED_REPORT_FIELDS, Report
from intake.models.sealed import read_sealed
from intake.services import take_in
from tests.helpers import full_report, submit


@pytest.fixture
def stored(public_app, review_app):
    """Two reports taken in: one with every field, one with some left out."""
    sparse = dataclasses.replace(full_report("sparse"), gender=None, id_number=None, sentence=None, testimony=None)
    submit(public_app, full_report("full"))
    submit(public_app, sparse)
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
    return review_app


def test_every_field_is_what_its_attribute_gives(stored):
    with stored.app_context():  # a fresh session each: nothing decrypted or cached before
        together = {r.handle: read_sealed(r, SEALED_REPORT_FIELDS) for r in db.session.scalars(select(Report))}
    with stored.app_context():
        one_by_one = {r.handle: {f: getattr(r, f) for f in SEALED_REPORT_FIELDS}
                      for r in db.session.scalars(select(Report))}
    assert together == one_by_one and len(together) == 2
    assert any(fields["testimony"] is None for fields in together.values())
    assert any("SENTINEL-testimony" in (fields["testimony"] or "") for fields in together.values())


def test_a_value_set_but_not_yet_sealed_is_read_as_set(stored):
    with stored.app_context():
        report = db.session.scalars(select(Report).where(Report.testimony_sealed.is_not(None))).first()
        report.testimony = "changed, not flushed"
        report.sentence = None
        got = read_sealed(report, ("testimony", "sentence", "names"))
        assert got == {"testimony": "changed, not flushed", "sentence": None, "names": report.names}
        db.session.rollback()


def test_a_ciphertext_moved_to_another_column_or_row_fails_closed(stored):
    with stored.app_context():
        first, second = db.session.scalars(select(Report).order_by(Report.handle)).all()
        moved = {"testimony": (first.id, first.occupation_sealed), "occupation": (second.id, first.occupation_sealed)}
    for column, (row_id, blob) in moved.items():
        with stored.app_context():
            db.session.execute(update(Report).where(Report.id == row_id).values({f"{column}_sealed": blob}))
            db.session.commit()
        with stored.app_context():
            report = db.session.get(Report, row_id)
            with pytest.raises(CryptoError) as together:
                read_sealed(report, SEALED_REPORT_FIELDS)
            with pytest.raises(CryptoError) as alone:
                getattr(report, column)
            assert type(together.value) is type(alone.value) and str(together.value) == str(alone.value)
            assert f"reports.{column} of row {row_id}" in str(together.value)
    assert isinstance(alone.value, DecryptionError | UnknownKeyError)


def test_a_row_without_a_session_is_refused(stored):
    with stored.app_context():
        report = db.session.scalars(select(Report).where(Report.testimony_sealed.is_not(None))).first()
        db.session.expunge(report)
        with pytest.raises(CryptoError, match="attached to a session"):
            read_sealed(report, ("testimony",))

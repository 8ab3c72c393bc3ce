"""Each report's fields packed in one ciphertext at take-in (services/packed_fields.py), which the bulk
path reads instead of the eighteen field ciphertexts: the same values, refused when moved, damaged
or of another layout, never taken from what the row held before take-in, and written by
`flask index rebuild` for reports taken in before. SQLite and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from flask import Flask
from sqlalchemy import select, update

from intake.crypto import fields as field_crypto
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, Report
from intake.models.sealed import data_keys
from intake.services import packed_fields, take_in
from tests.helpers import full_report, submit
from tests.unit.test_bulk import bulk_view, per_record

FIELD_COLUMNS = {f"{name}_sealed": None for name in packed_fields.ALL_FIELDS}


def _take_in(app: Flask) -> None:
    with app.app_context():
        assert take_in.take_in(db.session, get_vault())[1] == 0


@pytest.fixture
def submitted(public_app: Flask, review_app: Flask) -> Flask:
    submit(public_app, full_report("a1"), full_report("a2"))
    submit(public_app, full_report("b1"))
    submit(public_app, full_report("c1"))
    return review_app


@pytest.fixture
def store(submitted: Flask) -> Flask:
    _take_in(submitted)
    return submitted


def _set(app: Flask, handle: str | None = None, **values: object) -> None:
    with app.app_context():
        query = update(Report)
        if handle is not None:
            query = query.where(Report.handle == handle)
        db.session.execute(query.values(**values))
        db.session.commit()


def _handles(app: Flask) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(Report.handle).order_by(Report.handle)))


def test_take_in_packs_every_field_and_the_bulk_path_reads_the_copy(store):
    with store.app_context():
        rows = db.session.execute(select(Report.packed_sealed, Report.packed_version)).all()
    assert len(rows) == 4 and all(blob and version == packed_fields.PACKED_VERSION for blob, version in rows)
    assert not any(b"SENTINEL" in blob or b"testimony" in blob for blob, _ in rows)  # ciphertext only
    expected = per_record(store)
    assert bulk_view(store) == expected
    # With every field column emptied the bulk path still gives every value: it read the copies.
    _set(store, **FIELD_COLUMNS)
    assert bulk_view(store) == expected
    assert bulk_view(store, fields=("names", "id_number")) == bulk_view(store, fields=("names", "id_number"))
    some = bulk_view(store, fields=("id_number", "names"))
    assert all(v["id_number"] == expected[h]["id_number"] and v["testimony"] is None for h, v in some.items())


@pytest.mark.parametrize("version", [None, 0, packed_fields.PACKED_VERSION + 1])
def test_without_a_copy_of_the_current_layout_the_fields_are_read(store, version):
    expected = per_record(store)
    _set(store, packed_sealed=b"\x01" + b"\x00" * 60, packed_version=version)
    assert bulk_view(store) == expected


@pytest.mark.parametrize("family", ["same", "other"])
def test_a_copy_moved_to_another_report_is_refused(store, family):
    """Into a report of the same submission (same data key: the row binding refuses it) or another."""
    with store.app_context():
        rows = db.session.execute(select(Report.handle, Report.submission_id, Report.packed_sealed)).all()
        siblings = [r for r in rows if sum(o.submission_id == r.submission_id for o in rows) == 2]
        source = siblings[0]
        target = next(r for r in (siblings if family == "same" else rows)
                      if r.handle != source.handle and (r.submission_id == source.submission_id) == (family == "same"))
        first, second, blob = source.handle, target.handle, source.packed_sealed
    _set(store, second, packed_sealed=blob)
    with store.app_context():
        from intake.services import bulk
        view = {p.handle: p for batch in bulk.iter_reports(db.session, get_vault()) for p in batch}
    assert view[first].readable
    assert not view[second].readable and view[second].names == () and view[second].testimony is None
    why = "failed authentication" if family == "same" else "was encrypted under another data key"
    assert why in (view[second].problem or "") and "SENTINEL" not in (view[second].problem or "")


def test_a_copy_of_another_layout_is_refused_not_read_as_empty_fields(store):
    handle = _handles(store)[0]
    with store.app_context():
        report = db.session.scalars(select(Report).where(Report.handle == handle)).one()
        dek_id, dek = data_keys(db.session).get(*report.dek_owner())
        # An older layout: one field fewer, its own version.
        plain = json.dumps([packed_fields.PACKED_VERSION - 1, report.names, report.gender]).encode()
        blob = field_crypto.encrypt_field(dek, dek_id, "reports", "packed", report.id, plain)
        db.session.rollback()
    _set(store, handle, packed_sealed=blob)
    with store.app_context():
        from intake.services import bulk
        view = {p.handle: p for batch in bulk.iter_reports(db.session, get_vault()) for p in batch}
    assert not view[handle].readable and view[handle].gender is None
    assert "not of the current layout" in (view[handle].problem or "")


def test_take_in_replaces_whatever_the_row_held(submitted):
    """A copy written into the row before take-in (by anyone who could write it) is never read."""
    _set(submitted, packed_sealed=b"\x01" + b"\x00" * 60, packed_version=packed_fields.PACKED_VERSION)
    _take_in(submitted)
    expected = per_record(submitted)
    _set(submitted, **FIELD_COLUMNS)
    assert bulk_view(submitted) == expected


def test_index_rebuild_writes_the_missing_copies(store):
    expected = per_record(store)
    handles = _handles(store)
    _set(store, packed_sealed=None, packed_version=None)
    _set(store, handles[0], packed_version=0)  # an older layout, to be packed again
    result = store.test_cli_runner().invoke(args=["index", "rebuild"])
    assert result.exit_code == 0, result.output
    assert "packed copies written: 4" in result.output
    with store.app_context():
        versions = set(db.session.scalars(select(Report.packed_version)))
        audited = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "index.rebuild")).one()
        assert audited.details["packed_copies"] == 4
    assert versions == {packed_fields.PACKED_VERSION}
    _set(store, **FIELD_COLUMNS)
    assert bulk_view(store) == expected
    # Nothing left to pack: a second run writes none.
    again = store.test_cli_runner().invoke(args=["index", "rebuild"])
    assert again.exit_code == 0 and "packed copies" not in again.output

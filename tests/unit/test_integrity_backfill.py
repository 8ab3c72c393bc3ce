"""Rows stored before integrity seals existed survive the migration, keep their consent, read as "not
yet sealed" (never as verified) until `flask integrity seal` seals them, and after that a row whose
seal is removed is refused, not sealed again. A keystore made before seals gets its key by command."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import Flask

from intake import create_app
from intake.crypto import fields, wraps
from intake.extensions import db
from intake.keyring import get_vault, reset_vault
from intake.models import AuditEvent, Report, Submission
from intake.services import consent, integrity_states, take_in, withdrawal
from intake.services.integrity import Verdict
from tests.conftest import KeyFiles
from tests.helpers import edit_keystore, full_report, submit
from tests.unit.test_migrations import _restore_logging  # noqa: F401 - env.py reconfigures logging

submissions = sa.table("submissions", *[sa.column(c, t) for c, t in (
    ("id", sa.Uuid()), ("created_on", sa.Date()), ("language", sa.String()), ("status", sa.String()),
    ("in_working_store", sa.Boolean()), ("receipt_bucket", sa.Integer()), ("receipt_verifier", sa.LargeBinary()),
    ("reply_public_key", sa.LargeBinary()), ("consent_share_research", sa.Boolean()),
    ("consent_contact", sa.Boolean()), ("consent_publish_name", sa.Boolean()))])
reports = sa.table("reports", *[sa.column(c, t) for c, t in (
    ("id", sa.Uuid()), ("handle", sa.String()), ("submission_id", sa.Uuid()), ("position", sa.Integer()),
    ("created_on", sa.Date()), ("verification", sa.String()), ("status", sa.String()), ("names", sa.LargeBinary()))])
record_keys = sa.table("record_keys", *[sa.column(c, t) for c, t in (
    ("id", sa.Uuid()), ("owner_table", sa.String()), ("owner_id", sa.Uuid()), ("dek_id", sa.LargeBinary()),
    ("holder", sa.String()), ("holder_key_id", sa.LargeBinary()), ("wrapped", sa.LargeBinary()),
    ("created_on", sa.Date()))])


@pytest.fixture
def legacy_app(db_url: str, keys: KeyFiles, tmp_path: Path) -> Iterator[Flask]:
    """The review face over an EMPTY database: only the migrations build the schema."""
    app = create_app("test", {"INTAKE_FACE": "both", "SQLALCHEMY_DATABASE_URI": db_url,
                              "SECRET_KEY": "test-secret-key-" + "x" * 32, "INTAKE_RECEIPT_PEPPER": keys.pepper,
                              "INTAKE_KEYSTORE": str(keys.keystore), "INTAKE_KEY_PASSPHRASE": keys.passphrase,
                              "INSTANCE_PATH": str(tmp_path / "instance")})
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def old_submission(connection: sa.Connection, *, consent: tuple[bool, bool, bool], taken_in: bool,
                   status: str = "received") -> tuple[uuid.UUID, uuid.UUID]:
    """A submission and one report as the code before 0005_integrity stored them."""
    vault = get_vault()
    sid, rid, dek_id, dek = uuid.uuid4(), uuid.uuid4(), os.urandom(16), os.urandom(32)
    connection.execute(sa.insert(submissions).values(
        id=sid, created_on=date(2024, 5, 1), language="ug", status=status, in_working_store=taken_in,
        receipt_bucket=7, receipt_verifier=os.urandom(56), reply_public_key=os.urandom(32),
        consent_share_research=consent[0], consent_contact=consent[1], consent_publish_name=consent[2]))
    names = json.dumps([{"value": "Abdurehim", "script": "Latn"}]).encode()
    connection.execute(sa.insert(reports).values(
        id=rid, handle=f"R-{uuid.uuid4().hex[:5].upper()}-LEGCY", submission_id=sid, position=0,
        created_on=date(2024, 5, 1), verification="corroborated", status="sentenced",
        names=fields.encrypt_field(dek, dek_id, "reports", "names", rid, names)))
    if taken_in:
        kek = vault.current_kek()
        holder, holder_id, wrapped = "kek", kek.key_id, wraps.kek_wrap(kek, "submissions", sid, dek)
    else:
        public = vault.require_review_public()
        holder, holder_id, wrapped = "inbox", public.key_id, wraps.inbox_wrap(public, "submissions", sid, dek)
    connection.execute(sa.insert(record_keys).values(
        id=uuid.uuid4(), owner_table="submissions", owner_id=sid, dek_id=dek_id, holder=holder,
        holder_key_id=holder_id, wrapped=wrapped, created_on=date(2024, 5, 1)))
    return sid, rid


def test_legacy_rows_survive_keep_their_consent_and_are_sealed_by_the_command(legacy_app: Flask) -> None:
    runner = legacy_app.test_cli_runner()
    with legacy_app.app_context():
        flask_migrate.upgrade(revision="0003")
        with db.engine.begin() as connection:
            kept, kept_report = old_submission(connection, consent=(True, False, True), taken_in=True)
            waiting, _ = old_submission(connection, consent=(False, True, False), taken_in=False)
            tomb, _ = old_submission(connection, consent=(False, False, False), taken_in=True, status="withdrawn")
        flask_migrate.upgrade()
        rows = {r.id: r for r in db.session.execute(sa.select(
            Submission.id, Submission.legacy_consent, Submission.consent_sealed))}
        assert {k: (rows[k].legacy_consent, rows[k].consent_sealed) for k in (kept, waiting, tomb)} == {
            kept: (5, None), waiting: (2, None), tomb: (0, None)}
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Report)) == 3
        vault = get_vault()
        state = integrity_states.report_states(db.session, vault, [kept_report])[kept_report]
        assert state.verdict is Verdict.NOT_SEALED and state.verification is None  # never shown as true
        assert not consent.consents(db.session, [kept])[kept].known

    result = runner.invoke(args=["integrity", "seal"])
    assert result.exit_code == 0, result.output
    with legacy_app.app_context():
        vault = get_vault()
        assert consent.consents(db.session, [kept])[kept] == consent.Consent(
            share_research=True, contact=False, publish_name=True, origin="migrated")
        state = integrity_states.report_states(db.session, vault, [kept_report])[kept_report]
        assert state.verified and (state.status, state.verification) == ("sentenced", "corroborated")
        # The inbox one is sealed at take-in, the tombstone when its withdrawal is finished.
        assert take_in.take_in(db.session, vault) == (1, 0)
        assert consent.consents(db.session, [waiting])[waiting] == consent.Consent(contact=True,
                                                                                       origin="migrated")
        assert withdrawal.finish_pending(db.session, vault) == 1
        tombstone = db.session.get(Submission, tomb)
        assert (tombstone.receipt_verifier, tombstone.legacy_consent, tombstone.language) == (None, None, None)
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "integrity.backfill")) == 1

        # After the backfill a seal removed is a seal stripped: refused, and shown as failed.
        db.session.execute(sa.update(Report).where(Report.id == kept_report).values(state_mac=None))
        db.session.commit()
        state = integrity_states.report_states(db.session, vault, [kept_report])[kept_report]
        assert state.verdict is Verdict.TAMPERED and "seal was removed" in state.problem
    again = runner.invoke(args=["integrity", "seal"])
    assert again.exit_code == 1 and f"refused: reports {kept_report}" in again.output
    checked = runner.invoke(args=["integrity", "verify"])
    assert checked.exit_code == 1 and f"FAILED reports {kept_report}" in checked.output
    assert "Abdurehim" not in again.output + checked.output


def test_downgrade_brings_legacy_consent_back_and_keeps_every_row(legacy_app: Flask) -> None:
    with legacy_app.app_context():
        flask_migrate.upgrade(revision="0003")
        with db.engine.begin() as connection:
            sid, _ = old_submission(connection, consent=(True, True, False), taken_in=True)
        flask_migrate.upgrade()
        flask_migrate.downgrade(revision="0003")
        with db.engine.connect() as connection:
            row = connection.execute(sa.select(submissions.c.consent_share_research, submissions.c.consent_contact,
                                               submissions.c.consent_publish_name)).one()
            assert tuple(row) == (True, True, False)
            assert connection.execute(sa.select(sa.func.count()).select_from(reports)).scalar_one() == 1
        flask_migrate.upgrade()


def test_a_keystore_made_before_seals_gets_an_integrity_key_and_it_rotates(legacy_app: Flask, keys: KeyFiles) -> None:
    def drop_integrity(store):
        store["keys"] = [k for k in store["keys"] if k["kind"] != "integrity"]
        store["escrow_copies"] = [c for c in store["escrow_copies"] if c["kind"] != "integrity"]

    edit_keystore(keys.keystore, keys.passphrase, drop_integrity)
    runner = legacy_app.test_cli_runner()
    with legacy_app.app_context():
        flask_migrate.upgrade()
        reset_vault(legacy_app)
        assert get_vault().integrity_keys == {}
    stored = submit(legacy_app, full_report("k"))  # the public face needs no integrity key
    refused = runner.invoke(args=["inbox", "take-in"])
    assert refused.exit_code == 1 and "keys integrity-key" in refused.output  # nothing half-done

    first = runner.invoke(args=["keys", "integrity-key"])
    assert first.exit_code == 0, first.output
    store = json.loads(keys.keystore.read_text())
    [entry] = [k for k in store["keys"] if k["kind"] == "integrity"]
    assert entry["id"] in first.output and any(c["id"] == entry["id"] for c in store["escrow_copies"])
    assert runner.invoke(args=["inbox", "take-in"]).exit_code == 0

    assert runner.invoke(args=["keys", "integrity-key"]).exit_code == 0  # the next version
    with legacy_app.app_context():
        reset_vault(legacy_app)
        vault = get_vault()
        assert len(vault.integrity_keys) == 2 and vault.current_integrity_id.hex() != entry["id"]
        report_id = db.session.scalars(sa.select(Report.id)).one()
        assert integrity_states.report_states(db.session, vault, [report_id])[report_id].verified  # old seal still good
    busy = runner.invoke(args=["keys", "retire", entry["id"]])
    assert busy.exit_code == 1 and "integrity seal" in busy.output
    resealed = runner.invoke(args=["integrity", "seal"])
    assert resealed.exit_code == 0 and "re-sealed under the current key: 2" in resealed.output
    assert runner.invoke(args=["keys", "retire", entry["id"]]).exit_code == 0
    with legacy_app.app_context():
        reset_vault(legacy_app)
        vault = get_vault()
        assert list(vault.integrity_keys) == [vault.current_integrity_id]
        sub = db.session.get(Submission, stored.submission_id)
        assert integrity_states.submission_states(db.session, vault, [sub.id])[sub.id].verified

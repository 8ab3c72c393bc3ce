"""Old key-encryption keys are destroyed, escrow copies included, once backups that may hold wraps under
them have expired (INTAKE_BACKUP_RETENTION_DAYS), so a withdrawal reaches old backups too."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from intake.crypto import wraps
from intake.crypto.errors import UnknownKeyError
from intake.crypto.keystore import Keystore, open_escrow_copy, read_escrow_private
from intake.extensions import db
from intake.keyring import get_vault, reset_vault
from intake.models import RecordKey, Submission
from intake.services import families, take_in, withdrawal
from intake.services import keys as key_service
from tests.helpers import edit_keystore, full_report, submit

RETENTION = 30


def kek_ids(keys) -> dict[str, str]:  # noqa: ANN001
    return {e.key_id.hex(): e.state for e in Keystore.load(keys.keystore).of_kind("kek")}


def escrowed(keys) -> set[str]:  # noqa: ANN001
    return {c["id"] for c in json.loads(keys.keystore.read_text())["escrow_copies"]}


def destroy(app, keys, days_later: int, **kwargs):  # noqa: ANN001, ANN003, ANN201
    reset_vault(app)
    with app.app_context():
        return key_service.destroy_expired(db.session, get_vault(), keys.passphrase, retention_days=RETENTION,
                                           today=date.today() + timedelta(days=days_later), **kwargs)


def test_a_withdrawn_testimony_in_an_old_backup_becomes_unreadable_after_the_retention(
        public_app, review_app, keys) -> None:
    stored = submit(public_app, full_report("backup"))
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
        # A backup taken now holds the submission's working-store wrap under the first KEK.
        backup = db.session.scalars(select(RecordKey).where(RecordKey.owner_id == stored.submission_id)).one()
        backup_wrap, (old_kek,) = backup.wrapped, kek_ids(keys)
        assert wraps.kek_unwrap(get_vault().keks, "submissions", stored.submission_id, backup_wrap)
    with public_app.app_context():
        families.withdraw(db.session, db.session.get(Submission, stored.submission_id))
    with review_app.app_context():
        assert withdrawal.finish_pending(db.session, get_vault()) == 1
    assert review_app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0

    dry = review_app.test_cli_runner().invoke(args=["keys", "destroy-expired", "--dry-run"])
    [line] = [line for line in dry.output.splitlines() if old_kek in line]
    assert dry.exit_code == 0 and line.startswith("would be retired") and "no wrap uses it" in line
    assert old_kek in kek_ids(keys)  # a dry run changes nothing

    done = review_app.test_cli_runner().invoke(args=["keys", "destroy-expired"])
    assert done.exit_code == 0, done.output
    assert old_kek not in kek_ids(keys) and old_kek in escrowed(keys)  # retired; escrow keeps it for backups
    assert any(old_kek in line and "escrow copy kept until" in line for line in done.output.splitlines())
    assert [r.outcome for r in destroy(review_app, keys, RETENTION - 1) if r.key_id == old_kek] == ["kept"]

    [result] = [r for r in destroy(review_app, keys, RETENTION) if r.key_id == old_kek]
    assert result.outcome == "destroyed" and old_kek not in escrowed(keys)
    store = Keystore.load(keys.keystore)
    assert [r for r in store.retired if r["id"] == old_kek][0]["destroyed"]
    # Nothing opens the backup's wrap now: not the keystore, not the escrow key.
    escrow = read_escrow_private(keys.escrow)
    recovered = {c["id"] for c in store.escrow_copies if open_escrow_copy(escrow, c)}
    assert old_kek not in recovered
    reset_vault(review_app)
    with review_app.app_context(), pytest.raises(UnknownKeyError):
        wraps.kek_unwrap(get_vault().keks, "submissions", stored.submission_id, backup_wrap)


def test_destruction_is_refused_while_a_wrap_still_uses_the_key(public_app, review_app, keys) -> None:
    stored = submit(public_app, full_report("restored"))
    with review_app.app_context():
        take_in.take_in(db.session, get_vault())
        row = db.session.scalars(select(RecordKey).where(RecordKey.owner_id == stored.submission_id)).one()
        restored = (row.dek_id, row.holder_key_id, row.wrapped)
    (old_kek,) = kek_ids(keys)
    assert review_app.test_cli_runner().invoke(args=["keys", "rotate"]).exit_code == 0
    assert [r.outcome for r in destroy(review_app, keys, 0) if r.key_id == old_kek] == ["retired", "kept"]
    with review_app.app_context():  # a backup restored into the live database brings the old wrap back
        db.session.add(RecordKey(owner_table="submissions", owner_id=stored.submission_id, dek_id=restored[0],
                                 holder="kek", holder_key_id=restored[1], wrapped=restored[2]))
        db.session.commit()
    [result] = [r for r in destroy(review_app, keys, RETENTION + 5) if r.key_id == old_kek]
    assert result.outcome == "refused" and old_kek in escrowed(keys)


def test_the_current_kek_is_never_touched_and_an_old_one_is_reported(review_app, keys) -> None:
    (current,) = kek_ids(keys)
    result = review_app.test_cli_runner().invoke(args=["keys", "destroy-expired"], env={})
    assert result.exit_code == 0 and "nothing retired or waiting to be destroyed" in result.output
    assert kek_ids(keys) == {current: "current"}
    def age(store):
        for entry in store["keys"]:
            if entry["kind"] == "kek":
                entry["created"] = (date.today() - timedelta(days=RETENTION + 10)).isoformat()

    edit_keystore(keys.keystore, keys.passphrase, age)
    reset_vault(review_app)
    aged = review_app.test_cli_runner().invoke(args=["keys", "destroy-expired"])
    assert "rotate it" in aged.output and kek_ids(keys) == {current: "current"}

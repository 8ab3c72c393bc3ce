"""Key rotation: every record decrypts under the new key, old keys can go, interrupted runs finish."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from intake.crypto.keystore import Keystore
from intake.extensions import db
from intake.keyring import get_vault, reset_vault
from intake.models import RecordKey, Report
from intake.services import keys as key_service
from intake.services import take_in
from tests.helpers import full_report, submit


def _fill(public_app, review_app, n: int, take: bool = True) -> dict[str, str]:
    expected = {}
    for i in range(n):
        report = full_report(f"r{i}")
        stored = submit(public_app, report)
        expected[stored.report_handles[0]] = report.testimony
    if take:
        with review_app.app_context():
            take_in.take_in(db.session, get_vault())
    return expected


def _check_all(app, expected: dict[str, str]) -> None:
    reset_vault(app)
    with app.app_context():
        seen = {r.handle: r.testimony for r in db.session.scalars(select(Report))}
        assert seen == expected


def _ids(keystore_path, kind):
    return {e.key_id.hex(): e.state for e in Keystore.load(keystore_path).of_kind(kind)}


def test_rotate_kek_then_retire_the_old_one(public_app, review_app, keys):
    expected = _fill(public_app, review_app, 5)
    (old_kek,) = _ids(keys.keystore, "kek")
    before = {}
    with review_app.app_context():
        before = {r.id: r.testimony_sealed for r in db.session.scalars(select(Report))}

    result = review_app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "new kek key" in result.output
    states = _ids(keys.keystore, "kek")
    assert states[old_kek] == "previous" and list(states.values()).count("current") == 1
    with review_app.app_context():
        new_kek = next(k for k, s in states.items() if s == "current")
        holders = set(db.session.scalars(select(RecordKey.holder_key_id)))
        assert holders == {bytes.fromhex(new_kek)}
        # Field ciphertexts were not touched: rotation re-wraps 32-byte keys only.
        assert {r.id: r.testimony_sealed for r in db.session.scalars(select(Report))} == before

    result = review_app.test_cli_runner().invoke(args=["keys", "retire", old_kek])
    assert result.exit_code == 0, result.output
    assert old_kek not in _ids(keys.keystore, "kek")
    stored = json.loads(keys.keystore.read_text())
    assert old_kek not in [e["id"] for e in stored["keys"]]
    assert old_kek in [c["id"] for c in stored["escrow_copies"]]  # the offline escrow can still recover it
    _check_all(review_app, expected)


def test_retire_refuses_a_key_still_in_use(public_app, review_app, keys):
    _fill(public_app, review_app, 1)
    (kek,) = _ids(keys.keystore, "kek")
    result = review_app.test_cli_runner().invoke(args=["keys", "retire", kek])
    assert result.exit_code == 1
    assert "current key cannot be retired" in result.output
    assert kek in _ids(keys.keystore, "kek")


def test_interrupted_rotation_resumes_without_losing_anything(public_app, review_app, keys):
    expected = _fill(public_app, review_app, 7)

    class Killed(Exception):
        pass

    batches = []

    def die_after_two_batches(n: int) -> None:
        batches.append(n)
        if len(batches) == 2:
            raise Killed

    with review_app.app_context():
        with pytest.raises(Killed):
            key_service.rotate(db.session, get_vault(), keys.passphrase, batch=2, progress=die_after_two_batches)
        db.session.rollback()
        states = _ids(keys.keystore, "kek")
        current = bytes.fromhex(next(k for k, s in states.items() if s == "current"))
        counts = dict(db.session.execute(select(RecordKey.holder_key_id, func.count())
                                         .group_by(RecordKey.holder_key_id)).all())
        assert counts[current] == 4 and sum(counts.values()) == 7  # half done, nothing lost
    _check_all(review_app, expected)  # readable mid-rotation, with both keys held

    reset_vault(review_app)
    result = review_app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "finished an interrupted rotation" in result.output
    assert len(_ids(keys.keystore, "kek")) == 2  # resumed: no third key
    with review_app.app_context():
        assert set(db.session.scalars(select(RecordKey.holder_key_id))) == {current}
    _check_all(review_app, expected)


def test_rotation_crash_inside_a_batch_rolls_that_batch_back(public_app, review_app, keys, monkeypatch):
    expected = _fill(public_app, review_app, 3)
    from intake.crypto import wraps

    real = wraps.KekRewrap.__call__
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    monkeypatch.setattr(wraps.KekRewrap, "__call__", flaky)
    with review_app.app_context():
        with pytest.raises(RuntimeError):
            key_service.rotate(db.session, get_vault(), keys.passphrase, batch=10)
        db.session.rollback()
        assert len(set(db.session.scalars(select(RecordKey.holder_key_id)))) == 1  # the batch rolled back
    monkeypatch.setattr(wraps.KekRewrap, "__call__", real)
    _check_all(review_app, expected)
    result = review_app.test_cli_runner().invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    _check_all(review_app, expected)


def test_a_wrap_changed_during_its_batch_is_left_alone(public_app, review_app, keys, monkeypatch):
    # A withdrawal that shreds a wrap while a rotation batch is being re-made must not see the old
    # wrap written back: the batch's write names the key each wrap was read under.
    _fill(public_app, review_app, 3)
    from intake.crypto import wraps

    real = wraps.KekRewrap.__call__
    changed: list[object] = []

    def shred_another_first(self, owner_table, owner_id, blob):
        if not changed:
            victim = db.session.scalars(select(RecordKey).where(RecordKey.holder == "kek")
                                        .order_by(RecordKey.id.desc()).limit(1)).one()
            changed.append(victim.id)
            db.session.execute(RecordKey.__table__.update().where(RecordKey.id == victim.id)
                               .values(wrapped=b"shredded", holder_key_id=bytes(16)))
        return real(self, owner_table, owner_id, blob)

    monkeypatch.setattr(wraps.KekRewrap, "__call__", shred_another_first)
    with review_app.app_context():
        key_service.rotate(db.session, get_vault(), keys.passphrase, batch=10)
        rows = {r.id: (r.holder_key_id, r.wrapped) for r in db.session.scalars(select(RecordKey))}
        current = get_vault().current_kek_id
    assert rows.pop(changed[0]) == (bytes(16), b"shredded")  # not resurrected
    assert rows and all(key_id == current for key_id, _ in rows.values())


def test_rotate_review_key_pair_reseals_the_inbox(public_app, review_app, keys, make_app):
    expected = _fill(public_app, review_app, 3, take=False)  # still in the inbox
    (old_review,) = _ids(keys.keystore, "review")
    old_bundle = json.loads(keys.public.read_text())

    result = review_app.test_cli_runner().invoke(args=["keys", "rotate", "--review", "--no-kek"])
    assert result.exit_code == 0, result.output
    new_bundle = json.loads(keys.public.read_text())
    assert new_bundle["id"] != old_bundle["id"] and new_bundle["id"] in _ids(keys.keystore, "review")
    with review_app.app_context():
        assert set(db.session.scalars(select(RecordKey.holder_key_id))) == {bytes.fromhex(new_bundle["id"])}

    result = review_app.test_cli_runner().invoke(args=["keys", "retire", old_review])
    assert result.exit_code == 0, result.output
    # A public face started with the new bundle seals to the new key; everything takes in.
    fresh_public = make_app("public")
    more = _fill(fresh_public, review_app, 1, take=False)
    reset_vault(review_app)
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (4, 0)
    _check_all(review_app, expected | more)


def test_classical_suite_is_selectable(tmp_path, make_app, db_url):
    from intake.crypto.keys import KemSuite
    from tests.conftest import make_keys

    classical = make_keys(tmp_path / "classical", suite=KemSuite.X25519)
    public = make_app("public", INTAKE_PUBLIC_KEYS=str(classical.public))
    review = make_app("review", INTAKE_KEYSTORE=str(classical.keystore))
    report = full_report()
    submit(public, report)
    with review.app_context():
        assert json.loads(classical.public.read_text())["suite"] == "X25519"
        assert db.session.scalars(select(Report)).one().testimony == report.testimony


def test_keys_status_lists_versions_and_counts_without_a_passphrase(public_app, review_app, keys, make_app):
    _fill(public_app, review_app, 2)
    locked = make_app("review", INTAKE_KEY_PASSPHRASE=None)
    result = locked.test_cli_runner().invoke(args=["keys", "status"])
    assert result.exit_code == 0, result.output
    kek_line = next(line for line in result.output.splitlines() if line.startswith("kek"))
    assert kek_line.split()[-1] == "2"
    assert "escrow" in result.output
    assert keys.passphrase not in result.output


def test_rerun_after_a_crash_in_the_inbox_phase_creates_no_extra_key(public_app, review_app, keys):
    expected = _fill(public_app, review_app, 2)  # in the working store
    expected |= _fill(public_app, review_app, 3, take=False)  # still in the inbox

    from intake.crypto import wraps

    real, calls = wraps.inbox_wrap, []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("power cut")
        return real(*args, **kwargs)

    with review_app.app_context():
        wraps.inbox_wrap = flaky
        try:
            with pytest.raises(RuntimeError):
                key_service.rotate(db.session, get_vault(), keys.passphrase, kek=True, review=True, batch=1)
        finally:
            wraps.inbox_wrap = real
        db.session.rollback()
    counts = (len(_ids(keys.keystore, "kek")), len(_ids(keys.keystore, "review")))
    assert counts == (2, 2)
    reset_vault(review_app)
    result = review_app.test_cli_runner().invoke(args=["keys", "rotate", "--review"])
    assert result.exit_code == 0, result.output
    assert "finished an interrupted rotation" in result.output
    assert (len(_ids(keys.keystore, "kek")), len(_ids(keys.keystore, "review"))) == counts
    _check_all(review_app, expected)

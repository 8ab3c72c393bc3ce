"""Signed audit checkpoints: made after a verification, exported and verified against elsewhere;
the admin page verifies only from the last one; `flask audit verify` says which key it trusts."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import delete, select, text, update

from intake.crypto import audit_chain
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditCheckpoint, AuditEvent
from intake.services import audit, audit_checkpoints
from tests.web_fixtures import audit_head


def _entries(app, n: int, start: int = 0) -> None:
    with app.app_context():
        for i in range(start, start + n):
            audit.record(db.session, get_vault(), actor="cli", action="test.event", details={"n": i})
        db.session.commit()


def _cli(app, *args):
    return app.test_cli_runner().invoke(args=list(args))


def _one_line(result) -> str:  # noqa: ANN001
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    return lines[0]


@pytest.fixture
def exported(app, tmp_path):
    """Six entries, a checkpoint at the sixth exported to a file, then three more entries."""
    _entries(app, 6)
    out = tmp_path / "elsewhere" / "checkpoint.json"
    out.parent.mkdir()
    result = _cli(app, "audit", "checkpoint", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "checkpoint at entry 6 (6 entries)" in result.output
    _entries(app, 3, start=6)
    return out


def test_an_exported_checkpoint_verifies_and_names_the_key_it_trusts(app, exported):
    data = json.loads(exported.read_text())
    assert data["seq"] == 6 and "sealed" not in json.dumps(data)
    result = _cli(app, "audit", "verify", "--checkpoint", str(exported))
    assert result.exit_code == 0, result.output
    key_id = data["key_id"]
    assert f"trusting audit key {key_id}: it signed checkpoint file {exported}" in result.output
    assert f"checkpoint {exported}: entry 6 matches" in result.output
    assert "9 entries" in result.output and "audit log intact" in result.output


def test_without_a_checkpoint_file_the_keystore_key_is_trusted_after_authentication(app, exported):
    result = _cli(app, "audit", "verify")
    assert result.exit_code == 0, result.output
    assert "read from the keystore, whose public part was authenticated with the key passphrase" in result.output


def test_with_the_keystore_locked_only_the_checkpoint_key_is_trusted(app, make_app, exported):
    locked = make_app("review", INTAKE_KEY_PASSPHRASE=None)
    result = _cli(locked, "audit", "verify", "--checkpoint", str(exported))
    assert result.exit_code == 0, result.output
    assert "from the keystore" not in result.output and "it signed checkpoint file" in result.output


def test_a_chain_rewritten_and_resigned_before_the_checkpoint_is_caught_by_it(app, exported):
    """Whoever holds the database and the audit signing key can rebuild a chain that verifies on its
    own; the checkpoint kept elsewhere still catches it."""
    with app.app_context():
        vault = get_vault()
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(actor="someone-else"))
        prev = audit_chain.GENESIS
        for entry in db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)):
            entry.prev_hash = prev
            entry.entry_hash = audit_chain.entry_hash(prev, entry.fields())
            entry.signature = vault.audit_signer.sign(entry.entry_hash)
            prev = entry.entry_hash
        db.session.commit()
    assert _cli(app, "audit", "verify").exit_code == 0  # on its own, the forgery verifies
    result = _cli(app, "audit", "verify", "--checkpoint", str(exported))
    assert result.exit_code == 1
    assert "entry 6: differs from the checkpoint" in result.output


def test_a_chain_cut_back_before_the_checkpoint_is_caught_by_it(app, exported):
    with app.app_context():
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq >= 5))
        db.session.commit()
    result = _cli(app, "audit", "verify", "--checkpoint", str(exported))
    assert result.exit_code == 1 and "entry 6: the checkpoint's entry is missing" in result.output


def test_an_altered_checkpoint_file_is_refused_with_one_line(app, exported):
    data = json.loads(exported.read_text())
    data["seq"] = 5
    exported.write_text(json.dumps(data))
    line = _one_line(_cli(app, "audit", "verify", "--checkpoint", str(exported)))
    assert "signature does not verify" in line
    exported.write_text("not json")
    assert "not a readable audit checkpoint file" in _one_line(_cli(app, "audit", "verify", "--checkpoint",
                                                                        str(exported)))


def test_tampering_after_the_checkpoint_is_detected_and_before_it_only_by_the_full_walk(app, exported):
    """Verification from the last checkpoint checks only what follows it: that is the point (it stays
    cheap), and `flask audit verify` still walks everything."""
    with app.app_context():
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(actor="someone-else"))
        db.session.commit()
        result = audit_checkpoints.verify_from_latest(db.session, get_vault())
        assert result.ok and result.since == 6 and result.checked == 4 and result.count == 9
    assert "entry 3: its content does not match its hash" in _cli(app, "audit", "verify").output

    with app.app_context():
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 8).values(actor="someone-else"))
        db.session.commit()
        result = audit_checkpoints.verify_from_latest(db.session, get_vault())
        assert [f.seq for f in result.findings] == [8]
    with app.app_context():  # and a new checkpoint over a broken chain is refused
        with pytest.raises(Exception, match="NOT intact"):
            audit_checkpoints.make(db.session, get_vault())
        db.session.rollback()


def test_the_checkpoint_entry_itself_rewritten_is_detected(app, exported):
    with app.app_context():
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 6).values(action="other"))
        db.session.commit()
        found = audit_checkpoints.verify_from_latest(db.session, get_vault()).findings
    assert [f.seq for f in found] == [6]


def test_a_forged_checkpoint_row_is_not_used_and_is_reported(app, exported):
    with app.app_context():
        real = db.session.get(AuditCheckpoint, 6)
        db.session.add(AuditCheckpoint(seq=9, entry_hash=b"\1" * 32, count=9, created_at=real.created_at,
                                       key_id=real.key_id, signature=b"\0" * 64))
        db.session.commit()
        result = audit_checkpoints.verify_from_latest(db.session, get_vault())
    assert result.since == 6 and [f.seq for f in result.findings] == [9]
    assert "no valid signature" in result.findings[0].problem


def test_the_admin_page_verifies_from_the_last_checkpoint_and_makes_the_next(app, make_user, sign_in,
                                                                              monkeypatch):
    monkeypatch.setattr(audit_checkpoints, "AUTO_EVERY", 5)
    client = app.test_client()
    sign_in(client, make_user("admin"))
    _entries(app, 6)
    head = audit_head(app)
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "Chain verified:" in html  # no checkpoint yet: the whole chain, then one is made
    with app.app_context():
        assert db.session.scalar(select(AuditCheckpoint.seq)) == head
        # Tamper before the checkpoint: the page, which starts there, does not walk it again.
        db.session.execute(text("UPDATE audit_events SET actor = 'someone-else' WHERE seq = 1"))
        db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "from the signed checkpoint at entry" in html and "NOT intact" not in html
    _entries(app, 2)
    with app.app_context():
        db.session.execute(text(f"UPDATE audit_events SET actor = 'someone-else' WHERE seq = {head + 1}"))
        db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "NOT intact" in html and f'Entry <bdi dir="ltr">{head + 1}</bdi>:' in html  # numbers isolated


def test_checkpoint_needs_entries_and_a_free_output_path(app, tmp_path):
    assert "empty" in _one_line(_cli(app, "audit", "checkpoint"))
    _entries(app, 1)
    taken = tmp_path / "taken.json"
    taken.write_text("{}")
    assert "already exists" in _one_line(_cli(app, "audit", "checkpoint", "--out", str(taken)))
    assert taken.read_text() == "{}"

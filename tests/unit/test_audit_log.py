"""The audit log: hash chain and signatures catch edits, deletions, reordering and a cut-off tail."""

from __future__ import annotations

import pytest
from sqlalchemy import delete, select, update

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent
from intake.services import audit


@pytest.fixture
def logged(app):
    """Five entries, in an app connected as the schema's owner: these tests play an attacker who can
    rewrite the table (on PostgreSQL the review face's own role cannot update or delete entries)."""
    with app.app_context():
        vault = get_vault()
        for i in range(5):
            audit.record(db.session, vault, actor="cli", action="test.event", object_type="report",
                         object_id=f"R-{i:05d}", details={"n": i})
        db.session.commit()
    return app


def _verify(app, *args):
    return app.test_cli_runner().invoke(args=["audit", "verify", *args])


def test_an_intact_chain_verifies(logged):
    result = _verify(logged)
    assert result.exit_code == 0, result.output
    assert "5 entries" in result.output and "intact" in result.output


def test_an_edited_entry_is_detected(logged):
    with logged.app_context():
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 3).values(object_id="R-99999"))
        db.session.commit()
    result = _verify(logged)
    assert result.exit_code == 1
    assert "entry 3: its content does not match its hash" in result.output


def test_edited_details_are_detected(logged):
    with logged.app_context():
        db.session.execute(update(AuditEvent).where(AuditEvent.seq == 2).values(details={"n": 7}))
        db.session.commit()
    assert "entry 2: its content does not match" in _verify(logged).output


def test_a_deleted_entry_is_detected(logged):
    with logged.app_context():
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 2))
        db.session.commit()
    result = _verify(logged)
    assert result.exit_code == 1
    assert "entry 3" in result.output and ("missing" in result.output or "does not follow" in result.output)


def test_reordered_entries_are_detected(logged):
    with logged.app_context():
        a, b = db.session.scalars(select(AuditEvent).where(AuditEvent.seq.in_([2, 4])).order_by(AuditEvent.seq))
        fields = ("occurred_at", "actor", "action", "object_type", "object_id", "details", "prev_hash",
                  "entry_hash", "key_id", "signature")
        va, vb = ({f: getattr(a, f) for f in fields}, {f: getattr(b, f) for f in fields})
        for f in fields:
            setattr(a, f, vb[f])
            setattr(b, f, va[f])
        db.session.commit()
    result = _verify(logged)
    assert result.exit_code == 1
    assert "entry 2" in result.output


def test_a_rehashed_forgery_fails_the_signature(logged):
    """An attacker who edits an entry and recomputes its hash still cannot sign it."""
    from intake.crypto import audit_chain

    with logged.app_context():
        entries = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)).all()
        prev = audit_chain.GENESIS
        for entry in entries:
            if entry.seq == 3:
                entry.object_id = "R-FORGED"
            entry.prev_hash = prev
            entry.entry_hash = audit_chain.entry_hash(prev, entry.fields())
            prev = entry.entry_hash
        db.session.commit()
    result = _verify(logged)
    assert result.exit_code == 1
    assert "entry 3: has an invalid signature" in result.output


def test_a_cut_off_tail_is_caught_against_the_recorded_head(logged):
    head = _verify(logged).output.split("head 5 ")[1].split()[0]
    with logged.app_context():
        db.session.execute(delete(AuditEvent).where(AuditEvent.seq == 5))
        db.session.commit()
    assert _verify(logged).exit_code == 0  # the chain alone cannot see it...
    result = _verify(logged, "--expect-head", head)
    assert result.exit_code == 1  # ...the recorded head can
    assert "head is not the expected one" in result.output


def test_free_text_cannot_enter_the_audit_log(review_app):
    with review_app.app_context():
        with pytest.raises(ValueError, match="not free text"):
            audit.record(db.session, get_vault(), actor="cli", action="x", details={"note": "Abdurehim was here"})


def test_concurrent_appenders_never_fork_the_chain(review_app):
    """Sequence numbers are the primary key: a second writer of the same number fails, not forks."""
    with review_app.app_context():
        vault = get_vault()
        audit.record(db.session, vault, actor="cli", action="a")
        db.session.commit()
        event = audit.record(db.session, vault, actor="cli", action="b")
        db.session.commit()  # the entry takes its number as it joins the chain, at commit
        assert event.seq == 2
    result = _verify(review_app)
    assert result.exit_code == 0 and "2 entries" in result.output


def test_an_entry_recorded_in_a_rolled_back_savepoint_is_not_chained(app):
    """Entries join the chain at commit; one recorded inside a SAVEPOINT that rolled back goes with it,
    one inside a SAVEPOINT that was released stays, and a whole rollback leaves none."""
    with app.app_context():
        vault = get_vault()
        audit.record(db.session, vault, actor="cli", action="kept.outer")
        try:
            with db.session.begin_nested():
                audit.record(db.session, vault, actor="cli", action="dropped.inner")
                with db.session.begin_nested():
                    audit.record(db.session, vault, actor="cli", action="dropped.innermost")
                raise RuntimeError("the inner step fails")
        except RuntimeError:
            pass
        with db.session.begin_nested():
            audit.record(db.session, vault, actor="cli", action="kept.released")
        db.session.commit()
        audit.record(db.session, vault, actor="cli", action="dropped.rollback")
        db.session.rollback()
        db.session.commit()
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
    assert actions == ["kept.outer", "kept.released"]
    assert _verify(app).exit_code == 0

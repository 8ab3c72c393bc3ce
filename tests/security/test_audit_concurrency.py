"""Audited actions from several processes at once: the chain stays strictly ordered and verifiable,
and an audited action in progress does not hold the chain (others append and commit meanwhile)."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from intake import create_app
from intake.crypto.vault import Vault
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent
from intake.services import audit

WORKERS = 3
EACH = 8


def _worker(settings: dict, worker: int) -> int:
    app = create_app("test", settings)
    with app.app_context():
        vault = get_vault()
        for n in range(EACH):
            audit.record(db.session, vault, actor="cli", action="test.worker", object_id=f"w{worker}",
                         details={"n": n})
            db.session.execute(select(AuditEvent.seq).limit(1))  # some work inside the audited transaction
            db.session.commit()
        db.session.remove()
        db.engine.dispose()
    return worker


def test_concurrent_audited_writes_from_several_processes_keep_one_ordered_chain(app):
    settings = {k: app.config[k] for k in ("INTAKE_FACE", "SQLALCHEMY_DATABASE_URI", "SECRET_KEY",
                                           "INTAKE_RECEIPT_PEPPER", "INTAKE_KEYSTORE", "INTAKE_KEY_PASSPHRASE")}
    with multiprocessing.get_context("spawn").Pool(WORKERS) as pool:
        assert sorted(pool.starmap(_worker, [(settings, w) for w in range(WORKERS)])) == list(range(WORKERS))
    with app.app_context():
        entries = list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq)))
        assert [e.seq for e in entries] == list(range(1, WORKERS * EACH + 1))
        for w in range(WORKERS):  # each worker's entries in its own order
            assert [e.details["n"] for e in entries if e.object_id == f"w{w}"] == list(range(EACH))
        result = audit.verify(db.session, get_vault())
    assert result.ok and result.count == WORKERS * EACH, result.findings


def test_an_audited_action_in_progress_does_not_hold_the_chain(app, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has one writer at a time whatever the audit log does")
    with app.app_context():
        vault: Vault = get_vault()
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with Session(engine) as slow, Session(engine) as quick:
        slow.execute(text("SET lock_timeout = '5s'"))
        quick.execute(text("SET lock_timeout = '5s'"))  # were the chain held, this fails instead of hanging
        audit.record(slow, vault, actor="cli", action="test.slow")
        slow.execute(select(AuditEvent.seq).limit(1))  # the slow action is still working
        first = audit.record(quick, vault, actor="cli", action="test.quick")
        quick.commit()
        second = audit.record(slow, vault, actor="cli", action="test.slow2")
        slow.commit()
        seqs = (first.seq, second.seq)
    engine.dispose()
    assert seqs == (1, 3)  # the slow transaction's entries follow, in recorded order
    with app.app_context():
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))
        assert actions == ["test.quick", "test.slow", "test.slow2"]
        assert audit.verify(db.session, get_vault()).ok


def test_an_entry_committed_while_another_waits_for_the_chain_is_its_predecessor(app, db_url):
    """The chain's head is read after the lock is granted, not before it was waited for: an appender
    that waited while another committed chains onto that entry (instead of taking its number)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite has no advisory lock: one writer at a time holds the whole database")
    with app.app_context():
        vault: Vault = get_vault()
        engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    failed: list[BaseException] = []
    with Session(engine) as holder, Session(engine) as waiter, engine.connect() as watcher:
        audit.record(holder, vault, actor="cli", action="test.holder")
        audit.lock_chain(holder)  # the holder has the chain, as if in the middle of its commit
        waiting = audit.record(waiter, vault, actor="cli", action="test.waiter")

        def commit() -> None:
            try:
                waiter.commit()
            except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
                failed.append(exc)

        thread = threading.Thread(target=commit)
        thread.start()
        blocked = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
        for _ in range(500):  # until the waiter is queued on the lock (its head not read yet)
            if watcher.execute(blocked).scalar():
                break
            watcher.rollback()
            time.sleep(0.01)
        else:
            pytest.fail("the second appender never waited for the chain")
        holder.commit()
        thread.join(30)
        assert not thread.is_alive()
    engine.dispose()
    assert not failed, failed
    assert waiting.seq == 2
    with app.app_context():
        assert list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq))) == \
            ["test.holder", "test.waiter"]
        assert audit.verify(db.session, get_vault()).ok

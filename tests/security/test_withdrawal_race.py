"""A take-in racing a withdrawal never re-wraps a shredded key (PostgreSQL, two sessions in two threads).

Both take the submission's row lock. Each test holds one side inside its transaction, waits until
PostgreSQL shows the other side waiting for that lock (a condition, never a sleep), then lets go."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import RecordKey, Submission
from intake.services import families, integrity, take_in, withdrawal
from tests.helpers import full_report, submit

pytestmark = pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
PATIENCE = 60  # seconds: a bound for a broken test, not a timing the test relies on


class Side(threading.Thread):
    """One face's work in a thread of its own (its own app context, session and connection)."""

    def __init__(self, app: Flask, work: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.app, self.work, self.result, self.error = app, work, None, None

    def run(self) -> None:
        try:
            with self.app.app_context():
                self.result = self.work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.error = exc

    def finish(self) -> Any:
        self.join(PATIENCE)
        assert not self.is_alive(), "a side never finished"
        if self.error is not None:
            raise self.error
        return self.result


class Pause:
    """Wraps a function so that the call stops after it ran, until released."""

    def __init__(self, function: Callable[..., Any]) -> None:
        self.function, self.reached, self.release = function, threading.Event(), threading.Event()

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        result = self.function(*args, **kwargs)
        self.reached.set()
        assert self.release.wait(PATIENCE), "never released"
        return result


def wait_for_lock_wait(db_url: str, roles: tuple[str, ...]) -> None:
    """Until a session of one of `roles` waits for a row lock (pg_stat_activity, read as the owner)."""
    engine = create_engine(db_url)
    deadline = time.monotonic() + PATIENCE
    try:
        while time.monotonic() < deadline:
            with engine.connect() as connection:
                waiting = connection.execute(text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND usename = ANY(:r)"),
                    {"r": list(roles)}).scalar_one()
            if waiting:
                return
            time.sleep(0.02)  # polling interval of the condition
        raise AssertionError("the other side never waited for the row lock")
    finally:
        engine.dispose()


def role_of(app: Flask) -> str:
    return app.config["SQLALCHEMY_DATABASE_URI"].split("://", 1)[1].split("@", 1)[0]


def wraps_of(app: Flask, submission_id: uuid.UUID) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(RecordKey.holder).where(RecordKey.owner_id == submission_id)))


def paused(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str) -> Pause:
    """`owner.name` replaced, for the test, by a Pause of it."""
    pause = Pause(getattr(owner, name))
    monkeypatch.setattr(owner, name, pause)
    return pause


def taking_in(review_app: Flask) -> Side:
    """A take-in of every waiting submission, started in a thread of its own."""
    side = Side(review_app, lambda: take_in.take_in(db.session, get_vault()))
    side.start()
    return side


def withdrawing(public_app: Flask, submission_id: uuid.UUID) -> Side:
    """The family's withdrawal of one submission, started in a thread of its own."""
    side = Side(public_app, lambda: families.withdraw(db.session, db.session.get(Submission, submission_id)))
    side.start()
    return side


def test_a_take_in_that_comes_second_finds_the_tombstone(public_app: Flask, review_app: Flask, db_url: str,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    stored = submit(public_app, full_report())
    pause = paused(monkeypatch, withdrawal, "delete_keys")  # the withdrawal stops before its commit
    withdraw = withdrawing(public_app, stored.submission_id)
    assert pause.reached.wait(PATIENCE)
    taking = taking_in(review_app)
    wait_for_lock_wait(db_url, (role_of(review_app),))
    pause.release.set()
    withdraw.finish()
    assert taking.finish() == (0, 0)  # nothing taken in: the key it could have re-wrapped is gone
    assert wraps_of(review_app, stored.submission_id) == []


def test_a_withdrawal_that_comes_second_shreds_the_new_wrap(public_app: Flask, review_app: Flask, db_url: str,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    stored = submit(public_app, full_report())
    pause = paused(monkeypatch, integrity, "write_submission")  # take-in stops before its commit
    taking = taking_in(review_app)
    assert pause.reached.wait(PATIENCE)
    withdraw = withdrawing(public_app, stored.submission_id)
    wait_for_lock_wait(db_url, (role_of(public_app),))
    pause.release.set()
    assert taking.finish() == (1, 0)
    withdraw.finish()
    assert wraps_of(review_app, stored.submission_id) == []  # the working-store wrap went with the rest
    monkeypatch.undo()
    with review_app.app_context():
        assert withdrawal.finish_pending(db.session, get_vault()) == 1
        assert db.session.scalar(select(func.count()).select_from(RecordKey)) == 0

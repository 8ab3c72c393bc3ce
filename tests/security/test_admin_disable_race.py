"""Two admins disabling each other at the same moment: one of them stays. Each counted two active
admins before either had written, so both went through and left the service with no admin that
could sign in (an outside probe's finding; `flask users enable` was the only way back)."""

from __future__ import annotations

import threading

from flask import Flask
from sqlalchemy import func, select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Role, User
from intake.services import accounts, sessions
from intake.services.errors import Conflict
from tests.security.test_probe_round3 import PauseFirst
from tests.security.test_withdrawal_race import PATIENCE, wait_for_lock_wait


class Disable(threading.Thread):
    """One admin disables another, in a thread (and app context, session, connection) of its own."""

    def __init__(self, app: Flask, target: User, actor: User) -> None:
        super().__init__(daemon=True)
        self.app, self.target, self.actor, self.outcome = app, target.id, str(actor.id), None

    def run(self) -> None:
        with self.app.app_context():
            try:
                accounts.disable(db.session, get_vault(), self.target, actor=self.actor)
                self.outcome = "disabled"
            except Conflict:
                db.session.rollback()
                self.outcome = "refused"
            except Exception as exc:  # noqa: BLE001 - SQLite's busy writer: refused all the same
                db.session.rollback()
                self.outcome = type(exc).__name__

    def finish(self) -> str | None:
        self.join(PATIENCE)
        assert not self.is_alive(), "a disabling never finished"
        return self.outcome


def test_two_admins_disabling_each_other_at_once_leave_one_active(app, make_user, db_url, monkeypatch):
    first, second = make_user("admin"), make_user("admin")
    pause = PauseFirst(sessions.end_all)  # the first stops after its count and its change, before it commits
    monkeypatch.setattr(sessions, "end_all", pause)
    one = Disable(app, second, first)
    one.start()
    assert pause.reached.wait(PATIENCE)
    two = Disable(app, first, second)
    two.start()
    if db_url.startswith("postgresql"):
        wait_for_lock_wait(db_url, ("postgres",))  # the second waits for the admins' rows
    pause.release.set()
    outcomes = [one.finish(), two.finish()]
    assert outcomes[0] == "disabled"
    assert outcomes[1] != "disabled", outcomes
    with app.app_context():
        active = db.session.scalar(select(func.count()).select_from(User).where(
            User.role == Role.ADMIN.value, User.is_active.is_(True)))
    assert active == 1

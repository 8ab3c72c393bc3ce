"""Web fixtures: accounts per role and signing them in.

`sign_in(client, user)` gives a client a fully signed-in session. It goes through the real sign-in
pages where they exist, so the tests exercise them; see the review workspace's tests for those.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient

from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Role, User
from intake.services import users

PASSWORD = "a sufficiently long test password"


@pytest.fixture
def make_user(app: Flask) -> Callable[..., User]:
    counter = iter(range(1, 10_000))

    def factory(role: str = "reviewer", username: str | None = None, password: str = PASSWORD) -> User:
        with app.app_context():
            user = users.create_user(db.session, get_vault(), username=username or f"{role}{next(counter)}",
                                     role=Role(role), password=password, kdf=PROFILES["test"]["password"])
            db.session.expunge(user)
            return user

    return factory


@pytest.fixture
def sign_in() -> Callable[[FlaskClient, User], None]:
    def _sign_in(client: FlaskClient, user: User) -> None:
        now = int(time.time())
        with client.session_transaction() as sess:
            sess.clear()
            sess.update(sid="test", uid=str(user.id), epoch=user.session_epoch, mfa=True, started=now, seen=now)

    return _sign_in

"""PostgreSQL connections keep their prepared statements across a rollback (models/pg_connection.py):
a rollback must still undo everything the transaction did, and leave the connection usable after a
failed statement."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from intake.extensions import db
from intake.models import Tag
from intake.models.pg_connection import KeepsPrepared


@pytest.fixture
def pg_app(app, db_url):
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite connects without this connection class")
    return app


def test_the_app_connects_through_it(pg_app):
    with pg_app.app_context():
        assert isinstance(db.session.connection().connection.dbapi_connection, KeepsPrepared)
        db.session.rollback()


def test_a_rollback_undoes_the_transaction(pg_app):
    with pg_app.app_context():
        db.session.add(Tag(name="rolled-back"))
        db.session.flush()
        assert db.session.scalar(select(Tag.id).where(Tag.name == "rolled-back")) is not None
        db.session.rollback()
        assert db.session.scalar(select(Tag.id).where(Tag.name == "rolled-back")) is None
        db.session.rollback()


def test_a_failed_transaction_is_rolled_back_and_the_connection_used_again(pg_app):
    with pg_app.app_context():
        for _ in range(6):  # prepared by now
            assert db.session.scalar(select(Tag.id).where(Tag.name == "x")) is None
        with pytest.raises(DBAPIError):
            db.session.execute(text("SELECT 1 / 0"))
        db.session.rollback()
        for _ in range(3):  # the prepared statement still answers
            assert db.session.scalar(select(Tag.id).where(Tag.name == "x")) is None
        assert db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements")) >= 1
        db.session.rollback()

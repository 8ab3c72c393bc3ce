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


def _command_in_flight(driver) -> None:
    """The state a session's connection is left in when its server's farewell (a terminated
    backend's FATAL error) reached the client before the socket's close did: open, with a command
    whose results no one will read."""
    driver.pgconn.send_query(b"SELECT pg_sleep(0.05)")


def test_a_connection_left_with_a_command_in_flight_is_given_up_not_rolled_back(pg_app):
    with pg_app.app_context():
        connection = db.session.connection()
        _command_in_flight(connection.connection.driver_connection)
        with pytest.raises(DBAPIError) as raised:
            db.session.execute(text("SELECT 1"))
        assert raised.value.connection_invalidated  # SQLAlchemy alone would pool it again
        db.session.rollback()  # no "another command is already in progress"
        assert db.session.scalar(text("SELECT 2")) == 2  # on a new connection
        db.session.rollback()


def test_an_ordinary_error_leaves_the_connection_in_service(pg_app):
    with pg_app.app_context():
        with pytest.raises(DBAPIError) as raised:
            db.session.execute(text("SELECT 1 / 0"))
        assert not raised.value.connection_invalidated
        db.session.rollback()


def test_the_servers_end_of_a_session_is_read_as_lost(pg_app):
    import psycopg
    from psycopg import errors

    from intake.models.pg_connection import is_lost

    with pg_app.app_context():
        driver = db.session.connection().connection.driver_connection
        assert is_lost(driver, errors.AdminShutdown("terminating connection"))
        assert is_lost(driver, errors.lookup("08006")("connection failure"))
        assert not is_lost(driver, errors.QueryCanceled("canceling statement"))  # 57014: still usable
        assert not is_lost(driver, psycopg.OperationalError("no SQLSTATE"))
        db.session.rollback()

"""Migrations: the Alembic history builds exactly the schema the models describe, and unwinds cleanly.

Runs on SQLite and PostgreSQL (each PostgreSQL test in a schema of its own, chosen by search_path).
The schema is built by `flask_migrate.upgrade()` only, never by `db.create_all()`: a model column
added without a migration makes `test_upgrade_builds_exactly_the_models_schema` fail with the diff.
"""

from __future__ import annotations

import logging
import pprint
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import flask_migrate
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from alembic.config import Config
from flask import Flask, current_app

from intake import create_app
from intake.extensions import db

VERSION_TABLE = "alembic_version"



@pytest.fixture(autouse=True)
def _restore_logging() -> Iterator[None]:
    """env.py runs logging.config.fileConfig (root to WARN, a stderr handler, alembic to INFO...).
    Put the logging configuration back afterwards so later tests (caplog) see what they expect."""
    manager = logging.Logger.manager
    root = logging.getLogger()
    saved_root = (root.level, list(root.handlers))
    saved = {name: (lg.level, list(lg.handlers), lg.propagate, lg.disabled)
             for name, lg in manager.loggerDict.items() if isinstance(lg, logging.Logger)}
    yield
    root.setLevel(saved_root[0])
    root.handlers[:] = saved_root[1]
    for name, lg in list(manager.loggerDict.items()):
        if not isinstance(lg, logging.Logger):
            continue
        level, handlers, propagate, disabled = saved.get(name, (logging.NOTSET, [], True, False))
        lg.setLevel(level)
        lg.handlers[:] = handlers
        lg.propagate = propagate
        lg.disabled = disabled


@pytest.fixture
def migrate_app(db_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app over an EMPTY database (no create_all): only the migrations may build the schema."""
    app = create_app("test", {
        "INTAKE_FACE": "both",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "SECRET_KEY": "test-secret-key-" + "x" * 32,
        "INSTANCE_PATH": str(tmp_path / "instance"),
    })
    with app.app_context():
        assert _app_tables() == set(), "the test database is not empty before the migrations run"
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _app_tables() -> set[str]:
    """Tables in the test's own schema (the default schema of the connection), but Alembic's own."""
    with db.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names()) - {VERSION_TABLE}


def _all_tables() -> set[str]:
    with db.engine.connect() as connection:
        return set(sa.inspect(connection).get_table_names())


def _schema_diff() -> list[Any]:
    """Differences between the migrated database and the models, compared on ONE connection.

    On PostgreSQL the connection's search_path selects the test's schema; reflection and the
    comparison both use that connection's default schema, so other tests' schemas never leak in.
    """
    with db.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return compare_metadata(context, db.metadata)


def _snapshot() -> dict[str, Any]:
    """The reflected schema, table by table: columns, keys, indexes and constraints."""
    with db.engine.connect() as connection:
        inspector = sa.inspect(connection)
        out: dict[str, Any] = {}
        for table in sorted(inspector.get_table_names()):
            if table == VERSION_TABLE:
                continue
            out[table] = {
                "columns": [(c["name"], str(c["type"]), c["nullable"]) for c in inspector.get_columns(table)],
                "pk": inspector.get_pk_constraint(table)["constrained_columns"],
                "fks": sorted((fk["name"] or "", tuple(fk["constrained_columns"]), fk["referred_table"],
                               tuple(fk["referred_columns"]), str(fk.get("options", {}).get("ondelete")))
                              for fk in inspector.get_foreign_keys(table)),
                "indexes": sorted((ix["name"] or "", tuple(ix["column_names"]), bool(ix["unique"]))
                                  for ix in inspector.get_indexes(table)),
                "uniques": sorted((uq["name"] or "", tuple(uq["column_names"]))
                                  for uq in inspector.get_unique_constraints(table)),
            }
        return out


def _head() -> str:
    heads = ScriptDirectory.from_config(_migrate_config()).get_heads()
    assert len(heads) == 1, f"the migration history has several heads (merge them): {heads}"
    return heads[0]


def _migrate_config() -> Config:
    return current_app.extensions["migrate"].migrate.get_config()


def _current_revision() -> str | None:
    with db.engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def _assert_no_diff(when: str) -> None:
    diff = _schema_diff()
    assert diff == [], (
        f"{when}: the schema built by the migrations differs from the models' metadata. A model was "
        f"probably changed without a migration (run `flask db migrate`, review, commit). Differences:\n"
        + pprint.pformat(diff, width=120)
    )


def test_upgrade_builds_exactly_the_models_schema(migrate_app: Flask) -> None:
    with migrate_app.app_context():
        flask_migrate.upgrade()
        assert _current_revision() == _head()
        assert _app_tables() == set(db.metadata.tables), "upgrade did not create every model table"
        _assert_no_diff("after upgrade")


def test_downgrade_to_base_leaves_no_application_tables(migrate_app: Flask) -> None:
    with migrate_app.app_context():
        flask_migrate.upgrade()
        assert _app_tables(), "upgrade created no tables"
        flask_migrate.downgrade(revision="base")
        assert _all_tables() <= {VERSION_TABLE}
        assert _app_tables() == set(), f"downgrade to base left tables behind: {sorted(_app_tables())}"
        assert _current_revision() is None


def test_upgrade_downgrade_upgrade_round_trip(migrate_app: Flask) -> None:
    with migrate_app.app_context():
        flask_migrate.upgrade()
        first = _snapshot()
        flask_migrate.downgrade(revision="base")
        assert _app_tables() == set()
        flask_migrate.upgrade()
        assert _current_revision() == _head()
        assert _app_tables() == set(db.metadata.tables)
        second = _snapshot()
        assert second == first, "upgrade after a downgrade to base built a different schema:\n" + \
            pprint.pformat({t: (first.get(t), second.get(t)) for t in set(first) | set(second)
                            if first.get(t) != second.get(t)}, width=120)
        # The rebuilt schema is usable, not just present.
        with db.engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO persons (id, handle, created_on) VALUES (:id, 'P-TEST0-00000', :d)"),
                {"id": "0" * 32 if connection.dialect.name == "sqlite" else "00000000-0000-0000-0000-000000000000",
                 "d": "2024-01-01"})
            assert connection.execute(sa.text("SELECT count(*) FROM persons")).scalar_one() == 1


def test_the_schema_check_catches_a_column_without_a_migration(migrate_app: Flask) -> None:
    """Control: the comparison really reports a model column that no migration created."""
    with migrate_app.app_context():
        flask_migrate.upgrade()
        extended = sa.MetaData(naming_convention=db.metadata.naming_convention)
        for table in db.metadata.sorted_tables:
            table.to_metadata(extended)
        extended.tables["reports"].append_column(sa.Column("unmigrated_field", sa.LargeBinary, nullable=True))
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            baseline = {_key(d) for d in compare_metadata(context, db.metadata)}
            diff = compare_metadata(context, extended)
        # Whatever else differs (that is the other test's business), the extra column must be reported.
        assert [_key(d) for d in diff if _key(d) not in baseline] == [
            ("add_column", "reports", "unmigrated_field")], pprint.pformat(diff)


def _key(entry: Any) -> tuple[Any, ...]:
    """A comparable summary of one autogenerate diff entry; ("add_column", schema, table, Column)."""
    if isinstance(entry, tuple) and entry and entry[0] in ("add_column", "remove_column"):
        return (entry[0], entry[2], entry[3].name)
    return (repr(entry),)


def _report_storage() -> tuple[list[str], str]:
    with db.engine.connect() as connection:
        options = connection.execute(sa.text(
            "SELECT reloptions FROM pg_class WHERE oid = CAST('reports' AS regclass)")).scalar_one()
        storage = connection.execute(sa.text(
            "SELECT attstorage FROM pg_attribute WHERE attrelid = CAST('reports' AS regclass) "
            "AND attname = 'packed'")).scalar_one()
    return list(options or []), storage


def test_packed_copies_are_kept_in_the_row_by_the_migrations_and_the_models(migrate_app: Flask) -> None:
    """Whole-store jobs read every packed copy: on PostgreSQL it stays in the report's row (not the
    TOAST table), whether the schema was built by the migrations or by the models (tests, benches)."""
    with migrate_app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite has no TOAST table")
        flask_migrate.upgrade()
        assert _report_storage() == (["toast_tuple_target=4080"], "m")
        flask_migrate.downgrade(revision="0017_reply_key_pinned")
        assert _report_storage() == ([], "x")
        flask_migrate.downgrade(revision="base")
        db.create_all()
        assert _report_storage() == (["toast_tuple_target=4080"], "m")
        db.drop_all()

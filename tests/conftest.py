"""Shared fixtures: databases (SQLite and PostgreSQL), key material, apps per face.

Every test that takes `db_url` (directly or through an app fixture) runs once on SQLite and once on
PostgreSQL. PostgreSQL tests skip with a reason when no server answers, unless
INTAKE_REQUIRE_SERVICES=1 (as .ci/run sets), in which case they fail.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit


import pytest
from flask import Flask
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from intake import create_app
from intake.crypto.keys import KemSuite
from intake.crypto.passphrase import PROFILES
from intake.extensions import db
from intake.models import Base
from intake.services import grants
from intake.services import keys as key_service
from tests.pg_schema import fresh_pg_schema, pg_problem

# Web fixtures (accounts per role, real sign-in) are shared by tests/web and tests/security.
pytest_plugins = ("tests.web_fixtures",)

PG_URL = os.environ.get("INTAKE_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def _redis_of_this_worker(url: str) -> str:
    """The suite's Redis database, one per pytest-xdist worker (gw0: the one given, gw1: the one
    below it...): each worker clears its rate limits and queues between tests."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker.startswith("gw"):
        return url
    parts = urlsplit(url)
    given = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(given - int(worker[2:])) % 16}"))


REDIS_URL = _redis_of_this_worker(os.environ.get("INTAKE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15"))
REQUIRE_SERVICES = os.environ.get("INTAKE_REQUIRE_SERVICES") == "1"


def service_missing(what: str, detail: str) -> None:
    message = f"{what} is not reachable ({detail}); set INTAKE_REQUIRE_SERVICES=1 to make this an error"
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required (INTAKE_REQUIRE_SERVICES=1) but not reachable: {detail}")
    pytest.skip(message)


_pg_state: dict[str, Any] = {}


def postgres_available() -> str | None:
    """None if PostgreSQL answers, else why not (checked once per run)."""
    if "problem" not in _pg_state:
        _pg_state["problem"] = pg_problem(PG_URL)
    return _pg_state["problem"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec and callspec.params.get("db_url") == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(autouse=True)
def _push_request_context() -> None:
    """Replace pytest-flask's autouse fixture of this name, which pushes one request context for the
    whole test: every test-client request then shares one app context, so one `g` (Flask-WTF's
    CSRF token cache, the signed-in user) and one database session across requests and clients,
    which production never does. Here each request gets its own, as in production."""


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.sqlite3'}"
        return
    problem = postgres_available()
    if problem:
        service_missing("PostgreSQL", problem)
    url, drop = fresh_pg_schema(PG_URL, "t")
    request.addfinalizer(drop)
    yield url


@dataclass
class KeyFiles:
    keystore: Path
    public: Path
    escrow: Path
    passphrase: str
    pepper: str


def make_keys(directory: Path, suite: KemSuite = KemSuite.MLKEM768_X25519) -> KeyFiles:
    directory.mkdir(parents=True, exist_ok=True)
    files = KeyFiles(keystore=directory / "keystore.json", public=directory / "public-keys.json",
                     escrow=directory / "escrow-private.json", passphrase="correct horse battery staple",
                     pepper=secrets.token_hex(32))
    key_service.init_keys(files.keystore, files.public, files.passphrase, suite=suite,
                          kdf=PROFILES["test"]["keystore"], escrow_out=files.escrow)
    return files


@pytest.fixture
def keys(tmp_path: Path) -> KeyFiles:
    return make_keys(tmp_path / "keys")


AppFactory = Callable[..., Flask]


@pytest.fixture
def make_app(db_url: str, keys: KeyFiles, tmp_path: Path) -> Iterator[AppFactory]:
    """Build apps of any face over one database and one set of keys; the schema is created once.

    On PostgreSQL the public and review faces connect as database roles of their own, with exactly
    the privileges `flask db grants` gives them (data/grants.sql): a statement outside its grants
    fails the test. "both" (the embedded single-process default) connects as the schema's owner."""
    created: list[Flask] = []
    roles = FaceRoles(db_url) if db_url.startswith("postgresql") else None

    def factory(face: str = "both", **overrides: Any) -> Flask:
        if not created:
            create_schema(db_url)
            if roles is not None:
                roles.create()
        settings: dict[str, Any] = {
            "INTAKE_FACE": face,
            "SQLALCHEMY_DATABASE_URI": roles.url(face) if roles is not None else db_url,
            "SECRET_KEY": "test-secret-key-" + "x" * 32,
            "INTAKE_RECEIPT_PEPPER": keys.pepper,
            "INSTANCE_PATH": str(tmp_path / "instance"),
        }
        if face == "public":
            settings["INTAKE_PUBLIC_KEYS"] = str(keys.public)
        else:
            settings.update(INTAKE_KEYSTORE=str(keys.keystore), INTAKE_KEY_PASSPHRASE=keys.passphrase)
        settings.update(overrides)
        app = create_app("test", settings)
        created.append(app)
        return app

    yield factory
    for app in created:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
    if roles is not None:
        roles.drop()


def create_schema(db_url: str) -> None:
    engine = create_engine(db_url)
    Base.metadata.create_all(engine)
    engine.dispose()


class FaceRoles:
    """A public and a review role for one test's PostgreSQL schema, granted by data/grants.sql."""

    def __init__(self, db_url: str) -> None:
        self.db_url = db_url
        suffix = secrets.token_hex(4)
        self.names = {"public": f"intake_public_{suffix}", "review": f"intake_review_{suffix}"}

    def url(self, face: str) -> str:
        if face not in self.names:
            return self.db_url  # "both": the owner, as the embedded default runs
        return make_url(self.db_url).set(username=self.names[face]).render_as_string(hide_password=False)

    def create(self) -> None:
        engine = create_engine(self.db_url)
        with engine.begin() as connection:
            for name in self.names.values():
                connection.execute(text(f'CREATE ROLE "{name}" LOGIN'))
            grants.apply(connection, public_role=self.names["public"], review_role=self.names["review"])
        engine.dispose()

    def drop(self) -> None:
        engine = create_engine(self.db_url)
        with engine.begin() as connection:
            for name in self.names.values():
                connection.execute(text(f'DROP OWNED BY "{name}"'))
                connection.execute(text(f'DROP ROLE "{name}"'))
        engine.dispose()


@pytest.fixture
def app(make_app: AppFactory) -> Flask:
    """The embedded default: both faces in one process."""
    return make_app("both")


@pytest.fixture
def public_app(make_app: AppFactory) -> Flask:
    return make_app("public")


@pytest.fixture
def review_app(make_app: AppFactory) -> Flask:
    return make_app("review")


# The test Redis database holds only what tests put there: rate-limit counters and the job queue.
_REDIS_TEST_KEYS = ("LIMITS:*", "rq:*")


def _clear_redis(client: Any) -> None:
    for pattern in _REDIS_TEST_KEYS:
        for key in client.scan_iter(pattern):
            client.delete(key)


@pytest.fixture
def redis_client() -> Iterator[Any]:
    """A client of the test Redis, emptied of test keys before and after (skips or fails as
    service_missing says when Redis does not answer)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        service_missing("Redis", f"{REDIS_URL}: {type(exc).__name__}")
    _clear_redis(client)
    yield client
    _clear_redis(client)
    client.close()

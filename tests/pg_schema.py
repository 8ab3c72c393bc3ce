"""A throwaway PostgreSQL schema per test or benchmark run: nobody sees anybody else's rows."""

from __future__ import annotations

import uuid
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url


def pg_problem(url: str) -> str | None:
    """None if the PostgreSQL server at `url` answers, else why not (no password is ever shown)."""
    try:
        engine = create_engine(url, connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable" here
        return f"{make_url(url).render_as_string(hide_password=True)}: {type(exc).__name__}"


def fresh_pg_schema(base_url: str, prefix: str) -> tuple[str, Callable[[], None]]:
    """A new schema in the database of `base_url`: a URL whose search_path uses it, and a drop function."""
    schema = f"{prefix}_{uuid.uuid4().hex[:12]}"
    engine = create_engine(base_url)
    with engine.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))

    def drop() -> None:
        with engine.begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()

    url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    return url.render_as_string(hide_password=False), drop

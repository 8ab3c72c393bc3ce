"""The PostgreSQL privileges of the two faces' database roles (data/grants.sql), applied idempotently."""

from __future__ import annotations

import re
from importlib import resources

from sqlalchemy import Connection, text

from .errors import InvalidInput

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def statements(connection: Connection, *, public_role: str, review_role: str, schema: str | None = None) -> list[str]:
    """The grants as SQL statements for these roles and schema (the connection's schema by default)."""
    if connection.dialect.name != "postgresql":
        raise InvalidInput("database roles and grants are a PostgreSQL matter; SQLite has neither")
    schema = schema or connection.execute(text("SELECT current_schema()")).scalar_one()
    for what, name in (("public role", public_role), ("review role", review_role), ("schema", schema)):
        if not name or not _NAME.match(name):
            raise InvalidInput(f"the {what} must be a plain identifier (letters, digits, underscores)")
    if public_role == review_role:
        raise InvalidInput("the two faces need two different roles")
    for role in (public_role, review_role):
        if not connection.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": role}).first():
            raise InvalidInput(f"there is no role {role}: create it first (CREATE ROLE {role} LOGIN ...)")
    quote = connection.dialect.identifier_preparer.quote
    names = {"schema": quote(schema), "public": quote(public_role), "review": quote(review_role)}
    source = resources.files("intake.data").joinpath("grants.sql").read_text(encoding="utf-8")
    body = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("--"))
    return [" ".join(part.format(**names).split()) for part in body.split(";\n") if part.strip()]


def apply(connection: Connection, *, public_role: str, review_role: str, schema: str | None = None) -> int:
    """Revoke, then grant exactly data/grants.sql, in one transaction. Returns the statements run."""
    sql = statements(connection, public_role=public_role, review_role=review_role, schema=schema)
    for statement in sql:
        connection.execute(text(statement.rstrip(";")))
    return len(sql)

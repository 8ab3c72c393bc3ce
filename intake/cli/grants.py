"""`flask db grants`: the PostgreSQL privileges of the public and review roles (data/grants.sql)."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services import grants as grant_service
from .common import clean_errors


@click.command("grants")
@click.option("--public-role", required=True, help="The role the public face connects as.")
@click.option("--review-role", required=True, help="The role the review face connects as.")
@click.option("--schema", default=None, help="The schema of the tables (default: the connection's).")
@click.option("--print", "print_only", is_flag=True, help="Print the statements instead of running them.")
@with_appcontext
@clean_errors
def grants(public_role: str, review_role: str, schema: str | None, print_only: bool) -> None:
    """Give each face's role exactly its privileges (run as the schema's owner, after every upgrade)."""
    with db.engine.connect() as connection:
        if print_only:
            for statement in grant_service.statements(connection, public_role=public_role, review_role=review_role,
                                                      schema=schema):
                click.echo(statement)
            return
        count = grant_service.apply(connection, public_role=public_role, review_role=review_role, schema=schema)
        connection.commit()
    click.echo(f"{count} statements applied: {public_role} (public face) and {review_role} (review face)")

"""`flask api token create|list|revoke`: researchers' API tokens (shown once, kept as a hash)."""

from __future__ import annotations

import uuid

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..public.text import escaped
from ..services import api_tokens, users
from .common import clean_errors, review_vault


@click.group("api")
def api_cli() -> None:
    """The researcher API (/api/v1)."""


@api_cli.group("token")
def token_cli() -> None:
    """Bearer tokens for researcher accounts."""


@token_cli.command("create")
@click.option("--user", "username", required=True, help="The researcher's username.")
@click.option("--days", type=int, default=None, help="Valid for this many days (default: until revoked).")
@click.option("--label", default="", help="What the token is for (shown in the list).")
@with_appcontext
@clean_errors
def create(username: str, days: int | None, label: str) -> None:
    """Create a token and print it once: it is stored only as a hash."""
    vault = review_vault()
    user = users.by_username(db.session, username)
    if user is None:
        raise click.ClickException("no account has that username")
    new = api_tokens.create(db.session, vault, user_id=user.id, actor="cli", label=label, days=days)
    until = f"until {new.expires_at:%Y-%m-%d %H:%M} UTC" if new.expires_at else "until revoked"
    click.echo(f"token {new.id} for {username}, valid {until}; shown once:", err=True)
    click.echo(new.token)


@token_cli.command("list")
@with_appcontext
@clean_errors
def list_tokens() -> None:
    """Every token: id, account, state, label (never the token)."""
    for line in api_tokens.listing(db.session, review_vault()):
        used = f"{line.last_used_at:%Y-%m-%d %H:%M}" if line.last_used_at else "never used"
        click.echo(f"{line.id}\t{line.username}\t{line.state}\t{used}\t{escaped(line.label)}")  # as an admin typed it


@token_cli.command("revoke")
@click.argument("token_id", type=click.UUID)
@with_appcontext
@clean_errors
def revoke(token_id: uuid.UUID) -> None:
    """Revoke a token at once."""
    api_tokens.revoke(db.session, review_vault(), token_id, actor="cli")
    click.echo("revoked")

"""`flask users ...`: create (with a one-time set-up link), list, disable, enable, new link."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import Role
from ..services import accounts, users
from .common import clean_errors, review_vault


@click.group("users")
def users_cli() -> None:
    """Accounts of the review face (admins, reviewers, researchers)."""


def _link(invitation: accounts.Invitation, base_url: str | None) -> None:
    base = base_url or str(current_app.config["INTAKE_REVIEW_BASE_URL"])
    click.echo(f"set-up link for {invitation.username} ({invitation.role}), shown once, valid until "
               f"{invitation.expires_at:%Y-%m-%d %H:%M} UTC:")
    click.echo(invitation.link(base))


def _account(username: str):  # noqa: ANN202
    user = users.by_username(db.session, username)
    if user is None:
        raise click.ClickException("no account has that username")
    return user


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--base-url", default=None, help="Where the review face is reached (default: INTAKE_REVIEW_BASE_URL).")
@with_appcontext
@clean_errors
def create(username: str, role: str, base_url: str | None) -> None:
    """Create an account and print its one-time set-up link (password and TOTP are chosen there)."""
    vault = review_vault()
    hours = int(current_app.config["INTAKE_SETUP_LINK_HOURS"])
    invitation = accounts.invite(db.session, vault, username=username, role=role, actor="cli", hours=hours,
                                 action="user.create")
    _link(invitation, base_url)


@users_cli.command("list")
@with_appcontext
@clean_errors
def list_accounts() -> None:
    """Every account: username, role, state."""
    for user in users.all_accounts(db.session):
        state = "disabled" if not user.is_active else ("not set up" if user.password_hash is None else "active")
        click.echo(f"{user.username}\t{user.role}\t{state}")


@users_cli.command("disable")
@click.argument("username")
@with_appcontext
@clean_errors
def disable(username: str) -> None:
    """Disable an account; its sessions end at once."""
    vault = review_vault()
    accounts.disable(db.session, vault, _account(username).id, actor="cli")
    click.echo("disabled")


@users_cli.command("enable")
@click.argument("username")
@with_appcontext
@clean_errors
def enable(username: str) -> None:
    vault = review_vault()
    accounts.enable(db.session, vault, _account(username).id, actor="cli")
    click.echo("enabled")


@users_cli.command("setup-link")
@click.argument("username")
@click.option("--base-url", default=None)
@with_appcontext
@clean_errors
def setup_link(username: str, base_url: str | None) -> None:
    """A new set-up link; wipes the account's password, TOTP secret and recovery codes."""
    vault = review_vault()
    hours = int(current_app.config["INTAKE_SETUP_LINK_HOURS"])
    _link(accounts.reissue(db.session, vault, _account(username).id, actor="cli", hours=hours), base_url)

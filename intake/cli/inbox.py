"""`flask inbox take-in`: move new submissions into the working store."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services import take_in as take_in_service
from ..services import withdrawal
from .common import clean_errors, review_vault


@click.group("inbox")
def inbox_cli() -> None:
    """The inbox of submissions sealed by the public face."""


@inbox_cli.command("take-in")
@click.option("--limit", type=click.IntRange(1), default=None, help="Take in at most this many.")
@with_appcontext
@clean_errors
def take_in(limit: int | None) -> None:
    """Finish withdrawals, then re-wrap new submissions' data keys under the KEK, index and seal them
    (`flask jobs worker` also does this every INTAKE_TAKE_IN_INTERVAL seconds)."""
    vault = review_vault()
    withdrawals = withdrawal.pending(db.session, limit)
    if withdrawals:
        with click.progressbar(length=len(withdrawals), label="finishing withdrawals") as bar:
            finished = withdrawal.finish_pending(db.session, vault, limit, actor="cli", progress=bar.update)
        click.echo(f"withdrawals finished: {finished}")
    total = take_in_service.pending_count(db.session)
    if limit is not None:
        total = min(total, limit)
    with click.progressbar(length=total, label="taking in submissions") as bar:
        done, failed = take_in_service.take_in(db.session, vault, limit=limit, progress=bar.update)
    click.echo(f"taken in: {done}; failed: {failed}")
    if failed:
        raise click.ClickException(f"{failed} submissions could not be taken in (see the log for their ids)")

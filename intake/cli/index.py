"""`flask index rebuild [--batch N] [--rotate-key]`: recompute the blind indexes, resumably."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services import index_jobs, packed_fields
from .common import clean_errors, passphrase, review_vault


@click.group("index")
def index_cli() -> None:
    """The blind indexes (search and duplicate blocking keys)."""


@index_cli.command("rebuild")
@click.option("--batch", default=1000, show_default=True, type=click.IntRange(1, 100_000),
              help="Reports per committed batch.")
@click.option("--limit", type=click.IntRange(1), default=None, help="Rebuild at most this many reports.")
@click.option("--rotate-key", is_flag=True, help="Make a new index key first (or finish an unfinished rotation).")
@with_appcontext
@clean_errors
def rebuild(batch: int, limit: int | None, rotate_key: bool) -> None:
    """Recompute every report's blind indexes after a normaliser or key change (and backfill the
    blocking keys of reports taken in before them, and the packed copies of their fields that
    whole-store jobs read). Safe to interrupt and run again."""
    vault = review_vault()
    if rotate_key:
        created = index_jobs.rotate_key(db.session, vault, passphrase())
        click.echo(f"new index key {created}" if created else "finishing the unfinished index key rotation")
    lacking = packed_fields.missing_count(db.session)  # packed first, in the same run
    total = index_jobs.pending_count(db.session, vault)
    if limit is not None:
        total = min(total, limit)
    label = "packing fields and rebuilding indexes" if lacking else "rebuilding indexes"
    with click.progressbar(length=lacking + total, label=label) as bar:
        done, failed = index_jobs.rebuild(db.session, vault, batch=batch, limit=limit, progress=bar.update)
    if lacking:
        click.echo(f"packed copies written: {lacking - packed_fields.missing_count(db.session)}")
    click.echo(f"rebuilt: {done}; unreadable: {failed}")
    if rotate_key:
        for key_id in index_jobs.retire_unused(db.session, vault, passphrase()):
            click.echo(f"previous index key {key_id} retired (its escrow copy is kept)")
    if failed:
        raise click.ClickException(f"{failed} reports could not be read (see `flask integrity verify`)")

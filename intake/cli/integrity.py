"""`flask integrity seal` and `flask integrity verify`: the review-side integrity seals, store-wide."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services import integrity_jobs
from .common import clean_errors, review_vault


@click.group("integrity")
def integrity_cli() -> None:
    """Integrity seals on review-side state (status, verification, person links, take-in)."""


@integrity_cli.command("seal")
@click.option("--batch", default=500, show_default=True, type=click.IntRange(1, 100_000),
              help="Rows per committed batch.")
@click.option("--accept-unsealed", is_flag=True,
              help="Seal unsealed taken-in rows even after the backfill (they may have been stripped: "
                   "look at them first).")
@with_appcontext
@clean_errors
def seal(batch: int, accept_unsealed: bool) -> None:
    """Seal rows stored before integrity seals existed (and their consent choices), and re-seal rows
    under a previous integrity key. Safe to interrupt and run again."""
    vault = review_vault()
    with click.progressbar(length=integrity_jobs.unsealed_count(db.session), label="sealing") as bar:
        outcome = integrity_jobs.seal_store(db.session, vault, batch=batch, accept_unsealed=accept_unsealed,
                                            progress=bar.update)
    sealed = ", ".join(f"{table} {n}" for table, n in outcome.sealed.items())
    click.echo(f"consent sealed: {outcome.consent}; rows sealed: {sealed}; re-sealed under the current key: "
               f"{outcome.resealed}")
    for table, row_id, why in outcome.refused:
        click.echo(f"refused: {table} {row_id}: {why}", err=True)
    if outcome.refused:
        raise click.ClickException(f"{len(outcome.refused)} rows were not sealed; check them "
                                   "(`flask integrity verify`) before anything relies on them")


@integrity_cli.command("verify")
@click.option("--batch", default=2000, show_default=True, type=click.IntRange(1, 100_000), help="Rows per batch.")
@with_appcontext
@clean_errors
def verify(batch: int) -> None:
    """Check every seal, person link and audited state in the store. Exit status 1 if any row failed."""
    vault = review_vault()
    with click.progressbar(length=integrity_jobs.store_size(db.session), label="verifying") as bar:
        result = integrity_jobs.verify_store(db.session, vault, batch=batch, progress=bar.update)
    for table, counts in result.counts.items():
        click.echo(f"{table:20} " + ", ".join(f"{verdict} {n}" for verdict, n in sorted(counts.items())))
    for table, row_id, why in result.problems:
        click.echo(f"FAILED {table} {row_id}: {why}", err=True)
    if result.tampered:
        raise click.ClickException(f"{result.tampered} rows failed verification: they are shown as such and "
                                   "used by nothing until they are looked into")
    click.echo("every sealed row verified")

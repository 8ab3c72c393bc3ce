"""`flask audit verify`: check the hash chain and every signature."""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from ..extensions import db
from ..services import audit as audit_service
from .common import clean_errors, review_vault


@click.group("audit")
def audit_cli() -> None:
    """The append-only audit log."""


@audit_cli.command("verify")
@click.option("--expect-head", default=None, help="The head hash recorded earlier; detects a cut-off tail.")
@with_appcontext
@clean_errors
def verify(expect_head: str | None) -> None:
    """Verify order, hashes and signatures of every entry. Exit status 1 if anything is wrong."""
    vault = review_vault(unlock=False)  # verification needs only the public audit keys
    result = audit_service.verify(db.session, vault, expect_head=expect_head)
    for finding in result.findings:
        click.echo(f"entry {finding.seq}: {finding.problem}", err=True)
    click.echo(f"{result.count} entries; head {result.head_seq} {result.head_hash}")
    if not result.ok:
        raise click.ClickException(f"the audit log is NOT intact: {len(result.findings)} problems")
    click.echo("audit log intact")

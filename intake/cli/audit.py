"""`flask audit verify` and `flask audit checkpoint`: check the chain, and sign its head."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask.cli import with_appcontext

from ..extensions import db
from ..services import audit as audit_service
from ..services import audit_checkpoints
from .common import clean_errors, review_vault


@click.group("audit")
def audit_cli() -> None:
    """The append-only audit log."""


@audit_cli.command("verify")
@click.option("--expect-head", default=None, help="The head hash recorded earlier; detects a cut-off tail.")
@click.option("--checkpoint", "checkpoints", multiple=True, type=click.Path(dir_okay=False, path_type=Path),
              help="A checkpoint file exported earlier (`audit checkpoint --out`) and kept elsewhere: the chain "
                   "must still hold its entry, and its audit key is trusted. Repeatable.")
@with_appcontext
@clean_errors
def verify(expect_head: str | None, checkpoints: tuple[Path, ...]) -> None:
    """Verify order, hashes and signatures of every entry. Exit status 1 if anything is wrong.

    Says which audit keys it trusts and why: keys from the keystore once its public part is
    authenticated with the key passphrase (configured, or asked for when no checkpoint file is
    given), and the key each checkpoint file names."""
    trusted: dict[bytes, ed25519.Ed25519PublicKey] = {}
    reasons: dict[bytes, str] = {}
    files = []
    for path in checkpoints:
        checkpoint, public = audit_checkpoints.read_file(path)
        files.append((path, checkpoint))
        trusted.setdefault(checkpoint.key_id, public)
        reasons.setdefault(checkpoint.key_id, f"it signed checkpoint file {path} (kept off this server)")
    vault = review_vault(unlock=not files)
    if vault.public_authenticated:
        for key_id, public in vault.audit_public.items():
            trusted.setdefault(key_id, public)
            reasons.setdefault(key_id, "read from the keystore, whose public part was authenticated with the "
                                       "key passphrase")
    if not trusted:
        raise click.ClickException("no audit key can be trusted: unlock the keystore (INTAKE_KEY_PASSPHRASE) or "
                                   "give a checkpoint file (--checkpoint)")
    for key_id in trusted:
        click.echo(f"trusting audit key {key_id.hex()}: {reasons[key_id]}")
    with click.progressbar(length=audit_service.count(db.session), label="verifying entries", file=sys.stderr) as bar:
        result = audit_service.verify(db.session, vault, expect_head=expect_head, public_keys=trusted,
                                      progress=bar.update)
    for path, checkpoint in files:
        found = audit_checkpoints.against(db.session, checkpoint)
        result.findings.extend(found)
        if not found:
            click.echo(f"checkpoint {path}: entry {checkpoint.seq} matches")
    for finding in result.findings:
        click.echo(f"entry {finding.seq}: {finding.problem}", err=True)
    click.echo(f"{result.count} entries; head {result.head_seq} {result.head_hash}")
    if not result.ok:
        raise click.ClickException(f"the audit log is NOT intact: {len(result.findings)} problems")
    click.echo("audit log intact")


@audit_cli.command("checkpoint")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the checkpoint to this file (with the audit public key), to keep elsewhere.")
@with_appcontext
@clean_errors
def checkpoint(out: Path | None) -> None:
    """Verify the entries since the last checkpoint, then sign and store the chain's head (run daily)."""
    if out is not None and out.exists():
        raise click.ClickException(f"{out} already exists; choose another file")
    vault = review_vault()
    made = audit_checkpoints.make(db.session, vault)
    click.echo(f"checkpoint at entry {made.seq} ({made.count} entries), head {made.head.hex()}, "
               f"signed by audit key {made.key_id.hex()}")
    if out is not None:
        audit_checkpoints.export(out, made, vault.audit_public[made.key_id])
        click.echo(f"written to {out}: keep it away from this server; check with "
                   f"`flask audit verify --checkpoint {out}`")

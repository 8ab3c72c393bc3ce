"""`flask keys`: init, status, rotate, retire. Prints ids and fingerprints, never a secret."""

from __future__ import annotations

from contextlib import ExitStack
from datetime import date
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..crypto.keys import KemSuite, PrivateKey
from ..crypto.kinds import ADDABLE, KINDS
from ..crypto.keystore import (Keystore, read_escrow_private, read_public_key_file, write_escrow_private,
                               write_public_key_file)
from ..extensions import db
from ..keyring import reset_vault
from ..services import keys as key_service
from .common import clean_errors, kdf, keystore_path, passphrase, public_bundle_path, review_vault


@click.group("keys")
def keys_cli() -> None:
    """Manage the review key pair, key-encryption keys and escrow."""


@keys_cli.command("init")
@click.option("--suite", type=click.Choice([s.value for s in KemSuite]), default=None,
              help="HPKE suite of the review key (default: INTAKE_HPKE_SUITE, post-quantum hybrid).")
@click.option("--escrow-public", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Import the public half of an existing offline escrow key.")
@click.option("--escrow-out", type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write a new escrow private key (default: beside the keystore). Move it offline.")
@with_appcontext
@clean_errors
def init(suite: str | None, escrow_public: Path | None, escrow_out: Path | None) -> None:
    """Create the keystore, protected by a passphrase (INTAKE_KEY_PASSPHRASE or prompt)."""
    path = keystore_path()
    if path.exists():
        raise click.ClickException(f"{path} already exists; keys are initialised (see `flask keys status`)")
    public = read_public_key_file(escrow_public) if escrow_public else None
    if public is None and escrow_out is None:
        escrow_out = path.with_name("escrow-private.json")
    result = key_service.init_keys(
        path, public_bundle_path(), passphrase(confirm=True),
        suite=KemSuite(suite or current_app.config["INTAKE_HPKE_SUITE"]), kdf=kdf("keystore"),
        escrow_public=public, escrow_out=None if public else escrow_out)
    reset_vault(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"keystore written: {path}")
    click.echo(f"public key bundle for the public face: {public_bundle_path()}")
    for kind_name, key_id in result.ids.items():
        click.echo(f"{kind_name:14} {key_id}")
    click.echo(f"{'escrow':14} {result.escrow_key_id}")
    if result.escrow_private_written:
        click.echo(f"escrow PRIVATE key written to {result.escrow_private_written}: move it offline now "
                   "and delete it from this machine.", err=True)


@keys_cli.command("status")
@with_appcontext
@clean_errors
def status() -> None:
    """List key versions and how many data keys each wraps. Needs no passphrase."""
    keystore = Keystore.load(keystore_path())
    rows = key_service.status(db.session, keystore)
    click.echo(f"{'kind':14} {'id':32} {'state':9} {'created':10} {'suite':16} wraps")
    for r in rows:
        click.echo(f"{r.kind:14} {r.key_id:32} {r.state:9} {r.created:10} {r.suite or '-':16} "
                   f"{'' if r.wraps is None else r.wraps}")
    escrow = keystore.escrow
    click.echo(f"escrow         {escrow.key_id.hex() if escrow else 'NONE':32} "
               f"({len(keystore.escrow_copies)} sealed copies)")
    for record in keystore.retired:
        click.echo(f"{record['kind']:14} {record['id']:32} retired on {record['on']}; escrow copies "
                   + (f"destroyed on {record['destroyed']}" if record.get("destroyed") else "kept"))


@keys_cli.command("rotate")
@click.option("--kek/--no-kek", default=True, show_default=True, help="Rotate the key-encryption key.")
@click.option("--review/--no-review", default=False, show_default=True, help="Rotate the review key pair.")
@click.option("--suite", type=click.Choice([s.value for s in KemSuite]), default=None,
              help="Suite of the new review key (default: the current one's).")
@click.option("--batch", default=1000, show_default=True, help="Wraps re-made per committed batch.")
@with_appcontext
@clean_errors
def rotate(kek: bool, review: bool, suite: str | None, batch: int) -> None:
    """New key version(s), then re-wrap every data key. Safe to interrupt and run again."""
    vault = review_vault(unlock=False)
    with ExitStack() as stack:
        bar = None

        def on_total(total: int) -> None:
            nonlocal bar
            bar = stack.enter_context(click.progressbar(length=total, label="re-wrapping data keys"))

        def progress(n: int) -> None:
            if bar is not None:
                bar.update(n)

        created = key_service.rotate(db.session, vault, passphrase(), kek=kek, review=review,
                                     suite=KemSuite(suite) if suite else None, public_bundle=public_bundle_path(),
                                     batch=batch, on_total=on_total, progress=progress)
    for kind, key_id in created.items():
        click.echo(f"new {kind} key {key_id}")
    if not created:
        click.echo("finished an interrupted rotation (no new key was needed)")
    for row in key_service.status(db.session, vault.keystore):  # type: ignore[arg-type]
        if row.state == "previous" and row.wraps == 0:
            click.echo(f"{row.kind} key {row.key_id} wraps nothing now; retire it with `flask keys retire {row.key_id}`")
    if review:
        click.echo(f"give the public face the new bundle: {public_bundle_path()}")


@keys_cli.command("retire")
@click.argument("key_id")
@with_appcontext
@clean_errors
def retire(key_id: str) -> None:
    """Delete a previous key from the keystore once nothing uses it (escrow keeps a copy until
    `keys destroy-expired`)."""
    vault = review_vault(unlock=False)
    retired = key_service.retire(db.session, vault, passphrase(), key_id)
    click.echo(f"retired {retired}")


@keys_cli.command("add")
@click.argument("kind", type=click.Choice(list(ADDABLE)))
@with_appcontext
@clean_errors
def add(kind: str) -> None:
    """Add a key of KIND, or its next version: the newest is current, older ones stay to verify
    what they made until retired (`flask keys retire ID`)."""
    vault = review_vault(unlock=False)
    key_id = key_service.add_key(db.session, vault, passphrase(), kind)
    click.echo(f"new {kind} key {key_id}")
    if KINDS[kind].after_add:
        click.echo(f"now {KINDS[kind].after_add}")


@keys_cli.command("kinds")
def list_kinds() -> None:
    """What each kind of key is for, its algorithm and how it rotates."""
    for k in KINDS.values():
        click.echo(f"{k.name:14} {k.algorithm}; rotates by {k.rotation}"
                   f"{'; escrowed' if k.escrowed else ''}: {k.purpose}")


@keys_cli.command("integrity-key")
@with_appcontext
@clean_errors
def integrity_key() -> None:
    """Create the integrity key (a keystore made before integrity seals) or its next version."""
    vault = review_vault(unlock=False)
    key_id = key_service.add_integrity_key(db.session, vault, passphrase())
    click.echo(f"new integrity key {key_id}; now run `flask integrity seal` to seal (or re-seal) every row")


@keys_cli.command("destroy-expired")
@click.option("--dry-run", is_flag=True, help="Say what would be retired and destroyed; change nothing.")
@with_appcontext
@clean_errors
def destroy_expired(dry_run: bool) -> None:
    """Retire previous KEKs that wrap nothing, and destroy the escrow copies of keys retired longer
    ago than INTAKE_BACKUP_RETENTION_DAYS. Run it daily (cron or the job runner)."""
    vault = review_vault(unlock=False)
    days = int(current_app.config["INTAKE_BACKUP_RETENTION_DAYS"])
    results = key_service.destroy_expired(db.session, vault, passphrase(), retention_days=days, dry_run=dry_run)
    for item in results:
        click.echo(f"{'would be ' if dry_run and item.outcome != 'kept' else ''}{item.outcome:9} {item.kind:6} "
                   f"{item.key_id}  {item.detail}")
    if not results:
        click.echo("nothing retired or waiting to be destroyed")
    current = vault.keystore.current("kek") if vault.keystore else None
    if current is not None:
        age = (date.today() - date.fromisoformat(current.created)).days
        if age > days:
            click.echo(f"the current KEK is {age} days old: rotate it (`flask keys rotate`) at least every {days} "
                       "days, or withdrawn testimony stays readable in backups through it", err=True)
    if any(item.outcome == "refused" for item in results):
        raise click.ClickException("some keys were not destroyed: wraps in the database still use them")


@keys_cli.command("escrow-new")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the escrow PRIVATE key (on the offline machine).")
@click.option("--public-out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write its public half, for `keys init --escrow-public`.")
@clean_errors
def escrow_new(out: Path, public_out: Path) -> None:
    """Make an escrow key pair, ideally on an offline machine, before `keys init`."""
    for path in (out, public_out):
        if path.exists():
            raise click.ClickException(f"{path} already exists; will not overwrite a key file")
    private = PrivateKey.generate(KemSuite.MLKEM768_X25519)
    write_escrow_private(out, private)
    write_public_key_file(public_out, private.public())
    click.echo(f"escrow key {private.public().key_id.hex()}: private half in {out}, public half in {public_out}")


@keys_cli.command("recover")
@click.option("--escrow-key", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The escrow private key file, brought back from offline custody.")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the recovered keystore (a new file).")
@with_appcontext
@clean_errors
def recover(escrow_key: Path, out: Path) -> None:
    """Rebuild the keystore under a NEW passphrase from the escrow copies (when the old one is lost)."""
    new_passphrase = str(click.prompt("New key passphrase", hide_input=True, confirmation_prompt=True, err=True)) \
        if not current_app.config.get("INTAKE_KEY_PASSPHRASE") else passphrase()
    recovered = key_service.recover_from_escrow(keystore_path(), read_escrow_private(escrow_key), new_passphrase,
                                                kdf=kdf("keystore"), out_path=out)
    for line in recovered:
        click.echo(f"recovered {line}")
    click.echo(f"new keystore written to {out}; point INTAKE_KEYSTORE at it and keep the escrow key offline again")

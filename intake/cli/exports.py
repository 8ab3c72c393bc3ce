"""`flask export ...` (researcher exports) and `flask stats ...` (statistics and the public snapshot).

Proposing and approving act as a named review account (`--as USERNAME`), as on the review face, so
the rule "someone other than the proposer approves" holds on both. Building and counting read the
whole store: they run here (or in a queued job), never inside a web request.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import TYPE_CHECKING

import click
from cryptography.hazmat.primitives import serialization
from flask import current_app
from flask.cli import with_appcontext

from ..extensions import db
from ..models import ExportStatus, Role, User
from ..public.text import escaped
from ..services import export_notices, users
from .common import clean_errors, review_vault

if TYPE_CHECKING:
    from ..services.export_access import ExportView


def _account(username: str, roles: tuple[Role, ...], what: str) -> User:
    user = users.by_username(db.session, username)
    if user is None or not user.is_active or user.role not in {r.value for r in roles}:
        raise click.ClickException(f"no active {what} account has that username")
    return user


def _reviewer(username: str) -> User:
    return _account(username, (Role.REVIEWER, Role.ADMIN), "reviewer or admin")


def _researcher(username: str) -> User:
    return _account(username, (Role.RESEARCHER,), "researcher")


def _export_id(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise click.ClickException("that is not an export id (a UUID, as `flask export list` shows)") from None


@click.group("export")
def export_cli() -> None:
    """Anonymised researcher exports: create, approve, build, list, verify, withdrawal notices."""


@export_cli.command("create")
@click.option("--as", "username", required=True, help="The proposing reviewer's username.")
@click.option("--recipient", required=True, help="Who receives the export (a project or organisation).")
@click.option("--account", "account", required=True,
              help="Username of the one researcher account that may download it once released.")
@click.option("--purpose", required=True, help="What it is for.")
@click.option("--k", default=5, show_default=True, help="k-anonymity (at least 5).")
@click.option("--l", "l_", default=2, show_default=True, help="Distinct l-diversity of status (at least 2).")
@with_appcontext
@clean_errors
def create(username: str, recipient: str, account: str, purpose: str, k: int, l_: int) -> None:
    """Propose an export for one researcher account; a second reviewer or an admin approves it."""
    from ..disclosure import Policy
    from ..services import exports

    vault = review_vault()
    export = exports.propose(db.session, vault, actor=_reviewer(username).id, recipient=recipient, purpose=purpose,
                             recipient_account=_researcher(account).id, policy=Policy(k=k, l=l_))
    click.echo(f"proposed export {export.id}; approve it with `flask export approve {export.id} --as OTHER`")


@export_cli.command("approve")
@click.argument("export_id")
@click.option("--as", "username", required=True, help="The approving reviewer's or admin's username.")
@with_appcontext
@clean_errors
def approve(export_id: str, username: str) -> None:
    """Approve a proposed export (not by its proposer). Build it with `flask export build`."""
    from ..services import exports

    vault = review_vault()
    export = exports.approve(db.session, vault, _export_id(export_id), actor=_reviewer(username).id)
    click.echo(f"approved export {export.id}; build it with `flask export build {export.id}`")


@export_cli.command("assign")
@click.argument("export_id")
@click.option("--account", "account", required=True, help="Username of the researcher account that receives it.")
@click.option("--as", "username", required=True, help="The assigning admin's username.")
@with_appcontext
@clean_errors
def assign(export_id: str, account: str, username: str) -> None:
    """Name the researcher account of an export proposed before exports named one (once; it never
    changes). Until then no researcher sees the export."""
    from ..services import exports

    admin = _reviewer(username)
    if admin.role != Role.ADMIN.value:
        raise click.ClickException("only an admin assigns an export's researcher account")
    vault = review_vault()
    export = exports.assign(db.session, vault, _export_id(export_id), _researcher(account).id, actor=admin.id)
    click.echo(f"export {export.id} is now for the researcher account {account}")


@export_cli.command("build")
@click.argument("export_id", required=False)
@click.option("--batch", default=2000, show_default=True, type=click.IntRange(1, 100_000),
              help="Reports per batch read from the store.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Processes decrypting the store (2 on a two-core machine).")
@with_appcontext
@clean_errors
def build(export_id: str | None, batch: int, workers: int) -> None:
    """Build one approved export, or every approved export: read the store, write, sign, release."""
    from ..services import exports
    from ..services.exports import ExportFailed

    vault = review_vault()
    ids = [_export_id(export_id)] if export_id else exports.approved_ids(db.session)
    if not ids:
        click.echo("no approved export is waiting")
        return
    failed = 0
    for one in ids:
        try:
            export = exports.build(db.session, vault, one, batch=batch, workers=workers)
        except ExportFailed as exc:
            click.echo(str(exc), err=True)
            failed += 1
            continue
        click.echo(f"released export {export.id}: {export.persons} persons from {export.reports} reports, "
                   f"k {export.measured_k}, suppressed {100 * (export.suppression_rate or 0):.1f} %, "
                   f"in {exports.export_root() / str(export.id)}")
    if failed:
        raise click.ClickException(f"{failed} export(s) could not be built; no file was written for them")


def _seal_word(view: ExportView) -> str:
    if not view.verified:
        return "FAILED VERIFICATION"
    if not view.model_sealed and view.export.status in (ExportStatus.REQUESTED.value, ExportStatus.APPROVED.value):
        return "verified, model not sealed: propose a new export"  # never approved or built (exports._require)
    return "verified"


@export_cli.command("list")
@with_appcontext
@clean_errors
def list_command() -> None:
    """Every export: id, status, recipient, researcher account, who proposed and approved, persons,
    k, seal check."""
    from ..services import export_access

    vault = review_vault()
    for view in export_access.list_exports(db.session, vault):
        e = view.export
        # The recipient is as a reviewer typed it: escaped, so it can neither drive the terminal nor print lines.
        click.echo("\t".join([str(e.id), e.status, escaped(e.recipient or "-"),
                              f"account={view.account}" if view.account else "account=(none: flask export assign)",
                              view.proposer or "-",
                              view.approver or "-",
                              str(e.persons if e.persons is not None else "-"),
                              f"k={e.measured_k}" if e.measured_k is not None else "-",
                              _seal_word(view)]))
        if e.status == ExportStatus.FAILED.value and e.failure:
            click.echo(f"\t{e.failure}")


@export_cli.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--public-key", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="The export public key (PEM, raw, hex or base64); default: the keystore's export keys.")
@with_appcontext
@clean_errors
def verify(directory: Path, public_key: Path | None) -> None:
    """Check an export directory: signature, checksums, and k, l and risk recomputed from each file."""
    from ..services import exports

    from ..disclosure.verify import verify_export

    if public_key is not None:
        result = verify_export(directory, public_key.read_bytes())
    else:
        result = exports.verify_directory(review_vault(unlock=False), directory)
    for line in result.lines:
        click.echo(line)
    if not result.ok:
        raise click.ClickException("the export does not verify")


@export_cli.command("notices")
@click.option("--all", "show_all", is_flag=True, help="Include notices already sent.")
@with_appcontext
@clean_errors
def notices(show_all: bool) -> None:
    """Released exports that included persons whose families later withdrew: tell their recipients
    to delete the rows listed, then mark the notice sent."""
    vault = review_vault()
    found = export_notices.notices(db.session, vault, open_only=not show_all)
    if not found:
        click.echo("no notice is waiting")
    for view in found:
        n = view.notice
        state = f"sent {n.notified_on}" if n.notified_on else "to send"
        click.echo(f"{n.id}\texport {n.export_id}\t{escaped(view.recipient or '-')}"
                   f"\t{n.persons} persons, {n.reports} reports"
                   f"\t{state}\t{'verified' if view.verified else 'FAILED VERIFICATION'}")
        click.echo(f"\trows to delete: {n.pseudonyms or '(pseudonym key no longer held: ask for every row of the export to be deleted)'}")


@export_cli.command("notice-sent")
@click.argument("notice_id")
@click.option("--as", "username", required=True, help="Who told the recipients.")
@with_appcontext
@clean_errors
def notice_sent(notice_id: str, username: str) -> None:
    """Mark a withdrawal notice as sent to the export's recipients."""
    vault = review_vault()
    user = _reviewer(username)
    export_notices.mark_notified(db.session, vault, _export_id(notice_id), actor=user.id, actor_name=str(user.id))
    click.echo("marked as sent")


# ---------- statistics ----------

def snapshot_path() -> Path:
    configured = current_app.config.get("INTAKE_STATISTICS_SNAPSHOT")
    return Path(configured) if configured else Path(current_app.instance_path) / "public-statistics.json"


@click.group("stats")
def stats_cli() -> None:
    """Statistics: counts for reviewers and researchers, and the public differentially private snapshot."""


@stats_cli.command("refresh")
@click.option("--batch", default=2000, show_default=True, type=click.IntRange(1, 100_000),
              help="Reports per batch read from the store.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1, 8),
              help="Processes decrypting the store (2 on a two-core machine).")
@with_appcontext
@clean_errors
def refresh(batch: int, workers: int) -> None:
    """Count the store afresh for the statistics pages."""
    from ..services import statistics

    try:
        run = statistics.refresh(db.session, review_vault(), batch=batch, workers=workers, actor="cli")
    except statistics.TooFewChanged as held:
        click.echo(f"{held}; shown: {held.shown.persons} persons, counted {held.shown.computed_at:%Y-%m-%d}")
        return
    click.echo(f"counted {run.persons} persons")


@stats_cli.command("publish")
@click.option("--epsilon", required=True, help="Privacy loss of this publication, charged to the ledger.")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Where to write the snapshot (default: INTAKE_STATISTICS_SNAPSHOT).")
@with_appcontext
@clean_errors
def publish(epsilon: str, out: Path | None) -> None:
    """Publish differentially private counts for the public face, signed with the export key."""
    from ..services import statistics

    vault = review_vault()
    budget = current_app.config["INTAKE_PRIVACY_BUDGET"]
    path = out or snapshot_path()
    document = statistics.publish(db.session, vault, epsilon=epsilon, budget=budget, path=path)
    book = statistics.ledger(db.session, vault, budget)
    click.echo(f"published {len(document['tables'])} tables to {path}; epsilon spent {float(book.spent):g} "
               f"of {float(book.total):g}")


@stats_cli.command("ledger")
@with_appcontext
@clean_errors
def ledger() -> None:
    """Every publication's epsilon and what is left of the budget."""
    from ..services import statistics

    vault = review_vault()
    book = statistics.ledger(db.session, vault, current_app.config["INTAKE_PRIVACY_BUDGET"])
    for entry in book.entries:
        click.echo(f"{entry.on}\t{float(entry.epsilon):g}\t{entry.label}")
    click.echo(f"spent {float(book.spent):g} of {float(book.total):g}; {float(book.remaining):g} left")


@stats_cli.command("public-key")
@with_appcontext
@clean_errors
def public_key() -> None:
    """Print the current export public key (PEM): install it on the public face as
    INTAKE_STATISTICS_PUBLIC_KEY, and give it to export recipients."""
    _, key = export_notices.signer(review_vault())
    click.echo(key.public_key().public_bytes(serialization.Encoding.PEM,
                                             serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii"), nl=False)

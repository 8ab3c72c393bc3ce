"""`flask import FILE --source NAME`: import an advocates' list (CSV or XLSX), after a dry run."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from ..digits import ascii_digits
from ..extensions import db
from ..imports import ENCODINGS, TARGETS, Limits
from ..imports.mapping import IGNORE
from ..local_files import read_regular
from ..public.text import escaped
from ..services import imports
from ..services import take_in as take_in_service
from .common import clean_errors, review_vault


def _targets(headers: list[str], suggested: list[str], overrides: tuple[str, ...]) -> list[str]:
    """The suggestion, changed by each --map COLUMN=FIELD (COLUMN: its header, or its number from 1)."""
    targets = list(suggested)
    for item in overrides:
        column, sep, target = item.rpartition("=")
        if not sep or not column:
            raise click.BadParameter(f"{item!r}: write COLUMN=FIELD", param_hint="--map")
        if target not in (*TARGETS, IGNORE):
            raise click.BadParameter(f"{target!r} is not a field; fields: {', '.join((*TARGETS, IGNORE))}",
                                     param_hint="--map")
        if ascii_digits(column) and 1 <= int(column) <= len(headers):  # "²": isdigit(), not int()
            index = int(column) - 1
        elif column in headers:
            index = headers.index(column)
        else:
            raise click.BadParameter(f"no column is called {column!r}", param_hint="--map")
        targets[index] = target
    return targets


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", "source_name", required=True, help="Who kept the list (stored sealed).")
@click.option("--map", "overrides", multiple=True, metavar="COLUMN=FIELD",
              help="Change the suggested mapping of one column (its header or number); repeatable.")
@click.option("--encoding", type=click.Choice(list(ENCODINGS)), default=None, help="CSV only (default: detected).")
@click.option("--sheet", default=None,
              help="XLSX only: the sheet to read (default: the first whose header row names known columns).")
@click.option("--day-first/--month-first", default=None, help="How to read dates such as 03/04/1985.")
@click.option("--share-research", is_flag=True, help="The families agreed to anonymised sharing with researchers.")
@click.option("--contact", is_flag=True, help="The families agreed to be contacted.")
@click.option("--consent-basis", default="", help="How that consent was obtained (needed with the two above).")
@click.option("--dry-run", is_flag=True, help="Check every row and print the report; store nothing.")
@click.option("--yes", is_flag=True, help="Import without asking after the dry run.")
@click.option("--take-in", "run_take_in", is_flag=True, help="Take the new submissions in right away.")
@with_appcontext
@clean_errors
def import_command(file: Path, source_name: str, overrides: tuple[str, ...], encoding: str | None,
                   sheet: str | None, day_first: bool | None, share_research: bool, contact: bool,
                   consent_basis: str, dry_run: bool, yes: bool, run_take_in: bool) -> None:
    """Import a list of detained people (CSV or XLSX), as advocates keep them.

    Every row is checked first (dry run) and the report printed, row by row, without any cell's
    value. Rows that are ready are then sealed exactly as the public form seals a submission,
    with the source's name, the file and the row sealed beside each report. Importing the same
    rows again adds nothing. Consent: by default none (no sharing, no contact); say what the
    list's keepers hold with --share-research / --contact and --consent-basis.
    """
    vault = review_vault()
    limits = Limits(max_bytes=int(current_app.config["INTAKE_IMPORT_MAX_BYTES"]))
    data = read_regular(file, limits.max_bytes)  # a regular file within the limit (LocalFileError: one line)
    sheet_read = imports.read(data, file.name, encoding=encoding, sheet=sheet, limits=limits)
    targets = _targets(sheet_read.headers, imports.suggested_targets(sheet_read), overrides)
    click.echo(f"checking {len(sheet_read.rows):,} rows (about a minute per 100,000)...", err=True)
    prepared = imports.prepare(db.session, vault, data, file.name, importer="cli", targets=targets,
                               encoding=encoding, sheet_name=sheet, day_first=day_first, limits=limits,
                               audit_actor="cli", sheet=sheet_read)
    db.session.commit()  # the dry run's audit entry
    click.echo("Columns:")
    # The file's headers (in the lines and in the report's) escaped: a hostile list must not drive
    # the terminal or print lines of its own.
    for number, (header, target) in enumerate(zip(sheet_read.headers, targets, strict=True), start=1):
        click.echo(f"  {number:>3}. {escaped(header)} -> {target}")
    for line in prepared.plan.report_lines():
        click.echo(escaped(str(line)))
    ready = len(prepared.plan.ready)
    if dry_run:
        click.echo(f"dry run: {ready} rows would be imported; nothing was stored")
        return
    if not ready:
        click.echo("nothing to import")
        return
    if not yes:
        click.confirm(f"Import {ready} rows from {source_name!r}?", abort=True, err=True)
    consent = imports.Consent(share_research=share_research, contact=contact, basis=consent_basis)
    with click.progressbar(length=ready, label="importing") as bar:
        result = imports.store(db.session, vault, prepared, source_name=source_name, consent=consent, actor="cli",
                               progress=bar.update)
    click.echo(f"imported: {result.imported}; skipped: {result.skipped}; source: {result.source_id}")
    if run_take_in:
        with click.progressbar(length=result.imported, label="taking in") as bar:
            done, failed = take_in_service.take_in(db.session, vault, progress=bar.update)
        click.echo(f"taken in: {done}; failed: {failed}")
    else:
        click.echo("The new submissions await take-in (`flask inbox take-in`, or the review face by itself).")

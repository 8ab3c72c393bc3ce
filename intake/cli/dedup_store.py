"""`flask dedup train` and `flask dedup run`: the deduplication model over the working store.

They join the `dedup` group (beside `flask dedup csv`, which matches a plain file), whichever
module registers the group first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from flask import Flask, has_app_context
from flask.cli import ScriptInfo, with_appcontext

from ..extensions import db
from ..services import dedup_jobs
from .common import clean_errors, review_vault
from .usage import usage_line


class _Bars:
    """One click progress bar per stage, opened when the stage first reports."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        if done == 0 and total is None:  # the matcher saying a stage starts
            return
        bar = self.bars.get(stage)
        if bar is None:
            for other in self.bars.values():
                other.render_finish()
            bar = self.bars[stage] = click.progressbar(length=total or done or 1, label=f"{stage:>14}", file=None)
            bar.__enter__()
        bar.update(done)

    def close(self) -> None:
        for bar in self.bars.values():
            bar.__exit__(None, None, None)


def _timings(report: dedup_jobs.RunReport) -> None:
    click.echo("stage timings (s): " + ", ".join(f"{k} {v:.2f}" for k, v in report.timings.items()))
    click.echo(usage_line())


def _job(fn: Any) -> dedup_jobs.RunReport:
    bars = _Bars()
    try:
        return fn(db.session, review_vault(), actor="cli", progress=bars)
    except dedup_jobs.NoModel as exc:
        raise click.ClickException(str(exc)) from None
    except RuntimeError as exc:  # the matcher's DedupError: its message names no value
        raise click.ClickException(str(exc)) from None
    finally:
        bars.close()


WORKERS = click.option("--workers", type=click.IntRange(1, 16), default=1, show_default=True,
                       help="Processes decrypting the store (each with its own database connection).")


def _train_store(version: str, workers: int) -> None:
    report = _job(lambda session, vault, **kw: dedup_jobs.train(session, vault, version=version, workers=workers,
                                                                **kw))
    click.echo(f"trained on {report.reports} reports; model {dedup_jobs.current_model().version} "
               f"saved to {dedup_jobs.model_path()}")
    _timings(report)


def train_command(csv_train: click.Command | None = None) -> click.Command:
    """`flask dedup train`: on the working store; with --csv, the file trainer (`csv_train`) instead."""

    @click.command("train")
    @click.option("--csv", "csv_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="Train on this CSV file instead of the working store (with --out).")
    @click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
                  help="With --csv: where to write the model file.")
    @click.option("--version", "version", default="1", show_default=True, help="The model's version label.")
    @WORKERS
    @click.pass_context
    @clean_errors
    def train(ctx: click.Context, csv_path: Path | None, out_path: Path | None, version: str, workers: int) -> None:
        """Train the deduplication model on the working store (decrypted in memory only) and save it
        where the review face reads it (INTAKE_DEDUP_MODEL, default instance/dedup-model.json)."""
        if csv_path is not None or out_path is not None:
            if csv_train is None or csv_path is None or out_path is None:
                raise click.UsageError("training on a file takes both --csv and --out")
            ctx.invoke(csv_train, csv_path=csv_path, out_path=out_path, version=version)
            return
        if not has_app_context():  # as with_appcontext does, for the store side only
            ctx.with_resource(ctx.ensure_object(ScriptInfo).load_app().app_context())
        _train_store(version, workers)

    return train


@click.command("run")
@WORKERS
@with_appcontext
@clean_errors
def run_command(workers: int) -> None:
    """Score every report of the working store; pairs at or above the review threshold enter the
    queue at /review/duplicates (rejected pairs stay rejected while their reports are unchanged)."""
    report = _job(lambda session, vault, **kw: dedup_jobs.run(session, vault, workers=workers, **kw))
    found = report.recorded
    click.echo(f"reports: {report.reports}; pairs scored: {report.pairs}; clusters: {report.clusters}; "
               f"queued new: {found.new}; updated: {found.updated}; rejected before and unchanged: "
               f"{found.remembered}; reopened: {found.reopened}; below the threshold: {found.below}; "
               f"no longer suggested: {report.retired}")
    if report.blocks_cut:
        from .dedup import cut_note

        click.echo(cut_note(report.blocks_cut))
    _timings(report)


_GROUP_HELP = "Deduplication: which reports describe the same person."


def register(app: Flask) -> None:
    found = app.cli.commands.get("dedup")
    assert found is None or isinstance(found, click.Group)
    # A group of this app's own, with the file tools' commands: the module's group (cli/dedup.py) is
    # shared by every app of the process, and changing it made a second app's `train --csv` the
    # store side's, which has no file trainer to hand on to.
    group = click.Group("dedup", commands=dict(found.commands) if found is not None else None,
                        help=found.help if found is not None else _GROUP_HELP)
    app.cli.add_command(group)
    existing = group.commands.get("train")
    group.add_command(train_command(existing if existing is not None and existing.name == "train"
                                    and not getattr(existing, "store_side", False) else None))
    group.commands["train"].store_side = True  # type: ignore[attr-defined]
    group.add_command(run_command)

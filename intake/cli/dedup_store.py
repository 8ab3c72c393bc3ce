"""`flask dedup train` and `flask dedup run`: the deduplication model over the working store.

They join the `dedup` group (beside `flask dedup csv`, which matches a plain file), whichever
module registers the group first."""

from __future__ import annotations

from typing import Any

import click
from flask import Flask
from flask.cli import with_appcontext

from ..extensions import db
from ..services import dedup_jobs
from .common import clean_errors, review_vault


class _Bars:
    """One click progress bar per stage, opened when the stage first reports."""

    def __init__(self) -> None:
        self.bars: dict[str, Any] = {}

    def __call__(self, stage: str, done: int, total: int | None) -> None:
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


@click.command("train")
@with_appcontext
@clean_errors
def train_command() -> None:
    """Train the deduplication model on the working store (decrypted in memory only) and save it."""
    report = _job(dedup_jobs.train)
    click.echo(f"trained on {report.reports} reports; model {dedup_jobs.current_model().version} "
               f"saved to {dedup_jobs.model_path()}")
    _timings(report)


@click.command("run")
@with_appcontext
@clean_errors
def run_command() -> None:
    """Score every report of the working store; pairs at or above the review threshold enter the
    queue at /review/duplicates (rejected pairs stay rejected while their reports are unchanged)."""
    report = _job(dedup_jobs.run)
    found = report.recorded
    click.echo(f"reports: {report.reports}; pairs scored: {report.pairs}; clusters: {report.clusters}; "
               f"queued new: {found.new}; updated: {found.updated}; rejected before and unchanged: "
               f"{found.remembered}; reopened: {found.reopened}; below the threshold: {found.below}")
    _timings(report)


def register(app: Flask) -> None:
    group = app.cli.commands.get("dedup")
    if group is None:
        group = click.Group("dedup", help="Deduplication: which reports describe the same person.")
        app.cli.add_command(group)
    assert isinstance(group, click.Group)
    group.add_command(train_command)
    group.add_command(run_command)

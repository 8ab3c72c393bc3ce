"""`flask jobs`: list, run, enqueue, worker. Prints job names and counts, never a value."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

from ..jobs import JOBS, JobError, enqueue, run
from ..jobs import queue as job_queue
from ..jobs.registry import BOUNDS, checked
from .common import clean_errors, review_vault

_ARGS = {"limit": "Work on at most this many items.", "batch": "Items per committed batch.",
         "workers": "Processes decrypting the store (export-build, statistics-refresh)."}


@click.group("jobs")
def jobs_cli() -> None:
    """Long jobs (take-in, index rebuild, export build, statistics) outside web requests: on RQ where Redis is configured."""


@jobs_cli.command("list")
@with_appcontext
def list_jobs() -> None:
    """The registered jobs and the arguments each takes."""
    checked("take-in", {})  # loads the registry
    for spec in JOBS.values():
        args = " ".join(f"--{p}" for p in sorted(spec.params))
        click.echo(f"{spec.name:16} {'periodic' if spec.periodic else 'on demand':10} {args}")


def _kwargs(batch: int | None, limit: int | None, workers: int | None = None) -> dict[str, int]:
    return {k: v for k, v in (("batch", batch), ("limit", limit), ("workers", workers)) if v is not None}


@jobs_cli.command("run")
@click.argument("name")
@click.option("--batch", type=click.IntRange(1, BOUNDS["batch"]), default=None, help=_ARGS["batch"])
@click.option("--limit", type=click.IntRange(1, BOUNDS["limit"]), default=None, help=_ARGS["limit"])
@click.option("--workers", type=click.IntRange(1, BOUNDS["workers"]), default=None, help=_ARGS["workers"])
@with_appcontext
@clean_errors
def run_job(name: str, batch: int | None, limit: int | None, workers: int | None) -> None:
    """Run one job now, in this process."""
    review_vault()  # unlocks with the configured passphrase or a prompt
    try:
        counts = run(name, **_kwargs(batch, limit, workers))
    except JobError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{name}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


@jobs_cli.command("enqueue")
@click.argument("name")
@click.option("--batch", type=click.IntRange(1, BOUNDS["batch"]), default=None, help=_ARGS["batch"])
@click.option("--limit", type=click.IntRange(1, BOUNDS["limit"]), default=None, help=_ARGS["limit"])
@click.option("--workers", type=click.IntRange(1, BOUNDS["workers"]), default=None, help=_ARGS["workers"])
@with_appcontext
def enqueue_job(name: str, batch: int | None, limit: int | None, workers: int | None) -> None:
    """Put a job on the queue for `flask jobs worker` (needs a job Redis)."""
    try:
        job_id = enqueue(name, **_kwargs(batch, limit, workers))
    except JobError as exc:
        raise click.ClickException(str(exc)) from None
    if job_id is None:
        raise click.ClickException("no job Redis is configured (INTAKE_JOBS_REDIS_URL or INTAKE_REDIS_URL): "
                                   f"run `flask jobs run {name}` instead")
    click.echo(f"queued {name}: job {job_id}")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="One round (periodic jobs and everything queued), then exit.")
@click.option("--simple", is_flag=True, help="Run RQ jobs in this process instead of a fork per job.")
@with_appcontext
@clean_errors
def worker(burst: bool, simple: bool) -> None:
    """The review face's job runner: take-in every INTAKE_TAKE_IN_INTERVAL seconds, and whatever
    is queued on RQ when a job Redis is configured (otherwise the periodic jobs alone)."""
    review_vault()
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    where = "RQ queue " + job_queue.QUEUE if job_queue.redis_url(app) else "no Redis: periodic jobs only"
    click.echo(f"job worker ({where})", err=True)
    ran = job_queue.work(app, burst=burst, simple=simple)
    if burst:
        click.echo(f"jobs run: {ran}")

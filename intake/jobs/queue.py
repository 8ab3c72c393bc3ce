"""RQ for the review face's jobs, and the worker loop with or without Redis.

Anything that can write to the job Redis can put a job in the queue. RQ would import and call any
function a job names, with pickled arguments; here jobs are JSON, every one names the same entry
point (`execute`), and the worker refuses any other before it runs (`GuardedWorker`), checks the
job name against the registry and the arguments for whole numbers. Keep the job Redis out of the
public face's reach all the same: INTAKE_JOBS_REDIS_URL (a database and ACL user of its own)
rather than the public face's INTAKE_REDIS_URL.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from redis.exceptions import RedisError
from rq import Queue, SimpleWorker, Worker
from rq.exceptions import DeserializationError
from rq.job import Job as RqJob
from rq.serializers import JSONSerializer

from .registry import JOBS, JobError, checked, run

log = logging.getLogger(__name__)
QUEUE = "intake-review"
EXECUTE = f"{__name__}.execute"
_bound: dict[str, Flask] = {}


def redis_url(app: Flask) -> str | None:
    return app.config.get("INTAKE_JOBS_REDIS_URL") or app.config.get("INTAKE_REDIS_URL") or None


def queue(app: Flask) -> Queue | None:
    url = redis_url(app)
    if not url:
        return None
    from redis import Redis

    return Queue(QUEUE, connection=Redis.from_url(url), serializer=JSONSerializer)


def enqueue(name: str, **kwargs: Any) -> str | None:
    """Queue a registered job on RQ; None when no job Redis is configured (the worker or
    `flask jobs run` does the work: every job works off what is pending in the database)."""
    spec = checked(name, kwargs)
    q = queue(current_app._get_current_object())  # type: ignore[attr-defined]
    if q is None:
        return None
    return q.enqueue(EXECUTE, name, kwargs, job_timeout=spec.timeout, result_ttl=24 * 3600,
                     failure_ttl=7 * 24 * 3600).id


def execute(name: str, kwargs: dict[str, Any]) -> dict[str, int]:
    """The one function the worker runs: a registered job, in the bound app's context."""
    app = _bound.get("app")
    if app is None:
        raise JobError("this worker has no application bound (start it with `flask jobs worker`)")
    with app.app_context():
        if os.getpid() != _bound.get("pid"):
            from ..extensions import db

            db.engine.dispose(close=False)  # a forked work horse: the worker's connections stay its own
        return run(name, **kwargs)


def _call_of(job: Any) -> tuple[Any, dict[str, Any]] | None:
    """(name, parameters) of a queued `execute` call, or None for any other shape. The queue's
    contents are untrusted; DeserializationError when they are not JSON, or not RQ's shape of it."""
    func_name, args, kwargs = job.func_name, job.args, job.kwargs
    if func_name != EXECUTE or kwargs or not isinstance(args, (list, tuple)) or len(args) != 2 \
            or not isinstance(args[1], dict):
        return None
    return args[0], args[1]


class _Guard:
    """Refuse, before anything runs, a job that is not `execute` of a registered job."""

    def perform_job(self, job: Any, queue: Any, execution: Any) -> bool:
        try:
            try:
                call = _call_of(job)
            except DeserializationError:
                raise JobError(f"refused job {job.id}: it cannot be read") from None
            if call is None:
                raise JobError(f"refused job {job.id}: it does not name a registered job")
            checked(*call)
        except JobError:
            log.error("refused job %s from the queue", job.id)
            self._finalize_failure(job, queue, execution, sys.exc_info())  # type: ignore[attr-defined]
            return False
        return super().perform_job(job, queue, execution)  # type: ignore[misc]


class GuardedWorker(_Guard, Worker):
    """Forks a process per job (production)."""


class GuardedSimpleWorker(_Guard, SimpleWorker):
    """Runs jobs in its own process (tests, and where fork is unwanted)."""


def work(app: Flask, *, burst: bool = False, interval: float | None = None, simple: bool = False,
         sleep: Callable[[float], None] = time.sleep) -> int:
    """The worker: every `interval` seconds (INTAKE_TAKE_IN_INTERVAL) the periodic jobs (take-in),
    and on Redis whatever was queued. `burst`: one round, then return. Returns jobs run."""
    _bound.update(app=app, pid=os.getpid())
    interval = app.config["INTAKE_TAKE_IN_INTERVAL"] if interval is None else interval
    ran = 0
    while True:
        q = queue(app)
        if q is None:
            ran += run_periodic(app)
        else:
            try:
                ran += _round_on_rq(q, simple)
            except RedisError as exc:
                # Take-in and the finishing of withdrawals must not wait for the job Redis to come
                # back: they run here meanwhile (row locks keep two workers doing so apart).
                log.warning("the job Redis does not answer (%s): periodic jobs run in this process",
                            type(exc).__name__)
                ran += run_periodic(app)
        if burst:
            return ran
        sleep(max(1.0, float(interval)))


def _round_on_rq(q: Queue, simple: bool) -> int:
    """Queue the periodic jobs not already waiting, then run everything queued; the jobs run."""
    queued = _queued_names(q)
    for spec in _periodic():
        if spec.name not in queued:
            q.enqueue(EXECUTE, spec.name, {}, job_timeout=spec.timeout, result_ttl=3600,
                      failure_ttl=7 * 24 * 3600)
    worker_class = GuardedSimpleWorker if simple else GuardedWorker
    worker = worker_class([q], connection=q.connection, serializer=JSONSerializer)
    before = q.count
    worker.work(burst=True, logging_level="WARNING")
    return max(0, before - q.count)


def _queued_names(q: Queue) -> set[str]:
    """The names of the registered jobs waiting in the queue. Whatever is in it is read as untrusted:
    a job that cannot be read, or names no job, is skipped here (the guard refuses it when its turn
    comes) instead of stopping the worker, and with it every take-in and withdrawal."""
    names = set()
    for job_id in q.job_ids:
        try:
            call = _call_of(RqJob.fetch(job_id, connection=q.connection, serializer=q.serializer))
        except Exception:  # noqa: BLE001 - any malformed entry: RQ raises several kinds
            continue
        if call is not None and isinstance(call[0], str):
            names.add(call[0])
    return names


def run_periodic(app: Flask) -> int:
    """One round of the periodic jobs in this process (no Redis; `flask dev`'s background thread)."""
    ran = 0
    with app.app_context():
        for spec in _periodic():
            try:
                run(spec.name)
            except JobError as exc:
                log.error("%s", exc)
            ran += 1
    return ran


def _periodic() -> list[Any]:
    checked("take-in", {})  # loads the registry
    return [spec for spec in JOBS.values() if spec.periodic]

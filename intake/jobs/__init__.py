"""Long jobs, out of web requests: a tiny interface over RQ, or the CLI where there is no Redis.

    enqueue(name, **kwargs) -> str | None   queue a registered job: its RQ job id, or None when no
                                            job Redis is configured (then `flask jobs worker` or
                                            `flask jobs run NAME` runs it; nothing is lost, as every
                                            job works off what is pending in the database)
    run(name, **kwargs) -> dict[str, int]   run it here and now (the CLI, the worker)
    JOBS                                    the registry: name -> Job

Jobs are registered in tasks.py (take-in with withdrawal finishing, index rebuild, export build,
statistics refresh). Every job is
resumable (it commits per batch and picks up what is still pending) and returns counts only.
The queue (queue.py) is RQ with a JSON serializer on INTAKE_JOBS_REDIS_URL (else INTAKE_REDIS_URL);
the worker runs nothing but registered job names with whole-number arguments.
"""

from __future__ import annotations

from .registry import JOBS, Job, JobError, run
from .queue import enqueue

__all__ = ["JOBS", "Job", "JobError", "enqueue", "run"]

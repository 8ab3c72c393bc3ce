"""What the ninth outside probe found, each through the interface it was found on (the web client,
the command line, the job queue).

- The job worker read every queued job's name to decide whether to queue the periodic take-in,
  trusting what the job Redis held: one job whose first argument was a list (unhashable), or whose
  payload was not JSON, stopped `flask jobs worker` with a traceback, and again at every restart
  while the job stayed queued, so nothing was taken in and no withdrawal was finished. The guard
  that refuses foreign jobs also raised on an unreadable payload instead of refusing it.
"""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import func, select

from intake.extensions import db
from intake.jobs import queue as job_queue
from intake.models import Submission
from tests.conftest import REDIS_URL
from tests.helpers import full_report, submit


def _taken_in(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.in_working_store.is_(True))) or 0


@pytest.fixture
def rq_app(make_app, redis_client) -> Flask:  # noqa: ANN001
    return make_app("review", INTAKE_JOBS_REDIS_URL=REDIS_URL)


@pytest.mark.redis
@pytest.mark.parametrize("simple", [True, False])
def test_a_malformed_queued_job_is_refused_and_the_worker_goes_on(public_app, rq_app, redis_client, simple):
    submit(public_app, full_report())
    queue = job_queue.queue(rq_app)
    listed = queue.enqueue(job_queue.EXECUTE, ["take-in"], {})  # a name that is a list
    number = queue.enqueue(job_queue.EXECUTE, 7, {})
    unreadable = queue.enqueue(job_queue.EXECUTE, "take-in", {})
    redis_client.hset(f"rq:job:{unreadable.id}", "data", b"\x00not json{")
    # One round: the periodic take-in is queued beside them and runs; the three are refused.
    job_queue.work(rq_app, burst=True, simple=simple)
    assert _taken_in(rq_app) == 1
    for job in (listed, number, unreadable):
        assert queue.fetch_job(job.id).get_status() == "failed", job.id

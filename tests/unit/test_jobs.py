"""Jobs run outside requests: by the CLI without Redis, on RQ (an in-process worker, burst mode)
with it; the worker runs registered jobs only."""

from __future__ import annotations

import os

import pytest
from flask import Flask
from sqlalchemy import func, select, update

from intake.extensions import db
from intake.jobs import JobError, enqueue, run
from intake.jobs import queue as job_queue
from intake.jobs.registry import checked
from intake.models import BlindIndex, Submission
from intake.services import withdrawal
from tests.conftest import REDIS_URL
from tests.helpers import full_report, submit


def taken_in(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Submission).where(
            Submission.in_working_store.is_(True))) or 0


def test_review_requests_no_longer_take_anything_in(public_app, review_app):
    submit(public_app, full_report())
    assert review_app.test_client().get("/review/").status_code == 302
    assert review_app.test_client().get("/review/sign-in").status_code == 200
    assert taken_in(review_app) == 0


def test_flask_jobs_run_takes_in_and_finishes_withdrawals(public_app, review_app):
    keep = submit(public_app, full_report("k"))
    gone = submit(public_app, full_report("g"))
    with public_app.app_context():
        assert withdrawal.shred(db.session, gone.submission_id)
        db.session.commit()
    runner = review_app.test_cli_runner()
    result = runner.invoke(args=["jobs", "run", "take-in"])
    assert result.exit_code == 0, result.output
    assert "withdrawals_finished 1, taken_in 1, failed 0" in result.output
    assert "SENTINEL" not in result.output
    with review_app.app_context():
        assert db.session.get(Submission, keep.submission_id).in_working_store
        assert withdrawal.pending(db.session) == []
    listing = runner.invoke(args=["jobs", "list"])
    assert "take-in" in listing.output and "index-rebuild" in listing.output


def test_bad_job_requests_are_clear_errors(review_app):
    runner = review_app.test_cli_runner()
    for args, message in ((["jobs", "run", "format-disk"], "no job named 'format-disk'"),
                          (["jobs", "run", "take-in", "--batch", "5"], "takes no batch"),
                          (["jobs", "enqueue", "take-in"], "no job Redis is configured")):
        result = runner.invoke(args=args)
        assert result.exit_code == 1 and message in result.output, result.output
        assert "Traceback" not in result.output
    with review_app.app_context(), pytest.raises(JobError, match="positive whole number"):
        run("index-rebuild", batch="10; DROP")
    with review_app.app_context():
        assert enqueue("take-in") is None  # no Redis: the worker or the CLI does it


def test_job_arguments_have_upper_bounds(review_app):
    # A job read from the job Redis is untrusted: a batch of a billion would hold a billion
    # decrypted reports in one process.
    with review_app.app_context(), pytest.raises(JobError, match="batch is at most 100000"):
        checked("export-build", {"batch": 10**9})
    with review_app.app_context(), pytest.raises(JobError, match="workers is at most 8"):
        checked("statistics-refresh", {"workers": 9})
    with review_app.app_context():
        assert checked("export-build", {"batch": 100_000, "workers": 8}).name == "export-build"
    result = review_app.test_cli_runner().invoke(args=["jobs", "run", "index-rebuild", "--batch", "100001"])
    assert result.exit_code == 2 and "100001" in result.output


def test_the_worker_takes_in_while_the_job_redis_is_down(public_app, make_app):
    # Nothing listens on port 1: the job Redis is down. Take-in and withdrawals go on regardless.
    app = make_app("review", INTAKE_JOBS_REDIS_URL="redis://127.0.0.1:1/0")
    submit(public_app, full_report())
    assert job_queue.work(app, burst=True, simple=True) == 1
    assert taken_in(app) == 1


def test_the_worker_without_redis_runs_the_periodic_jobs(public_app, review_app):
    submit(public_app, full_report())
    result = review_app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "periodic jobs only" in result.output and "jobs run: 1" in result.output
    assert taken_in(review_app) == 1


# ---------- on RQ ----------

@pytest.fixture
def rq_app(make_app, redis_client) -> Flask:
    return make_app("review", INTAKE_JOBS_REDIS_URL=REDIS_URL)


@pytest.mark.redis
def test_jobs_run_on_rq(public_app, rq_app):
    submit(public_app, full_report("a"))
    submit(public_app, full_report("b"))
    with rq_app.app_context():
        job_id = enqueue("index-rebuild", batch=1)
        assert job_id
    # One burst: the periodic take-in is queued and run, then the queued index rebuild.
    assert job_queue.work(rq_app, burst=True, simple=True) == 2
    assert taken_in(rq_app) == 2
    queue = job_queue.queue(rq_app)
    job = queue.fetch_job(job_id)
    assert job.is_finished and job.return_value() == {"rebuilt": 0, "unreadable": 0}  # take-in indexed both
    with rq_app.app_context():  # make the rebuild find work: rows as an older normaliser left them
        db.session.execute(update(BlindIndex).values(version=1))
        db.session.commit()
        job_id = enqueue("index-rebuild")
    job_queue.work(rq_app, burst=True, simple=True)
    assert queue.fetch_job(job_id).return_value() == {"rebuilt": 2, "unreadable": 0}


@pytest.mark.redis
def test_the_forking_worker_runs_jobs_in_a_work_horse(public_app, rq_app):
    submit(public_app, full_report())
    assert job_queue.work(rq_app, burst=True) == 1  # RQ's default worker: a fork per job
    assert taken_in(rq_app) == 1


@pytest.mark.redis
def test_the_worker_refuses_jobs_it_did_not_register(public_app, rq_app):
    submit(public_app, full_report())
    queue = job_queue.queue(rq_app)
    # Whoever can write to Redis could name any function: a real one with an effect, a bad name.
    foreign = queue.enqueue("intake.jobs.tasks.take_in_job")
    unknown = queue.enqueue(job_queue.EXECUTE, "format-disk", {})
    bad_args = queue.enqueue(job_queue.EXECUTE, "take-in", {"limit": "all"})
    job_queue._bound.update(app=rq_app, pid=os.getpid())  # as `work` does, without queueing the take-in
    worker = job_queue.GuardedSimpleWorker([queue], connection=queue.connection, serializer=job_queue.JSONSerializer)
    worker.work(burst=True)
    for job in (foreign, unknown, bad_args):
        job.refresh()
        assert job.is_failed, job.func_name
    assert taken_in(rq_app) == 0

"""Approving an export on the review page queues its build on RQ when a job Redis is configured;
the worker (in-process, burst) builds and releases it, and the statistics refresh runs as a job too.
Without a job Redis the page tells the reviewer the operator runs `flask export build`."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.jobs import enqueue
from intake.jobs import queue as job_queue
from intake.models import Export, ExportStatus, StatisticsRun
from tests.conftest import REDIS_URL
from tests.web.review.test_exports_views import post, store


@pytest.fixture
def app(request, make_app, tmp_path: Path):
    settings = {"INTAKE_EXPORT_DIR": str(tmp_path / "exports")}
    if "queued" in request.node.name:  # the RQ test; the other runs without a job Redis
        request.getfixturevalue("redis_client")
        settings["INTAKE_JOBS_REDIS_URL"] = REDIS_URL
    return make_app("both", **settings)


def proposed(app, client, researcher) -> uuid.UUID:
    post(client, "/review/exports/propose", "/review/exports", recipient="A research group",
         account=str(researcher.id), purpose="patterns")
    with app.app_context():
        return db.session.scalars(select(Export.id)).one()


@pytest.mark.redis
def test_approval_queues_the_build_and_the_worker_releases_it_queued(app, make_user, sign_in, tmp_path):
    store(app, 120)
    one, two = app.test_client(), app.test_client()
    sign_in(one, make_user("reviewer"))
    sign_in(two, make_user("admin"))
    export_id = proposed(app, one, make_user("researcher"))
    post(two, f"/review/exports/{export_id}/approve", "/review/exports")
    assert "The build job is queued" in two.get("/review/exports").get_data(as_text=True)
    queue = job_queue.queue(app)
    [job] = [j for j in queue.jobs if j.args[0] == "export-build"]
    with app.app_context():
        stats_job = enqueue("statistics-refresh", workers=2)
    job_queue.work(app, burst=True, simple=True)
    assert queue.fetch_job(job.id).return_value() == {"released": 1, "failed": 0, "skipped": 0}
    assert queue.fetch_job(stats_job).return_value() == {"persons": 120}
    with app.app_context():
        export = db.session.get(Export, export_id)
        assert export.status == ExportStatus.RELEASED.value and export.persons == 120
        assert db.session.scalars(select(StatisticsRun.persons)).all() == [120]
    directory = tmp_path / "exports" / str(export_id)
    assert (directory / "manifest.json").is_file()
    assert sorted(p.name for p in (tmp_path / "exports").iterdir()) == [str(export_id)]  # no work dir, no lock left
    page = two.get("/review/exports").get_data(as_text=True)
    assert "released" in page


def test_without_a_job_redis_the_page_names_the_operators_command(app, make_user, sign_in):
    one, two = app.test_client(), app.test_client()
    sign_in(one, make_user("reviewer"))
    sign_in(two, make_user("reviewer"))
    export_id = proposed(app, one, make_user("researcher"))
    post(two, f"/review/exports/{export_id}/approve", "/review/exports")
    page = two.get("/review/exports").get_data(as_text=True)
    assert "flask export build" in page and "The build job is queued" not in page
    with app.app_context():
        assert db.session.get(Export, export_id).status == ExportStatus.APPROVED.value

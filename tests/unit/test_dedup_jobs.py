"""`flask dedup train` and `flask dedup run` over the encrypted working store, through the bulk path."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, CandidatePair, PairStatus
from intake.services import dedup_jobs
from intake.services import duplicate_decisions as decisions
from tests.dedup_support import store_population
from tests.unit.test_triage import make_reviewer


def test_train_then_run_over_the_working_store(make_app, tmp_path):
    model = tmp_path / "trained" / "dedup-model.json"
    public, review = make_app("public"), make_app("review", INTAKE_DEDUP_MODEL=str(model))
    store_population(public, review, 40)
    runner = review.test_cli_runner()

    result = runner.invoke(args=["dedup", "train"])
    assert result.exit_code == 0, result.output
    assert "trained on" in result.output and "stage timings" in result.output and "train" in result.output
    saved = json.loads(model.read_text("utf-8"))
    assert saved["format"] == "intake-dedup-model" and saved["trained"]["reports"] >= 50

    result = runner.invoke(args=["dedup", "run"])
    assert result.exit_code == 0, result.output
    for stage in ("decrypt", "pipeline.prepare", "pipeline.score", "pipeline.cluster", "store"):
        assert stage in result.output
    with review.app_context():
        s, v = db.session, get_vault()
        found = list(s.scalars(select(CandidatePair)))
        assert found and all(p.model_version == dedup_jobs.current_model().version for p in found)
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.action.like("dedup.%"))))
        assert actions.count("dedup.train") == 1 and "dedup.run" in actions
        rejected = found[0].id
        decisions.reject(s, v, rejected, actor=make_reviewer(review))

    # Again (--workers is left to the benchmark: forking a test process that has run DuckDB
    # threads is not something to do in CI; the bulk path's own tests cover its workers).
    result = runner.invoke(args=["dedup", "run"])
    assert result.exit_code == 0, result.output
    assert "queued new: 0" in result.output and "rejected before and unchanged: 1" in result.output
    with review.app_context():
        assert db.session.get(CandidatePair, rejected).status == PairStatus.REJECTED.value
        assert db.session.scalar(select(func.count()).select_from(CandidatePair)) == len(found)


def test_train_refuses_a_store_too_small_with_a_clear_message(make_app, tmp_path):
    public = make_app("public")
    review = make_app("review", INTAKE_DEDUP_MODEL=str(tmp_path / "m.json"))
    store_population(public, review, 3)
    result = review.test_cli_runner().invoke(args=["dedup", "train"])
    assert result.exit_code == 1 and "at least 50 reports" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m.json").exists()

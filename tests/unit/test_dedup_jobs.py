"""`flask dedup train` and `flask dedup run` over the encrypted working store, through the bulk path."""

from __future__ import annotations

import json
import os
import signal
from types import SimpleNamespace

from sqlalchemy import func, select
from sqlalchemy.orm import sessionmaker

from intake.extensions import db
from intake.forking import forking_is_safe
from intake.keyring import get_vault
from intake.models import AuditEvent, CandidatePair, PairStatus, Report
from intake.services import bulk, dedup_jobs, duplicates
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
    assert "peak RSS" in result.output
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
        # A pair the whole-store run does not suggest, queued as take-in scoring would have.
        paired = {frozenset((p.left_id, p.right_id)) for p in found}
        ids = list(s.scalars(select(Report.id).order_by(Report.id)))
        left, right = next((a, b) for a in ids for b in ids if a != b and frozenset((a, b)) not in paired)
        planted = duplicates.record_scores(s, v, [SimpleNamespace(left_id=left, right_id=right, probability=0.9,
                                                                  levels={"given": "same_name"})],
                                           model_version="take-in")
        assert planted.new == 1
        s.commit()

    # Again (--workers is left to the benchmark: forking a test process that has run DuckDB
    # threads is not something to do in CI; the bulk path's own tests cover its workers).
    result = runner.invoke(args=["dedup", "run"])
    assert result.exit_code == 0, result.output
    assert "queued new: 0" in result.output and "rejected before and unchanged: 1" in result.output
    # The second run suggests what the first did, and drops the planted pair it does not suggest.
    assert "no longer suggested: 1" in result.output
    with review.app_context():
        assert db.session.get(CandidatePair, rejected).status == PairStatus.REJECTED.value
        assert db.session.scalar(select(func.count()).select_from(CandidatePair)) == len(found)
        assert not db.session.scalar(select(func.count()).select_from(CandidatePair).where(
            CandidatePair.model_version == "take-in"))


def test_train_refuses_a_store_too_small_with_a_clear_message(make_app, tmp_path):
    public = make_app("public")
    review = make_app("review", INTAKE_DEDUP_MODEL=str(tmp_path / "m.json"))
    store_population(public, review, 3)
    result = review.test_cli_runner().invoke(args=["dedup", "train"])
    assert result.exit_code == 1 and "at least 50 reports" in result.output and "Traceback" not in result.output
    assert not (tmp_path / "m.json").exists()



def _pids(batch: list) -> list[int]:
    return [os.getpid()] * len(batch)


def test_a_second_job_with_workers_after_duckdb_does_not_fork_and_does_not_hang(make_app, tmp_path):
    """Forking a process whose DuckDB threads still run hung the workers (a matcher job, then one
    decrypting in two workers, in one process): the bulk path now reads in the calling process then."""
    public = make_app("public")
    review = make_app("review", INTAKE_DEDUP_MODEL=str(tmp_path / "m.json"))
    store_population(public, review, 40)

    def too_long(*_: object) -> None:
        raise TimeoutError("the job with two workers hung after DuckDB had run in this process")

    previous = signal.signal(signal.SIGALRM, too_long)
    signal.alarm(120)
    try:
        with review.app_context():
            s, v = db.session, get_vault()
            dedup_jobs.train(s, v, actor="test")  # DuckDB's threads now run in this process
            assert not forking_is_safe()
            factory = sessionmaker(db.engine)
            pids = [p for part in bulk.map_reports(factory, v, _pids, workers=2, batch=10, fields=("gender",))
                    for p in part]
            assert pids and set(pids) == {os.getpid()}
            first = dedup_jobs.run(s, v, actor="test")
            again = dedup_jobs.run(s, v, actor="test", workers=2)
            assert again.reports == first.reports and again.pairs == first.pairs > 0
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def test_a_run_stores_its_pairs_in_chunks_from_two_threads_as_from_one(make_app, tmp_path, monkeypatch):
    """Storing's chunks go through two threads on PostgreSQL (run_pairs._recorded): every pair is
    stored once, sealed, with the counts one thread gives; a second run finds them all."""
    import threading

    from intake.services import run_pairs

    public, review = make_app("public"), make_app("review", INTAKE_DEDUP_MODEL=str(tmp_path / "m.json"))
    store_population(public, review, 40)
    runner = review.test_cli_runner()
    result = runner.invoke(args=["dedup", "run"])
    assert result.exit_code == 0, result.output
    with review.app_context():
        one_go = {(p.left_id, p.right_id, p.probability, p.levels) for p in db.session.scalars(select(CandidatePair))}
        db.session.execute(CandidatePair.__table__.delete())
        db.session.commit()
    assert len(one_go) > 6

    threads: list[str] = []
    record = duplicates.record_scores

    def spied(session, *args, **kwargs):
        threads.append(threading.current_thread().name)
        return record(session, *args, **kwargs)

    monkeypatch.setattr(duplicates, "record_scores", spied)
    monkeypatch.setattr(run_pairs, "CHUNK", 3)
    result = runner.invoke(args=["dedup", "run"])
    assert result.exit_code == 0, result.output
    assert f"queued new: {len(one_go)}" in result.output
    assert len(threads) == -(-len(one_go) // 3)
    with review.app_context():
        stored = list(db.session.scalars(select(CandidatePair)))
        assert {(p.left_id, p.right_id, p.probability, p.levels) for p in stored} == one_go
        vault = get_vault()
        assert all(duplicates.verified(vault, p) for p in stored)
        if db.engine.dialect.name == "postgresql":
            assert all(name.startswith("store-pairs") for name in threads)
        else:  # one writer: the chunks in turn, in the command's thread
            assert not any(name.startswith("store-pairs") for name in threads)

    result = runner.invoke(args=["dedup", "run"])
    assert result.exit_code == 0, result.output
    assert "queued new: 0" in result.output and "no longer suggested: 0" in result.output


def test_a_flooded_store_run_cuts_the_oversized_blocks_and_says_so(make_app, tmp_path, monkeypatch):
    """The whole-store run is bounded as `flask dedup csv` is (tests/unit/dedup/test_oversized_blocks.py):
    here with a cap of 3, copies of one report sent a dozen times make blocks over it."""
    from tests.dedup_support import report_from_row
    from tests.helpers import submit

    model = tmp_path / "trained" / "dedup-model.json"
    public, review = make_app("public"), make_app("review", INTAKE_DEDUP_MODEL=str(model))
    rows = store_population(public, review, 40)
    for start in range(0, 12, 6):
        submit(public, *[report_from_row(rows[0], f"copy{start + i}") for i in range(6)])
    with review.app_context():
        from intake.services import take_in

        take_in.take_in(db.session, get_vault())
    runner = review.test_cli_runner()
    assert runner.invoke(args=["dedup", "train"]).exit_code == 0
    monkeypatch.setenv("INTAKE_DEDUP_BLOCK_CAP", "3")
    result = runner.invoke(args=["dedup", "run"])
    assert result.exit_code == 0, result.output
    assert "oversized block(s)" in result.output
    for value in (rows[0]["given_name"], rows[0]["father_name"]):
        assert value not in result.output

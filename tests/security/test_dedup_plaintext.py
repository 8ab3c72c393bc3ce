"""No plaintext at rest after deduplication: take-in scoring, `flask dedup train`, `flask dedup run`,
a reviewer opening and deciding a pair. The names, ID numbers, birth dates and planted sentinels of
every report are then looked for in the database (file and write-ahead log, or pg_dump), every file
under the test's folder (the model file, the temp folder, DuckDB's default spill folder), the logs
at DEBUG and everything printed. The stored pairs carry ids, probabilities and level codes only.
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import CandidatePair
from intake.services import duplicate_decisions as decisions
from tests.dedup_support import store_population
from tests.security.test_no_plaintext_at_rest import (capture_all_logs, files_under, find_secrets, log_text,
                                                     storage_blobs)
from tests.unit.test_triage import make_reviewer


def planted(rows: list[dict[str, str]]) -> dict[str, str]:
    """What a leak would expose: full names, ID numbers, exact birth dates, and the sentinels the
    population's reports carry (testimony; see dedup_support.report_from_row)."""
    out: dict[str, str] = {}
    for row in rows:
        rid = row["report_id"]
        full = " ".join(v for v in (row["given_name"], row["father_name"]) if v)
        for label, value in (("name", full), ("alt name", row["full_name_alt"]), ("id", row["chinese_id"]),
                             ("birth", row["birth_date"])):
            if value and len(value.encode()) >= 8:  # shorter ones would match by chance
                out[f"{rid} {label}"] = value
    return out


def test_a_dedup_run_leaves_no_plaintext_anywhere(make_app, db_url, tmp_path: Path, monkeypatch,
                                                  caplog: pytest.LogCaptureFixture, capsys) -> None:
    capture_all_logs(caplog)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(tmp_path)  # DuckDB's default spill folder would be ./.tmp
    model = tmp_path / "model" / "dedup-model.json"
    public, review = make_app("public"), make_app("review", INTAKE_DEDUP_MODEL=str(model))
    rows = store_population(public, review, 40, tag="dedup-rest")

    runner = review.test_cli_runner()
    outputs = []
    for command in (["dedup", "train"], ["dedup", "run"]):
        result = runner.invoke(args=command)
        outputs.append(result.output)
        assert result.exit_code == 0, result.output
    assert model.is_file()

    with review.app_context():
        s, v = db.session, get_vault()
        pairs = list(s.scalars(select(CandidatePair).order_by(CandidatePair.probability.desc())))
        assert len(pairs) >= 5, "the run found too few pairs for the scan to mean anything"
        reviewer = make_reviewer(review)
        view = decisions.pair_view(s, v, pairs[0].id, actor=reviewer)
        # Control: plaintext did pass through memory (the page's explanations quote it).
        assert any(line.sentence and line.left and line.left in str(line.sentence) for line in view.lines)
        decisions.reject(s, v, pairs[-1].id, actor=reviewer)
        decisions.accept(s, v, pairs[0].id, actor=reviewer)

    secrets = planted(rows)
    assert len(secrets) > 100
    with storage_blobs(review, db_url, tmp_path) as blobs:
        assert any(name.endswith("dedup-model.json") for name in blobs), "the model file was not scanned"
        at_rest = find_secrets(blobs, secrets)
    assert at_rest == [], "plaintext at rest after a dedup run:\n" + "\n".join(at_rest[:20])

    out, err = capsys.readouterr()
    logs = log_text(caplog)
    assert b"candidate_pairs" in logs, "SQL was not captured: the log scan would prove nothing"
    leaked = find_secrets({"logs": logs, "cli": "\n".join(outputs).encode(), "stdout": out.encode(),
                           "stderr": err.encode()}, secrets)
    assert leaked == [], "plaintext in logs or output:\n" + "\n".join(leaked[:20])


def test_a_csv_run_with_worker_processes_leaves_no_plaintext(tmp_path: Path, monkeypatch, request,
                                                            caplog: pytest.LogCaptureFixture) -> None:
    """`flask dedup csv` streaming a list through the feature workers (small chunks, so that the
    fork server and two workers do run): nothing but the input itself holds a value afterwards."""
    from click.testing import CliRunner

    from intake.cli.dedup import dedup_cli
    from intake.dedup import features
    from tests.dedup_population import population, write_csv

    capture_all_logs(caplog)
    # A short temporary folder of the test's own: the fork server's socket goes under it, and a
    # socket's path has at most 107 bytes (a pytest-xdist worker's tmp_path is longer by a level).
    temp = Path(tempfile.mkdtemp(prefix="ddp-", dir="/tmp"))
    request.addfinalizer(lambda: _remove_but_the_fork_servers(temp))
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setattr(features, "CHUNK", 30)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    rows, _ = population(80, seed=12)
    source = tmp_path / "list.csv"
    write_csv(str(source), rows)
    result = CliRunner().invoke(dedup_cli, ["csv", str(source), "--out", "out"])
    assert result.exit_code == 0, result.output
    assert (work / "out" / "pairs.csv").stat().st_size > 200

    secrets = planted(rows)
    assert len(secrets) > 100
    blobs = {k: v for k, v in files_under(tmp_path).items() if k != "list.csv"}
    blobs.update({f"tmp/{k}": v for k, v in files_under(temp).items()})
    assert "work/out/clusters.csv" in blobs
    leaked = find_secrets({**blobs, "logs": log_text(caplog), "cli": result.output.encode()}, secrets)
    assert leaked == [], "plaintext after a CSV run:\n" + "\n".join(leaked[:20])


def _remove_but_the_fork_servers(temp: Path) -> None:
    """Everything in `temp` but the folder multiprocessing made there for this process's fork
    server (its socket): multiprocessing removes that one when the process ends, and fails
    noisily if it is already gone."""
    kept = multiprocessing.process.current_process()._config.get("tempdir")
    for entry in temp.iterdir():
        if kept and entry == Path(kept):
            continue
        shutil.rmtree(entry, ignore_errors=True) if entry.is_dir() else entry.unlink(missing_ok=True)


def test_a_store_run_with_decrypting_workers_finds_the_same_and_leaves_no_plaintext(
        make_app, db_url, tmp_path: Path, monkeypatch, caplog: pytest.LogCaptureFixture) -> None:
    """`flask dedup run --workers 2` in a fresh process: there the decrypting workers also prepare
    the matcher's normalised forms (the fused path, which a test process that has run DuckDB never
    takes). It must record the pairs the one-process run recorded, and leave nothing behind: the
    database, every file under the test's folder (its temp folder the child's TMPDIR) and all the
    child printed are scanned."""
    import json
    import os
    import subprocess
    import sys

    capture_all_logs(caplog)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.chdir(tmp_path)
    model = tmp_path / "model" / "dedup-model.json"
    public, review = make_app("public"), make_app("review", INTAKE_DEDUP_MODEL=str(model))
    rows = store_population(public, review, 40, tag="dedup-workers")
    runner = review.test_cli_runner()
    for command in (["dedup", "train"], ["dedup", "run"]):
        result = runner.invoke(args=command)
        assert result.exit_code == 0, result.output
    with review.app_context():
        before = {(p.left_id, p.right_id): round(p.probability, 9) for p in db.session.scalars(select(CandidatePair))}
    assert len(before) >= 5

    settings = {k: v for k, v in review.config.items()
                if k.startswith("INTAKE_") or k in ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY")}
    (tmp_path / "settings.json").write_text(json.dumps(settings, default=str), encoding="utf-8")
    (tmp_path / "review_cli.py").write_text(
        "import json\nfrom intake import create_app\n"
        "app = create_app('test', json.load(open('settings.json', encoding='utf-8')))\n", encoding="utf-8")
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "TMPDIR": str(temp), "PYTHONPATH": os.pathsep.join([str(tmp_path), str(root)])}
    child = subprocess.run([sys.executable, "-m", "flask", "--app", "review_cli", "dedup", "run", "--workers", "2"],
                           cwd=tmp_path, env=env, capture_output=True, timeout=600)
    printed = child.stdout + child.stderr
    assert child.returncode == 0, printed.decode(errors="replace")[-3000:]
    assert b"decrypt and prepare" in printed, "the fused path (decrypting workers that prepare) did not run"
    assert b"Traceback" not in printed

    with review.app_context():
        db.session.expire_all()
        after = {(p.left_id, p.right_id): round(p.probability, 9) for p in db.session.scalars(select(CandidatePair))}
    assert after == before

    secrets = planted(rows)
    with storage_blobs(review, db_url, tmp_path) as blobs:
        at_rest = find_secrets(blobs, secrets)
    assert at_rest == [], "plaintext at rest after a run with workers:\n" + "\n".join(at_rest[:20])
    leaked = find_secrets({"child": printed, "logs": log_text(caplog)}, secrets)
    assert leaked == [], "plaintext printed by the run with workers:\n" + "\n".join(leaked[:20])


def test_a_csv_run_that_cuts_an_oversized_block_leaves_no_plaintext(tmp_path: Path, monkeypatch,
                                                                    caplog: pytest.LogCaptureFixture) -> None:
    """A list flooded with copies of one report (INTAKE_DEDUP_BLOCK_CAP small, so that the blocks
    are cut): the cut blocks' member tables and their pairs stay in the in-memory DuckDB, and what the
    run prints about them is a count. Nothing but the input holds a value afterwards."""
    from click.testing import CliRunner

    from intake.cli.dedup import dedup_cli
    from tests.dedup_population import population, write_csv

    capture_all_logs(caplog)
    temp = tmp_path / "tmp"
    temp.mkdir()
    monkeypatch.setenv("TMPDIR", str(temp))
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("INTAKE_DEDUP_BLOCK_CAP", "10")
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    rows, _ = population(60, seed=21)
    flood = next(r for r in rows if r["given_name"] and r["father_name"] and r["birth_date"] and r["chinese_id"])
    copies = [{**flood, "report_id": f"copy-{i:03d}"} for i in range(60)]
    source = tmp_path / "list.csv"
    write_csv(str(source), rows + copies)
    result = CliRunner().invoke(dedup_cli, ["csv", str(source), "--out", "out"])
    assert result.exit_code == 0, result.output
    assert "oversized block" in result.output, "no block was cut: the test would prove nothing"
    clusters = (work / "out" / "clusters.csv").read_text(encoding="utf-8").splitlines()
    flooded = {line.split(",")[1] for line in clusters if line.startswith("copy-")}
    assert len(flooded) == 1, "the copies of one report should make one cluster"

    secrets = planted(rows + [flood])
    assert any(flood["chinese_id"] == v for v in secrets.values())
    blobs = {k: v for k, v in files_under(tmp_path).items() if k != "list.csv"}
    leaked = find_secrets({**blobs, "logs": log_text(caplog), "cli": result.output.encode()}, secrets)
    assert leaked == [], "plaintext after a CSV run with a cut block:\n" + "\n".join(leaked[:20])

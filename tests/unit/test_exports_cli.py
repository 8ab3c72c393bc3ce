"""`flask export ...` and `flask stats ...`: the operator's path from proposal to a verified release,
and the public snapshot within the privacy budget. Clear one-line refusals, nothing partial."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import func, select

from intake.extensions import db
from intake.models import AuditEvent, Role
from tests.unit.test_exports_store import account, population, take_in_all


def run(app, *args: str):
    return app.test_cli_runner().invoke(args=list(args))


def test_create_approve_build_list_and_verify(make_app, tmp_path: Path):
    public = make_app("public")
    review = make_app("review", INTAKE_EXPORT_DIR=str(tmp_path / "exports"))
    account(review, "alice")
    account(review, "bob")
    account(review, "rita", Role.RESEARCHER)
    population(public, 120)
    take_in_all(review)

    for wrong in ("alice", "nobody"):  # a reviewer's account, no account: refused, nothing proposed
        refused = run(review, "export", "create", "--as", "alice", "--recipient", "Research group", "--account", wrong,
                      "--purpose", "study")
        assert refused.exit_code == 1 and "no active researcher account has that username" in refused.output
    assert run(review, "export", "list").output == ""
    created = run(review, "export", "create", "--as", "alice", "--recipient", "Research group", "--account", "rita",
                  "--purpose", "study")
    assert created.exit_code == 0, created.output
    export_id = re.search(r"proposed export ([0-9a-f-]{36})", created.output).group(1)
    refused = run(review, "export", "approve", export_id, "--as", "alice")
    assert refused.exit_code == 1 and "other than the reviewer who proposed it" in refused.output
    assert "Traceback" not in refused.output
    assert run(review, "export", "approve", export_id, "--as", "nobody").exit_code == 1
    assert run(review, "export", "approve", export_id, "--as", "bob").exit_code == 0
    built = run(review, "export", "build")
    assert built.exit_code == 0, built.output
    assert f"released export {export_id}: 120 persons from 120 reports" in built.output
    listed = run(review, "export", "list")
    assert export_id in listed.output and "released" in listed.output and "verified" in listed.output
    assert "account=rita" in listed.output
    directory = tmp_path / "exports" / export_id
    verified = run(review, "export", "verify", str(directory))
    assert verified.exit_code == 0, verified.output
    key = run(review, "stats", "public-key")
    (tmp_path / "key.pem").write_text(key.output, encoding="utf-8")
    assert run(review, "export", "verify", str(directory), "--public-key", str(tmp_path / "key.pem")).exit_code == 0
    csv = directory / "persons.csv"
    csv.write_bytes(csv.read_bytes() + b"0123456789abcdef0123,*,*,*,*,*,*,released,*,*,*\r\n")
    tampered = run(review, "export", "verify", str(directory))
    assert tampered.exit_code == 1 and "FAIL" in tampered.output
    assert run(review, "export", "build").output.strip() == "no approved export is waiting"


def test_a_build_that_cannot_reach_k_says_why_and_writes_nothing(make_app, tmp_path: Path):
    public = make_app("public")
    review = make_app("review", INTAKE_EXPORT_DIR=str(tmp_path / "exports"))
    account(review, "alice")
    account(review, "bob")
    account(review, "rita", Role.RESEARCHER)
    population(public, 4)
    take_in_all(review)
    export_id = re.search(r"([0-9a-f-]{36})", run(review, "export", "create", "--as", "alice", "--recipient", "r",
                                                  "--account", "rita", "--purpose", "p").output).group(1)
    run(review, "export", "approve", export_id, "--as", "bob")
    failed = run(review, "export", "build", export_id)
    assert failed.exit_code == 1 and "only 4 persons are in scope" in failed.output and "No file was written" in failed.output
    assert not (tmp_path / "exports" / export_id).exists()
    assert "failed" in run(review, "export", "list").output


def test_publishing_spends_the_budget_and_stops_at_it(make_app, tmp_path: Path):
    public = make_app("public")
    snapshot = tmp_path / "public" / "statistics.json"
    review = make_app("review", INTAKE_STATISTICS_SNAPSHOT=str(snapshot), INTAKE_PRIVACY_BUDGET="1.0")
    population(public, 40)
    take_in_all(review)
    assert run(review, "stats", "refresh").output.strip() == "counted 40 persons"
    first = run(review, "stats", "publish", "--epsilon", "0.6")
    assert first.exit_code == 0 and "epsilon spent 0.6 of 1" in first.output, first.output
    document = json.loads(snapshot.read_text(encoding="utf-8"))
    assert document["epsilon"] == 0.6 and len(document["tables"]) == 6 and document["signature"]["algorithm"] == "Ed25519"
    before = snapshot.read_bytes()
    second = run(review, "stats", "publish", "--epsilon", "0.6")
    assert second.exit_code == 1 and "only 0.4 of the total budget 1 is left" in second.output
    assert snapshot.read_bytes() == before
    assert run(review, "stats", "publish", "--epsilon", "lots").exit_code == 1
    ledger = run(review, "stats", "ledger")
    assert "spent 0.6 of 1; 0.4 left" in ledger.output
    with review.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "statistics.published")) == 1

"""`flask import`: the dry run's report, then the import with a progress bar; nothing twice."""

from __future__ import annotations

from sqlalchemy import func, select

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import AuditEvent, ImportSource, Report, Submission
from intake.services import integrity_states
from intake.services.consent import consents
from tests.unit.imports.test_store import csv_bytes


def _run(app, *args):
    return app.test_cli_runner().invoke(args=["import", *args])


def _reports(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Report)) or 0


def test_dry_run_then_import_then_nothing_twice(review_app, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes())
    dry = _run(review_app, str(path), "--source", "Friends", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "2 ready" in dry.output and "Row 4" in dry.output and "nothing was stored" in dry.output
    assert "SENTINEL" not in dry.output and "Paris" not in dry.output  # the report holds no cell values
    assert _reports(review_app) == 0

    done = _run(review_app, str(path), "--source", "Friends", "--yes", "--take-in")
    assert done.exit_code == 0, done.output
    assert "importing" in done.output and "imported: 2; skipped: 2" in done.output and "taken in: 2" in done.output
    with review_app.app_context():
        ids = list(db.session.scalars(select(Report.id)))
        assert all(s.verified for s in integrity_states.report_states(db.session, get_vault(), ids).values())
        assert {a for a in db.session.scalars(select(AuditEvent.action))} >= {"import.dry_run", "import.stored"}

    again = _run(review_app, str(path), "--source", "Friends", "--yes")
    assert again.exit_code == 0 and "nothing to import" in again.output
    assert _reports(review_app) == 2


def test_mapping_changes_and_consent_from_the_command_line(review_app, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes())
    refused = _run(review_app, str(path), "--source", "Friends", "--yes", "--share-research")
    assert refused.exit_code == 1 and "basis" in refused.output and "Traceback" not in refused.output
    bad = _run(review_app, str(path), "--source", "Friends", "--map", "Nowhere=name")
    assert bad.exit_code == 2 and "no column is called" in bad.output
    # The notes column ignored: the formula cell goes nowhere; a column by number.
    done = _run(review_app, str(path), "--source", "Friends", "--yes", "--map", "6=ignore", "--map", "3=ignore",
                "--share-research", "--consent-basis", "signed forms")
    assert done.exit_code == 0, done.output
    assert "6. Notes -> ignore" in done.output
    with review_app.app_context():
        assert all(r.testimony is None and r.id_number is None for r in db.session.scalars(select(Report)))
        ids = list(db.session.scalars(select(Submission.id)))
        assert {c.share_research for c in consents(db.session, ids).values()} == {True}
        assert db.session.scalars(select(ImportSource)).one().consent_share_research


def test_a_bad_file_is_one_line(review_app, tmp_path):
    path = tmp_path / "list.xlsx"
    path.write_bytes(b"PK\x03\x04 not really")
    result = _run(review_app, str(path), "--source", "Friends", "--yes")
    assert result.exit_code == 1 and "Excel" in result.output and "Traceback" not in result.output
    assert _reports(review_app) == 0


def test_a_huge_file_or_a_wrong_encoding_is_refused_with_nothing_stored(review_app, tmp_path):
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes())
    review_app.config["INTAKE_IMPORT_MAX_BYTES"] = 100
    big = _run(review_app, str(path), "--source", "Friends", "--yes")
    assert big.exit_code == 1 and "limit" in big.output and "Traceback" not in big.output
    review_app.config["INTAKE_IMPORT_MAX_BYTES"] = 20 * 1024 * 1024
    path.write_bytes("Name,Notes\nGülnar Memet,Türkçe not\n".encode("cp1254"))
    wrong = _run(review_app, str(path), "--source", "Friends", "--yes", "--encoding", "utf-8")
    assert wrong.exit_code == 1 and "not in UTF-8" in wrong.output and "Gülnar" not in wrong.output
    assert _reports(review_app) == 0

"""What the twelfth probe found, each through the interface it was found on.

- Round 11 made the files a researcher is offered come from the signed manifest on disk (the one
  the export sealed by its SHA-256), because the database's copy of the manifest is not sealed. The
  API's export document still served that unsealed copy as "manifest", and the measured k and
  suppression rate (API and research page) from columns no seal covers either: a database writer
  could have the API hand a researcher a manifest that was never released (other checksums, another
  k, notes of its own) and both faces claim a k the export never had. They now come from the
  sealed manifest on disk; an export whose manifest on disk is not the sealed one is a 409, as its
  files already were.
- Sealed rows were read without a lock and written back sealed as read, with only the changed
  columns in the UPDATE. A reviewer's decision on a duplicate pair committed while a scoring run
  (`flask dedup run`, or a new report scored at take-in) held the pair in memory kept its status
  under the run's seal of "pending": the pair failed verification as if forged, and the next run
  put it back in the queue. Two changes to one report at once (a verification level and a status
  event, or a family's news applied at take-in) left the report failing verification likewise,
  refused for every change and left out of exports. On both databases: SQLite's reads take no lock
  until a write does. Scoring now holds the pairs it reads, and every change of a report's or
  submission's sealed state re-reads the row held until the commit (row_locks).
- Person-link changes were serialised by an advisory lock on PostgreSQL and by nothing on SQLite:
  two links of one report at once both started from "no person", and the first was replaced
  without an unlink in the report's history. SQLite's write lock is now taken before the read.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select, update

from tests.dedup_support import model_file  # noqa: F401 - fixture of dedup_apps
from tests.dedup_support import dedup_apps  # noqa: F401 - fixture

from intake.extensions import db
from intake.keyring import get_vault
from intake.models import Export, ExportStatus
from intake.services import api_tokens, exports
from tests.web.api.conftest import CSV, make_export

RELEASED = {"export_id": "x", "created": "2026-05-04", "row_count": 42, "measured": {"k": 7, "suppression_rate": 0.02},
            "files": {"persons.csv": {"sha256": hashlib.sha256(CSV).hexdigest(), "bytes": len(CSV)}}}


def _released_with_token(app, make_user, tmp_path):  # noqa: ANN001, ANN202
    """A released export as build() leaves it (manifest on disk, its digest sealed), and a token of
    its researcher."""
    export_dir = tmp_path / "exports"
    app.config["INTAKE_EXPORT_DIR"] = str(export_dir)
    researcher = make_user("researcher")
    with app.app_context():
        token = api_tokens.create(db.session, get_vault(), user_id=researcher.id, actor="test").token
    export_id = make_export(app, ExportStatus.RELEASED, export_dir, researcher.id, manifest=RELEASED)
    return export_id, token, researcher


def _rewrite_row(app, export_id) -> None:  # noqa: ANN001
    """What a database writer can change without touching the export's seal."""
    forged = {**RELEASED, "measured": {"k": 1, "suppression_rate": 0.5},
              "files": {"persons.csv": {"sha256": "0" * 64, "bytes": 1}}, "note": "k 1 was approved"}
    with app.app_context():
        db.session.execute(update(Export).where(Export.id == export_id).values(
            manifest=forged, measured_k=1, suppression_rate=0.5, persons=3, built_at=datetime(2020, 1, 1)))
        db.session.commit()


def test_the_api_serves_the_released_manifest_not_the_database_s_copy(app, make_user, tmp_path):
    export_id, token, _ = _released_with_token(app, make_user, tmp_path)
    _rewrite_row(app, export_id)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    detail = client.get(f"/api/v1/exports/{export_id}", headers=headers)
    assert detail.status_code == 200
    body = detail.get_json()
    assert body["manifest"] == RELEASED
    assert (body["measured_k"], body["suppression_rate"]) == (7, 0.02)
    [listed] = client.get("/api/v1/exports", headers=headers).get_json()["exports"]
    assert (listed["measured_k"], listed["suppression_rate"]) == (7, 0.02)


def test_the_research_page_shows_the_released_k_not_the_database_s(app, make_user, sign_in, tmp_path):
    export_id, _, researcher = _released_with_token(app, make_user, tmp_path)
    _rewrite_row(app, export_id)
    client = app.test_client()
    sign_in(client, researcher)
    page = client.get("/research/").get_data(as_text=True)
    assert 'Measured k</dt><dd><bdi dir="ltr">7</bdi>' in page
    assert 'Suppressed</dt><dd><bdi dir="ltr">2.0 %</bdi>' in page
    assert 'Persons</dt><dd><bdi dir="ltr">42</bdi>' in page  # the rows the released file holds
    assert 'Released</dt><dd><bdi dir="ltr">2026-05-04</bdi>' in page


def test_an_export_whose_manifest_on_disk_changed_is_not_described_by_the_api(app, make_user, tmp_path):
    export_id, token, _ = _released_with_token(app, make_user, tmp_path)
    manifest = tmp_path / "exports" / str(export_id) / exports.MANIFEST
    manifest.write_text(json.dumps({**RELEASED, "measured": {"k": 1}}), encoding="utf-8")
    detail = app.test_client().get(f"/api/v1/exports/{export_id}", headers={"Authorization": f"Bearer {token}"})
    assert detail.status_code == 409 and detail.mimetype == "application/problem+json"
    assert "measured" not in detail.get_data(as_text=True)


def test_a_scoring_run_does_not_overwrite_a_decision_made_while_it_ran(dedup_apps, monkeypatch):
    """Scoring (a `flask dedup run`, or a new report scored at take-in) read a chunk's stored pairs
    without a lock and wrote each changed one back sealed as it had read it. A reviewer's rejection
    committed in between kept its status, but the run's seal (over "pending") replaced the
    rejection's: the pair failed verification, as if changed outside the review face, and the next
    run put it back in the queue. The decision was lost and a forgery reported where there was none.
    On SQLite too: its reads take no lock until a write does."""
    import threading
    from types import SimpleNamespace

    from sqlalchemy import select

    from intake.models import CandidatePair, PairStatus
    from intake.services import duplicates, integrity_states
    from intake.services import duplicate_decisions as decisions
    from tests.security.test_probe_round11 import _dedup_two

    review, reviewer = _dedup_two(dedup_apps)
    with review.app_context():
        [pair] = db.session.scalars(select(CandidatePair)).all()
        pair_id, rescored = pair.id, SimpleNamespace(left_id=pair.left_id, right_id=pair.right_id,
                                                     probability=min(pair.probability + 0.001, 1.0),
                                                     levels=duplicates.decode_levels(pair.levels))
        db.session.commit()

    def reject() -> None:
        with review.app_context():
            decisions.reject(db.session, get_vault(), pair_id, actor=reviewer)

    real, runner, deciding = integrity_states.audited_states, threading.current_thread(), []

    def between_read_and_write(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        if threading.current_thread() is runner and not deciding:  # the run has read the chunk's pairs
            deciding.append(threading.Thread(target=reject))
            deciding[0].start()
            deciding[0].join(2)  # done at once unless the run holds the pair until it commits
        return real(*args, **kwargs)

    monkeypatch.setattr(integrity_states, "audited_states", between_read_and_write)
    with review.app_context():
        duplicates.record_scores(db.session, get_vault(), [rescored], model_version="rescored", threshold=0.0)
        db.session.commit()
    deciding[0].join(30)
    assert not deciding[0].is_alive()
    monkeypatch.setattr(integrity_states, "audited_states", real)
    with review.app_context():
        stored = db.session.get(CandidatePair, pair_id)
        assert stored.status == PairStatus.REJECTED.value
        assert duplicates.current(db.session, get_vault(), stored)
        assert duplicates.queue(db.session, get_vault()).rows == []


def test_two_changes_to_one_report_at_once_leave_it_verified_with_both(make_app, monkeypatch):
    """A report's sealed state (status, verification, person link) was read without a lock and written
    back sealed as read: a reviewer setting the verification level while another added a status
    event (or take-in applied a family's news) left the second's column beside the first's seal.
    The report then failed verification as if changed outside the review face: refused for every
    further change, left out of exports and statistics, compared with nothing. On both databases."""
    from intake.models import Report, StatusKind, VerificationLevel
    from intake.services import integrity_states, triage
    from tests.helpers import full_report
    from tests.unit.test_triage import make_reviewer, stored

    public, review = make_app("public"), make_app("review")
    [handle] = stored(public, review, full_report("a"))
    amina, bilal = make_reviewer(review, "amina"), make_reviewer(review, "bilal")

    def add_event() -> None:
        with review.app_context():
            triage.add_status_event(db.session, get_vault(), handle, kind=StatusKind.RELEASED.value,
                                    event_date="2024-05", source="a cousin's call", actor=bilal)

    real = integrity_states.require_report
    other = run_between_read_and_write(monkeypatch, integrity_states, "require_report", add_event)
    with review.app_context():
        triage.set_verification(db.session, get_vault(), handle, VerificationLevel.CORROBORATED.value, actor=amina)
    other[0].join(30)
    assert not other[0].is_alive()
    monkeypatch.setattr(integrity_states, "require_report", real)
    with review.app_context():
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        state = integrity_states.require_report(db.session, get_vault(), report)  # Conflict if it fails
        assert (state.status, state.verification) == (StatusKind.RELEASED.value, VerificationLevel.CORROBORATED.value)


def run_between_read_and_write(monkeypatch, module, name: str, action, when=None):  # noqa: ANN001, ANN201
    """Wrap `module.name` (a read before a write) so that, once it has read in this thread (with
    arguments `when` accepts, if given), `action` runs in another thread, given 2 s to finish first.
    Returns the list that gets that thread."""
    import threading

    real, first, other = getattr(module, name), threading.current_thread(), []

    def between_read_and_write(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        found = real(*args, **kwargs)
        if threading.current_thread() is first and not other and (when is None or when(*args, **kwargs)):
            other.append(threading.Thread(target=action))
            other[0].start()
            other[0].join(2)
        return found

    monkeypatch.setattr(module, name, between_read_and_write)
    return other


def test_two_links_of_one_report_at_once_leave_one_chain_of_events(make_app, monkeypatch):
    """Person-link changes are serialised (`persons._lock`) so none is built on a state another has
    just replaced; on SQLite the lock was nothing, and its reads hold nothing. Two reviewers linking
    one report at once each appended a LINK from "no person": the second's history never unlinked
    the first's person, its audit entry named no previous person, and the first's link was
    replaced without a trace in the report's history."""
    from intake.models import LinkKind, PersonLinkEvent, Report
    from intake.services import persons
    from tests.helpers import full_report
    from tests.unit.test_triage import make_reviewer, stored

    public, review = make_app("public"), make_app("review")
    [handle] = stored(public, review, full_report("a"))
    amina, bilal = make_reviewer(review, "amina"), make_reviewer(review, "bilal")

    def link_by_bilal() -> None:
        with review.app_context():
            persons.link_report(db.session, get_vault(), handle, None, reason="same ID card", actor=bilal)

    other = run_between_read_and_write(monkeypatch, persons, "_check_current", link_by_bilal)
    with review.app_context():
        persons.link_report(db.session, get_vault(), handle, None, reason="same photo", actor=amina)
    other[0].join(30)
    assert not other[0].is_alive()
    with review.app_context():
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        events = db.session.scalars(select(PersonLinkEvent).where(PersonLinkEvent.report_id == report.id)).all()
        current = None
        for e in sorted(events, key=lambda e: (e.occurred_at, e.batch_id, e.kind != LinkKind.UNLINK)):
            if e.kind == LinkKind.UNLINK:
                assert current == e.person_id
                current = None
            else:
                assert current is None, "a link made while the report was on another person, never unlinked"
                current = e.person_id
        assert current == report.person_id and len(events) == 3


def test_a_reseal_under_a_new_integrity_key_does_not_overwrite_a_change_made_while_it_ran(make_app, monkeypatch):
    """`flask integrity seal` re-seals rows under the current integrity key after `keys integrity-key`.
    It read each batch without a lock and wrote back a seal of the values read: a reviewer's change
    committed in between kept its column under that seal, and the report failed verification for
    good. Its batches are now held (FOR UPDATE; SQLite's write lock) until they commit."""
    from intake.keyring import reset_vault
    from intake.models import Report, VerificationLevel
    from intake.services import integrity, integrity_jobs, integrity_states, triage
    from intake.services.integrity import REPORT
    from tests.helpers import full_report
    from tests.unit.test_triage import make_reviewer, stored

    public, review = make_app("public"), make_app("review")
    [handle] = stored(public, review, full_report("a"))
    amina = make_reviewer(review, "amina")
    assert review.test_cli_runner().invoke(args=["keys", "integrity-key"]).exit_code == 0
    with review.app_context():
        reset_vault(review)

    def set_level() -> None:
        with review.app_context():
            triage.set_verification(db.session, get_vault(), handle, VerificationLevel.CORROBORATED.value, actor=amina)

    real = integrity.check_row
    other = run_between_read_and_write(monkeypatch, integrity, "check_row", set_level,
                                       when=lambda vault, spec, row: spec is REPORT)
    with review.app_context():
        outcome = integrity_jobs.seal_store(db.session, get_vault())
    other[0].join(30)
    assert not other[0].is_alive() and outcome.resealed >= 2 and not outcome.refused
    monkeypatch.setattr(integrity, "check_row", real)
    with review.app_context():
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        state = integrity_states.require_report(db.session, get_vault(), report)  # Conflict if it fails
        assert state.verification == VerificationLevel.CORROBORATED.value

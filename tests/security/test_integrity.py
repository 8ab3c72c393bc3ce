"""Review-side state rewritten straight in the database is detected and refused, never shown or used
as true: consent, status, verification, person links, link and status events, seals swapped between
rows, older rows put back, a taken-in row made to look new. On SQLite and PostgreSQL."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from intake.crypto import fields, wraps
from intake.crypto.errors import CryptoError
from intake.extensions import db
from intake.keyring import get_vault
from intake.models import (BlindIndex, Person, PersonLinkEvent, RecordKey, Report, StatusEvent, Submission,
                           SubmissionStatus, VerificationLevel)
from intake.models.sealed import Codec
from intake.services import (consent, families, integrity, integrity_jobs, integrity_states, person_view, persons,
                             report_view, take_in, triage, withdrawal)
from intake.services.errors import Conflict
from intake.services.integrity import Verdict
from tests.helpers import full_report, submit
from tests.unit.test_triage import follow_up, make_reviewer


@dataclass
class World:
    app: Flask  # the review face
    reviewer: uuid.UUID
    a1: str  # two reports of one submission (handles)
    a2: str
    b1: str  # one report of another submission


@pytest.fixture
def world(public_app: Flask, review_app: Flask) -> World:
    reviewer = make_reviewer(review_app)
    a = submit(public_app, full_report("a1"), full_report("a2"))
    b = submit(public_app, full_report("b1"))
    with review_app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (2, 0)
    return World(review_app, reviewer, *a.report_handles, *b.report_handles)


def report(app: Flask, handle: str) -> Report:
    return db.session.scalars(select(Report).where(Report.handle == handle)).one()


def state(app: Flask, handle: str) -> integrity.ReportState:
    with app.app_context():
        row = report(app, handle)
        return integrity_states.report_states(db.session, get_vault(), [row.id])[row.id]


def raw(app: Flask, model: type, row_id: uuid.UUID, **values: object) -> None:
    """A database writer's change: no service, no seal."""
    with app.app_context():
        db.session.execute(update(model).where(model.id == row_id).values(**values))
        db.session.commit()


def ids(app: Flask, handle: str) -> tuple[uuid.UUID, uuid.UUID]:
    with app.app_context():
        row = report(app, handle)
        return row.id, row.submission_id


def snapshot(app: Flask, model: type, row_id: uuid.UUID, *columns: str) -> dict[str, object]:
    with app.app_context():
        row = db.session.execute(select(*[getattr(model, c) for c in columns]).where(model.id == row_id)).one()
        return dict(zip(columns, row, strict=True))


def act(app: Flask, change, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN201
    with app.app_context():
        return change(db.session, get_vault(), *args, **kwargs)


# ---------- the honest path ----------

def test_take_in_and_review_changes_leave_verified_state(world: World) -> None:
    w = world
    assert state(w.app, w.a1).verified and state(w.app, w.a1).status == "detained"
    assert state(w.app, w.a1).verification == "reported" and state(w.app, w.a1).person_id is None
    act(w.app, triage.set_verification, w.a1, "corroborated", actor=w.reviewer)
    act(w.app, persons.link_report, w.a1, None, reason="same ID", actor=w.reviewer)
    act(w.app, triage.add_status_event, w.a2, kind="released", event_date="2024-01", source="court",
        actor=w.reviewer)
    act(w.app, triage.set_submission_status, w.b1, "in_review", actor=w.reviewer)
    first, second, other = state(w.app, w.a1), state(w.app, w.a2), state(w.app, w.b1)
    assert first.verified and first.verification == "corroborated" and first.person_id is not None
    assert second.verified and second.status == "released"
    assert other.verified and other.submission.status == "in_review"
    with w.app.app_context():
        check = integrity_jobs.verify_store(db.session, get_vault())
        assert check.tampered == 0 and check.counts["reports"] == {"verified": 3}


# ---------- consent ----------

def test_consent_cannot_be_flipped_swapped_or_forged_with_a_planted_key(world: World, public_app: Flask) -> None:
    w = world
    no = submit(public_app, full_report("no"))  # helpers.submit consents to research sharing only
    with w.app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (1, 0)
    _, a_id = ids(w.app, w.a1)
    with w.app.app_context():
        consents = consent.consents(db.session, [a_id, no.submission_id])
        assert consents[a_id] == consent.Consent(share_research=True, origin="family")

    # 1. Another submission's sealed "yes" copied over: another row, another key.
    yes_blob = snapshot(w.app, Submission, a_id, "consent_sealed")["consent_sealed"]
    raw(w.app, Submission, no.submission_id, consent_sealed=yes_blob)
    with w.app.app_context():
        got = consent.consents(db.session, [no.submission_id])[no.submission_id]
        assert not got.known and not got.share_research and got.problem == "the sealed choices do not decrypt"

    # 2. A data key of the attacker's own, wrapped with the PUBLIC review key, and a "yes" sealed under it.
    dek_id, dek = os.urandom(16), os.urandom(32)
    forged = fields.encrypt_field(dek, dek_id, "submissions", "consent", no.submission_id, Codec.JSON.encode(
        consent.consent_record(share_research=True, contact=True, publish_name=True)))
    with w.app.app_context():
        public = get_vault().require_review_public()
        db.session.add(RecordKey(owner_table="submissions", owner_id=no.submission_id, dek_id=dek_id, holder="inbox",
                                 holder_key_id=public.key_id,
                                 wrapped=wraps.inbox_wrap(public, "submissions", no.submission_id, dek)))
        db.session.commit()
    raw(w.app, Submission, no.submission_id, consent_sealed=forged)
    with w.app.app_context():  # the working-store wrap is there: only it counts
        assert not consent.consents(db.session, [no.submission_id])[no.submission_id].known
    with w.app.app_context():  # ... and with it deleted, a sealed row still refuses the inbox wrap
        db.session.execute(delete(RecordKey).where(RecordKey.owner_id == no.submission_id,
                                                   RecordKey.holder == "kek"))
        db.session.commit()
        got = consent.consents(db.session, [no.submission_id])[no.submission_id]
        assert not got.known and not got.share_research
        with pytest.raises(CryptoError, match="only an inbox wrap"):
            _ = db.session.get(Submission, no.submission_id).consent

    # 3. Removed: unknown, which counts as no.
    raw(w.app, Submission, a_id, consent_sealed=None)
    with w.app.app_context():
        got = consent.consents(db.session, [a_id])[a_id]
        assert got == consent.Consent(problem="none recorded") and not got.share_research


# ---------- report state ----------

@pytest.mark.parametrize("column, value", [("status", "released"), ("verification", "documented"),
                                           ("handle", "R-FORGE-D0000")])
def test_a_rewritten_report_column_fails_and_blocks_every_change(world: World, column: str, value: str) -> None:
    w = world
    report_id, _ = ids(w.app, w.a1)
    raw(w.app, Report, report_id, **{column: value})
    got = state(w.app, value if column == "handle" else w.a1)
    assert got.verdict is Verdict.TAMPERED and "does not match" in got.problem
    assert got.status is None and got.verification is None
    handle = value if column == "handle" else w.a1
    with pytest.raises(Conflict, match="failed verification"):
        act(w.app, triage.set_verification, handle, "corroborated", actor=w.reviewer)
    with pytest.raises(Conflict, match="failed verification"):
        act(w.app, persons.link_report, handle, None, reason="x", actor=w.reviewer)
    assert state(w.app, w.a2).verified  # the sibling is untouched


def test_a_person_relinked_in_the_report_row_or_in_a_link_event_is_refused(world: World) -> None:
    w = world
    act(w.app, persons.link_report, w.a1, None, reason="one", actor=w.reviewer)
    act(w.app, persons.link_report, w.b1, None, reason="two", actor=w.reviewer)
    a1_id, _ = ids(w.app, w.a1)
    b1_person = state(w.app, w.b1).person_id

    raw(w.app, Report, a1_id, person_id=b1_person)  # the row alone
    assert state(w.app, w.a1).verdict is Verdict.TAMPERED
    with w.app.app_context():  # the person page does not show it as linked
        view = person_view.view_of(db.session, get_vault(), db.session.get(Person, b1_person).handle,
                                   actor=w.reviewer)
        assert [r.handle for r in view.reports] == [w.b1]
        assert [h for h, _ in view.unverified] == [w.a1]
    raw(w.app, Report, a1_id, person_id=None)

    # The link event itself: its seal covers every column.
    with w.app.app_context():
        event_id = db.session.scalars(select(PersonLinkEvent.id).where(PersonLinkEvent.report_id == a1_id)).one()
    raw(w.app, PersonLinkEvent, event_id, person_id=b1_person)
    got = state(w.app, w.a1)
    assert got.verdict is Verdict.TAMPERED
    with pytest.raises(Conflict):
        act(w.app, persons.split_report, w.a1, reason="x", actor=w.reviewer)


def test_seals_swapped_between_rows_fail(world: World) -> None:
    w = world
    act(w.app, triage.add_status_event, w.a1, kind="released", event_date="2024", source="court", actor=w.reviewer)
    (a1, a_sub), (a2, _), (b1, b_sub) = ids(w.app, w.a1), ids(w.app, w.a2), ids(w.app, w.b1)
    first = snapshot(w.app, Report, a1, "state_mac")["state_mac"]
    second = snapshot(w.app, Report, a2, "state_mac")["state_mac"]
    raw(w.app, Report, a1, state_mac=second)
    raw(w.app, Report, a2, state_mac=first)
    assert state(w.app, w.a1).verdict is state(w.app, w.a2).verdict is Verdict.TAMPERED
    mac_a = snapshot(w.app, Submission, a_sub, "state_mac")["state_mac"]
    mac_b = snapshot(w.app, Submission, b_sub, "state_mac")["state_mac"]
    raw(w.app, Submission, a_sub, state_mac=mac_b)
    raw(w.app, Submission, b_sub, state_mac=mac_a)
    got = state(w.app, w.b1)  # a report whose own seal is fine fails with its submission
    assert got.verdict is Verdict.TAMPERED and got.problem.startswith("its submission")
    # Nor can a status event's seal stand in for a report's (domains differ).
    with w.app.app_context():
        event_mac = db.session.scalars(select(StatusEvent.mac)).one()
    raw(w.app, Report, b1, state_mac=event_mac)
    assert state(w.app, w.b1).verdict is Verdict.TAMPERED


def test_an_older_valid_row_put_back_is_caught_against_the_audit_log(world: World) -> None:
    w = world
    report_id, submission_id = ids(w.app, w.a1)
    act(w.app, triage.set_verification, w.a1, "documented", actor=w.reviewer)
    documented = snapshot(w.app, Report, report_id, "verification", "state_seq", "state_mac")
    # A reviewer finds the documents forged and lowers the level; the attacker puts the old row back.
    act(w.app, triage.set_verification, w.a1, "reported", actor=w.reviewer)
    raw(w.app, Report, report_id, **documented)
    got = state(w.app, w.a1)
    assert got.verdict is Verdict.TAMPERED and "older state was put back" in got.problem
    assert got.verification is None

    # The same for the status the family sees.
    act(w.app, triage.set_submission_status, w.a1, "recorded", actor=w.reviewer)
    recorded = snapshot(w.app, Submission, submission_id, "status", "state_seq", "state_mac")
    act(w.app, triage.set_submission_status, w.a1, "needs_information", actor=w.reviewer)
    raw(w.app, Submission, submission_id, **recorded)
    with w.app.app_context():
        got = integrity_states.submission_states(db.session, get_vault(), [submission_id])[submission_id]
    assert got.verdict is Verdict.TAMPERED and got.status is None

    # A link put back: the sealed link history says otherwise.
    b1_id, _ = ids(w.app, w.b1)
    act(w.app, persons.link_report, w.b1, None, reason="one", actor=w.reviewer)
    linked = snapshot(w.app, Report, b1_id, "person_id", "state_seq", "state_mac")
    act(w.app, persons.link_report, w.b1, None, reason="another", actor=w.reviewer)
    raw(w.app, Report, b1_id, **linked)
    got = state(w.app, w.b1)
    assert got.verdict is Verdict.TAMPERED and "link history" in got.problem


def test_a_status_event_rewritten_is_not_counted(world: World) -> None:
    w = world
    act(w.app, triage.add_status_event, w.a1, kind="released", event_date="2023", source="court",
        actor=w.reviewer)
    with w.app.app_context():
        event_id = db.session.scalars(select(StatusEvent.id)).one()
    raw(w.app, StatusEvent, event_id, kind="died")
    with w.app.app_context():
        view = report_view.view_of(db.session, get_vault(), w.a1, actor=w.reviewer)
        assert [(e.kind, e.verdict) for e in view.report.timeline] == [("died", "failed verification")]
    # An older event entered now would lose to the forged one if it counted; it does not.
    act(w.app, triage.add_status_event, w.a1, kind="sentenced", event_date="2019", source="court",
        sentence="10 years", actor=w.reviewer)
    assert state(w.app, w.a1).status == "sentenced"


def test_a_family_status_whose_plain_kind_was_changed_is_not_applied(world: World, public_app: Flask) -> None:
    w = world
    follow_up(public_app, w.a1, new_status="released", event_date="2024")
    with w.app.app_context():
        event_id = db.session.scalars(select(StatusEvent.id)).one()
    raw(w.app, StatusEvent, event_id, kind="died")  # what the status page shows, not what the family sealed
    with w.app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (1, 0)
        assert db.session.get(StatusEvent, event_id).mac is None
    assert state(w.app, w.a1).status == "detained"


# ---------- take-in state ----------

def test_taken_in_flag_flipped_fails_and_the_row_is_not_taken_in_again(world: World) -> None:
    w = world
    _, submission_id = ids(w.app, w.a1)
    raw(w.app, Submission, submission_id, in_working_store=False)
    assert state(w.app, w.a1).verdict is Verdict.TAMPERED
    with w.app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (0, 1)


def test_a_stripped_submission_with_a_planted_key_is_refused_at_take_in(world: World) -> None:
    """Seals stripped, working-store wrap deleted, an inbox wrap of the attacker's own planted and the
    content re-encrypted: it looks like a new submission, but the audit log remembers it."""
    w = world
    act(w.app, triage.set_verification, w.a1, "corroborated", actor=w.reviewer)
    report_id, submission_id = ids(w.app, w.a1)
    dek_id, dek = os.urandom(16), os.urandom(32)
    with w.app.app_context():
        public = get_vault().require_review_public()
        db.session.execute(delete(RecordKey).where(RecordKey.owner_id == submission_id))
        db.session.add(RecordKey(owner_table="submissions", owner_id=submission_id, dek_id=dek_id, holder="inbox",
                                 holder_key_id=public.key_id,
                                 wrapped=wraps.inbox_wrap(public, "submissions", submission_id, dek)))
        for row in db.session.scalars(select(Report).where(Report.submission_id == submission_id)):
            row.state_mac = None
            row.reported_status_sealed = fields.encrypt_field(dek, dek_id, "reports", "reported_status", row.id,
                                                              b"released")
        sub = db.session.get(Submission, submission_id)
        sub.state_mac, sub.in_working_store = None, False
        db.session.execute(delete(BlindIndex))
        db.session.commit()
    assert state(w.app, w.a1).verdict is Verdict.NOT_SEALED  # never verified
    with w.app.app_context():
        assert take_in.take_in(db.session, get_vault()) == (0, 1)
        assert db.session.get(Submission, submission_id).state_mac is None


# ---------- withdrawal and the pages ----------

def test_a_finished_withdrawal_cannot_be_turned_back(world: World, public_app: Flask) -> None:
    w = world
    _, submission_id = ids(w.app, w.b1)
    with public_app.app_context():
        families.withdraw(db.session, db.session.get(Submission, submission_id))
    with w.app.app_context():
        assert withdrawal.finish_pending(db.session, get_vault()) == 1
    raw(w.app, Submission, submission_id, status=SubmissionStatus.RECEIVED.value)
    with w.app.app_context():
        got = integrity_states.submission_states(db.session, get_vault(), [submission_id])[submission_id]
    assert got.verdict is Verdict.TAMPERED


def test_pages_show_a_tampered_row_as_such_never_its_forged_values(app: Flask, make_user, sign_in) -> None:
    user = make_user("reviewer", username="amina")
    client = app.test_client()
    sign_in(client, user)
    stored = submit(app, full_report("page"))
    with app.app_context():
        take_in.take_in(db.session, get_vault())
        report_id = db.session.scalars(select(Report.id)).one()
        db.session.execute(update(Report).where(Report.id == report_id).values(
            verification=VerificationLevel.DOCUMENTED.value, status="released"))
        db.session.commit()
    inbox = client.get("/review/inbox").get_data(as_text=True)
    assert "failed verification" in inbox
    assert "<td>documented</td>" not in inbox and "<td>released</td>" not in inbox
    assert "<td>Documented</td>" not in inbox and "<td>Released</td>" not in inbox  # nor as labels
    page = client.get(f"/review/reports/{stored.report_handles[0]}").get_data(as_text=True)
    assert "failed verification" in page and 'role="alert"' in page
    assert "<dd>documented</dd>" not in page and "<dd>released</dd>" not in page
    assert "<dd>Documented</dd>" not in page and "<dd>Released</dd>" not in page
    changed = client.post(f"/review/reports/{stored.report_handles[0]}/verification", data={
        "verification-csrf_token": re.search(r'name="verification-csrf_token"[^>]*value="([^"]+)"', page).group(1),
        "verification-level": "corroborated"}, follow_redirects=True)
    assert "nothing was changed" in changed.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Report, report_id).verification == "documented"  # untouched, still refused


def test_a_running_review_face_picks_up_an_integrity_key_made_elsewhere(world: World, make_app) -> None:
    w = world
    assert state(w.app, w.a1).verified  # this process has loaded its keys
    operator = make_app("review")  # another process: the operator's CLI
    runner = operator.test_cli_runner()
    assert runner.invoke(args=["keys", "integrity-key"]).exit_code == 0
    assert runner.invoke(args=["integrity", "seal"]).exit_code == 0  # every row re-sealed under the new key
    integrity._last_reload.clear()
    assert state(w.app, w.a1).verified  # the unknown key id made it re-read the keystore

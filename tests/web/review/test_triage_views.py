"""Triage pages through the web: roles, CSRF read from the rendered forms, one audit entry per change,
decryption only on the report page (and audited), nothing decrypted while the keys are locked."""

from __future__ import annotations

import dataclasses
import re

import pytest
from flask import Flask
from sqlalchemy import select

from intake.extensions import db
from intake.keyring import get_vault, reset_vault
from intake.models import AuditEvent, Report, StatusEvent, Submission
from intake.services import audit, persons, take_in
from tests.helpers import full_report, submit
from tests.web_fixtures import csrf_token


def form_token(html: bytes, prefix: str) -> str:
    """The CSRF token of the form whose fields carry `prefix` (each form on a page has its own)."""
    found = re.search(rf'name="{re.escape(prefix)}-csrf_token"[^>]*value="([^"]+)"', html.decode())
    assert found, f"no {prefix} form on the page"
    return found.group(1)


def audit_entries(app: Flask, after: int) -> list[tuple[str, str | None, dict]]:
    with app.app_context():
        rows = db.session.scalars(select(AuditEvent).where(AuditEvent.seq > after).order_by(AuditEvent.seq)).all()
        return [(r.action, r.object_type, dict(r.details)) for r in rows]


def audit_head(app: Flask) -> int:
    with app.app_context():
        return audit.count(db.session)


def load(app: Flask, *reports) -> list[str]:
    stored = submit(app, *reports)
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    return stored.report_handles


@pytest.fixture
def reviewer(app, make_user, sign_in):
    user = make_user("reviewer", username="amina")
    client = app.test_client()
    sign_in(client, user)
    return client, user


def test_inbox_lists_filters_and_paginates_without_content(app, reviewer):
    client, _ = reviewer
    kashgar = dataclasses.replace(full_report("k"), home_county="653101", status="sentenced")
    [k] = load(app, kashgar)
    many = load(app, *[full_report(str(i)) for i in range(51)])
    before = audit_head(app)

    page = client.get("/review/inbox")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "52 report(s); page 1 of 2" in html and "SENTINEL" not in html
    assert html.count('href="/review/reports/R-') == 50
    nxt = re.search(r'href="([^"]*page=2[^"]*)" rel="next"', html).group(1)
    second = client.get(nxt.replace("&amp;", "&")).get_data(as_text=True)
    assert second.count('href="/review/reports/R-') == 2 and 'rel="prev"' in second

    filtered = client.get("/review/inbox?county=653101").get_data(as_text=True)
    assert f">{k}<" in filtered and "1 report(s)" in filtered
    assert "1 report(s)" in client.get("/review/inbox?status=sentenced").get_data(as_text=True)
    assert "0 report(s)" in client.get("/review/inbox?verification=documented").get_data(as_text=True)
    bad = client.get("/review/inbox?county=Kashgar").get_data(as_text=True)
    assert "six digits" in bad and many[0] not in bad
    assert audit_entries(app, before) == []  # listing reads nothing sealed, so nothing to audit


def test_report_page_decrypts_and_audits_exactly_one_entry(app, reviewer):
    client, user = reviewer
    report = full_report("view")
    [handle] = load(app, report)
    before = audit_head(app)
    page = client.get(f"/review/reports/{handle}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for name in report.names:
        assert name["value"] in html
    assert report.testimony in html and report.id_number in html
    entries = audit_entries(app, before)
    assert len(entries) == 1 and entries[0][:2] == ("report.view", "report")
    # Every field has a label.
    for field_id in re.findall(r'<(?:input|select|textarea)[^>]* id="([^"]+)"', html):
        if not field_id.endswith("csrf_token") and not field_id.endswith("submit"):
            assert f'for="{field_id}"' in html, field_id
    assert "<script" not in html


CHANGES = [
    ("verification", "verification", {"verification-level": "corroborated"}, "report.verification"),
    ("status-events", "event", {"event-kind": "sentenced", "event-event_date": "2019-05",
                                "event-sentence": "15 years", "event-source": "court paper"}, "report.status_event"),
    ("tags", "tag", {"tag-name": "urgent"}, "report.tag_add"),
    ("notes", "note", {"note-body": "check with the Almaty group"}, "report.note"),
    ("reply", "reply", {"reply-body": "When did you last hear from him?", "reply-question": "y"}, "message.reply"),
    ("submission-status", "family-status", {"family-status-status": "in_review"}, "submission.status"),
    ("person", "link", {"link-person": "", "link-reason": "first report of him"}, "person.link"),
]


def test_every_change_through_the_web_is_one_audit_entry(app, reviewer, make_user):
    client, user = reviewer
    colleague = make_user("reviewer", username="berik")
    [handle] = load(app, full_report("change"))
    for path, prefix, data, action in [*CHANGES, ("assignment", "assign", {"assign-assignee": str(colleague.id)},
                                                  "report.assign")]:
        page = client.get(f"/review/reports/{handle}")
        before = audit_head(app)
        response = client.post(f"/review/reports/{handle}/{path}",
                               data={f"{prefix}-csrf_token": form_token(page.data, prefix), **data})
        assert response.status_code == 302, (path, response.get_data(as_text=True)[:300])
        entries = audit_entries(app, before)
        assert [e[0] for e in entries] == [action], path
        assert "Almaty" not in repr(entries) and "15 years" not in repr(entries)
    page = client.get(f"/review/reports/{handle}")
    before = audit_head(app)
    response = client.post(f"/review/reports/{handle}/tags/urgent/remove",
                           data={"untag-urgent-csrf_token": form_token(page.data, "untag-urgent")})
    assert response.status_code == 302 and [e[0] for e in audit_entries(app, before)] == ["report.tag_remove"]

    html = client.get(f"/review/reports/{handle}").get_data(as_text=True)
    assert "check with the Almaty group" in html and "When did you last hear from him?" in html
    assert "15 years" in html and "court paper" in html
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        assert (report.verification, report.status, report.assigned_to_id) == ("corroborated", "sentenced",
                                                                              colleague.id)
        assert report.person_id is not None
        assert db.session.get(Submission, report.submission_id).status == "in_review"
        assert db.session.scalars(select(StatusEvent.recorded_by_id)).all() == [user.id]


def test_changes_without_a_csrf_token_are_refused_and_leave_nothing(app, reviewer):
    client, _ = reviewer
    [handle] = load(app, full_report())
    before = audit_head(app)
    response = client.post(f"/review/reports/{handle}/notes", data={"note-body": "forged"})
    assert response.status_code == 400
    assert audit_entries(app, before) == []


def test_invalid_input_is_explained_and_changes_nothing(app, reviewer):
    client, _ = reviewer
    [handle] = load(app, full_report())
    page = client.get(f"/review/reports/{handle}")
    before = audit_head(app)
    response = client.post(f"/review/reports/{handle}/status-events", data={
        "event-csrf_token": form_token(page.data, "event"), "event-kind": "released",
        "event-event_date": "2017-13", "event-source": "cousin"}, follow_redirects=False)
    assert response.status_code == 302 and audit_entries(app, before) == []
    shown = client.get(response.location).get_data(as_text=True)
    assert "year-month or full date" in shown


def any_csrf_token(client) -> str:
    """A valid CSRF token for this client's session, so a refusal is the role gate's and not CSRF's."""
    page = client.get("/review/sign-in", follow_redirects=True)
    return csrf_token(page.data)


@pytest.mark.parametrize("role", ["researcher", None])
def test_researchers_and_anonymous_clients_are_refused(app, make_user, sign_in, role):
    [handle] = load(app, full_report())
    client = app.test_client()
    if role:
        sign_in(client, make_user(role))
    token = any_csrf_token(client)
    before = audit_head(app)
    for method, url in (("get", "/review/inbox"), ("get", f"/review/reports/{handle}"),
                        ("post", f"/review/reports/{handle}/notes"), ("post", f"/review/reports/{handle}/person"),
                        ("post", f"/review/reports/{handle}/verification")):
        data = {"csrf_token": token, "note-body": "x", "link-reason": "x", "verification-level": "documented"}
        response = client.post(url, data=data) if method == "post" else client.get(url)
        if role:
            assert response.status_code == 403, url
        else:
            assert response.status_code == 302 and "/review/sign-in" in response.location, url
        assert "SENTINEL" not in response.get_data(as_text=True)
    assert audit_entries(app, before) == []


def test_locked_keys_show_no_content(app, reviewer):
    client, user = reviewer
    report = full_report("locked")
    [handle] = load(app, report)
    with app.app_context():
        person = persons.link_report(db.session, get_vault(), handle, None, reason="r", actor=user.id).person_handle
    token = form_token(client.get(f"/review/reports/{handle}").data, "note")
    app.config["INTAKE_KEY_PASSPHRASE"] = ""
    reset_vault(app)
    before = audit_head(app)
    for url in (f"/review/reports/{handle}", f"/review/persons/{person}"):
        page = client.get(url)
        html = page.get_data(as_text=True)
        assert page.status_code == 503 and "locked" in html, url
        assert "SENTINEL" not in html and report.testimony not in html, url
    response = client.post(f"/review/reports/{handle}/notes", data={"note-csrf_token": token, "note-body": "x"})
    assert response.status_code == 503
    inbox = client.get("/review/inbox").get_data(as_text=True)
    assert "locked" in inbox and handle in inbox and "SENTINEL" not in inbox
    assert audit_entries(app, before) == []


@pytest.mark.parametrize("page", ["999999999999999999999", "-3", "abc", "²", "0", "12345678"])
def test_an_absurd_inbox_page_number_never_answers_500(app, reviewer, page):
    client, _ = reviewer
    load(app, full_report("p"))
    response = client.get(f"/review/inbox?page={page}")
    assert response.status_code == 200

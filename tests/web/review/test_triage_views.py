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


def rows_of(html: str) -> list[str]:
    return re.findall(r'class="handle" href="/review/reports/(R-[^"?]+)', html)


def test_inbox_newest_first_keyset_pages_names_and_one_audit_entry_per_view(app, reviewer):
    client, _ = reviewer
    kashgar = dataclasses.replace(full_report("k"), home_county="653101", status="sentenced")
    [k] = load(app, kashgar)
    many = load(app, *[full_report(str(i)) for i in range(51)])
    before = audit_head(app)

    page = client.get("/review/inbox?rows=50")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    first = rows_of(html)
    assert len(first) == 50 and first[0] == many[-1] and k not in first  # newest (last taken in) first
    assert "ئابدۇرېھىم" in html and "name-ug-50" in html  # names decrypted for the page shown
    assert "SENTINEL-testimony" not in html and "idnumber" not in html  # nothing else
    entries = audit_entries(app, before)
    assert entries == [("inbox.view", None, {"reports": 50})]  # one entry, a count, never a name
    older = re.search(r'href="([^"]*older=[^"]*)" rel="next"', html).group(1).replace("&amp;", "&")
    assert "rows=50" in older  # the number of rows travels with the cursor
    second = client.get(older).get_data(as_text=True)
    assert rows_of(second) == [many[0], k] and 'rel="prev"' in second and 'rel="next"' not in second
    last = client.get("/review/inbox?last=1&rows=50").get_data(as_text=True)
    assert rows_of(last)[-2:] == [many[0], k] and len(rows_of(last)) == 50  # the oldest page, straight away
    newer = re.search(r'href="([^"]*newer=[^"]*)" rel="prev"', second).group(1).replace("&amp;", "&")
    assert rows_of(client.get(newer).get_data(as_text=True)) == first
    assert rows_of(client.get("/review/inbox?older=garbage&rows=50").get_data(as_text=True)) == first

    # 25 rows unless asked otherwise; 100 holds all 52; a number not on offer is the default, not an error.
    default = client.get("/review/inbox").get_data(as_text=True)
    assert rows_of(default) == first[:25] and "rows=" not in default.partition('class="pager"')[2].partition("</nav>")[0]
    assert rows_of(client.get("/review/inbox?rows=100").get_data(as_text=True)) == [*first, many[0], k]
    for odd in ("7", "1000", "-1", "abc", "50.0", ""):
        assert rows_of(client.get("/review/inbox", query_string={"rows": odd}).get_data(as_text=True)) == first[:25]
    sizes = re.search(r'<nav aria-label="Rows per page" class="page-size">(.*?)</nav>', html, re.S).group(1)
    assert re.findall(r'href="([^"]*)"(?: aria-current="true")?>', sizes) == [
        "/review/inbox", "/review/inbox?rows=50", "/review/inbox?rows=100"]
    assert 'href="/review/inbox?rows=50" aria-current="true"' in sizes
    assert 'aria-current="page">All reports' in html  # a number of rows is not a filter
    assert '<input type="hidden" name="rows" value="50">' in html  # filtering keeps it
    assert 'name="rows"' not in default
    assert f'href="/review/reports/{first[0]}?rows=50"' in html  # the report page keeps it for its way back
    filtered = client.get("/review/inbox?verification=reported&rows=100").get_data(as_text=True)
    assert 'href="/review/inbox?verification=reported&amp;rows=50"' in filtered  # filters kept, another size

    for county in ("653101", "Kashgar City", "قەشقەر شەھىرى", "喀什市", "kashi shi"):
        filtered = client.get("/review/inbox", query_string={"county": county}).get_data(as_text=True)
        assert rows_of(filtered) == [k], county
        assert "Kashgar City" in filtered and "قەشقەر شەھىرى" in filtered  # the county by name, not its code
    assert rows_of(client.get("/review/inbox?status=sentenced").get_data(as_text=True)) == [k]
    assert rows_of(client.get("/review/inbox?verification=documented").get_data(as_text=True)) == []
    bad = client.get("/review/inbox?county=Atlantis")
    assert bad.status_code == 200 and "No county" in bad.get_data(as_text=True) and not rows_of(bad.get_data(as_text=True))
    [q] = load(app, dataclasses.replace(full_report("q"), home_county="654004"))  # a second county, asked in turn
    for code, only in (("654004", q), ("653101", k), ("654004", q)):
        assert rows_of(client.get(f"/review/inbox?county={code}").get_data(as_text=True)) == [only], code


def test_inbox_saved_views_and_labels(app, reviewer, make_user, sign_in):
    client, user = reviewer
    [mine, other] = load(app, full_report("m"), full_report("o"))
    page = client.get(f"/review/reports/{mine}")
    client.post(f"/review/reports/{mine}/assignment", data={"assign-csrf_token": form_token(page.data, "assign"),
                                                             "assign-assignee": str(user.id)})
    html = client.get("/review/inbox?view=mine").get_data(as_text=True)
    assert rows_of(html) == [mine] and 'aria-current="page">Assigned to me' in html
    # The same query from a colleague is theirs (the filter bar is kept per query, not per reviewer).
    colleague = app.test_client()
    sign_in(colleague, make_user("reviewer", username="berik"))
    assert rows_of(colleague.get("/review/inbox?view=mine").get_data(as_text=True)) == []
    assert rows_of(client.get("/review/inbox?view=mine").get_data(as_text=True)) == [mine]
    assert rows_of(client.get("/review/inbox?view=unassigned").get_data(as_text=True)) == [other]
    assert rows_of(client.get("/review/inbox?view=needs-information").get_data(as_text=True)) == []
    assert "Reported (not verified)" in html and ">reported<" not in html  # a label, not the code


def test_inbox_bulk_assign_and_tag_all_or_nothing(app, reviewer, make_user):
    client, user = reviewer
    colleague = make_user("reviewer", username="berik")
    handles = load(app, *[full_report(f"b{i}") for i in range(3)])
    html = client.get("/review/inbox").data
    token = form_token(html, "bulk")
    before = audit_head(app)
    done = client.post("/review/inbox/bulk", data={"bulk-csrf_token": token, "report": handles[:2],
                                                   "bulk-assignee": str(colleague.id), "bulk-assign": "y",
                                                   "next": "/review/inbox?view=mine"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/review/inbox?view=mine#main")
    assert [e[0] for e in audit_entries(app, before)] == ["report.assign", "report.assign"]
    before = audit_head(app)
    client.post("/review/inbox/bulk", data={"bulk-csrf_token": token, "report": handles, "bulk-tag": "urgent",
                                            "bulk-add_tag": "y"})
    assert [e[0] for e in audit_entries(app, before)] == ["report.tag_add"] * 3
    tagged = client.get("/review/inbox?tag=urgent").get_data(as_text=True)
    assert sorted(rows_of(tagged)) == sorted(handles)
    before = audit_head(app)
    refused = client.post("/review/inbox/bulk", data={"bulk-csrf_token": token, "report": [handles[0], "R-NOPE"],
                                                      "bulk-tag": "later", "bulk-add_tag": "y",
                                                      "next": "https://elsewhere.example/"})
    # The inbox drawn again (its own, never elsewhere), with why.
    assert refused.status_code == 422 and 'name="next" value="/review/inbox"' in refused.get_data(as_text=True)
    assert [e[0] for e in audit_entries(app, before)] == ["inbox.view"]  # nothing partially stored
    assert "do not exist" in refused.get_data(as_text=True)
    before = audit_head(app)
    assert client.post("/review/inbox/bulk", data={"report": handles}).status_code == 400  # no CSRF: refused
    assert audit_entries(app, before) == []


def test_report_page_previous_and_next_follow_the_inbox_filters(app, reviewer):
    client, _ = reviewer
    a, b, c = load(app, full_report("p1"), full_report("p2"), full_report("p3"))
    html = client.get(f"/review/reports/{b}").get_data(as_text=True)
    assert re.search(rf'href="/review/reports/{c}"[^>]*rel="prev"', html)
    assert re.search(rf'href="/review/reports/{a}"[^>]*rel="next"', html)
    first = client.get(f"/review/reports/{c}").get_data(as_text=True)
    assert 'rel="prev"' not in first


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
    for tag, field_id in re.findall(r'(<(?:input|select|textarea)[^>]* id="([^"]+)"[^>]*>)', html):
        if 'type="hidden"' not in tag and not field_id.endswith("submit"):
            assert f'for="{field_id}"' in html, field_id
    assert all(' src="/static/' in tag for tag in re.findall(r"<script[^>]*>", html))  # no inline script
    # Decrypted testimony never goes to a browser's cloud translation (see the public pages' test).
    assert '<meta name="google" content="notranslate">' in html and '<body translate="no">' in html


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
        "event-event_date": "2017-13", "event-source": "what the cousin wrote"}, follow_redirects=False)
    # The page again, not a redirect: what the reviewer typed is still in the form, open, with why.
    assert response.status_code == 422
    assert [e[0] for e in audit_entries(app, before)] == ["report.view"]  # the page shown; no change
    shown = response.get_data(as_text=True)
    assert "year-month or full date" in shown
    assert re.search(r'<details id="act-status" tabindex="-1" open>', shown)
    assert 'value="2017-13"' in shown and "what the cousin wrote</textarea>" in shown
    assert re.search(r'action="/review/reports/[^"#]+/status-events#act-status"', shown)


def test_a_refused_action_keeps_what_was_typed(app, reviewer):
    """A tag the service refuses, and a link to a person handle that names no one: the page comes back
    with the typed text in the open form and the reason (never a redirect that drops it, nor a 404)."""
    client, _ = reviewer
    [handle] = load(app, full_report())
    page = client.get(f"/review/reports/{handle}")
    response = client.post(f"/review/reports/{handle}/tags", data={
        "tag-csrf_token": form_token(page.data, "tag"), "tag-name": "Needs Translation"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and 'value="Needs Translation"' in html
    assert '<details id="act-tags" tabindex="-1" open>' in html and "lower-case letters" in html
    response = client.post(f"/review/reports/{handle}/person", data={
        "link-csrf_token": form_token(page.data, "link"), "link-person": "P-00000-00000",
        "link-reason": "same father's name in both"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422, html[:300]
    assert "no such person" in html and '<details id="act-link" tabindex="-1" open>' in html
    assert 'value="P-00000-00000"' in html and "same father&#39;s name in both</textarea>" in html
    with app.app_context():
        report = db.session.scalar(select(Report).where(Report.handle == handle))
        assert report.person_id is None


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


def test_saved_views_are_a_reviewers_own(app, reviewer, make_user, sign_in):
    client, _ = reviewer
    [k] = load(app, dataclasses.replace(full_report("sv"), home_county="653101"))
    load(app, full_report("other"))
    html = client.get("/review/inbox?county=喀什市&status=detained").data
    saved = client.post("/review/inbox/views", data={
        "save-view-csrf_token": form_token(html, "save-view"), "save-view-name": "Kashgar, detained",
        "next": "/review/inbox?county=喀什市&status=detained"})
    assert saved.status_code == 302
    page = client.get("/review/inbox").get_data(as_text=True)
    link = re.search(r'href="(/review/inbox\?[^"]+)">Kashgar, detained</a>', page).group(1).replace("&amp;", "&")
    assert rows_of(client.get(link).get_data(as_text=True)) == [k]
    again = client.post("/review/inbox/views", data={
        "save-view-csrf_token": form_token(html, "save-view"), "save-view-name": "Kashgar, detained",
        "next": "/review/inbox?county=喀什市"})
    assert again.status_code == 302
    assert "already have a saved view" in client.get("/review/inbox").get_data(as_text=True)
    assert 'name="save-view-name"' not in client.get("/review/inbox?rows=100").get_data(as_text=True)
    alone = client.post("/review/inbox/views", data={  # a number of rows alone is no view
        "save-view-csrf_token": form_token(html, "save-view"), "save-view-name": "Long", "next": "/review/inbox?rows=100"})
    assert alone.status_code == 302 and "choose some filters first" in client.get("/review/inbox").get_data(as_text=True)
    client.post("/review/inbox/views", data={
        "save-view-csrf_token": form_token(html, "save-view"), "save-view-name": "Kashgar, long",
        "next": "/review/inbox?county=喀什市&rows=100&rows=50"})
    page = client.get("/review/inbox").get_data(as_text=True)
    assert re.search(r'href="/review/inbox\?county=[^"]+&amp;rows=100">Kashgar, long</a>', page)  # kept with it

    other = app.test_client()
    sign_in(other, make_user("reviewer", username="berik"))
    assert "Kashgar, detained" not in other.get("/review/inbox").get_data(as_text=True)
    view_id = re.search(r'/review/inbox/views/([0-9a-f-]+)/delete', page).group(1)
    token = form_token(other.get("/review/inbox").data, "bulk")
    refused = other.post(f"/review/inbox/views/{view_id}/delete", data={f"delete-view-{view_id}-csrf_token": token})
    assert refused.status_code == 404  # not theirs
    deleted = client.post(f"/review/inbox/views/{view_id}/delete",
                          data={f"delete-view-{view_id}-csrf_token": form_token(page.encode(), f"delete-view-{view_id}")})
    assert deleted.status_code == 302 and "Kashgar, detained" not in client.get("/review/inbox").get_data(as_text=True)


def test_the_inbox_counts_submissions_not_taken_in_with_rows_or_without(app, reviewer):
    """The count comes with the page's rows; a page without rows asks for it alone."""
    client, _ = reviewer
    submit(app, full_report("waiting"))  # not taken in
    empty = client.get("/review/inbox").get_data(as_text=True)
    assert not rows_of(empty) and '<bdi dir="ltr">1</bdi> submission not taken in yet' in empty
    [k] = load(app, full_report("in"))  # takes in both
    submit(app, full_report("w1"))
    submit(app, full_report("w2"))
    page = client.get("/review/inbox").get_data(as_text=True)
    assert len(rows_of(page)) == 2 and '<bdi dir="ltr">2</bdi> submissions not taken in yet' in page

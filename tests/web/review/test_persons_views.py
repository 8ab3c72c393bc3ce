"""Person pages through the web: link, merge, split and undo by POSTed forms (CSRF read from the page);
the person page decrypts every linked report and audits each; refused undo explains itself."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from intake.extensions import db
from intake.models import Person, PersonLinkEvent, Report
from intake.services import persons
from tests.helpers import full_report
from tests.web.review.test_triage_views import any_csrf_token, audit_entries, audit_head, form_token, load


@pytest.fixture
def reviewer(app, make_user, sign_in):
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    return client


def post(client, page_url, action_url, prefix, **data):
    """POST the form `prefix` of a page; returns the response and the audit actions of the POST alone."""
    app = client.application
    page = client.get(page_url)
    before = audit_head(app)
    response = client.post(action_url, data={f"{prefix}-csrf_token": form_token(page.data, prefix),
                                             **{f"{prefix}-{k}": v for k, v in data.items()}})
    return response, [e[0] for e in audit_entries(app, before)]


def person_of(app, handle):
    with app.app_context():
        return db.session.scalar(select(Person.handle).join(Report, Report.person_id == Person.id)
                                 .where(Report.handle == handle))


def link(client, handle, person="", reason="same ID number"):
    url = f"/review/reports/{handle}"
    response, actions = post(client, url, f"{url}/person", "link", person=person, reason=reason)
    assert response.status_code == 302 and actions == ["person.link"]


def test_link_merge_split_undo_through_the_pages(app, reviewer):
    a, b, c = load(app, full_report("a"), full_report("b"), full_report("c"))
    link(reviewer, a)
    pa = person_of(app, a)
    link(reviewer, b, person=pa.lower())  # handles are accepted in any case
    link(reviewer, c)
    pc = person_of(app, c)
    assert person_of(app, b) == pa and pc != pa

    before = audit_head(app)
    page = reviewer.get(f"/review/persons/{pa}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "SENTINEL-testimony-a" in html and "SENTINEL-testimony-b" in html
    assert [e[0] for e in audit_entries(app, before)] == ["person.view", "report.view", "report.view"]

    response, actions = post(reviewer, f"/review/persons/{pa}", f"/review/persons/{pa}/merge", "merge", other=pc,
                             reason="same birth date and facility")
    assert response.status_code == 302 and actions == ["person.merge"]
    assert person_of(app, c) == pa

    response, actions = post(reviewer, f"/review/persons/{pa}", f"/review/persons/{pa}/split/{a}", f"split-{a}",
                             reason="different father's name")
    assert response.status_code == 302 and actions == ["person.split"]
    assert person_of(app, a) != pa

    # Undo the merge while the split is still there: allowed, the split touched another report.
    with app.app_context():
        merge_batch = db.session.scalar(select(PersonLinkEvent.batch_id).where(
            PersonLinkEvent.report_id == db.session.scalar(select(Report.id).where(Report.handle == c)))
            .order_by(PersonLinkEvent.occurred_at.desc()).limit(1))
        rows_before = db.session.scalar(select(func.count()).select_from(PersonLinkEvent))
    response, actions = post(reviewer, f"/review/persons/{pa}", f"/review/persons/{pa}/undo/{merge_batch}",
                             f"undo-{merge_batch}", reason="wrong facility")
    assert response.status_code == 302 and actions == ["person.undo"]
    assert person_of(app, c) == pc and person_of(app, b) == pa
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(PersonLinkEvent)) == rows_before + 2
        assert persons.inconsistent_reports(db.session) == []


def test_a_refused_undo_says_why_and_changes_nothing(app, reviewer):
    a, b = load(app, full_report("a"), full_report("b"))
    link(reviewer, a)
    link(reviewer, b)
    pa, pb = person_of(app, a), person_of(app, b)
    assert post(reviewer, f"/review/persons/{pa}", f"/review/persons/{pa}/merge", "merge", other=pb,
                reason="same")[1] == ["person.merge"]
    with app.app_context():
        merge_batch = db.session.scalar(select(PersonLinkEvent.batch_id).order_by(
            PersonLinkEvent.occurred_at.desc()).limit(1))
    assert post(reviewer, f"/review/persons/{pa}", f"/review/persons/{pa}/split/{b}", f"split-{b}",
                reason="not same")[1] == ["person.split"]
    page = reviewer.get(f"/review/persons/{pa}").get_data(as_text=True)
    assert "Cannot be undone now" in page and f"moved <bdi>{b}</bdi>" in page
    # Forged straight at the endpoint anyway (token from another form of the page): refused, explained.
    token = re.search(r'name="merge-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    before = audit_head(app)
    response = reviewer.post(f"/review/persons/{pa}/undo/{merge_batch}",
                             data={f"undo-{merge_batch}-csrf_token": token, f"undo-{merge_batch}-reason": "x"})
    assert response.status_code == 302 and audit_entries(app, before) == []
    assert "undo that later change first" in reviewer.get(response.location).get_data(as_text=True)


def test_a_mistyped_merge_handle_keeps_what_was_typed(app, reviewer):
    """Merging from a handle that names no one: the person page again (422), the handle and the reason
    still in the merge form with why, and nothing merged."""
    [a] = load(app, full_report())
    link(reviewer, a)
    pa = person_of(app, a)
    response, actions = post(reviewer, f"/review/persons/{pa}", f"/review/persons/{pa}/merge", "merge",
                             other="P-00000-00000", reason="the same mother named in both")
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "person.merge" not in actions
    assert "no such person" in html and 'value="P-00000-00000"' in html
    assert "the same mother named in both</textarea>" in html
    assert f'action="/review/persons/{pa}/merge#merge"' in html


def test_unknown_person_is_404_and_researchers_are_refused(app, reviewer, make_user, sign_in):
    assert reviewer.get("/review/persons/P-00000-00000").status_code == 404
    [a] = load(app, full_report())
    link(reviewer, a)
    pa = person_of(app, a)
    researcher, anonymous = app.test_client(), app.test_client()
    sign_in(researcher, make_user("researcher"))
    tokens = {researcher: any_csrf_token(researcher), anonymous: any_csrf_token(anonymous)}
    before = audit_head(app)
    for method, url in (("get", f"/review/persons/{pa}"), ("post", f"/review/persons/{pa}/merge"),
                        ("post", f"/review/reports/{a}/person")):
        for client, refused in ((researcher, 403), (anonymous, 302)):
            data = {"csrf_token": tokens[client], "merge-other": pa, "merge-reason": "x", "link-reason": "x"}
            response = client.post(url, data=data) if method == "post" else client.get(url)
            assert response.status_code == refused and "SENTINEL" not in response.get_data(as_text=True), url
            if refused == 302:
                assert "/review/sign-in" in response.location
    assert audit_entries(app, before) == []


def test_the_person_pages_comparison_is_in_the_readers_language(app, reviewer):
    """Its words were drawn in Python inside f-strings, where extraction does not look: English on
    every page ("differs", "Split out", the caption)."""
    a, b = load(app, full_report("ua"), full_report("ub"))
    link(reviewer, a)
    link(reviewer, b, person_of(app, a))
    html = reviewer.get(f"/review/persons/{person_of(app, a)}?lang=ug").get_data(as_text=True)
    for english in ("(differs)", "Split out", "Reports of this person, field by field"):
        assert english not in html, english
    assert "پەرقلىق" in html and "ئايرىۋېتىش" in html
    empty = reviewer.get("/review/inbox?tag=nothing-tagged&lang=ug").get_data(as_text=True)
    assert "No reports match." not in empty and "ماس كېلىدىغان مەلۇمات يوق." in empty

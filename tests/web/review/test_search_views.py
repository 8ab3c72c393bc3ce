"""Search through the blind indexes: by ID number and by a differently written name, POST only,
audited with the index and the count and never the query."""

from __future__ import annotations

import dataclasses

import pytest

from intake.keyring import reset_vault
from tests.helpers import full_report
from tests.web.review.test_triage_views import any_csrf_token, audit_entries, audit_head, form_token, load

ID_NUMBER = "11010519491231002X"  # a valid resident ID number (check digit X)


@pytest.fixture
def reviewer(app, make_user, sign_in):
    client = app.test_client()
    sign_in(client, make_user("reviewer"))
    return client


def search(client, index, value):
    page = client.get("/review/search")
    assert page.status_code == 200
    return client.post("/review/search", data={"search-csrf_token": form_token(page.data, "search"),
                                               "search-index": index, "search-value": value})


def test_search_by_id_number_and_by_name_finds_the_report(app, reviewer):
    wanted = dataclasses.replace(full_report("w"), id_number=ID_NUMBER,
                                 names=[{"value": "Abdurehim Tursun", "script": "Latn"}])
    [handle] = load(app, wanted)
    [other] = load(app, full_report("o"))
    for index, value in (("id_number", "110105 19491231 002x"), ("name", "ABDU-REHIM tursun")):
        before = audit_head(app)
        response = search(reviewer, index, value)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and handle in html and other not in html, index
        assert "Abdurehim Tursun" in html  # names (and county), decrypted for the results
        assert "Abdurehim Tursun</bdi> <span class=\"script\">(" in html  # each name with its script named
        assert "SENTINEL-testimony" not in html and "idnumber" not in html  # and nothing else
        assert audit_entries(app, before) == [("search", "blind_index", {"index": index, "results": 1})]
    before = audit_head(app)
    html = search(reviewer, "name", "Nobody Known").get_data(as_text=True)
    assert '<bdi dir="ltr">0</bdi> reports found' in html
    assert audit_entries(app, before) == [("search", "blind_index", {"index": "name", "results": 0})]


def test_a_query_in_the_url_is_ignored_and_researchers_are_refused(app, reviewer, make_user, sign_in):
    [handle] = load(app, dataclasses.replace(full_report(), id_number=ID_NUMBER))
    before = audit_head(app)
    assert handle not in reviewer.get(f"/review/search?index=id_number&value={ID_NUMBER}").get_data(as_text=True)
    assert audit_entries(app, before) == []
    researcher = app.test_client()
    sign_in(researcher, make_user("researcher"))
    assert researcher.get("/review/search").status_code == 403
    response = researcher.post("/review/search", data={"csrf_token": any_csrf_token(researcher),
                                                       "search-index": "id_number", "search-value": ID_NUMBER})
    assert response.status_code == 403
    anonymous = app.test_client().get("/review/search")
    assert anonymous.status_code == 302 and "/review/sign-in" in anonymous.location


def test_search_says_locked_when_the_keys_are(app, reviewer):
    load(app, full_report())
    app.config["INTAKE_KEY_PASSPHRASE"] = ""
    reset_vault(app)
    page = reviewer.get("/review/search")
    assert page.status_code == 503 and "locked" in page.get_data(as_text=True)


def test_search_by_county_and_birth_year(app, reviewer):
    wanted = dataclasses.replace(full_report("cy"), home_county="653101", birth_date="1984-06")
    [handle] = load(app, wanted)
    [other_year] = load(app, dataclasses.replace(full_report("y"), home_county="653101", birth_date="1990"))
    for county in ("Kashgar City", "喀什市", "قەشقەر شەھىرى"):
        page = reviewer.get("/review/search")
        before = audit_head(app)
        html = reviewer.post("/review/search", data={
            "search-csrf_token": form_token(page.data, "search"), "search-index": "county_birth_year",
            "search-county": county, "search-birth_year": "1984"}).get_data(as_text=True)
        assert handle in html and other_year not in html and "ئابدۇرېھىم" in html, county
        assert '<span lang="en">Kashgar City</span>' in html  # the county by its names
        assert audit_entries(app, before) == [("search", "blind_index", {"index": "county_birth_year", "results": 1})]
    page = reviewer.get("/review/search")
    html = reviewer.post("/review/search", data={
        "search-csrf_token": form_token(page.data, "search"), "search-index": "county_birth_year",
        "search-county": "Atlantis", "search-birth_year": "1984"}).get_data(as_text=True)
    assert "Give a county" in html and handle not in html

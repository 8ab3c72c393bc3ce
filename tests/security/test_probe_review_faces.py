r"""What the third outside probe found on the review and admin faces, each through the web client.

- The import page's hidden column count was checked with str.isdigit(), which accepts a superscript
  two that int() refuses: a 500 for the admin instead of "upload the file again". The same test
  on `flask import --map` gave a traceback.
- A status event's date was checked with a regular expression whose \d takes any script's digits:
  "2017-04-1٢" was stored, and event dates are compared as text.
- The review pages' language links (and the audit page's Newer/Older) handed the query string to
  url_for as keyword arguments: `?handle=x` and `?_method=POST` were a 500, `?_external=1` made
  absolute links from the Host header.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select
from werkzeug.test import encode_multipart

from intake.extensions import db
from intake.models import StatusEvent
from tests.helpers import full_report
from tests.unit.imports.test_store import csv_bytes
from tests.web.admin.test_imports_page import carried, stored, upload
from tests.web.review.test_corrections_and_files import post_form
from tests.web.review.test_triage_views import load
from tests.web_fixtures import csrf_token


def signed_in(app, make_user, sign_in, role: str):  # noqa: ANN001, ANN201
    client = app.test_client()
    sign_in(client, make_user(role))
    return client


@pytest.fixture
def admin_client(app, make_user, sign_in):  # noqa: ANN001, ANN201
    return signed_in(app, make_user, sign_in, "admin")


# Other scripts' digits (isdigit() accepts them, int() refuses "²"), and thousands of digits (int()
# refuses more than 4,300: test_probe_round4).
@pytest.mark.parametrize("count", ["\u00b2", "\u0662", "\uff12", "1" * 5000])
def test_a_column_count_in_other_digits_asks_for_the_file_again(app, admin_client, count):
    plan = upload(admin_client, csv_bytes()).get_data(as_text=True)
    boundary, body = encode_multipart({"csrf_token": csrf_token(plan), "carried": carried(plan), "encoding": "",
                                       "sheet": "", "dates": "", "columns": count, "action": "check"})
    answer = admin_client.post("/admin/imports/confirm", data=body,
                               content_type=f"multipart/form-data; boundary={boundary}")
    assert answer.status_code == 400
    assert "The form was changed on the way: upload the file again." in answer.get_data(as_text=True)
    assert stored(app) == 0


def test_a_column_number_in_superscript_digits_is_a_plain_refusal_from_the_command_line(review_app, tmp_path):
    """`flask import --map ²=name`: isdigit() accepted it and int() raised (a traceback, exit 1)."""
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes())
    result = review_app.test_cli_runner().invoke(args=["import", str(path), "--source", "Friends",
                                                       "--map", "\u00b2=name"])
    assert result.exit_code == 2 and "no column is called" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def reviewer(app, make_user, sign_in):  # noqa: ANN001, ANN201
    return signed_in(app, make_user, sign_in, "reviewer")


@pytest.mark.parametrize("when", ["2017-04-1\u0662", "\u0662\u0660\u0661\u0667", "2017-0\u0664"])
def test_a_status_event_dated_in_other_digits_is_refused(app, reviewer, when):
    """The date check's \\d took any script's digits: "2017-04-1٢" was stored, and dates are compared
    as text, so it sorted after every day of April in the timeline and in which status is newest."""
    [handle] = load(app, full_report("digits"))
    answer = post_form(reviewer, handle, "status-events", "event",
                       {"event-kind": "released", "event-event_date": when, "event-source": "probe"})
    assert answer.status_code == 422  # the report page again, with the form as typed
    page = answer.get_data(as_text=True)
    assert "Status event added." not in page and "the date is a year, year-month or full date" in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(StatusEvent)) == 0


@pytest.mark.parametrize("query", ["handle=x", "_method=POST", "_external=1", "_anchor=top", "_scheme=https&_external=1"])
def test_the_language_links_take_no_orders_from_the_query_string(app, reviewer, query):
    """Each review page's language links passed every query argument to url_for as a keyword:
    `?handle=x` on a report page and `?_method=POST` anywhere were a 500, `?_external=1` made the
    links absolute URLs built from the request's Host header, `?_anchor=` added a fragment."""
    [handle] = load(app, full_report("links"))
    for path in (f"/review/reports/{handle}", "/review/inbox", "/review/"):
        answer = reviewer.get(f"{path}?{query}")
        assert answer.status_code == 200, f"{path}?{query}"
        page = answer.get_data(as_text=True)
        links = re.findall(r'href="([^"]*(?:\?|&amp;)lang=ug[^"]*)"', page)
        assert links and all(link.startswith(path + "?") and "#" not in link for link in links), links


@pytest.mark.parametrize("query", ["_method=POST", "_external=1", "page=2&_anchor=x"])
def test_the_audit_pages_links_carry_only_its_filters(app, admin_client, make_user, query):
    """The audit page's Newer/Older links passed every query argument to url_for."""
    for _ in range(30):  # more than one page of entries
        make_user("reviewer")
    answer = admin_client.get(f"/admin/audit?{query}")
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    links = re.findall(r'href="(/admin/audit\?[^"]*)"', page) + re.findall(r'href="(http[^"]*)"', page)
    assert links and all(link.startswith("/admin/audit?") for link in links), links
    assert "#x" not in page

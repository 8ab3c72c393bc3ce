"""Every route of every face, fuzzed: hostile path arguments, query strings and form bodies.

Walks `app.url_map` of the embedded app (both faces) as an anonymous visitor, a signed-in researcher
and a signed-in reviewer, and for each rule and method lets hypothesis draw path arguments (real
handles and ids, NUL and other control characters, bidi overrides, traversal, overlong values),
query strings and form fields (the parameter names the pages use, and others), with and without a
valid CSRF token. Whatever comes in: never a server error, never a stack trace, and a marker with
markup in it never comes back unescaped. The researcher API is fuzzed by schemathesis
(tests/web/api/test_openapi.py) against its description; here it is only walked.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from intake.extensions import db
from intake.keyring import get_vault
from intake.services import take_in
from tests.helpers import full_report, submit
from tests.web_fixtures import csrf_token

MARK = "<zq\"'>"
TRACE = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "psycopg.")
SPECIAL = ["\x00", "a\x00b", "\u202e\u2066x", "../../etc/passwd", "..%2f..%2f", "%ff", "%c0%ae", "-1", "0",
           "99999999999999999999999", "1e309", "NaN", "not-a-uuid", "0000-00-00", "9999-12-31", "x" * 5000,
           "\ufeff", "\r\nSet-Cookie: a=b", MARK, " ", ""]
PARAMS = ["lang", "page", "older", "newer", "last", "view", "status", "q", "index", "county", "tag", "assignee",
          "verification", "created_from", "created_to", "actor", "action", "receipt", "news", "action", "step",
          "username", "password", "code", "confirm", "report", "level", "kind", "note", "text", "reason",
          "person", "handle", "name", "label", "selected", "remove_relative", "relatives-0-testimony"]
# Tried in every path argument of every rule, on top of what hypothesis draws.
WORST_IN_PATH = ["\x00", "%ff", "..%2f..%2fx", "x" * 3000, MARK]
ROLES = ("anonymous", "researcher", "reviewer")
GENEROUS = {name: "1000000/minute" for name in (
    "INTAKE_SUBMIT_RATE_LIMIT", "INTAKE_RECEIPT_RATE_LIMIT", "INTAKE_FOLLOW_UP_RATE_LIMIT", "INTAKE_RESHOW_RATE_LIMIT",
    "INTAKE_NOSCRIPT_CEILING", "INTAKE_SIGN_IN_LIMIT", "INTAKE_API_AUTH_FAILURE_LIMIT")}

# Invalid UTF-8 cannot be put into a str: it travels as raw percent-escapes in the URL (RAW_QUERY).
RAW_QUERY = "q=%ff%fe&lang=%c0%ae%c0%ae&page=%00"
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=30)
hostile = st.one_of(st.sampled_from(SPECIAL), text, st.integers().map(str))
fields = st.dictionaries(st.one_of(st.sampled_from(PARAMS), text.filter(bool)), hostile, max_size=5)


def path_values(rule: Any, real: dict[str, str]) -> st.SearchStrategy[dict[str, str]]:
    values: dict[str, st.SearchStrategy[str]] = {}
    for name in rule.arguments:
        converter = type(rule._converters[name]).__name__  # noqa: SLF001 - werkzeug keeps them here
        if converter == "UUIDConverter":
            values[name] = st.sampled_from([str(uuid.uuid4()), real.get(name, str(uuid.uuid4()))])
        elif converter == "PathConverter":
            values[name] = st.sampled_from(["site.css", "../../../etc/passwd", "%00", "a/../../x"])
        else:
            values[name] = st.one_of(st.sampled_from([real.get(name, "x")]), hostile.filter(lambda s: "/" not in s))
    return st.fixed_dictionaries(values)


def build(rule: Any, values: dict[str, str]) -> str:
    url = rule.rule
    for name, value in values.items():
        # "%" kept as is: "%ff" arrives as a byte that is not UTF-8, "..%2f" as an escaped slash.
        url = url.replace(f"<{name}>", quote(value, safe="%"))
        for converter in ("uuid:", "path:"):
            url = url.replace(f"<{converter}{name}>", quote(value, safe="%/" if converter == "path:" else "%"))
    return url


def assert_calm(response: Any, what: str) -> None:
    body = response.get_data(as_text=True) if response.mimetype and "text" in response.mimetype else ""
    assert response.status_code < 500, f"{response.status_code} on {what}"
    assert not any(t in body for t in TRACE), f"internals shown on {what}"
    assert MARK not in body, f"unescaped input reflected on {what}"


@pytest.fixture
def world(app, make_user, sign_in):
    app.config.update(GENEROUS)
    stored = submit(app, full_report("f"))
    with app.app_context():
        take_in.take_in(db.session, get_vault())
    clients = {"anonymous": app.test_client()}
    for role in ("researcher", "reviewer"):
        clients[role] = app.test_client()
        sign_in(clients[role], make_user(role))
    home = {"anonymous": "/review/sign-in", "researcher": "/research/", "reviewer": "/review/"}
    tokens = {role: csrf_token(client.get(home[role]).data) for role, client in clients.items()}
    target = make_user("reviewer")
    real = {"handle": stored.report_handles[0], "report_handle": stored.report_handles[0], "user_id": str(target.id)}
    return clients, tokens, real


@pytest.mark.parametrize("role", ROLES)
def test_no_route_answers_hostile_input_with_an_error_or_internals(app, world, role):
    clients, tokens, real = world
    client, token = clients[role], tokens[role]
    rules = [r for r in app.url_map.iter_rules() if r.endpoint not in ("review.sign_out", "static")]
    for rule in sorted(rules, key=lambda r: r.rule):
        for name in rule.arguments:
            for bad in WORST_IN_PATH:
                url = build(rule, {**{n: real.get(n, "x") for n in rule.arguments}, name: bad})
                assert_calm(client.get(url), f"GET {url}")
                assert_calm(client.post(url, data={"csrf_token": token}), f"POST {url}")
        for method in sorted(rule.methods & {"GET", "POST"}):

            @settings(max_examples=3, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            @given(values=path_values(rule, real), query=fields, form=fields, with_token=st.booleans(),
                   raw=st.booleans())
            def probe(values: dict[str, str], query: dict[str, str], form: dict[str, str], with_token: bool,
                      raw: bool) -> None:
                url = build(rule, values) + "?" + "&".join(filter(None, [urlencode(query), RAW_QUERY if raw else ""]))
                if method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, data={**form, **({"csrf_token": token} if with_token else {})})
                assert_calm(response, f"{method} {url} {query!r} {form!r}")

            probe()

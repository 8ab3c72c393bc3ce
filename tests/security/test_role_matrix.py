"""The role matrix: every route of every face, for every role, is refused or allowed as declared.

The test walks `app.url_map` of the embedded app (both faces), so a route added anywhere without an
entry here, or in the review blueprint's allow-list, fails it. Admin and research endpoints are
declared below and must equal their blueprints' allow-lists (widening one fails this test). Review
endpoints take their roles from the review blueprint's ALLOW, which other view modules extend; the
test checks that every review route is on it, that nothing stale is, and that only the sign-in pages
are open to anyone: researchers and anonymous visitors reach no other review page.

Then four clients (anonymous, researcher, reviewer, admin; the last three signed in through the real
pages) send GET to every GET rule and a POST with a valid CSRF token to every POST rule. Refused means
a redirect to the sign-in page, 403 or 404; allowed means none of those (404 is tolerated where the
URL carries a sample argument that names nothing) and never a server error.
"""

from __future__ import annotations

import pytest

from intake.admin.views import bp as admin_bp
from intake.research.views import bp as research_bp
from intake.review.views import ACCOUNT_ENDPOINTS
from intake.review.views import bp as review_bp
from intake.web.access import ANONYMOUS, allowed_roles
from tests.web_fixtures import csrf_token, sample_url

ROLES = ("anonymous", "researcher", "reviewer", "admin")
EVERYONE = frozenset(ROLES)
ADMINS = frozenset({"admin"})
RESEARCHERS = frozenset({"researcher", "admin"})

# Declared expectations (endpoint -> roles allowed). Review endpoints come from ALLOW (see above).
MATRIX: dict[str, frozenset[str]] = {
    "static": EVERYONE,
    "admin.users": ADMINS,
    "admin.invite": ADMINS,
    "admin.disable": ADMINS,
    "admin.enable": ADMINS,
    "admin.setup_link": ADMINS,
    "admin.audit": ADMINS,
    "admin.imports": ADMINS,
    "admin.import_upload": ADMINS,
    "admin.import_confirm": ADMINS,
    "admin.tokens": ADMINS,
    "admin.token_create": ADMINS,
    "admin.token_revoke": ADMINS,
    "research.index": RESEARCHERS,
    "research.download": RESEARCHERS,
    "research.statistics": RESEARCHERS,
    # The researcher API answers to bearer tokens only: no signed-in session opens it (401), except
    # its OpenAPI description (tests/web/api covers tokens).
    "api.openapi": EVERYONE,
    "api.exports": frozenset(),
    "api.export": frozenset(),
    "api.export_file": frozenset(),
}
PUBLIC_BLUEPRINTS = {"public"}  # the public face has no accounts: everyone, by design
SIGN_IN_PAGES = {f"review.{name}" for name in ACCOUNT_ENDPOINTS}


def expected(endpoint: str) -> frozenset[str] | None:
    if endpoint in MATRIX:
        return MATRIX[endpoint]
    blueprint = endpoint.partition(".")[0]
    if blueprint in PUBLIC_BLUEPRINTS:
        return EVERYONE
    if blueprint == "review":
        roles = allowed_roles(review_bp).get(endpoint)
        if roles is None:
            return None
        return EVERYONE if ANONYMOUS in roles else frozenset(roles)
    return None


def test_every_route_is_in_the_matrix_and_the_allow_lists_match(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    missing = sorted(e for e in endpoints if expected(e) is None)
    assert missing == [], f"routes with no declared roles (add them to the matrix or ALLOW): {missing}"
    review = {e for e in endpoints if e.startswith("review.")}
    listed = set(allowed_roles(review_bp))
    assert review - listed == set(), f"review routes missing from ALLOW: {sorted(review - listed)}"
    assert listed - review == set(), f"ALLOW names endpoints that do not exist: {sorted(listed - review)}"
    for bp in (admin_bp, research_bp):
        declared = {e: r for e, r in MATRIX.items() if e.startswith(bp.name + ".")}
        assert allowed_roles(bp) == declared, f"{bp.name}'s allow-list differs from the declared matrix"
    anonymous = {e for e in endpoints if "anonymous" in expected(e)}  # type: ignore[operator]
    assert anonymous <= SIGN_IN_PAGES | {"static", "api.openapi"} | {e for e in endpoints if e.startswith("public.")}
    for endpoint in review - SIGN_IN_PAGES:
        assert expected(endpoint) <= {"reviewer", "admin"}, f"{endpoint} opens review content to {expected(endpoint)}"


def refused(response) -> bool:
    if response.status_code in (401, 403, 404):
        return True
    return response.status_code == 302 and response.location.endswith("/review/sign-in")


@pytest.fixture
def clients(app, make_user, sign_in):
    out = {"anonymous": app.test_client()}
    for role in ("researcher", "reviewer", "admin"):
        out[role] = app.test_client()
        sign_in(out[role], make_user(role))
    home = {"anonymous": "/review/sign-in", "researcher": "/research/", "reviewer": "/review/", "admin": "/review/"}
    tokens = {role: csrf_token(client.get(home[role]).data) for role, client in out.items()}
    return out, tokens


def test_every_role_on_every_route(app, make_user, clients):
    by_role, tokens = clients
    target = make_user("reviewer")  # what admin actions act upon (never the acting admin)
    # Sign-out last: it ends the session the rest of the walk needs.
    rules = sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "review.sign_out", r.endpoint, r.rule))
    failures = []
    for rule in rules:
        roles = expected(rule.endpoint)
        url = sample_url(rule, target.id)
        for method in sorted(rule.methods & {"GET", "POST"}):
            for role in ROLES:
                data = {"csrf_token": tokens[role]} if method == "POST" else None
                response = by_role[role].open(url, method=method, data=data)
                response.close()  # static files are streamed from an open file
                outcome = f"{method} {url} as {role}: {response.status_code} {response.location or ''}"
                if response.status_code >= 500:
                    failures.append("server error: " + outcome)
                elif role not in roles:
                    if not refused(response):
                        failures.append("should be refused: " + outcome)
                elif response.status_code == 403 or (response.status_code == 404 and not rule.arguments):
                    failures.append("should be allowed: " + outcome)
                elif (response.status_code == 302 and response.location.endswith("/review/sign-in")
                      and rule.endpoint not in SIGN_IN_PAGES):
                    failures.append("should be allowed (sent to sign in): " + outcome)
    assert failures == [], "\n".join(failures)


def test_the_matrix_test_can_fail(app, clients):
    """Control: a reviewer is refused on an admin page and allowed on a review page, as refused() sees it."""
    by_role, _ = clients
    assert refused(by_role["reviewer"].get("/admin/users"))
    assert not refused(by_role["reviewer"].get("/review/"))
    assert refused(by_role["anonymous"].get("/review/"))

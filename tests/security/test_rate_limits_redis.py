"""Rate limits shared through Redis by several processes, keyed without the visitor's address."""

from __future__ import annotations

import pytest

from intake.extensions import hashed_remote_address
from tests.conftest import REDIS_URL
from tests.web.public.pages import open_status

pytestmark = pytest.mark.redis
WRONG = "1111 2222 3333 4444 5555"


@pytest.fixture
def two_processes(make_app, redis_client):
    """Two public apps (as two gunicorn workers or hosts would be) configured with one Redis."""
    settings = {"INTAKE_REDIS_URL": REDIS_URL, "INTAKE_RECEIPT_RATE_LIMIT": "3/minute"}
    return make_app("public", **settings), make_app("public", **settings)


def test_the_limit_is_shared_between_processes(two_processes):
    a, b = (app.test_client() for app in two_processes)
    assert open_status(a, WRONG).status_code == 422
    assert open_status(b, WRONG).status_code == 422
    assert open_status(a, WRONG).status_code == 422
    refused = open_status(b, WRONG)  # the fourth attempt, whichever process gets it
    assert refused.status_code == 429
    # Nothing was looked up; what was typed is held on the page (in the body only) to send again.
    assert b'name="receipt" value="' + WRONG.encode() + b'"' in refused.data


def test_redis_never_holds_the_address(two_processes, redis_client):
    app = two_processes[0]
    address = "198.51.100.23"
    open_status(app.test_client(), WRONG, environ_base={"REMOTE_ADDR": address})
    with app.test_request_context(environ_base={"REMOTE_ADDR": address}):
        hashed = hashed_remote_address()
    keys = list(redis_client.scan_iter("LIMITS:*"))
    assert any(hashed.encode() in key for key in keys), "no counter for this visitor: the test would prove nothing"
    for key in keys:
        dumped = key + (redis_client.dump(key) or b"")
        assert address.encode() not in dumped

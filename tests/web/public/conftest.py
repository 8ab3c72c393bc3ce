"""Public-face fixtures: apps with CSRF on (the test config's default).

Rate limits are raised for these apps so that tests making several requests do not trip them;
the rate-limit tests build their own apps with low limits.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

GENEROUS = {"INTAKE_SUBMIT_RATE_LIMIT": "1000/minute", "INTAKE_RECEIPT_RATE_LIMIT": "1000/minute",
            "INTAKE_FOLLOW_UP_RATE_LIMIT": "1000/minute", "INTAKE_RESHOW_RATE_LIMIT": "1000/minute",
            "INTAKE_NOSCRIPT_CEILING": "1000/minute"}


@pytest.fixture
def public_app(make_app) -> Flask:  # noqa: ANN001
    return make_app("public", **GENEROUS)


@pytest.fixture
def app(make_app) -> Flask:  # noqa: ANN001
    return make_app("both", **GENEROUS)


@pytest.fixture
def client(public_app: Flask) -> Iterator[FlaskClient]:
    with public_app.test_client() as c:
        yield c

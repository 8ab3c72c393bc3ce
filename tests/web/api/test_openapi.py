"""The OpenAPI description is honest: it names exactly the API's routes, and schemathesis, sending
generated requests (valid and invalid) to the running app, finds every answer as described."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from werkzeug.serving import make_server

from intake.api.openapi import document


def test_the_description_names_exactly_the_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule.rule)
            routes |= {(path, m.lower()) for m in rule.methods - {"HEAD", "OPTIONS"}}
    described = {(path, method) for path, item in document()["paths"].items() for method in item}
    assert routes == described
    operation_ids = {op["operationId"] for item in document()["paths"].values() for op in item.values()}
    assert len(operation_ids) == len(described)


@pytest.fixture
def live(app, api_world) -> Iterator[str]:
    app.config["INTAKE_API_AUTH_FAILURE_LIMIT"] = "100000/minute"  # schemathesis tries requests without a token
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()


def test_schemathesis_finds_every_answer_as_described(live, api_world):
    schema = schemathesis.openapi.from_url(f"{live}/api/v1/openapi.json")
    auth = api_world.headers()
    ran = []
    for result in schema.get_all_operations():
        operation = result.ok()
        fixed = {"export_id": str(api_world.released)} if "{export_id}" in operation.path else None
        variants = [(GenerationMode.POSITIVE, None), (GenerationMode.NEGATIVE, None)]
        if fixed:
            variants.append((GenerationMode.POSITIVE, fixed))
            if "{filename}" in operation.path:
                variants.append((GenerationMode.POSITIVE, {**fixed, "filename": "persons.csv"}))
        for mode, path_parameters in variants:
            @given(case=operation.as_strategy(generation_mode=mode, path_parameters=path_parameters))
            @settings(max_examples=15, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def check(case) -> None:
                response = case.call(base_url=live, headers=auth)
                case.validate_response(response, headers=auth)
                assert response.status_code < 500
                ran.append((operation.path, response.status_code))

            check()
    statuses = {status for _, status in ran}
    assert 200 in statuses and 404 in statuses  # the real export and file were reached, and unknown ones refused

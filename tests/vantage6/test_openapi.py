"""The OpenAPI document of the simulated vantage6 API: shipped in the package, current with the
route tables, served at /api/openapi.json, and checked by schemathesis against the simulator in
server mode (generated requests per operation: no server error, every status code, content type
and body as documented)."""
from __future__ import annotations

import json
import re
from importlib import resources

import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import (content_type_conformance, not_a_server_error,
                                 response_schema_conformance, status_code_conformance)

from simulator.network import Network
from simulator.vantage6.openapi import build_document
from simulator.vantage6.resources import ROUTE_TABLES
from tests.helpers import IMAGE, b64json

SHIPPED = json.loads(resources.files("simulator.vantage6").joinpath("data/openapi.json")
                     .read_text(encoding="utf-8"))
EXAMPLES = 15  # per operation; ~75 operations

# Operations where input the document allows still makes the REAL server answer 500, which the
# simulator reproduces (COVERAGE.md), so "no server error" cannot hold there:
REAL_500 = {
    # started_at/finished_at: parse_datetime fails (500) on dates such as month 13
    "PATCH /run/{id}": "datetimes of the right shape but impossible values",
    # a collaboration_id that does not exist: the real resource indexes None
    "POST /study": "collaboration_id of a missing collaboration",
}


def test_shipped_document_is_current() -> None:
    assert SHIPPED == build_document(), "run: .venv/bin/python tools/gen_openapi.py"


def test_every_route_is_documented() -> None:
    documented = {(m.upper(), p) for p, ops in SHIPPED["paths"].items() for m in ops}
    routes = {(ep.method, _openapi_path(ep.path)) for table in ROUTE_TABLES
              for ep in table.endpoints}
    assert routes == documented


def test_served_without_a_token_in_process_and_server_mode() -> None:
    net = Network()
    response = net.request("GET", "/api/openapi.json")
    assert response.status == 200
    doc = response.get_json()
    assert doc["openapi"] == "3.0.3" and doc["servers"] == [{"url": "/api"}]
    assert doc["paths"] == SHIPPED["paths"]
    server = net.serve(port=0)
    try:
        r = requests.get(server.url + "/api/openapi.json", timeout=10)
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
        assert r.json()["info"]["version"] == "4.15.2"
    finally:
        server.stop()


# ---------------------------------------------------------------------------------- schemathesis
@pytest.fixture(scope="module")
def live():
    """The demo world in server mode, with a token for each kind of caller."""
    net = Network.from_scenario("demo", nodes="manual")
    server = net.serve(port=0)
    root = net.login("root", "root")
    node = net.request("POST", "/api/token/node",
                       json={"api_key": net.node_api_key(organization=2)}).get_json()
    task = net.request("POST", "/api/task", token=net.login("john-doe", "super-secret-password!"),
                       json={"name": "t", "image": IMAGE, "collaboration_id": 1,
                             "organizations": [{"id": 2, "input": b64json({"method": "m"})}],
                             "databases": [{"label": "default"}]}).get_json()
    container = net.request("POST", "/api/token/container", token=node["access_token"],
                            json={"task_id": task["id"], "image": IMAGE}).get_json()
    tokens = {"user": root, "node": node["access_token"],
              "container": container["container_token"]}
    tokens["refresh"] = net.request("POST", "/api/token/user",
                                    json={"username": "root", "password": "root"}
                                    ).get_json()["refresh_token"]
    yield server.url + "/api", tokens
    server.stop()
    net.close()


def _openapi_path(path: str) -> str:
    return re.sub(r"<\w+:(\w+)>", r"{\1}", path)


WHO = {f"{ep.method} {_openapi_path(ep.path)}": ep.who
       for table in ROUTE_TABLES for ep in table.endpoints}
SCHEMA = schemathesis.openapi.from_dict(SHIPPED)
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_schemathesis_finds_no_server_error_or_nonconforming_answer(live, operation) -> None:
    api, tokens = live
    who = WHO[operation.label]
    if who is None:
        headers = {}
    elif who == "refresh":
        headers = {"Authorization": f"Bearer {tokens['refresh']}"}
    else:
        kind = "user" if "user" in who else who[0]
        headers = {"Authorization": f"Bearer {tokens[kind]}"}
    checks = [status_code_conformance, content_type_conformance, response_schema_conformance]
    # 501 is the simulator's answer for a real route it does not serve (COVERAGE.md): by design
    not_served = "501" in operation.definition.raw["responses"]
    if operation.label not in REAL_500 and not not_served:
        checks.append(not_a_server_error)
    session = requests.Session()
    session.trust_env = False

    @given(case=operation.as_strategy(GenerationMode.POSITIVE))
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def run(case) -> None:
        case.call_and_validate(base_url=api, session=session, headers=headers, checks=checks)

    run()

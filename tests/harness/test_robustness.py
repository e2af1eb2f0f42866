"""No request makes the simulator raise: random calls to every route, with random arguments,
bodies and credentials, always get a JSON answer, and the records stay consistent."""
from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from simulator.core.http import Request
from simulator.network import Network
from simulator.vantage6.resources import ROUTE_TABLES
from simulator.vantage6.v3 import ROUTE_TABLES as V3_ROUTE_TABLES
from tests.helpers import IMAGE, JOHN, b64json

ENDPOINTS = [(ep.path, ep.method) for table in ROUTE_TABLES for ep in table.endpoints]
V3_ENDPOINTS = [(ep.path, ep.method) for table in V3_ROUTE_TABLES for ep in table.endpoints]
ARG_NAMES = ["page", "per_page", "sort", "name", "organization_id", "collaboration_id", "task_id",
             "node_id", "study_id", "include", "state", "role_id", "rule_id", "user_id",
             "parent_id", "job_id", "init_org_id", "encrypted", "delete_dependents",
             "include_permissions", "no_pagination", "username", "status", "ids",
             "initiator_id", "run_id", "result_id"]
BODY_KEYS = ["name", "id", "organization_ids", "organization_id", "collaboration_id", "encrypted",
             "organizations", "image", "databases", "input", "username", "password", "email",
             "firstname", "lastname", "roles", "rules", "status", "result", "log", "started_at",
             "finished_at", "api_key", "task_id", "description", "ip", "clear_ip",
             "current_password", "new_password", "study_id"]

scalars = st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.text(max_size=8),
                    st.sampled_from(["%", "-id", "name", "open", "results,runs", "1", "abc",
                                     "2026-01-01T00:00:00.000000", IMAGE, b64json({})]))
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(BODY_KEYS), inner, max_size=3)),
    max_leaves=6)
bodies = st.one_of(st.none(), values, st.dictionaries(st.sampled_from(BODY_KEYS), values,
                                                      max_size=6))
path_ids = st.one_of(st.integers(0, 6), st.integers(0, 6), st.sampled_from(["x", "-1", ""]))


def fill(path: str, ids: list) -> str:
    out = path
    for i, marker in enumerate(("<int:id>", "<int:rule_id>", "<int:task_id>", "<string:id>")):
        out = out.replace(marker, str(ids[i % len(ids)]))
    return out


def _tokens(net: Network) -> dict:
    tokens = {"none": None, "garbage": "x.y.z", "root": net.login("root", "root"),
              "john": net.login(*JOHN)}
    tokens["node"] = net.request("POST", "/api/token/node", json={
        "api_key": net.node_api_key(organization=2)}).get_json()["access_token"]
    return tokens


NET = Network.from_scenario("demo")
TOKENS = _tokens(NET)


def check_relations(state) -> None:
    """Both sides of every relation agree (what the real database's foreign keys guarantee)."""
    for col in state.collaborations.values():
        for org in col.organizations:
            assert col in org.collaborations
    for org in state.organizations.values():
        for col in org.collaborations:
            assert org in col.organizations and col.id in state.collaborations
        assert all(u.organization is org for u in org.users)
    for task in state.tasks.values():
        assert all(run.task is task and run.id in state.runs for run in task.runs)
        assert task in task.collaboration.tasks
    for run in state.runs.values():
        assert run in run.task.runs and run.task.id in state.tasks
    for user in state.users.values():
        assert all(user in role.users for role in user.roles)


def random_requests(endpoints):
    return given(
        endpoint=st.sampled_from(endpoints), ids=st.lists(path_ids, min_size=1, max_size=3),
        method=st.sampled_from([None] * 6 + ["GET", "POST", "PUT", "PATCH", "DELETE"]),
        args=st.lists(st.tuples(st.sampled_from(ARG_NAMES), scalars.map(str)), max_size=4),
        body=bodies, who=st.sampled_from(["root", "root", "john", "john", "node", "none",
                                          "garbage"]),
        content_type=st.sampled_from(["application/json"] * 4 + ["text/plain", None]))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@random_requests(ENDPOINTS)
def test_random_requests_always_get_a_json_answer(endpoint, ids, method, args, body, who,
                                                  content_type):
    _check_random_request(NET, TOKENS, endpoint, ids, method, args, body, who, content_type)


V3_NET = Network.from_scenario("demo", profile="3.x")
V3_TOKENS = _tokens(V3_NET)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@random_requests(V3_ENDPOINTS)
def test_random_requests_in_the_3x_profile_always_get_a_json_answer(
        endpoint, ids, method, args, body, who, content_type):
    _check_random_request(V3_NET, V3_TOKENS, endpoint, ids, method, args, body, who,
                          content_type)


def _check_random_request(net, tokens, endpoint, ids, method, args, body, who, content_type):
    path, real_method = endpoint
    headers = {}
    if tokens[who]:
        headers["Authorization"] = f"Bearer {tokens[who]}"
    if content_type:
        headers["Content-Type"] = content_type
    from urllib.parse import urlencode

    request = Request.build(method or real_method, "/api" + fill(path, ids), urlencode(args),
                            headers, json.dumps(body) if body is not None else b"")
    response = net.handle(request)
    assert 200 <= response.status < 600
    assert isinstance(response.get_json(), (dict, list))
    check_relations(net.vantage6.state)

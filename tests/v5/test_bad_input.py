"""Bad input to the 5.x compute routes gets HQ 5.0.3's status and body, in its check order, and
changes nothing (docs/v5/contract-hq-compute.md §5)."""
from __future__ import annotations

import base64
import json

import pytest

from simulator import Network
from tests.v5.helpers import IMAGE


@pytest.fixture
def net():
    with Network.from_scenario("demo", profile="5.x") as network:
        yield network


def b64(obj) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def call(net, token, method, path, body=None, raw=None, **params):
    if raw is not None:
        from simulator.core.http import Request

        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        response = net.handle(Request.build(method, f"/api{path}", "", headers, raw))
    else:
        response = net.request(method, f"/api{path}", json=body, token=token, params=params)
    return response.status, response.get_json()


def snapshot(net) -> tuple:
    state = net.vantage6.state
    return (len(state.tasks), len(state.runs), len(state.sessions), len(state.dataframes))


@pytest.fixture
def john(net):
    return net.keycloak.realm("vantage6").mint("john-doe")


@pytest.fixture
def session(net, john):
    return call(net, john, "POST", "/session", {"collaboration_id": 1, "scope": "own"})[1]


def task_body(session, **changes):
    body = {"name": "t", "image": IMAGE, "method": "partial_average", "session_id": session,
            "collaboration_id": 1, "action": "federated_compute",
            "organizations": [{"id": 2, "arguments": b64({"column_name": "age"})}],
            "databases": []}
    body.update(changes)
    return {k: v for k, v in body.items() if v is not ...}


def invalid(errors: dict) -> dict:
    return {"msg": "Request body is incorrect: " + json.dumps(errors)}


CASES = [
    ("no session", dict(session_id=...),
     400, invalid({"session_id": ["Missing data for required field."]})),
    ("session null", dict(session_id=None),
     400, invalid({"session_id": ["Field may not be null."]})),
    ("no organizations", dict(organizations=[]),
     400, invalid({"organizations": ["At least one organization is required"]})),
    ("a flat databases list", dict(databases=[{"type": "dataframe", "dataframe_id": 1}]),
     400, invalid({"databases": {"0": ["Not a valid list."]}})),
    ("unknown key", dict(input="x"), 400, invalid({"input": ["Unknown field."]})),
    ("unknown collaboration", dict(collaboration_id=9),
     404, {"msg": "Collaboration id=9 not found!"}),
    ("unknown session", dict(session_id=99), 404, {"msg": "Session id=99 not found!"}),
    ("organization outside", dict(organizations=[{"id": 1}]),
     400, {"msg": "At least one of the supplied organizations in not within the "
                  "collaboration."}),
    ("no action", dict(action=...),
     400, {"msg": "No action type provided. Please provide an action that is one of: "
                  "['data_extraction', 'preprocessing', 'federated_compute', "
                  "'central_compute', 'postprocessing']"}),
    ("extraction on /task", dict(action="data_extraction"),
     400, {"msg": "A data_extraction task cannot be created in this endpoint. Please use the "
                  "dataframe endpoint to create a dataframe extraction task."}),
    ("an unknown dataframe", dict(databases=[[{"type": "dataframe", "dataframe_id": 77}]]),
     404, {"msg": "Dataframe 'None' not found!"}),
    ("a source database on a compute task", dict(databases=[[{"type": "source",
                                                              "label": "default"}]]),
     500, {"msg": "An unexpected error occurred: cannot access local variable 'df' where it "
                  "is not associated with a value"}),
    ("databases null", dict(databases=None),
     500, {"msg": "An unexpected error occurred: 'NoneType' object is not iterable"}),
    ("arguments that are not base64", dict(organizations=[{"id": 2, "arguments": "abc"}]),
     500, {"msg": "An unexpected error occurred: Incorrect padding"}),
]


@pytest.mark.parametrize("what,changes,status,body", CASES, ids=[c[0] for c in CASES])
def test_post_task_refuses_as_hq_does(net, john, session, what, changes, status, body):
    before = snapshot(net)
    assert call(net, john, "POST", "/task", task_body(session["id"], **changes)) == (status, body)
    assert snapshot(net) == before


def test_a_viewer_may_not_create_tasks_and_a_root_outside_the_collaboration_gets_403(net,
                                                                                    session):
    realm = net.keycloak.realm("vantage6")
    state = net.vantage6.state
    viewer = state.add_user("viewer", "", state.organizations[3],
                            roles=[state.role_by_name("Viewer")])
    net.vantage6.keycloak.ensure_user("viewer", "Viewer-pass1")
    state.link_account(viewer, realm.find_user("viewer").id)
    before = snapshot(net)
    assert call(net, realm.mint("viewer"), "POST", "/task", task_body(session["id"])) == (
        401, {"msg": "You lack the permission to do that!"})
    assert call(net, realm.mint("admin"), "POST", "/task", task_body(session["id"])) == (
        403, {"msg": "You can only create tasks for collaborations you are participating in!"})
    assert snapshot(net) == before


def test_a_body_that_is_not_json(net, john):
    assert call(net, john, "POST", "/task", raw=b"{nope") == (
        400, invalid({"_schema": ["Invalid input type."]}))


SESSION_CASES = [
    ({"collaboration_id": 1}, 400, {"msg": "Request body is incorrect",
                                    "errors": {"scope": ["Missing data for required field."]}}),
    ({"collaboration_id": 1, "scope": "global"}, 400, {
        "msg": "Request body is incorrect", "errors": {"scope": [
            "Session scope 'global' is not valid. Allowed values are: "
            "{'own', 'organization', 'collaboration'}."]}}),
    ({"collaboration_id": 1, "scope": "collaboration"}, 401, {
        "msg": "You lack the permission to create a session for the COLLABORATION scope!"}),
    ({"collaboration_id": 5, "scope": "own"}, 404, {"msg": "Collaboration not found"}),
    ({"collaboration_id": 1, "scope": "own", "study_id": 3}, 404, {"msg": "Study not found"}),
]


@pytest.mark.parametrize("body,status,answer", SESSION_CASES)
def test_post_session_refuses_as_hq_does(net, john, body, status, answer):
    before = snapshot(net)
    assert call(net, john, "POST", "/session", body) == (status, answer)
    assert snapshot(net) == before


def test_duplicate_names_of_sessions_and_dataframes(net, john, session):
    assert call(net, john, "POST", "/session", {"collaboration_id": 1, "scope": "own",
                                                 "name": session["name"]}) == (
        400, {"msg": "Session with that name already exists within the collaboration!"})
    extraction = {"image": IMAGE, "method": "read_csv",
                  "organizations": [{"id": o, "arguments": b64({})} for o in (2, 3, 4)]}
    status, df = call(net, john, "POST", f"/session/{session['id']}/dataframe",
                      {"label": "default", "name": "shared", "task": extraction})
    assert status == 201
    other = call(net, john, "POST", "/session", {"collaboration_id": 1, "scope": "own"})[1]
    before = snapshot(net)
    assert call(net, john, "POST", f"/session/{other['id']}/dataframe",
                {"label": "default", "name": "shared", "task": extraction}) == (
        400, {"msg": "Dataframe with name shared already exists. Duplicate names are not "
                     "allowed because they are stored on nodes by that name."})
    assert call(net, john, "POST", f"/session/{other['id']}/dataframe",
                {"label": "default", "name": "bad name", "task": extraction}) == (
        400, {"msg": "Request body is incorrect", "errors": {"name": [
            "Dataframe name must contain only letters, numbers, hyphens and underscores"]}})
    # a label no node has: the nodes shared their database labels when they connected
    assert call(net, john, "POST", f"/session/{other['id']}/dataframe",
                {"label": "nope", "task": extraction}) == (
        400, {"msg": "The database label 'nope' does not exist for organization 2."})
    assert snapshot(net) == before


def test_the_identity_errors_of_hq(net, session):
    realm = net.keycloak.realm("vantage6")
    assert call(net, "", "GET", "/session") == (401, {"msg": "Missing Authorization Header"})
    assert call(net, "garbage", "GET", "/session") == (422, {"msg": "Not enough segments"})
    expired = realm.mint("john-doe", expires_in=-60)
    assert call(net, expired, "GET", "/session") == (401, {"msg": "Token has expired"})
    # where containers may also call, every user-token problem ends as the generic 500
    assert call(net, expired, "GET", "/organization") == (
        500, {"msg": "An unexpected error occurred!"})
    ghost = realm.add_user("ghost", password="x")
    assert call(net, realm.mint(ghost), "GET", "/session") == (
        401, {"msg": f"Error loading the user {ghost.id}"})
    # a node's token on a route for users
    node = net.nodes.of(organization=2).record
    node_token = realm.client_token(f"{node.name}-node-client")
    assert call(net, node_token, "POST", "/session", {"collaboration_id": 1,
                                                      "scope": "own"}) == (
        500, {"msg": "An unexpected error occurred!"})
    # ... and behind @handle_exceptions the refusal names the URL
    status, body = call(net, node_token, "POST", f"/session/{session['id']}/dataframe", {})
    assert status == 401 and body["msg"].startswith("nodes are not allowed to access http://")

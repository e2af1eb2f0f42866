"""Bad input gets the real server's status and message, and changes nothing."""
from __future__ import annotations

import copy

import pytest

from simulator.core.http import Request
from tests.helpers import IMAGE, JOHN, b64json, make_client

INCORRECT = "Request body is incorrect"


@pytest.fixture
def root(net):
    token = net.login("root", "root")
    return lambda method, path, **kw: net.request(method, "/api" + path, token=token, **kw)


@pytest.fixture
def john(net):
    token = net.login(*JOHN)
    return lambda method, path, **kw: net.request(method, "/api" + path, token=token, **kw)


def snapshot(net) -> dict:
    """Everything a client could observe, to prove a refused request changed nothing."""
    state = net.vantage6.state
    tables = {}
    for name in ("organizations", "collaborations", "studies", "users", "nodes", "roles",
                 "tasks", "runs"):
        tables[name] = {k: copy.copy(vars(v)) for k, v in getattr(state, name).items()}
        for row in tables[name].values():
            for key, value in row.items():
                if isinstance(value, list):  # relation lists: compare by member ids
                    row[key] = [getattr(x, "id", x) for x in value]
                elif hasattr(value, "id"):
                    row[key] = value.id
            row.pop("last_seen", None)  # every authenticated call updates last_seen
    return tables


def task_body(**changes) -> dict:
    body = {"name": "t", "image": IMAGE, "collaboration_id": 1, "description": "d",
            "organizations": [{"id": 2, "input": b64json({"method": "m"})}]}
    body.update(changes)
    return body


@pytest.mark.parametrize("body,errors", [
    # schema-level checks only run when the fields are fine (marshmallow), as on the real server
    ({}, {"image": ["Missing data for required field."],
          "organizations": ["Missing data for required field."]}),
    ({"image": "x", "organizations": [{"id": 2, "input": "eA=="}]},
     {"_schema": ["Collaboration_id or study_id is required"]}),
    (task_body(organizations=[]), {"organizations": ["At least one organization is required"]}),
    (task_body(organizations=[{"input": "x"}]),
     {"organizations": ["Organization id is required for each organization"]}),
    (task_body(name="123"), {"name": ["Name cannot a number"]}),
    (task_body(image=""), {"image": ["Shorter than minimum length 1."]}),
    (task_body(databases=[{"label": "default", "type": "csv"}]),
     {"databases": ["Database {'label': 'default', 'type': 'csv'} contains unknown keys. Allowed "
                    "keys are {'label', 'arguments', 'preprocessing', 'query', "
                    "'sheet_name'}."]}),
    (task_body(databases=[{"query": "x"}]),
     {"databases": ["Database label is required for each database"]}),
    (task_body(foo=1), {"foo": ["Unknown field."]}),
])
def test_task_schema_errors(net, john, body, errors):
    before = snapshot(net)
    r = john("POST", "/task", json=body)
    got = r.get_json()
    assert r.status == 400 and got["msg"] == INCORRECT
    if "databases" in errors and "unknown keys" in errors["databases"][0]:
        # the real message prints a Python set: its order varies, so compare its parts
        assert got["errors"]["databases"][0].startswith("Database {'label': 'default', 'type'")
        assert set(got["errors"]["databases"][0].split("{", 2)[2].rstrip("}.").split(", ")) == {
            "'label'", "'arguments'", "'preprocessing'", "'query'", "'sheet_name'"}
    else:
        assert got["errors"] == errors
    assert snapshot(net) == before


@pytest.mark.parametrize("changes,status,msg", [
    ({"organizations": [{"id": 5, "input": b64json({})}]}, 400,
     "At least one of the supplied organizations in not within the collaboration."),
    ({"collaboration_id": 9}, 404, "Collaboration id=9 not found!"),
    ({"study_id": 3}, 404, "Study id=3 not found"),
    ({"organizations": [{"id": 2, "input": "////"}]}, 400,
     "Your task's input cannot be parsed. Your input should be a base64 encoded JSON string. "
     "Note that if you are using the user interface or Python client, this should be done for "
     "you. Also, make sure not to encrypt your input, as your collaboration is set to not use "
     "encryption."),
])
def test_task_semantic_errors(net, john, changes, status, msg):
    net.vantage6.state.add_organization("outside", id=5)
    before = snapshot(net)
    r = john("POST", "/task", json=task_body(**changes))
    assert (r.status, r.get_json()) == (status, {"msg": msg})
    assert snapshot(net) == before


def test_task_for_an_organization_without_a_node(net, root, john):
    root("POST", "/organization", json={"name": "no_node"})
    root("POST", "/collaboration/1/organization", json={"id": 5})
    before = snapshot(net)
    r = john("POST", "/task", json=task_body(organizations=[
        {"id": 2, "input": b64json({})}, {"id": 5, "input": b64json({})}]))
    assert (r.status, r.get_json()) == (400, {"msg": "Cannot create this task because there are "
                                                     "no nodes registered for the following "
                                                     "organization(s): 5."})
    assert snapshot(net) == before


def test_task_input_that_is_not_base64_is_the_real_500(net, john):
    before = snapshot(net)
    r = john("POST", "/task", json=task_body(organizations=[{"id": 2, "input": "abc"}]))
    assert (r.status, r.get_json()) == (500, {"msg": "An unexpected error occurred on the "
                                                     "server!"})
    assert snapshot(net) == before


@pytest.mark.parametrize("path,body,status,msg", [
    ("/organization", {"name": "example_org1"}, 400,
     "Organization with name 'example_org1' already exists!"),
    ("/collaboration", {"name": "example_collab1", "organization_ids": [2],
                        "encrypted": False}, 400,
     "Collaboration name 'example_collab1' already exists!"),
    ("/node", {"collaboration_id": 1, "organization_id": 2}, 400,
     "Organization id=2 already has a node for collaboration id=1"),
    ("/node", {"collaboration_id": 1, "organization_id": 1}, 400,
     "The organization id=1 is not part of collabotation id=1. Add it first!"),
    ("/user", {"username": "john-doe", "password": "Password1!", "email": "x@y.org",
               "firstname": "a", "lastname": "b"}, 400, "username already exists."),
])
def test_duplicates_are_refused(net, root, path, body, status, msg):
    before = snapshot(net)
    r = root("POST", path, json=body)
    assert (r.status, r.get_json()) == (status, {"msg": msg})
    assert snapshot(net) == before


@pytest.mark.parametrize("password,problem", [
    ("Sh0rt!", "Password too short: use at least 8 characters with mixed lowercase, uppercase, "
               "numbers and special characters"),
    ("nodigits!A", "Password should contain at least one number"),
    ("lowercase1!", "Password should contain at least one uppercase letter"),
    ("UPPERCASE1!", "Password should contain at least one lowercase letter"),
    ("NoSpecial1", "Password should contain at least one special character"),
])
def test_weak_passwords(net, root, password, problem):
    before = snapshot(net)
    r = root("POST", "/user", json={"username": "new-user", "password": password,
                                    "email": "n@x.org", "firstname": "a", "lastname": "b"})
    assert (r.status, r.get_json()) == (400, {"msg": INCORRECT,
                                              "errors": {"password": [problem]}})
    assert snapshot(net) == before


@pytest.mark.parametrize("header,status,msg", [
    ("Bearer abc", 422, "Not enough segments"),
    ("Bearer a.b.c", 422, "Invalid header padding"),
    ("abc", 401, "Missing 'Bearer' type in 'Authorization' header. Expected 'Authorization: "
                 "Bearer <JWT>'"),
    (None, 401, "Missing Authorization Header"),
])
def test_malformed_tokens(net, header, status, msg):
    headers = {"Authorization": header} if header else {}
    r = net.handle(Request.build("GET", "/api/organization", "", headers))
    assert (r.status, r.get_json()) == (status, {"msg": msg})


def test_signed_with_another_key(net):
    other = type(net)().login("root", "root")
    r = net.request("GET", "/api/organization", token=other)
    assert (r.status, r.get_json()) == (422, {"msg": "Signature verification failed"})


def test_refresh_with_an_access_token_and_access_with_a_refresh_token(net):
    tokens = net.request("POST", "/api/token/user", json={"username": "root", "password": "root"})
    access, refresh = tokens.get_json()["access_token"], tokens.get_json()["refresh_token"]
    r = net.request("POST", "/api/token/refresh", token=access)
    assert (r.status, r.get_json()) == (422, {"msg": "Only refresh tokens are allowed"})
    r = net.request("GET", "/api/organization", token=refresh)
    assert (r.status, r.get_json()) == (422, {"msg": "Only non-refresh tokens are allowed"})
    r = net.request("POST", "/api/token/refresh", token=refresh)
    assert r.status == 200 and set(r.get_json()) == {"access_token", "refresh_token",
                                                     "refresh_url", "user_url"}


def test_login_failures(net):
    r = net.request("POST", "/api/token/user", json={"username": "root", "password": "nope"})
    assert (r.status, r.get_json()) == (401, {"msg": "Failed to login"})
    r = net.request("POST", "/api/token/user", json={"username": "ghost", "password": "x"})
    assert (r.status, r.get_json()) == (401, {"msg": "Failed to login"})
    r = net.request("POST", "/api/token/user", json={"username": "root"})
    assert (r.status, r.get_json()) == (400, {
        "msg": INCORRECT, "errors": {"password": ["Missing data for required field."]}})
    r = net.request("POST", "/api/token/node", json={"api_key": "not-a-uuid"})
    assert (r.status, r.get_json()) == (400, {
        "msg": INCORRECT, "errors": {"api_key": ["API key is not a valid UUID"]}})
    r = net.request("POST", "/api/token/node",
                    json={"api_key": "123e4567-e89b-12d3-a456-426614174000"})
    assert (r.status, r.get_json()) == (401, {"msg": "Api key is not recognized!"})


def test_bodies_that_are_not_json(net):
    token = net.login("root", "root")
    auth = {"Authorization": f"Bearer {token}"}
    r = net.handle(Request.build("POST", "/api/organization", "", auth, b'{"name": "x"}'))
    assert (r.status, r.get_json()) == (415, {
        "message": "Did not attempt to load JSON data because the request Content-Type was not "
                   "'application/json'."})
    r = net.handle(Request.build("POST", "/api/organization", "",
                                 {**auth, "Content-Type": "application/json"}, b"{nope"))
    assert r.status == 400 and "message" in r.get_json()
    r = net.handle(Request.build("POST", "/api/organization", "",
                                 {**auth, "Content-Type": "application/json"}, b"[1]"))
    assert (r.status, r.get_json()) == (400, {"msg": INCORRECT,
                                              "errors": {"_schema": ["Invalid input type."]}})
    assert [o.name for o in net.vantage6.state.organizations.values()] == [
        "root", "example_org1", "example_org2", "example_org3"]


def test_unknown_routes_and_methods_answer_json(net):
    r = net.request("GET", "/api/nope")
    assert r.status == 404 and "msg" in r.get_json()
    r = net.request("PUT", "/api/version")
    assert (r.status, r.get_json()) == (405, {
        "message": "The method is not allowed for the requested URL."})


def test_real_routes_outside_the_simulator_say_so(net):
    token = net.login("root", "root")
    r = net.request("GET", "/api/algorithmstore", token=token)
    assert r.status == 501 and "not implemented in the simulator" in r.get_json()["msg"]


def test_the_client_survives_every_refusal(intercepted):
    """The real client retries a refused call once after a token refresh and returns the error;
    the failed POST therefore arrives twice, and twice changes nothing."""
    client = make_client(*JOHN)
    before = snapshot(intercepted)
    assert client.organization.create(name="x", address1="", address2="", zipcode="", country="",
                                      domain="") == {"msg": "You lack the permissions to do that!"}
    assert client.task.create(organizations=[9], name="t", image=IMAGE, description="",
                              input_={}, collaboration=1)["msg"].startswith("At least one")
    assert snapshot(intercepted) == before

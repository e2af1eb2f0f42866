"""The real server's permission model per default role (contract §9): denials are 401 with the
real messages, wrong client types get the generic 500, and scopes decide what lists show."""
from __future__ import annotations

import pytest

from simulator.network import Network
from tests.helpers import IMAGE, b64json, make_client, nodes_answer

PW = "Password1!"
LACK = {"msg": "You lack the permission to do that!"}
GENERIC_500 = {"msg": "An unexpected error occurred on the server!"}

WORLD = {
    "organizations": [{"id": 2, "name": "org_a"}, {"id": 3, "name": "org_b"},
                      {"id": 4, "name": "org_c"}, {"id": 5, "name": "outsider"}],
    "collaborations": [{"id": 1, "name": "collab", "organizations": [2, 3, 4]},
                       {"id": 2, "name": "other", "organizations": [4, 5]}],
    "nodes": [{"organization": o, "collaboration": 1} for o in (2, 3, 4)]
    + [{"organization": o, "collaboration": 2} for o in (4, 5)],
    "users": [
        {"username": "viewer", "password": PW, "organization": 2, "roles": ["Viewer"]},
        {"username": "researcher", "password": PW, "organization": 2, "roles": ["Researcher"]},
        {"username": "orgadmin", "password": PW, "organization": 2,
         "roles": ["Organization Admin"]},
        {"username": "coladmin", "password": PW, "organization": 2,
         "roles": ["Collaboration Admin"]},
        {"username": "stranger", "password": PW, "organization": 5, "roles": ["Researcher"]},
        {"username": "nobody", "password": PW, "organization": 3},
    ],
}


@pytest.fixture
def world() -> Network:
    net = Network(WORLD, nodes="manual")
    with net.intercept():  # the scripted nodes reach the server through requests
        yield net


def as_user(net: Network, username: str, password: str = PW):
    token = net.login(username, password)
    return lambda method, path, **kw: net.request(method, "/api" + path, token=token, **kw)


def task_body(orgs=(2, 3), collaboration_id=1) -> dict:
    return {"name": "t", "image": IMAGE, "collaboration_id": collaboration_id,
            "organizations": [{"id": o, "input": b64json({"method": "m"})} for o in orgs]}


def test_viewer_cannot_create_tasks(world):
    r = as_user(world, "viewer")("POST", "/task", json=task_body())
    assert (r.status, r.get_json()) == (401, LACK)
    assert world.vantage6.state.tasks == {}


def test_researcher_creates_tasks_in_its_collaboration_only(world):
    call = as_user(world, "researcher")
    assert call("POST", "/task", json=task_body()).status == 201
    r = call("POST", "/task", json=task_body(orgs=(4, 5), collaboration_id=2))
    assert (r.status, r.get_json()) == (401, {
        "msg": "You can only create tasks for collaborations you are participating in!"})


def test_root_cannot_create_a_task_in_a_collaboration_its_organization_is_not_in(world):
    r = as_user(world, "root", "root")("POST", "/task", json=task_body())
    assert (r.status, r.get_json()) == (401, {
        "msg": "You can only create tasks for collaborations you are participating in!"})


def test_researcher_cannot_see_organizations_outside_its_collaborations(world):
    call = as_user(world, "researcher")
    listed = call("GET", "/organization").get_json()["data"]
    assert [o["id"] for o in listed] == [2, 3, 4]
    r = call("GET", "/organization/5")
    assert (r.status, r.get_json()) == (401, {"msg": "You do not have permission to do that!"})
    assert call("GET", "/organization/4").status == 200


def test_user_without_roles_sees_nothing_but_itself(world):
    call = as_user(world, "nobody")
    assert call("GET", "/organization").get_json() == LACK
    assert call("GET", "/task").status == 401
    assert call("GET", "/user/7").status == 200  # its own account is always visible
    assert call("GET", "/user").status == 401
    # ... unless it asks for itself by username (the real server's special case)
    assert [u["username"] for u in call("GET", "/user", params={"username": "nobody"})
            .get_json()["data"]] == ["nobody"]


def test_viewer_sees_the_results_of_its_collaboration(world):
    task = as_user(world, "researcher")("POST", "/task", json=task_body()).get_json()
    nodes_answer(world, lambda run, input_: {"x": 1}, organizations=[2, 3])
    viewer = as_user(world, "viewer")
    results = viewer("GET", "/result", params={"task_id": task["id"]}).get_json()["data"]
    assert len(results) == 2 and all(r["result"] for r in results)
    assert viewer("DELETE", f"/task/{task['id']}").get_json() == LACK


def test_stranger_cannot_read_other_collaborations_tasks(world):
    task = as_user(world, "researcher")("POST", "/task", json=task_body()).get_json()
    stranger = as_user(world, "stranger")
    assert stranger("GET", f"/task/{task['id']}").get_json() == LACK
    assert stranger("GET", "/run", params={"task_id": task["id"]}).get_json() == {
        "msg": f"You lack the permission to view runs for task id={task['id']}!"}
    assert stranger("GET", "/task").get_json()["data"] == []


def test_only_event_senders_may_kill_a_task(world):
    task = as_user(world, "researcher")("POST", "/task", json=task_body()).get_json()
    body = {"id": task["id"]}
    for who in ("researcher", "orgadmin", "viewer"):
        assert as_user(world, who)("POST", "/kill/task", json=body).get_json() == LACK
    r = as_user(world, "coladmin")("POST", "/kill/task", json=body)
    assert r.status == 200
    assert {run.status for run in world.vantage6.state.tasks[task["id"]].runs} == {
        "killed by user"}


def test_researcher_deletes_tasks_of_its_own_organization(world):
    task = as_user(world, "coladmin")("POST", "/task", json=task_body()).get_json()
    r = as_user(world, "researcher")("DELETE", f"/task/{task['id']}")
    assert r.status == 200 and task["id"] not in world.vantage6.state.tasks


def test_org_admin_manages_users_of_its_own_organization_only(world):
    call = as_user(world, "orgadmin")
    new = {"username": "newbie", "password": PW, "email": "n@x.org", "firstname": "N",
           "lastname": "B", "roles": [4]}
    assert call("POST", "/user", json=new).status == 201
    other = dict(new, username="newbie2", email="m@x.org", organization_id=3)
    assert call("POST", "/user", json=other).get_json() == LACK
    root_role = dict(new, username="newbie3", email="o@x.org", roles=[1])
    r = call("POST", "/user", json=root_role)
    assert r.status == 401 and r.get_json()["msg"].startswith("You don't have the rule (")


def test_org_admin_creates_nodes_for_its_own_organization_only(world):
    call = as_user(world, "orgadmin")
    as_user(world, "root", "root")("POST", "/collaboration", json={
        "name": "third", "organization_ids": [2, 3], "encrypted": False})
    assert call("POST", "/node", json={"collaboration_id": 3}).status == 201
    r = call("POST", "/node", json={"collaboration_id": 3, "organization_id": 3})
    assert (r.status, r.get_json()) == (401, LACK)


@pytest.mark.parametrize("role,status", [("viewer", 401), ("researcher", 401),
                                         ("orgadmin", 401), ("coladmin", 200)])
def test_editing_a_collaboration_needs_collaboration_edit(world, role, status):
    r = as_user(world, role)("PATCH", "/collaboration/1", json={"name": "renamed"})
    assert r.status == status


def test_wrong_client_types_get_the_generic_500(world):
    token = world.login("researcher", PW)
    r = world.request("PATCH", "/api/run/1", json={}, token=token)
    assert (r.status, r.get_json()) == (500, GENERIC_500)
    node_token = world.request("POST", "/api/token/node", json={
        "api_key": world.node_api_key(organization=2)}).get_json()["access_token"]
    assert world.request("GET", "/api/user", token=node_token).get_json() == GENERIC_500
    assert world.request("POST", "/api/task", json=task_body(), token=node_token).status == 500


def test_node_sees_its_own_runs_and_organization(world):
    as_user(world, "researcher")("POST", "/task", json=task_body())
    token = world.request("POST", "/api/token/node", json={
        "api_key": world.node_api_key(organization=3)}).get_json()["access_token"]
    node_id = world.vantage6.state.organizations[3].nodes[0].id
    runs = world.request("GET", "/api/run", token=token,
                         params={"state": "open", "node_id": node_id}).get_json()["data"]
    assert [r["organization"]["id"] for r in runs] == [3]
    assert world.request("GET", "/api/organization/3", token=token).status == 200
    assert world.request("PATCH", "/api/run/1", json={"log": "x"}, token=token).get_json() == {
        "msg": "This is not your algorithm run to PATCH!"}  # run 1 belongs to org 2


def test_the_real_client_returns_denials_as_dicts(world):
    """The UserClient never raises on 4xx: it refreshes, retries once, returns the error body."""
    viewer = make_client("viewer", PW)
    created = viewer.task.create(organizations=[2], name="x", image=IMAGE, description="",
                                 input_={"method": "m"}, collaboration=1)
    assert created == LACK
    assert world.vantage6.state.tasks == {}

"""The task lifecycle through the node API, with the real server's semantics: run PATCH resets,
sibling fail-fast, status derivation, container tokens and subtasks, kill and delete."""
from __future__ import annotations

import datetime as dt

import jwt
import pytest

from simulator.core.http import Request
from simulator.vantage6.status import derive_task_status
from tests.helpers import IMAGE, JOHN, b64json

NOW = "2026-01-02T03:04:05.123456"


@pytest.fixture
def john(net):
    token = net.login(*JOHN)
    return lambda method, path, **kw: net.request(method, "/api" + path, token=token, **kw)


def node(net, org: int):
    key = net.node_api_key(organization=org)
    token = net.request("POST", "/api/token/node", json={"api_key": key}).get_json()
    call = lambda method, path, **kw: net.request(method, "/api" + path,  # noqa: E731
                                                   token=token["access_token"], **kw)
    call.id = jwt.decode(token["access_token"], options={"verify_signature": False})["sub"]
    return call


def new_task(john, orgs=(2, 3, 4), **extra) -> dict:
    body = {"name": "t", "image": IMAGE, "collaboration_id": 1, "description": "d",
            "organizations": [{"id": o, "input": b64json({"method": "m"})} for o in orgs]}
    body.update(extra)
    r = john("POST", "/task", json=body)
    assert r.status == 201, r.get_json()
    return r.get_json()


def runs_of(john, task_id) -> dict[int, dict]:
    data = john("GET", "/run", params={"task_id": task_id}).get_json()["data"]
    return {r["organization"]["id"]: r for r in data}


def test_one_pending_run_per_organization_in_request_order(john):
    task = new_task(john, orgs=(4, 2))
    runs = john("GET", "/run", params={"task_id": task["id"]}).get_json()["data"]
    assert [(r["id"], r["organization"]["id"], r["status"]) for r in runs] == [
        (2, 2, "pending"), (1, 4, "pending")]  # listed by run id, descending
    assert john("GET", f"/task/{task['id']}/status").get_json() == {"status": "pending"}
    assert task["job_id"] == 1 and new_task(john)["job_id"] == 2


def test_patch_resets_omitted_fields(net, john):
    task = new_task(john)
    n2 = node(net, 2)
    run_id = runs_of(john, task["id"])[2]["id"]
    n2("PATCH", f"/run/{run_id}", json={"started_at": NOW, "log": "hello", "status": "active"})
    r = n2("PATCH", f"/run/{run_id}", json={"status": "active"}).get_json()
    assert (r["started_at"], r["log"], r["status"]) == (NOW, None, "active")  # log reset
    r = n2("PATCH", f"/run/{run_id}", json={"result": "eyJ4IjogMX0=", "status": "completed",
                                            "finished_at": NOW + "+00:00"}).get_json()
    assert r["finished_at"] == NOW and r["started_at"] == NOW
    again = n2("PATCH", f"/run/{run_id}", json={"log": "late"})
    assert (again.status, again.get_json()) == (400, {
        "msg": "Cannot update an already finished algorithm run!"})


@pytest.mark.parametrize("stamp", ["2026-01-02T03:04:05", "2026-01-02 03:04:05.1",
                                   "2026-01-02T03:04:05.1+02:00"])
def test_patch_datetimes_are_strict(net, john, stamp):
    """Anything but %Y-%m-%dT%H:%M:%S.%f[+00:00] is a 500 on the real server, changing nothing."""
    task = new_task(john)
    run_id = runs_of(john, task["id"])[2]["id"]
    r = node(net, 2)("PATCH", f"/run/{run_id}", json={"started_at": stamp, "log": "x"})
    assert r.status in (400, 500)
    assert net.vantage6.state.runs[run_id].log is None


def test_a_failed_run_fails_its_unstarted_siblings(net, john):
    task = new_task(john)
    runs = runs_of(john, task["id"])
    node(net, 3)("PATCH", f"/run/{runs[3]['id']}", json={"started_at": NOW})
    node(net, 2)("PATCH", f"/run/{runs[2]['id']}", json={"status": "crashed", "finished_at": NOW})
    after = runs_of(john, task["id"])
    assert after[4]["status"] == "failed"
    assert after[4]["log"] == (f"Marked as failed because sibling run id={runs[2]['id']} failed "
                               "with status 'crashed'.")
    assert after[4]["finished_at"] is not None
    assert after[3]["status"] == "pending"  # it had started, so it is left alone
    assert john("GET", f"/task/{task['id']}/status").get_json() == {"status": "failed"}


def test_state_open_means_not_finished(net, john):
    task = new_task(john)
    runs = runs_of(john, task["id"])
    n2 = node(net, 2)
    n2("PATCH", f"/run/{runs[2]['id']}", json={"status": "crashed"})  # failed, not finished
    open_runs = n2("GET", "/run", params={"state": "open", "node_id": n2.id}).get_json()["data"]
    assert [r["id"] for r in open_runs] == [runs[2]["id"]]


@pytest.mark.parametrize("statuses,expected", [
    ([], "completed"),
    (["completed", "completed"], "completed"),
    (["completed", "active", "pending"], "active"),
    (["pending", "initializing"], "initializing"),
    (["completed", "pending"], "pending"),
    (["crashed", "completed"], "crashed"),
    (["crashed", "crashed", "active"], "crashed"),
    (["crashed", "killed by user"], "failed"),
    (["something odd", "completed"], "something odd"),
    ([None, "completed"], None),
])
def test_task_status_derivation(statuses, expected):
    assert derive_task_status(statuses) == expected


def test_container_token_claims_and_checks(net, john):
    task = new_task(john, databases=[{"label": "default", "query": "SELECT 1"}])
    n2 = node(net, 2)
    r = n2("POST", "/token/container", json={"task_id": task["id"], "image": IMAGE})
    claims = jwt.decode(r.get_json()["container_token"], options={"verify_signature": False})
    assert "exp" not in claims and claims["client_type"] == "container" and claims["roles"] == []
    assert claims["sub"] == {"client_type": "container", "node_id": n2.id, "organization_id": 2,
                             "collaboration_id": 1, "study_id": None, "store_id": None,
                             "task_id": task["id"], "image": IMAGE,
                             "databases": [{"query": "SELECT 1", "label": "default"}]}
    assert n2("POST", "/token/container", json={"task_id": task["id"], "image": "other"}) \
        .get_json() == {"msg": "Image and task do no match"}
    assert n2("POST", "/token/container", json={"task_id": 99, "image": IMAGE}).get_json() == {
        "msg": "Parent task does not exist!"}


def test_subtasks_from_a_container(net, john):
    task = new_task(john)
    token = node(net, 2)("POST", "/token/container",
                         json={"task_id": task["id"], "image": IMAGE}).get_json()
    container = lambda method, path, **kw: net.request(  # noqa: E731
        method, "/api" + path, token=token["container_token"], **kw)
    r = container("POST", "/task", json={
        "name": "subtask", "image": IMAGE, "collaboration_id": 1,
        "organizations": [{"id": 3, "input": b64json({"method": "partial"})}]})
    child = r.get_json()
    assert r.status == 201
    assert (child["parent"]["id"], child["job_id"], child["init_user"]["id"],
            child["init_org"]["id"]) == (task["id"], task["job_id"], 2, 2)
    assert john("GET", "/task", params={"parent_id": task["id"]}).get_json()["data"][0]["id"] \
        == child["id"]
    assert container("GET", f"/task/{child['id']}/status").get_json() == {"status": "pending"}
    wrong = container("POST", "/task", json={
        "name": "x", "image": "elsewhere/other", "collaboration_id": 1,
        "organizations": [{"id": 3, "input": b64json({})}]})
    assert (wrong.status, wrong.get_json()) == (401, {"msg": "Container-token is not valid"})
    assert container("GET", "/node").status == 500  # containers may not list nodes


def test_kill_marks_unfinished_runs_of_the_task_and_its_children(net, john):
    task = new_task(john)
    runs = runs_of(john, task["id"])
    node(net, 2)("PATCH", f"/run/{runs[2]['id']}", json={"status": "completed",
                                                          "finished_at": NOW})
    root = net.login("root", "root")
    # root's organization is in no collaboration, but event:send:global still lets it kill
    r = net.request("POST", "/api/kill/task", json={"id": task["id"]}, token=root)
    assert (r.status, r.get_json()) == (200, {
        "msg": f"Nodes have been instructed to kill any containers running for task "
               f"{task['id']}."})
    after = runs_of(john, task["id"])
    assert [after[o]["status"] for o in (2, 3, 4)] == ["completed", "killed by user",
                                                       "killed by user"]
    assert john("GET", f"/task/{task['id']}/status").get_json() == {"status": "killed by user"}
    events = net.events.events("kill_containers")
    assert events[-1].data["kill_list"] == [
        {"task_id": task["id"], "run_id": after[o]["id"], "organization_id": o} for o in (3, 4)]
    again = net.request("POST", "/api/kill/task", json={"id": task["id"]}, token=root)
    assert again.get_json() == {"msg": f"Task {task['id']} already finished with status "
                                       "'killed by user', so cannot kill it!"}


def test_delete_removes_the_task_its_runs_and_its_subtasks(net, john):
    task = new_task(john)
    token = node(net, 2)("POST", "/token/container",
                         json={"task_id": task["id"], "image": IMAGE}).get_json()
    net.request("POST", "/api/task", token=token["container_token"], json={
        "name": "sub", "image": IMAGE, "collaboration_id": 1,
        "organizations": [{"id": 3, "input": b64json({})}]})
    r = john("DELETE", f"/task/{task['id']}")
    assert r.get_json() == {"msg": f"task id={task['id']} and its algorithm run data have been "
                                   "successfully deleted"}
    state = net.vantage6.state
    assert state.tasks == {} and state.runs == {}
    assert john("GET", f"/task/{task['id']}").status == 404


def test_results_and_finished_at(net, john):
    task = new_task(john, orgs=(2,))
    run_id = runs_of(john, task["id"])[2]["id"]
    node(net, 2)("PATCH", f"/run/{run_id}", json={"result": "eyJ4IjogMX0=", "status": "completed",
                                                  "finished_at": NOW})
    assert john("GET", f"/result/{run_id}").get_json()["result"] == "eyJ4IjogMX0="
    assert john("GET", f"/task/{task['id']}").get_json()["finished_at"] == NOW
    with_results = john("GET", f"/task/{task['id']}", params={"include": "results"}).get_json()
    assert [r["result"] for r in with_results["results"]] == ["eyJ4IjogMX0="]


def test_run_timestamps_come_from_the_network_clock():
    from simulator.core.clock import Clock
    from simulator.network import Network

    start = dt.datetime(2030, 5, 6, 7, 8, 9)
    net = Network.from_scenario("demo", clock=Clock(start=start), nodes="manual")
    token = net.login(*JOHN)
    task = net.request("POST", "/api/task", token=token, json={
        "name": "t", "image": IMAGE, "collaboration_id": 1,
        "organizations": [{"id": 2, "input": b64json({})}]}).get_json()
    assert task["created_at"] == "2030-05-06T07:08:09"
    net.clock.advance(7 * 3600)  # past the 6 h access-token lifetime
    r = net.request("GET", "/api/task", token=token)
    assert (r.status, r.get_json()) == (401, {"msg": "Token has expired"})


def test_a_nodes_own_calls_skip_the_wire_and_answer_as_it_does(net, john):
    """The simulated nodes call ``server.node_call`` (no JSON in, no JSON out): each answer must
    be what the same call over the wire gives, JSON-native, for successes and errors alike."""
    import json

    task = new_task(john)
    run_id = runs_of(john, task["id"])[2]["id"]
    server = net.vantage6.server
    key = net.node_api_key(organization=2)
    status, login = server.node_call("POST", "/token/node", {"api_key": key})
    assert status == 200
    token = login["access_token"]
    calls = [
        ("GET", "/run", None, f"state=open&node_id={login['node_url'].split('/')[-1]}"
                              "&include=task&page=1"),
        ("PATCH", f"/run/{run_id}", {"started_at": NOW}, ""),
        ("POST", "/token/container", {"task_id": task["id"], "image": "other"}, ""),
        ("PATCH", f"/run/{run_id}", {"status": "active"}, ""),
        ("PATCH", "/run/999", {"status": "active"}, ""),
        ("PATCH", f"/run/{run_id}", {"status": "no such status"}, ""),
        ("GET", "/organization", None, "name=no-such-org&per_page=100"),
    ]
    for method, path, body, query in calls:
        in_process = server.node_call(method, path, body, query, token)
        wire = server.node_api(Request.build(
            method, "/api" + path, query,
            {"Authorization": f"Bearer {token}",
             **({"Content-Type": "application/json"} if body is not None else {})},
            json.dumps(body).encode() if body is not None else b""))
        # each PATCH is sent twice (in process, then on the wire): all of them are idempotent
        assert in_process == (wire.status, wire.get_json()), (method, path)
        assert json.loads(json.dumps(in_process[1])) == in_process[1]
    assert server.node_call("GET", "/run", token="not-a-token") == (
        422, {"msg": "Not enough segments"})

"""The vantage6 3.x profile: the seed documents' raw HTTP flow (seed 000) with a python-socketio
client on /tasks, the 3.x REST shapes and conventions, and the 4.x profile's socket payloads."""
from __future__ import annotations

import base64
import json
import pickle
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pytest
import requests
import socketio

from simulator import Network
from tests.helpers import JOHN

ROOT = Path(__file__).resolve().parents[2]
FRAMES = {org: pd.read_csv(ROOT / "fixtures" / "demo" / f"org{org - 1}.csv") for org in (2, 3, 4)}
POOLED = pd.concat(FRAMES.values())
IMAGE = "harbor2.vantage6.ai/demo/average"
PARTIAL = {"method": "average_partial", "kwargs": {"column_name": "age"}}
MASTER = {"method": "master", "master": True, "kwargs": {"column_name": "age"}}


@pytest.fixture
def v3():
    with Network.from_scenario("demo", profile="3.x") as network:
        yield network


@pytest.fixture
def api(v3):
    """Raw requests to the 3.x network in process: (base url, john-doe's headers)."""
    with v3.intercept():
        tokens = requests.post(f"{v3.api_url}/token/user",
                               json={"username": JOHN[0], "password": JOHN[1]}).json()
        yield v3.api_url, {"Authorization": f"Bearer {tokens['access_token']}"}


def _post(api, body):
    base, headers = api
    return requests.post(f"{base}/task", json={"description": "", "image": IMAGE, "name": "avg",
                                                "collaboration_id": 1, **body}, headers=headers)


def _results(api, task_id):
    base, headers = api
    return {r["organization"]: pickle.loads(base64.b64decode(r["result"]))
            for r in requests.get(f"{base}/task/{task_id}/result", headers=headers).json()}


def _expected_partial(org):
    return {"sum": FRAMES[org]["age"].sum(), "count": len(FRAMES[org])}


# ------------------------------------------------------------------------------ seed 000
def test_seed_000_raw_http_with_socketio_in_server_mode(v3):
    """The seed document's code, run as its own process against a loopback server."""
    server = v3.serve()
    try:
        out = subprocess.run([sys.executable, str(ROOT / "tests/seeds/seed_000_raw_http.py"),
                              server.url, *JOHN], capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    assert out.returncode == 0, out.stderr
    summary = json.loads(out.stdout)
    assert summary["partials"] == {str(org): _expected_partial(org) for org in (2, 3, 4)}
    assert summary["average"] == pytest.approx(POOLED["age"].mean())
    # status_update named every result the script fetched: 3 partials and the master's
    assert {1, 2, 3, 4} <= set(summary["status_update_result_ids"]) <= set(range(1, 8))
    assert summary["messages"] == ["User <john-doe> joined room <collaboration_1>"]


def test_raw_task_without_organization_ids_goes_to_every_organization(api):
    response = _post(api, {"input": PARTIAL})
    assert response.status_code == 201
    task = response.json()
    assert (task["complete"], task["status"], task["run_id"]) == (False, "pending", 1)
    assert [r["id"] for r in task["results"]] == [1, 2, 3]
    assert _results(api, task["id"]) == {org: _expected_partial(org) for org in (2, 3, 4)}


def test_raw_master_task_gives_the_pooled_average(api, v3):
    task = _post(api, {"input": MASTER, "organization_ids": [3]}).json()
    assert _results(api, task["id"]) == {3: {"average": pytest.approx(POOLED["age"].mean())}}
    child = v3.vantage6.state.tasks[task["id"] + 1]
    assert child.parent.id == task["id"] and child.job_id == task["run_id"]
    assert sorted(r.organization.id for r in child.runs) == [2, 3, 4]


def test_task_shapes(api):
    base, headers = api
    task_id = _post(api, {"input": PARTIAL, "organization_ids": [2, 4]}).json()["id"]
    task = requests.get(f"{base}/task/{task_id}", headers=headers).json()
    assert task["complete"] is True and task["status"] == "completed"
    assert task["finished_at"].endswith("+00:00") and task["children"] is None
    assert (task["initiator"], task["init_user"], task["parent"]) == (2, 2, None)
    assert task["results"] == [{"id": i, "link": f"/api/result/{i}", "methods": ["GET", "PATCH"]}
                               for i in (1, 2)]
    included = requests.get(f"{base}/task/{task_id}", params={"include": "results"},
                            headers=headers).json()
    assert [(r["organization"], r["status"]) for r in included["results"]] == [
        (2, "completed"), (4, "completed")]
    assert "task" not in included["results"][0]
    listed = requests.get(f"{base}/task/{task_id}/result", headers=headers).json()
    assert [r["task"] for r in listed] == [task_id, task_id]


def test_lists_are_plain_unless_metadata_is_included(api):
    base, headers = api
    for _ in range(3):
        _post(api, {"input": PARTIAL, "organization_ids": [2]})
    plain = requests.get(f"{base}/task", headers=headers)
    assert [t["id"] for t in plain.json()] == [3, 2, 1]  # newest first
    assert plain.headers["total-count"] == "3"
    paged = requests.get(f"{base}/task", params={"include": "metadata", "page": 2,
                                                  "per_page": 2}, headers=headers).json()
    assert [t["id"] for t in paged["data"]] == [1]
    assert paged["links"] == {"first": "/api/task?include=metadata&page=1&per_page=2",
                              "previous": "/api/task?include=metadata&page=1&per_page=2",
                              "self": "/api/task?include=metadata&page=2&per_page=2",
                              "last": "/api/task?include=metadata&page=2&per_page=2"}
    results = requests.get(f"{base}/result", params={"task_id": 1}, headers=headers).json()
    assert isinstance(results, list) and results[0]["task"]["id"] == 1


def test_errors_and_routes_outside_the_profile(api, v3):
    base, headers = api
    before = len(v3.vantage6.state.tasks)
    response = requests.get(f"{base}/task/99", headers=headers)
    assert (response.status_code, response.json()) == (404, {"msg": "task id=99 is not found"})
    response = _post(api, {"input": PARTIAL, "collaboration_id": 9})
    assert (response.status_code, response.json()) == (
        404, {"msg": "Collaboration id=9 not found!"})
    response = _post(api, {"input": PARTIAL, "organization_ids": [1]})
    assert response.status_code == 400
    assert response.json()["msg"].startswith("At least one of the supplied organizations")
    assert len(v3.vantage6.state.tasks) == before  # refused: nothing created
    response = requests.get(f"{base}/role", headers=headers)
    assert response.status_code == 501 and "3.x profile" in response.json()["msg"]
    assert requests.get(f"{base}/run", headers=headers).status_code == 404  # no /run in 3.x
    assert requests.get(f"{base}/version").json() == {"version": "3.11.1"}


def test_4x_profile_is_unchanged(net):
    """The default profile refuses the 3.x body as 4.x does and has no /task/<id>/result."""
    token = net.login(*JOHN)
    response = net.request("POST", "/api/task", token=token, json={
        "description": "", "image": IMAGE, "name": "x", "collaboration_id": 1, "input": PARTIAL})
    assert response.status == 400 and response.get_json()["msg"] == "Request body is incorrect"
    assert net.request("GET", "/api/task/1/result", token=token).status == 404
    assert net.request("GET", "/api/version").get_json() == {"version": "4.15.2"}


def test_json_output_format_and_failures_are_data(api, v3):
    task = _post(api, {"input": {**MASTER, "output_format": "json"},
                       "organization_ids": [2]}).json()
    run = v3.vantage6.state.tasks[task["id"]].runs[0]
    output = base64.b64decode(run.result)
    assert output.startswith(b"json.")
    assert json.loads(output[5:]) == {"average": pytest.approx(POOLED["age"].mean())}
    # the 3.x partial returns numpy numbers, which JSON cannot hold: a crash, as on a 3.x node
    task = _post(api, {"input": {**PARTIAL, "output_format": "json"},
                       "organization_ids": [2]}).json()
    run = v3.vantage6.state.tasks[task["id"]].runs[0]
    assert run.status == "crashed" and "is not JSON serializable" in run.log
    task = _post(api, {"input": {"method": "no_such_method"}, "organization_ids": [2]}).json()
    run = v3.vantage6.state.tasks[task["id"]].runs[0]
    assert run.status == "crashed" and "method 'RPC_no_such_method' not found!" in run.log


# ------------------------------------------------------------------------------ sockets
class _Listener:
    def __init__(self, url: str, token: str) -> None:
        self.events: list[tuple[str, tuple]] = []
        self.sio = socketio.Client()
        self.sio.on("*", self._record, namespace="/tasks")
        self.sio.connect(url, headers={"Authorization": f"Bearer {token}"},
                         namespaces=["/tasks"], transports=["polling"])

    def _record(self, event, *data):
        self.events.append((event, data))

    def wait_for(self, name: str, count: int = 1, timeout: float = 10) -> list:
        deadline = time.time() + timeout
        while time.time() < deadline:
            found = [d for e, d in self.events if e == name]
            if len(found) >= count:
                return found
            time.sleep(0.02)
        raise AssertionError(f"{name} x{count} not received; got {self.events}")


def test_4x_socket_payloads(v6_network):
    server = v6_network.serve()
    listener = _Listener(server.url, v6_network.login(*JOHN))
    try:
        listener.wait_for("message")
        response = v6_network.request("POST", "/api/task", token=v6_network.login(*JOHN), json={
            "name": "x", "image": IMAGE, "collaboration_id": 1, "databases": [{"label": "default"}],
            "organizations": [{"id": 2, "input": base64.b64encode(
                json.dumps(PARTIAL).encode()).decode()}]})
        task_id = response.get_json()["id"]
        assert listener.wait_for("new_task") == [({"id": task_id, "parent_id": None},)]
        assert ({"run_id": 1},) in listener.wait_for("status_update")
        assert not any(e == "task_created" for e, _ in listener.events)
    finally:
        listener.sio.disconnect()
        server.stop()


@pytest.mark.parametrize("which,expected", [("expired", ["expired_token"]),
                                            ("forged", ["invalid_token"]),
                                            ("garbage", [])])
def test_bad_tokens_told_as_4x_tells_them_refused_in_3x(v6_network, v3, which, expected):
    """4.15.2's on_connect: ExpiredSignatureError -> expired_token, InvalidSignatureError ->
    invalid_token, anything else is only logged; the socket stays connected and joins nothing."""
    import jwt as pyjwt

    good = v6_network.login(*JOHN)
    claims = pyjwt.decode(good, options={"verify_signature": False})
    token = {"expired": pyjwt.encode({**claims, "exp": claims["iat"] - 60},
                                     v6_network.vantage6.server.tokens.secret, "HS256"),
             "forged": good[:-8] + "AAAAAAAA",
             "garbage": "not-a-token"}[which]
    server = v6_network.serve()
    listener = _Listener(server.url, token)
    try:
        if expected:
            listener.wait_for(expected[0])
        listener.sio.emit("join_room", "collaboration_1", namespace="/tasks")
        time.sleep(0.3)
        assert [e for e, _ in listener.events] == expected
    finally:
        listener.sio.disconnect()
        server.stop()
    server = v3.serve()
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            _Listener(server.url, token)
    finally:
        server.stop()


def test_join_room_only_for_allowed_rooms_and_status_goes_offline(v3):
    server = v3.serve()
    root = _Listener(server.url, v3.login("root", "root"))
    john = _Listener(server.url, v3.login(*JOHN))
    try:
        john.wait_for("message")
        john.sio.emit("join_room", "collaboration_99", namespace="/tasks")  # not allowed
        john.sio.emit("leave_room", "collaboration_1", namespace="/tasks")
        root.wait_for("message", 2)  # root is in collaboration_1 (event receive, global)
        assert ("john-doe left room collaboration_1",) in root.wait_for("message", 3)
        john.sio.emit("join_room", "collaboration_1", namespace="/tasks")
        assert ("User <john-doe> joined room <collaboration_1>",) in root.wait_for("message", 4)
        assert v3.vantage6.state.users[2].status == "online"
        john.sio.disconnect()
        deadline = time.time() + 5
        while v3.vantage6.state.users[2].status != "offline" and time.time() < deadline:
            time.sleep(0.02)
        assert v3.vantage6.state.users[2].status == "offline"
    finally:
        root.sio.disconnect()
        server.stop()


def test_socket_server_follows_a_reset(v3):
    server = v3.serve()
    try:
        v3.reset()
        listener = _Listener(server.url, v3.login(*JOHN))
        token = v3.login(*JOHN)
        v3.request("POST", "/api/task", token=token, json={
            "name": "x", "image": IMAGE, "collaboration_id": 1, "input": PARTIAL})
        assert listener.wait_for("new_task") == [(1,)]
        assert listener.wait_for("task_created")[0][0]["task_id"] == 1
        listener.sio.disconnect()
    finally:
        server.stop()

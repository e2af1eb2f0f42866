"""What a 5.x node does with a run, and with a failing one: statuses, logs and results as a
5.0.3 node reports them (failures are data, never an exception in the test), preprocessing that
changes a dataframe, a dataframe deleted on the nodes, kill, and isolated runs."""
from __future__ import annotations

import base64
import json

import pandas as pd
import pytest

from simulator import Network
from tests.v5.helpers import FRAMES, IMAGE

MISBEHAVING = "registry.example.org/misbehaving"


BOTH_MODES = pytest.mark.parametrize("net", ["in-process", "isolated"], indirect=True)


@pytest.fixture
def net(request):
    """In process; ``BOTH_MODES`` runs a test in isolated mode too (a subprocess per run, about
    a second each: kept to the tests where the mode could matter)."""
    execution = getattr(request, "param", "in-process")
    with Network.from_scenario("demo", profile="5.x", execution=execution) as network:
        network.vantage6.algorithms.register(MISBEHAVING, "tests.algorithms.misbehaving5")
        yield network


@pytest.fixture
def token(net):
    return net.keycloak.realm("vantage6").mint("john-doe")


def call(net, token, method, path, body=None, **params):
    response = net.request(method, f"/api{path}", json=body, token=token, params=params)
    return response.status, response.get_json()


def b64(obj) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def make_dataframe(net, token, method="read_csv", image=IMAGE, orgs=(2, 3, 4), name=None):
    status, session = call(net, token, "POST", "/session", {"collaboration_id": 1,
                                                            "scope": "own"})
    assert status == 201, session
    body = {"label": "default", "task": {"image": image, "method": method,
                                         "organizations": [{"id": o, "arguments": b64({})}
                                                           for o in orgs]}}
    if name:
        body["name"] = name
    status, df = call(net, token, "POST", f"/session/{session['id']}/dataframe", body)
    assert status == 201, df
    return session, df


def compute(net, token, session, df, method, arguments, orgs=(2, 3, 4), image=MISBEHAVING,
            action="federated_compute"):
    status, task = call(net, token, "POST", "/task", {
        "name": "t", "image": image, "method": method, "session_id": session["id"],
        "collaboration_id": 1, "action": action,
        "organizations": [{"id": o, "arguments": b64(arguments)} for o in orgs],
        "databases": [[{"type": "dataframe", "dataframe_id": df["id"]}]] if df else []})
    assert status == 201, task
    return task


def runs_of(net, token, task_id):
    status, body = call(net, token, "GET", "/run", task_id=task_id)
    return sorted(body["data"], key=lambda r: r["organization"]["id"])


@BOTH_MODES
def test_a_crash_is_the_runs_status_with_every_pods_log(net, token):
    session, df = make_dataframe(net, token)
    task = compute(net, token, session, df, "boom", {"message": "no such column"})
    first, *siblings = runs_of(net, token, task["id"])
    assert first["status"] == "crashed"
    # the nodes work one after the other here: the crash fails its siblings that had not
    # started yet (HQ's fail-fast)
    assert [(r["status"], r["log"]) for r in siblings] == [("failed", (
        f"Marked as failed because sibling run id={first['id']} failed with status "
        "'crashed'."))] * 2
    log = first["log"]
    # Kubernetes starts a failing pod 1 + 3 times; the node reports every pod's log
    assert log.count("LOGS of POD vantage6-run-") == 4
    assert "no such column" in log and "about to fail" in log
    assert call(net, token, "GET", f"/task/{task['id']}/status")[1] == {"status": "failed"}


@BOTH_MODES
def test_a_result_that_is_not_json_crashes_the_run(net, token):
    session, df = make_dataframe(net, token)
    task = compute(net, token, session, None, "numpy_result", {}, orgs=(2,))
    [run] = runs_of(net, token, task["id"])
    assert run["status"] == "crashed" and "TypeError" in run["log"]


def test_an_undecorated_function_is_refused_by_the_wrapper(net, token):
    session, df = make_dataframe(net, token)
    task = compute(net, token, session, None, "undecorated", {}, orgs=(2,))
    [run] = runs_of(net, token, task["id"])
    assert run["status"] == "crashed"
    assert "is not decorated with a vantage6 decorator" in run["log"]


def test_an_image_no_node_has_stays_non_existing(net, token):
    session, df = make_dataframe(net, token)
    task = compute(net, token, session, df, "anything", {}, image="registry.example.org/nope")
    first, *siblings = runs_of(net, token, task["id"])
    assert first["status"] == "non-existing Docker image"
    assert first["finished_at"] is None  # its pod never leaves ImagePullBackOff
    assert {r["status"] for r in siblings} == {"failed"}  # fail-fast


def test_extraction_output_that_is_no_table_is_unexpected_output(net, token):
    session, df = make_dataframe(net, token, method="not_a_table", image=MISBEHAVING)
    status, body = call(net, token, "GET", f"/session/dataframe/{df['id']}")
    assert body["ready"] is False and body["organizations_ready"] == []
    first, *siblings = runs_of(net, token, body["last_session_task"]["id"])
    assert first["status"] == "crashed"  # @data_extraction: DataTypeError
    assert "DataTypeError" in first["log"] or "not a table" in first["log"]
    # and a compute task on that dataframe is refused: it exists on no node
    status, body = call(net, token, "POST", "/task", {
        "image": MISBEHAVING, "method": "column_sum", "session_id": session["id"],
        "collaboration_id": 1, "action": "federated_compute",
        "organizations": [{"id": 2, "arguments": b64({"column": "age"})}],
        "databases": [[{"type": "dataframe", "dataframe_id": df["id"]}]]})
    assert (status, body) == (400, {"msg": (
        "The dataframe you selected is not present for the following organizations: 2. Cannot "
        "create a task if the dataframe is not present for all requested organizations.")})


def test_a_token_only_for_central_steps(net, token):
    session, df = make_dataframe(net, token)
    task = compute(net, token, session, None, "client_in_federated", {}, orgs=(2,))
    [run] = runs_of(net, token, task["id"])
    assert run["status"] == "crashed" and "Token not found" in run["log"]


@BOTH_MODES
def test_preprocessing_changes_the_dataframe_on_every_node(net, token):
    session, df = make_dataframe(net, token)
    status, body = call(net, token, "POST", f"/session/dataframe/{df['id']}/preprocess", {
        "dataframe_id": df["id"], "task": {
            "image": MISBEHAVING, "method": "add_column",
            "organizations": [{"id": o, "arguments": b64({"name": "one", "value": 1.0})}
                              for o in (2, 3, 4)]}})
    assert status == 201, body
    step = body["last_session_task"]
    assert step["action"] == "preprocessing" and step["depends_on"] == [df["last_session_task"]["id"]]
    status, body = call(net, token, "GET", f"/session/dataframe/{df['id']}")
    assert body["ready"] and sorted(body["organizations_ready"]) == [2, 3, 4]
    assert {c["name"] for c in body["columns"]} == set(FRAMES[2].columns) | {"one"}
    task = compute(net, token, session, df, "column_sum", {"column": "one"})
    sums = [json.loads(base64.b64decode(r["result"])) for r in
            call(net, token, "GET", "/result", task_id=task["id"])[1]["data"]]
    assert sorted(s["sum"] for s in sums) == sorted(float(len(f)) for f in FRAMES.values())


def test_a_deleted_dataframe_is_gone_from_the_nodes(net, token):
    session, df = make_dataframe(net, token, name="to_delete")
    assert call(net, token, "DELETE", f"/session/dataframe/{df['id']}") == (
        200, {"msg": f"Successfully deleted dataframe to_delete from session {session['id']}"})
    for node in net.nodes:
        folder = node.data_dir() / "sessions" / f"session{session['id']:09d}"
        assert not (folder / "to_delete.parquet").exists()
        state = pd.read_parquet(folder / "session_state.parquet")
        assert list(state["action"])[-1] == "delete"


@BOTH_MODES
def test_the_container_environment_of_a_5x_node(net, token):
    session, df = make_dataframe(net, token)
    names = ["ALGORITHM_METHOD", "FUNCTION_ACTION", "NODE_ID", "ORGANIZATION_ID",
             "COLLABORATION_ID", "TASK_ID", "USER_REQUESTED_DATAFRAMES", "API_PATH"]
    task = compute(net, token, session, df, "environment", {"names": names}, orgs=(3,),
                   action="central_compute")
    [run] = runs_of(net, token, task["id"])
    assert run["status"] == "completed", run["log"]
    seen = json.loads(base64.b64decode(call(net, token, "GET", "/result",
                                            task_id=task["id"])[1]["data"][0]["result"]))
    node = net.nodes.of(organization=3)
    assert {k: v for k, v in seen["decoded"].items() if k != "API_PATH"} == {
        "ALGORITHM_METHOD": "environment", "FUNCTION_ACTION": "central_compute",
        "NODE_ID": str(node.id), "ORGANIZATION_ID": "3", "COLLABORATION_ID": "1",
        "TASK_ID": str(task["id"]), "USER_REQUESTED_DATAFRAMES": df["name"]}
    # wrap_algorithm decoded the node's base32 encoding in place before the function ran
    assert seen["raw"]["NODE_ID"] == str(node.id)


def test_kill_stops_the_runs_of_a_task(net, token):
    session, df = make_dataframe(net, token)
    net.nodes.of(organization=4).go_offline()
    task = compute(net, token, session, df, "column_sum", {"column": "age"})
    assert call(net, token, "GET", f"/task/{task['id']}/status")[1] == {"status": "awaiting"}
    admin = net.keycloak.realm("vantage6").mint("admin")
    assert call(net, admin, "POST", "/kill/task", {"id": task["id"]}) == (
        200, {"msg": f"Nodes have been instructed to kill any containers running for task "
                     f"{task['id']}."})
    statuses = {r["organization"]["id"]: r["status"] for r in runs_of(net, token, task["id"])}
    assert statuses == {2: "completed", 3: "completed", 4: "killed by user"}
    assert call(net, token, "GET", f"/task/{task['id']}/status")[1] == {"status": "failed"}


def test_injected_faults_speak_5x(net, token):
    session, df = make_dataframe(net, token)
    net.faults.crash(organization=3, message="disk full")
    task = compute(net, token, session, df, "column_sum", {"column": "age"}, orgs=(3,))
    [run] = runs_of(net, token, task["id"])
    assert run["status"] == "crashed"
    assert "Error encountered while calling column_sum: disk full" in run["log"]
    net.faults.server_error(path="/api/session$", method="GET")
    assert call(net, token, "GET", "/session") == (500, {"msg": "An unexpected error occurred!"})


@BOTH_MODES
def test_a_run_sees_no_other_organizations_files(net, token):
    """Another organization's database and its node's session folder are not in this run's
    container; its own database is."""
    session, df = make_dataframe(net, token)
    own = net.nodes.of(organization=2).setup.databases[0]["uri"]
    theirs = net.nodes.of(organization=3).setup.databases[0]["uri"]
    node3 = net.nodes.of(organization=3)
    session3 = node3.data_dir() / "sessions" / f"session{session['id']:09d}"
    frames3 = sorted(str(p) for p in session3.glob("*.parquet"))
    assert frames3  # outside a run they are there
    task = compute(net, token, session, None, "read_files",
                   {"paths": [own, theirs, *frames3]}, orgs=(2,))
    [run] = runs_of(net, token, task["id"])
    assert run["status"] == "completed", run["log"]
    status, results = call(net, token, "GET", "/result", task_id=task["id"])
    seen = json.loads(base64.b64decode(results["data"][0]["result"]))
    assert isinstance(seen.pop(own), int)
    assert seen == {path: "FileNotFoundError" for path in [theirs, *frames3]}

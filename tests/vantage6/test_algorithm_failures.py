"""An algorithm's failure is data: the run statuses, logs and task statuses the real node (4.15.2)
and server give, never an exception in the test session."""
from __future__ import annotations

import json
import threading
import time

import pandas as pd
import pytest

from tests.helpers import RESEARCHER, decoded_results, federation, make_client, quiet, run_task

MISBEHAVING = "test/misbehaving"
FRAMES = [pd.DataFrame({"age": [30, 40, 50, 60, 70, 80]}),
          pd.DataFrame({"age": [20, 25, 35, 45, 55, 65, 75]})]


@pytest.fixture
def net(tmp_path):
    with federation(tmp_path, FRAMES) as network:
        yield network


@pytest.fixture
def res(net):
    with net.intercept():
        yield make_client(*RESEARCHER)


def runs_of(client, task_id: int) -> dict[int, dict]:
    """organization id -> run."""
    return {r["organization"]["id"]: r for r in client.run.from_task(task_id)["data"]}


def test_an_exception_crashes_the_run_with_its_traceback(res):
    task, results = run_task(res, "boom", [2], image=MISBEHAVING, message="no such column")
    run = runs_of(res, task["id"])[2]
    assert run["status"] == "crashed" and run["finished_at"] is not None
    # what wrap_algorithm prints, then the traceback (stderr), then its odd "error > None"
    assert "info > about to fail\nerror > Error encountered while calling boom: no such column\n" \
        in run["log"]
    assert "Traceback (most recent call last):" in run["log"]
    assert "ValueError: no such column\nerror > None\n" in run["log"]
    assert results["data"][0]["result"] == ""  # the node sends the empty output
    assert res.task.get(task["id"])["status"] == "crashed"


def test_a_result_that_is_not_json_serializable_crashes_the_run(res):
    task, results = run_task(res, "numpy_result", [2], image=MISBEHAVING)
    run = runs_of(res, task["id"])[2]
    assert run["status"] == "crashed"
    assert run["log"].rstrip().endswith(
        "TypeError: Object of type int64 is not JSON serializable")
    assert results["data"][0]["result"] == ""


@pytest.mark.parametrize("code,status", [(0, "completed"), (3, "crashed")])
def test_exit_codes_decide_the_status(res, code, status):
    task, results = run_task(res, "exits", [2], image=MISBEHAVING, args=[code])
    assert runs_of(res, task["id"])[2]["status"] == status
    assert results["data"][0]["result"] == ""  # nothing written to the output file


def test_a_crash_fails_the_siblings_that_have_not_started(res):
    # org 2's run crashes before org 3's node starts its run: fail-fast on the server
    task, _ = run_task(res, "partial_stats", [2, 3], image="test/column-stats", columns=["nope"])
    runs = runs_of(res, task["id"])
    assert runs[2]["status"] == "crashed" and "InputError: Columns not in the data" in runs[2]["log"]
    assert runs[3]["status"] == "failed"
    assert runs[3]["log"] == (f"Marked as failed because sibling run id={runs[2]['id']} failed "
                              "with status 'crashed'.")
    assert runs[3]["started_at"] is None
    assert res.task.get(task["id"])["status"] == "failed"  # mixed failure reasons


def test_an_image_without_an_algorithm_is_a_non_existing_docker_image(res):
    task, results = run_task(res, "anything", [2], image="registry.example.org/unknown:1.0")
    run = runs_of(res, task["id"])[2]
    assert (run["status"], run["log"]) == ("non-existing Docker image",
                                           "Container failed. Check node logs for details")
    assert run["started_at"] and run["finished_at"]
    assert results["data"][0]["result"] == ""
    assert res.task.get(task["id"])["status"] == "non-existing Docker image"


@pytest.mark.parametrize("policies,allowed", [
    ({"allowed_algorithms": ["other/image"]}, False),
    ({"allowed_algorithms": ["harbor2.vantage6.ai/demo/average"]}, True),
    ({"allowed_algorithms": ["^harbor2\\.vantage6\\.ai/demo/.*"]}, True),
    ({"allowed_algorithms": "^registry\\.example\\.org/.*"}, False),
    ({"allowed_users": [99]}, False),
    ({"allowed_users": ["2"]}, True),  # res is user 2 (root is 1; users come before nodes)
    ({"allowed_organizations": [3]}, False),
    ({"allowed_organizations": ["org2"]}, True),  # by name, looked up through the server
    ({"allowed_algorithm_stores": ["https://store.example.org"]}, False),
    ({"allowed_algorithm_stores": ["https://store.example.org"],
      "allowed_algorithms": ["harbor2.vantage6.ai/demo/average"],
      "allow_either_whitelist_or_store": True}, True),
])
def test_node_policies(tmp_path, policies, allowed):
    with federation(tmp_path, FRAMES, nodes={1: {"policies": policies}}) as net, net.intercept():
        res = make_client(*RESEARCHER)
        assert res.whoami.id_ == 2
        task, results = run_task(res, "partial_average", [2, 3], column_name="age")
        runs = runs_of(res, task["id"])
        assert runs[2]["status"] == "completed"
        run = runs[3]
        if allowed:
            assert run["status"] == "completed"
            return
        assert (run["status"], run["log"], run["result"] if "result" in run else None) == (
            "not allowed", None, None)
        assert run["started_at"] and run["finished_at"]  # finished, so never picked up again
        assert res.task.get(task["id"])["status"] == "not allowed"
        assert len(decoded_results(results)) == 1


def test_an_offline_node_runs_its_work_when_it_comes_online(tmp_path):
    with federation(tmp_path, FRAMES, nodes={1: {"online": False}}) as net, net.intercept():
        res = make_client(*RESEARCHER)
        assert [n["status"] for n in res.node.list()["data"]] == ["online", "offline"]
        task = res.task.create(organizations=[2, 3], name="avg", image="harbor2.vantage6.ai/demo/"
                               "average", description="", collaboration=1, databases="default",
                               input_={"method": "partial_average",
                                       "kwargs": {"column_name": "age"}})
        runs = runs_of(res, task["id"])
        assert (runs[2]["status"], runs[3]["status"]) == ("completed", "pending")
        assert runs[3]["started_at"] is None
        assert res.task.get(task["id"])["status"] == "pending"

        net.nodes.of(organization=3).go_online()
        runs = runs_of(res, task["id"])
        assert runs[3]["status"] == "completed"
        assert res.task.get(task["id"])["status"] == "completed"
        got = {runs_of(res, task["id"])[org]["id"]: org for org in (2, 3)}
        for run_id, result in decoded_results(quiet(res.wait_for_results, task["id"])).items():
            frame = FRAMES[got[run_id] - 2]
            assert result == {"sum": float(frame["age"].sum()), "count": len(frame)}


def test_killing_a_task_whose_node_is_offline(tmp_path):
    with federation(tmp_path, FRAMES, nodes={1: {"online": False}}) as net, net.intercept():
        res, admin = make_client(*RESEARCHER), make_client("admin", RESEARCHER[1])
        task = res.task.create(organizations=[3], name="avg", image="harbor2.vantage6.ai/demo/"
                               "average", description="", collaboration=1, databases="default",
                               input_={"method": "partial_average",
                                       "kwargs": {"column_name": "age"}})
        # a Researcher may not kill (no event send rule); a Collaboration Admin may
        refused = net.request("POST", "/api/kill/task", json={"id": task["id"]},
                              token=net.login(*RESEARCHER))
        assert (refused.status, refused.get_json()) == (
            401, {"msg": "You lack the permission to do that!"})
        res.task.kill(task["id"])  # the client returns None either way
        assert runs_of(res, task["id"])[3]["status"] == "pending"
        admin.task.kill(task["id"])
        run = runs_of(res, task["id"])[3]
        assert run["status"] == "killed by user" and run["finished_at"] is not None
        net.nodes.of(organization=3).go_online()  # a killed run is not open: never started
        run = runs_of(res, task["id"])[3]
        assert (run["status"], run["started_at"]) == ("killed by user", None)
        assert res.task.get(task["id"])["status"] == "killed by user"


@pytest.mark.parametrize("execution", ["in-process", "isolated"])
def test_killing_a_running_task(tmp_path, execution):
    """The task is created from another thread (its POST returns once its runs are done); the
    kill arrives while the algorithm runs. An isolated container is stopped at once."""
    with federation(tmp_path, FRAMES, execution=execution) as net, net.intercept():
        res, admin = make_client(*RESEARCHER), make_client("admin", RESEARCHER[1])
        seconds = 0.5 if execution == "in-process" else 30
        created = {}

        def create():
            created["task"] = res.task.create(
                organizations=[2], name="slow", image=MISBEHAVING, description="",
                collaboration=1, input_={"method": "sleep", "args": [seconds]})

        worker = threading.Thread(target=create)
        started = time.monotonic()
        worker.start()
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            runs = net.vantage6.state.runs
            if runs and next(iter(runs.values())).status == "active":
                break
            time.sleep(0.01)
        (run,) = net.vantage6.state.runs.values()
        assert run.status == "active"
        admin.task.kill(run.task.id)
        worker.join(timeout=20)
        assert not worker.is_alive() and time.monotonic() - started < 15
        run_doc = runs_of(res, run.task.id)[2]
        assert run_doc["status"] == "killed by user"  # the late outcome was not reported
        assert res.task.get(run.task.id)["status"] == "killed by user"
        assert res.result.from_task(run.task.id)["data"][0]["result"] is None


def test_the_node_proxy_hides_the_servers_errors(res):
    """A subtask the server refuses reaches the algorithm as the proxy's 500, not the message."""
    task, results = run_task(res, "subtask_error", [2], image=MISBEHAVING)
    assert decoded_results(results) == {
        runs_of(res, task["id"])[2]["id"]: {"msg": "Request failed, see node logs"}}
    assert res.task.list(parent=task["id"])["data"] == []  # nothing was created


def test_result_get_through_the_proxy_fails_as_on_a_real_node(res):
    """4.15.2's proxy route for GET /result/<id> has a misnamed parameter: a 500 HTML page,
    which AlgorithmClient.result.get cannot decode."""
    task, _ = run_task(res, "read_result_by_id", [2], image=MISBEHAVING)
    run = runs_of(res, task["id"])[2]
    assert run["status"] == "crashed"
    assert "JSONDecodeError" in run["log"]


def test_the_session_survives_everything(res, net):
    """After all that, the network and the client still work."""
    for method in ("boom", "numpy_result", "exits"):
        run_task(res, method, [2], image=MISBEHAVING, **({} if method != "exits" else {}))
    task, results = run_task(res, "partial_average", [2, 3], column_name="age")
    assert sorted(r["count"] for r in decoded_results(results).values()) == [6, 7]
    assert json.loads(results["data"][0]["result"])["count"] in (6, 7)


def test_a_kill_that_arrives_before_the_container_starts_still_wins(tmp_path):
    """The node reports 'active' before the process exists; a kill in that window must stop it."""
    from simulator.vantage6.runtime.data_cache import DataCache
    from simulator.vantage6.runtime.environment import prepare_run_folder
    from simulator.vantage6.runtime.executors import IsolatedExecutor, RunJob

    executor = IsolatedExecutor()
    folder = prepare_run_folder(tmp_path, 7, b'{"method": "sleep", "args": [30]}', "t")
    job = RunJob(7, "tests.algorithms.misbehaving", {}, folder, DataCache(), tmp_path / "c")
    assert executor.kill(7) is False  # nothing to stop yet
    started = time.monotonic()
    outcome = executor.execute(job)
    assert outcome.killed and time.monotonic() - started < 1
    assert executor._cancelled == set()  # consumed, not kept

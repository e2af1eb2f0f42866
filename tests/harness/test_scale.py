"""Scale: the same results whichever executor runs the nodes' work; a bounded load of concurrent
clients in server mode loses and duplicates nothing; indexes keep a node's own query small."""
from __future__ import annotations

import base64
import json

import pandas as pd
import pytest

from simulator.datagen import generate
from simulator.loadgen import run_load
from simulator.network import Network
from tests.helpers import decoded_results, make_client, run_task

RESEARCHER = ("researcher", "Researcher-pass1")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("data"), organizations=4, rows=300, seed=5)


def _results_with(executor: str, scenario) -> dict:
    with Network.from_scenario(scenario, executor=executor, workers=3) as net, net.intercept():
        client = make_client(*RESEARCHER)
        task, partial = run_task(client, "partial_average", [2, 3, 4, 5], column_name="age")
        runs = {r["id"]: r["organization"]["id"] for r in client.run.from_task(task["id"])["data"]}
        _, central = run_task(client, "central_average", [3], column_name="bmi")
        return {"partials": {runs[i]: v for i, v in decoded_results(partial).items()},
                "central": list(decoded_results(central).values()),
                "statuses": sorted(t["status"] for t in net.tasks())}


@pytest.mark.parametrize("executor", ["threads", "processes", "ray"])
def test_every_executor_gives_the_same_results(generated, executor):
    if executor == "ray":
        pytest.importorskip("ray", reason="Ray is not installed (pip install '.[ray]')")
    expected = _results_with("inline", generated.scenario)
    pooled = pd.concat(pd.read_csv(p) for p in generated.files)
    assert expected["central"][0]["average"] == pytest.approx(pooled["bmi"].sum() / len(pooled))
    assert expected["statuses"] == ["completed"] * 3
    assert _results_with(executor, generated.scenario) == expected


def test_concurrent_clients_in_server_mode_lose_and_duplicate_nothing(generated):
    """32 clients x 25 mixed calls (create tasks that really run, read them back, list)."""
    with Network.from_scenario(generated.scenario, executor="threads", workers=4) as net:
        server = net.serve(port=0)
        try:
            report = run_load(net, f"{server.url}/api", net.login(*RESEARCHER), [2, 3, 4, 5],
                              "harbor2.vantage6.ai/demo/average", threads=32, calls=25,
                              timeout=240)
        finally:
            server.stop()
        assert report.problems == []
        assert len(report.created) == 32 * 5  # every client made all its task creations
        assert (report.lost, report.duplicated, report.unfinished, report.missing_results) == (
            0, 0, 0, 0)
        runs = net.runs()
        assert len(runs) == 2 * len(report.created)
        assert all(r["status"] == "completed" for r in runs)
        assert len(net.events.events("run_finished")) == len(runs)


def test_a_node_asks_for_its_run_of_a_task_without_scanning_the_task():
    """GET /run?node_id=&task_id= (what every node asks) looks its run up by organization."""
    organizations = list(range(2, 202))
    scenario = {
        "organizations": [{"id": i, "name": f"o{i}"} for i in organizations],
        "collaborations": [{"id": 1, "name": "c", "organizations": organizations}],
        "nodes": [{"organization": i, "collaboration": 1} for i in organizations],
        "users": [{"username": "res", "password": "Password1!", "organization": 2,
                   "roles": ["Researcher"]}]}
    with Network(scenario, nodes="manual") as net:
        token = net.login("res", "Password1!")
        payload = base64.b64encode(b'{"method": "m"}').decode()
        task = net.request("POST", "/api/task", token=token, json={
            "image": "x", "collaboration_id": 1,
            "organizations": [{"id": i, "input": payload} for i in organizations]}).get_json()
        scanned = []

        class Counting(list):
            def __iter__(self):
                scanned.append(len(self))
                return super().__iter__()

        state_task = net.vantage6.state.tasks[task["id"]]
        state_task.runs = Counting(state_task.runs)
        node = net.vantage6.state.collaborations[1].node_of(150)
        node_token = net.request("POST", "/api/token/node",
                                 json={"api_key": net.node_api_key(organization=150)}
                                 ).get_json()["access_token"]
        page = net.request("GET", "/api/run", token=node_token, params={
            "state": "open", "node_id": node.id, "task_id": task["id"]}).get_json()
        assert [r["organization"]["id"] for r in page["data"]] == [150]
        assert scanned == []  # the task's 200 runs were not walked through

"""Scale: the same results whichever executor runs the nodes' work; a bounded load of concurrent
clients in server mode loses and duplicates nothing; indexes keep a node's own query small."""
from __future__ import annotations

import base64
import json
import threading

import pandas as pd
import pytest
import requests

from simulator.datagen import generate
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
    threads, calls = 32, 25
    with Network.from_scenario(generated.scenario, executor="threads", workers=4) as net:
        server = net.serve(port=0)
        api = f"{server.url}/api"
        token = net.login(*RESEARCHER)
        headers = {"Authorization": f"Bearer {token}"}
        payload = base64.b64encode(json.dumps({"method": "partial_average", "kwargs": {
            "column_name": "age"}}).encode()).decode()
        created: list[list[int]] = [[] for _ in range(threads)]
        failures: list[str] = []

        def client(index: int) -> None:
            with requests.Session() as session:
                session.headers.update(headers)
                for call in range(calls):
                    kind = call % 5
                    if kind == 0:
                        orgs = [2 + (index + call) % 4, 2 + (index + call + 1) % 4]
                        r = session.post(f"{api}/task", json={
                            "name": f"t{index}-{call}", "image": "harbor2.vantage6.ai/demo/"
                            "average", "collaboration_id": 1, "databases": [{"label": "default"}],
                            "organizations": [{"id": o, "input": payload} for o in orgs]})
                        if r.status_code != 201:
                            failures.append(f"POST /task {r.status_code} {r.text[:200]}")
                        else:
                            created[index].append(r.json()["id"])
                    elif kind == 1 and created[index]:
                        r = session.get(f"{api}/result", params={"task_id": created[index][-1]})
                        results = r.json()["data"]
                        if len(results) != 2 or not all(x["result"] for x in results):
                            failures.append(f"results of {created[index][-1]}: {results}")
                    elif kind == 2:
                        r = session.get(f"{api}/task", params={"per_page": 5})
                        if r.status_code != 200:
                            failures.append(f"GET /task {r.status_code}")
                    elif kind == 3:
                        r = session.get(f"{api}/organization/{2 + index % 4}")
                        if r.status_code != 200:
                            failures.append(f"GET /organization {r.status_code}")
                    elif created[index]:
                        r = session.get(f"{api}/task/{created[index][-1]}/status")
                        if r.json() != {"status": "completed"}:
                            failures.append(f"status {r.json()}")

        workers = [threading.Thread(target=client, args=(i,)) for i in range(threads)]
        try:
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join(timeout=240)
        finally:
            server.stop()
        assert not any(w.is_alive() for w in workers)
        assert failures == []
        mine = [task_id for ids in created for task_id in ids]
        assert len(mine) == threads * 5 and len(set(mine)) == len(mine)  # nothing duplicated
        tasks = net.tasks()
        assert sorted(t["id"] for t in tasks) == sorted(mine)  # nothing lost, nothing extra
        assert all(t["status"] == "completed" for t in tasks)
        runs = net.runs()
        assert len(runs) == 2 * len(mine) and all(r["status"] == "completed" for r in runs)
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

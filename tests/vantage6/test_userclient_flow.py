"""The real vantage6-client 4.15.2 UserClient, unmodified, through the whole seed flow:
in process (no socket opened) and against ``python -m simulator serve``."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from simulator.network import Network
from tests.helpers import IMAGE, JOHN, answer_as_nodes, make_client, node_keys, quiet

PAGE_KEYS = {"data", "links"}
DEMO_DATA = Path(__file__).resolve().parents[2] / "fixtures" / "demo"


def partial_sum(run: dict, input_: dict) -> dict:
    """What the demo average algorithm's partial function returns, computed from the node's CSV."""
    org = run["organization"]["id"]
    frame = pd.read_csv(DEMO_DATA / f"org{org - 1}.csv")
    column = input_["kwargs"]["column_name"]
    return {"sum": int(frame[column].sum()), "count": int(frame[column].count())}


def seed_flow(client, root, api_url: str, keys: dict[int, str]) -> None:
    study = root.study.create(name="age-study", organizations=[2, 3], collaboration=1)
    assert [o["id"] for o in study["organizations"]] == [2, 3]

    # look around, with filters and fields=
    collabs = client.collaboration.list()
    assert set(collabs) == PAGE_KEYS
    assert [c["name"] for c in collabs["data"]] == ["example_collab1"]
    assert client.collaboration.get(1)["organizations"] == "/api/organization?collaboration_id=1"
    client.setup_collaboration(1)

    orgs = client.organization.list(fields=["id", "name"])
    assert orgs == [{"id": 2, "name": "example_org1"}, {"id": 3, "name": "example_org2"},
                    {"id": 4, "name": "example_org3"}]
    assert client.organization.get(3)["country"] == "BE"
    assert client.organization.list(name="%org2", fields=["id"]) == [{"id": 3}]

    nodes = client.node.list(fields=["id", "status"])
    assert [n["status"] for n in nodes] == ["offline"] * 3
    assert client.node.list(organization=3, fields=["name"]) == [
        {"name": "example_org2 - example_collab1 Node"}]
    node = client.node.get(nodes[0]["id"])
    assert node["organization"] == {"id": 2, "link": "/api/organization/2",
                                    "methods": ["DELETE", "GET", "PATCH"]}

    me = client.user.get()
    assert (me["username"], me["firstname"], me["organization"]["id"]) == ("john-doe", "John", 2)
    assert client.user.list(fields=["username"]) == [{"username": "john-doe"}]

    roles = client.role.list(fields=["name"])
    assert {"name": "Researcher"} in roles
    assert client.role.get(5)["name"] == "Researcher"
    rules = client.rule.list(role=5, per_page=50)
    assert len(rules["data"]) == 17  # the Researcher's 17 rules
    assert client.rule.get(33) == {"scope": "COLLABORATION", "operation": "CREATE",
                                   "users": "/api/user?rule_id=33", "id": 33, "name": "task",
                                   "description": "create a new task for collaborations in "
                                                  "which your organization participates with"}
    assert client.rule.list(operation="c", scope="col", name="task", fields=["id"]) == [{"id": 33}]
    assert client.study.list(fields=["id", "name"]) == [{"id": study["id"], "name": "age-study"}]
    assert client.study.get(study["id"])["organizations"] == (
        f"/api/organization?study_id={study['id']}")
    assert client.organization.list(study=study["id"], fields=["id"]) == [{"id": 2}, {"id": 3}]

    # the task, answered by the nodes through the node API
    task = client.task.create(organizations=[2, 3], name="avg", image=IMAGE, description="seed",
                              input_={"method": "partial_average",
                                      "kwargs": {"column_name": "age"}},
                              databases=[{"label": "default"}])
    assert (task["status"], task["name"], task["init_user"]["id"]) == ("pending", "avg", 2)
    assert task["databases"] == [{"label": "default", "parameters": "{}"}]
    assert client.task.get(task["id"])["runs"] == f"/api/run?task_id={task['id']}"

    answer_as_nodes(api_url, keys, partial_sum)
    results = quiet(client.wait_for_results, task["id"])

    # the real shapes: a page dict whose "result"s are JSON strings, run id descending
    assert set(results) == PAGE_KEYS
    assert [r["id"] for r in results["data"]] == [2, 1]
    assert all(isinstance(r["result"], str) for r in results["data"])
    got = {r["run"]["id"]: json.loads(r["result"]) for r in results["data"]}
    for run_id, org in ((1, 1), (2, 2)):
        frame = pd.read_csv(DEMO_DATA / f"org{org}.csv")
        assert got[run_id] == {"sum": frame["age"].sum(), "count": len(frame)}

    runs = client.run.from_task(task["id"])
    assert [r["status"] for r in runs["data"]] == ["completed", "completed"]
    assert json.loads(runs["data"][0]["input"])["method"] == "partial_average"
    assert json.loads(client.result.get(1)) == got[1]
    assert client.task.get(task["id"])["status"] == "completed"


def test_seed_flow_in_process_opens_no_socket(net, no_sockets):
    with net.intercept():
        client = make_client(*JOHN)
        seed_flow(client, make_client("root", "root"), net.api_url, node_keys(net))


def test_seed_flow_against_simulator_serve():
    """The CLI's server mode, in its own process, driven over loopback."""
    proc = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--scenario", "demo",
                             "--port", "0", "--nodes", "manual"], stdout=subprocess.PIPE,
                            text=True)
    try:
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/api")
        keys = {}
        for _ in range(3):  # "  node 3 (example_org1 - ...): api_key <uuid>"; node 3 is org 2's
            line = proc.stdout.readline().split()
            keys[int(line[1]) - 1] = line[-1]
        host, port = url[: -len("/api")].rsplit(":", 1)
        client = make_client(*JOHN, url=host, port=int(port))
        seed_flow(client, make_client("root", "root", url=host, port=int(port)), url, keys)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_server_mode_without_scenario_is_a_fresh_server():
    net = Network()
    server = net.serve(port=0)
    try:
        host, port = server.url.rsplit(":", 1)
        client = make_client("root", "root", url=host, port=int(port))
        assert client.whoami.name is None  # root has no firstname
        assert client.organization.list(fields=["id", "name"]) == [{"id": 1, "name": "root"}]
        assert client.util.get_server_version() == {"version": "4.15.2"}
        assert client.util.get_server_health() == {"database": True}
    finally:
        server.stop()


@pytest.mark.parametrize("username,password", [JOHN, ("root", "root")])
def test_whoami_matches_the_real_server(intercepted, username, password):
    client = make_client(username, password)
    expected_org = "example_org1" if username == "john-doe" else "root"
    assert client.whoami.organization_name == expected_org

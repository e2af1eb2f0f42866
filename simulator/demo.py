"""``python -m simulator demo``: the seed documents' flow on the demo scenario, in process.

The real vantage6 UserClient logs in as john-doe, looks around, creates a ``partial_average`` task
for every organization and collects the results. The nodes answer through the node API (scripted
nodes computing the partial sums from their own CSV); the demo then checks the federated mean
against pandas on the pooled data.
"""
from __future__ import annotations

import contextlib
import io

import pandas as pd

from simulator.network import Network
from simulator.vantage6.scripted_node import ScriptedNode

IMAGE = "harbor2.vantage6.ai/demo/average"
COLUMN = "age"


def _partial_average_from(databases: list[dict]):
    frame = pd.read_csv(databases[0]["uri"])

    def answer(run: dict, input_: dict) -> dict:
        column = input_.get("kwargs", {}).get("column_name", COLUMN)
        return {"sum": float(frame[column].sum()), "count": int(frame[column].count())}

    return answer


def run_demo(scenario: str = "demo") -> int:
    try:
        from vantage6.client import UserClient
    except ImportError:
        print("The demo drives the real vantage6 UserClient: pip install 'vantage6-client==4.15.2'")
        return 1

    network = Network.from_scenario(scenario)
    v6 = network.vantage6
    print(f"Simulated vantage6 {v6.api_path} at {network.api_url} (in process, no sockets)")
    with network.intercept():
        with contextlib.redirect_stdout(io.StringIO()):  # the client's banner and spinner
            client = UserClient("http://vantage6.test", 7601, "/api", log_level="error")
            client.authenticate("john-doe", "super-secret-password!")
        client.setup_encryption(None)
        print(f"Logged in as {client.whoami.name} of {client.whoami.organization_name}")
        collab = client.collaboration.list(fields=["id", "name"])[0]
        client.setup_collaboration(collab["id"])
        orgs = client.organization.list(fields=["id", "name"])
        nodes = client.node.list(fields=["id", "name", "status"])
        print(f"Collaboration {collab['name']}: {len(orgs)} organizations, {len(nodes)} nodes")

        task = client.task.create(
            organizations=[o["id"] for o in orgs], name="demo-average", image=IMAGE,
            description="seed flow", databases=[{"label": "default"}],
            input_={"method": "partial_average", "kwargs": {"column_name": COLUMN}})
        print(f"Task {task['id']} created with status {task['status']}")

        for setup in v6.node_setups.values():
            node = ScriptedNode(network.api_url, setup.api_key,
                                _partial_average_from(setup.databases))
            node.process()
        with contextlib.redirect_stdout(io.StringIO()):
            results = client.wait_for_results(task["id"])
        runs = {r["id"]: r for r in client.run.from_task(task["id"])["data"]}

    import json

    total = count = 0.0
    print(f"\n{'run':>4}  {'organization':<14} {'status':<10} {'sum':>10} {'count':>6}")
    for item in sorted(results["data"], key=lambda r: r["id"]):
        partial = json.loads(item["result"])
        run = runs[item["id"]]
        total, count = total + partial["sum"], count + partial["count"]
        print(f"{item['id']:>4}  {run['organization']['id']:<14} {run['status']:<10} "
              f"{partial['sum']:>10.1f} {partial['count']:>6}")
    pooled = pd.concat(pd.read_csv(s.databases[0]["uri"]) for s in v6.node_setups.values())
    federated, reference = total / count, float(pooled[COLUMN].mean())
    print(f"\nfederated mean {COLUMN} = {federated:.6f}")
    print(f"pooled pandas  {COLUMN} = {reference:.6f}  ({'equal' if abs(federated - reference) < 1e-9 else 'DIFFERENT'})")
    return 0 if abs(federated - reference) < 1e-9 else 1

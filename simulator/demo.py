"""``python -m simulator demo``: the seed documents' flow on the demo scenario, in process.

The real vantage6 UserClient logs in as john-doe, looks around, and runs the demo average
algorithm (image ``harbor2.vantage6.ai/demo/average``) on the simulated nodes: ``partial_average``
on every organization, then ``central_average``, which sends its own subtask to every organization
through the node proxy. Then the older dialect of the seed documents on the same scenario in the
vantage6 3.x profile: raw requests, ``organization_ids`` left out, ``complete`` polled, pickled
results from ``/task/{id}/result``, the 3.x methods ``RPC_average_partial`` and ``master``. All
results are checked against pandas on the pooled data. Then the vantage6 5.x flow (HQ 5.0.3, Keycloak
device flow, a session and a dataframe; ``demo_v5``), in the 5.x virtualenv when there is one.
"""
from __future__ import annotations

import base64
import contextlib
import io
import json
import pickle
import time

import pandas as pd

from simulator.demo_v5 import has_5x_clients, run_v5_demo, v5_mean_elsewhere
from simulator.network import Network

IMAGE = "harbor2.vantage6.ai/demo/average"
COLUMN = "age"


def run_demo(scenario: str = "demo", execution: str | None = None) -> int:
    if has_5x_clients():  # a 5.x interpreter: its own flow only (4.x and 3.x need 4.x clients)
        print(f"pooled pandas mean check: {run_v5_demo(scenario, execution):.6f}")
        return 0
    try:
        from vantage6.client import UserClient
    except ImportError:
        print("The demo drives the real vantage6 UserClient: pip install 'vantage6-client==4.15.2'")
        return 1

    with Network.from_scenario(scenario, execution=execution) as network, network.intercept():
        v6 = network.vantage6
        print(f"Simulated vantage6 at {network.api_url} (in process, no sockets); "
              f"algorithms run {v6.algorithms.default_mode}")
        with contextlib.redirect_stdout(io.StringIO()):  # the client's banner
            client = UserClient("http://vantage6.test", 7601, "/api", log_level="error")
            client.authenticate("john-doe", "super-secret-password!")
        client.setup_encryption(None)
        print(f"Logged in as {client.whoami.name} of {client.whoami.organization_name}")
        collab = client.collaboration.list(fields=["id", "name"])[0]
        client.setup_collaboration(collab["id"])
        orgs = client.organization.list(fields=["id", "name"])
        nodes = client.node.list(fields=["id", "name", "status"])
        print(f"Collaboration {collab['name']}: {len(orgs)} organizations, "
              f"{sum(n['status'] == 'online' for n in nodes)}/{len(nodes)} nodes online\n")

        def run(method: str, organizations: list[int]) -> tuple[dict, list[dict], float]:
            started = time.perf_counter()
            task = client.task.create(
                organizations=organizations, name=method, image=IMAGE, description="demo",
                databases=[{"label": "default"}],
                input_={"method": method, "kwargs": {"column_name": COLUMN}})
            with contextlib.redirect_stdout(io.StringIO()):  # the client's spinner
                results = client.wait_for_results(task["id"])
            elapsed = time.perf_counter() - started
            runs = {r["id"]: r for r in client.run.from_task(task["id"])["data"]}
            rows = [{"run": item["id"], "organization": runs[item["id"]]["organization"]["id"],
                     "status": runs[item["id"]]["status"], "result": json.loads(item["result"])}
                    for item in sorted(results["data"], key=lambda r: r["id"])]
            return task, rows, elapsed

        task, rows, elapsed = run("partial_average", [o["id"] for o in orgs])
        print(f"Task {task['id']} partial_average on every organization ({elapsed * 1000:.0f} ms)")
        print(f"{'run':>5}  {'organization':<13} {'status':<10} {'sum':>10} {'count':>6}")
        for row in rows:
            print(f"{row['run']:>5}  {row['organization']:<13} {row['status']:<10} "
                  f"{row['result']['sum']:>10.1f} {row['result']['count']:>6}")
        federated_partials = (sum(r["result"]["sum"] for r in rows)
                              / sum(r["result"]["count"] for r in rows))

        task, rows, elapsed = run("central_average", [orgs[0]["id"]])
        children = client.task.list(parent=task["id"], fields=["id"])
        central = rows[0]["result"]["average"]
        print(f"\nTask {task['id']} central_average on organization {orgs[0]['id']} "
              f"({elapsed * 1000:.0f} ms): {rows[0]['status']}, average {central:.6f}, "
              f"subtask {children[0]['id']} on every organization")

    v3_partials, v3_master = run_v3_demo(scenario, execution)
    results = [federated_partials, central, v3_partials, v3_master]
    v5_mean = v5_mean_elsewhere(scenario, execution)
    if v5_mean is not None:
        results.append(v5_mean)
    pooled = pd.concat(pd.read_csv(s.databases[0]["uri"]) for s in v6.node_setups.values())
    reference = float(pooled[COLUMN].mean())
    ok = all(abs(value - reference) < 1e-9 for value in results)
    print(f"\npooled pandas mean {COLUMN} = {reference:.6f}: "
          f"{f'all {len(results)} federated results are equal' if ok else 'DIFFERENT'}")
    return 0 if ok else 1


def run_v3_demo(scenario: str = "demo", execution: str | None = None) -> tuple[float, float]:
    """The raw-HTTP flow of the seed documents in the 3.x profile: (mean from the partials,
    master's mean)."""
    import requests

    with Network.from_scenario(scenario, execution=execution, profile="3.x") as network, \
            network.intercept():
        api = network.api_url
        tokens = requests.post(f"{api}/token/user", json={
            "username": "john-doe", "password": "super-secret-password!"}).json()
        headers = {"Authorization": f"Bearer {tokens['access_token']}"}
        version = requests.get(f"{api}/version").json()["version"]
        print(f"\nThe same scenario in the vantage6 {version} profile, raw requests:")

        def run(input_: dict, organization_ids=None) -> tuple[int, dict]:
            body = {"description": "demo", "image": IMAGE, "input": input_, "name": "average",
                    "collaboration_id": 1}
            if organization_ids is not None:
                body["organization_ids"] = organization_ids
            task_id = requests.post(f"{api}/task", json=body, headers=headers).json()["id"]
            while not requests.get(f"{api}/task/{task_id}", headers=headers).json()["complete"]:
                time.sleep(1)
            return task_id, {r["organization"]: pickle.loads(base64.b64decode(r["result"]))
                             for r in requests.get(f"{api}/task/{task_id}/result",
                                                   headers=headers).json()}

        task_id, partials = run({"method": "average_partial", "kwargs": {"column_name": COLUMN}})
        print(f"Task {task_id} RPC_average_partial on every organization (no organization_ids)")
        for org, partial in sorted(partials.items()):
            print(f"{'':>5}  {org:<13} {'':<10} {float(partial['sum']):>10.1f} "
                  f"{int(partial['count']):>6}")
        task_id, masters = run({"method": "master", "master": True,
                                "kwargs": {"column_name": COLUMN}}, organization_ids=[2])
        master = float(masters[2]["average"])
        print(f"Task {task_id} master on organization 2: average {master:.6f}")
    mean = (sum(float(p["sum"]) for p in partials.values())
            / sum(int(p["count"]) for p in partials.values()))
    return mean, master

"""Helpers for tests: the real UserClient, node-API drivers, small encoders."""
from __future__ import annotations

import base64
import contextlib
import io
import json

from simulator.network import Network
from simulator.vantage6.scripted_node import ScriptedNode

JOHN = ("john-doe", "super-secret-password!")
IMAGE = "harbor2.vantage6.ai/demo/average"


def b64json(obj) -> str:
    return base64.b64encode(json.dumps(obj).encode()).decode()


def make_client(username: str, password: str, url: str = "http://vantage6.test",
                port: int = 7601):
    """The real vantage6 UserClient, authenticated, with encryption set up (DummyCryptor)."""
    from vantage6.client import UserClient

    with contextlib.redirect_stdout(io.StringIO()):  # the client prints a banner
        client = UserClient(url, port, "/api", log_level="critical")
        client.authenticate(username, password)
    client.setup_encryption(None)
    return client


def node_keys(network: Network) -> dict[int, str]:
    """organization id -> api key of the scenario's nodes."""
    state = network.vantage6.state
    return {state.nodes[s.node_id].organization.id: s.api_key
            for s in network.vantage6.node_setups.values()}


def nodes_answer(network: Network, answer=None, organizations=None) -> list[dict]:
    """Let the scenario's nodes (or some of them) answer their open runs via the node API."""
    return answer_as_nodes(network.api_url, node_keys(network), answer, organizations)


def answer_as_nodes(api_url: str, keys: dict[int, str], answer=None, organizations=None):
    runs = []
    for org_id, api_key in keys.items():
        if organizations is None or org_id in organizations:
            runs += ScriptedNode(api_url, api_key, answer).process()
    return runs


def quiet(fn, *args, **kwargs):
    """Call a UserClient method that prints progress (wait_for_results) without the noise."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


# ---------------------------------------------------------------------- federations with data
RESEARCHER = ("res", "Password1!")
TEST_ALGORITHMS = {
    IMAGE: "simulator.algorithms.average",
    "test/misbehaving": "tests.algorithms.misbehaving",
    "test/column-stats": "tests.algorithms.v6_column_stats",
}


def federation(tmp_path, frames, *, databases=None, nodes=None, algorithms=None, **kwargs):
    """A network with one organization per DataFrame (ids 2, 3, ...) in collaboration 1, each
    with a node holding its frame as the CSV database ``default``; a researcher ``res`` in
    organization 2 and an admin ``admin`` (Collaboration Admin: may kill tasks).

    ``databases[i]`` adds more databases to node i; ``nodes[i]`` adds keys to node i's entry
    (``policies``, ``online``, ``algorithm_env``...)."""
    orgs, node_entries = [], []
    for i, frame in enumerate(frames):
        org_id = i + 2
        path = tmp_path / f"org{org_id}.csv"
        frame.to_csv(path, index=False)
        orgs.append({"id": org_id, "name": f"org{org_id}"})
        entry = {"organization": org_id, "collaboration": 1,
                 "databases": [{"label": "default", "uri": str(path), "type": "csv"}]
                 + list((databases or {}).get(i, []))}
        entry.update((nodes or {}).get(i, {}))
        node_entries.append(entry)
    scenario = {
        "organizations": orgs,
        "collaborations": [{"id": 1, "name": "collab", "organizations": [o["id"] for o in orgs]}],
        "nodes": node_entries,
        "users": [{"username": RESEARCHER[0], "password": RESEARCHER[1], "organization": 2,
                   "roles": ["Researcher"]},
                  {"username": "admin", "password": RESEARCHER[1], "organization": 2,
                   "roles": ["Collaboration Admin"]}],
        "algorithms": {**TEST_ALGORITHMS, **(algorithms or {})},
    }
    return Network(scenario, **kwargs)


def create_task(client, method: str, organizations, image: str = IMAGE,
                databases=("default",), args=None, **kwargs) -> dict:
    """Create a task with the real UserClient: ``method(*args, **kwargs)`` in collaboration 1."""
    input_ = {"method": method, "kwargs": kwargs}
    if args is not None:
        input_["args"] = list(args)
    return client.task.create(
        organizations=list(organizations), name=method, image=image, description="",
        collaboration=1, input_=input_, databases=[{"label": label} for label in databases])


def run_task(client, method: str, organizations, image: str = IMAGE, databases=("default",),
             args=None, **kwargs):
    """``create_task`` and wait for it; returns (task as created, results page)."""
    task = create_task(client, method, organizations, image, databases, args, **kwargs)
    return task, quiet(client.wait_for_results, task["id"])


def decoded_results(results_page) -> dict:
    """{run id: decoded result} from what ``wait_for_results`` returns."""
    return {r["run"]["id"]: json.loads(r["result"]) for r in results_page["data"] if r["result"]}

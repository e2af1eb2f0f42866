"""A drop-in replacement for vantage6-algorithm-tools' ``MockAlgorithmClient``, backed by the whole
simulator: the real server, simulated nodes and the real ``wrap_algorithm``.

    # before: from vantage6.algorithm.tools.mock_client import MockAlgorithmClient
    from simulator.mock_client import MockAlgorithmClient

    client = MockAlgorithmClient(datasets=[[{"database": "a.csv", "db_type": "csv"}],
                                           [{"database": df_b}]], module="my_algorithm")
    task = client.task.create(input_={"method": "central", "kwargs": {...}}, organizations=[0])
    results = client.wait_for_results(task["id"])        # decoded results, as the mock gives

Same constructor and the same calls as vantage6's mock; behind them a network with one
organization and node per entry of ``datasets``, one collaboration, a user, and ``module`` as the
algorithm of image ``mock_image``. Every call goes through the server and the nodes, so subtasks,
statuses, logs, permissions and JSON serialization are real.

Where they differ, the simulator follows a real node (the mock is wrong there):
  - a result a node cannot serialize (a numpy integer, a DataFrame) fails the run;
  - ``@data(n)`` with n > 1 gets its frames in the real decorator's (reversed) order;
  - results come in run id order, newest first, as the real AlgorithmClient gives them;
  - ``task.get(id)`` returns task ``id`` (the mock's is off by one).
By default an exception raised by the algorithm is raised again in the caller with its own type
(``pytest.raises(InputError)`` keeps working); ``raise_errors=False`` gives the real behaviour
instead: the run is ``crashed`` with the traceback in its log. Variables set in ``os.environ``
when a task is created reach the algorithm, as a node's ``algorithm_env`` would.

Ids are the mock's in the server itself: organizations and nodes 0..n-1 (or the ``organization_ids``
and ``node_ids`` given), the root organization and user after them; so an id a test takes from
``organization.list()`` and passes inside the task input is the id the algorithm's own client
knows, with nothing translated.
"""
from __future__ import annotations

import base64
import json
import logging
import os
from typing import Any, Optional

import pandas as pd
# imported with this module, as vantage6's mock imports them with its own (a test module pays
# for them once, when it imports the client, not in its first test)
from vantage6.algorithm.tools import wrap  # noqa: F401  (what every run calls)
from vantage6.algorithm.tools.preprocessing import preprocess_data
from vantage6.algorithm.tools.wrappers import load_data

from simulator.mock_support import failure_of, proxy_failures, sent_as_json
from simulator.network import Network

log = logging.getLogger(__name__)
IMAGE = "mock_image"
# what a failing test should hear about result order (the pytest plugin adds it to the report)
order_notes: list[str] = []
ORDER_NOTE = ("its subtasks' results came as the server lists them, newest run first, not in the "
              "order of the organizations as in vantage6's mock: pair a result with its "
              "organization by what the result says, not by position")
USER = ("mock-user", "Mock-user-pass1")
PAGE = 100


class MockAlgorithmClient:
    def __init__(self, datasets: list[list[dict]], module: str,
                 collaboration_id: Optional[int] = None, organization_ids: Optional[list] = None,
                 node_ids: Optional[list] = None, *, raise_errors: bool = True,
                 **network_options: Any) -> None:
        self.n = len(datasets)
        self.all_organization_ids = _ids(organization_ids, self.n, "organization")
        self.all_node_ids = _ids(node_ids, self.n, "node")
        self.organization_id = self.all_organization_ids[0]
        self.node_id = self.all_node_ids[0]
        self.organizations_with_data = list(self.all_organization_ids)
        self.collaboration_id = collaboration_id if collaboration_id else 1
        self.module_name = module
        self.image, self.database = IMAGE, "mock_database"
        self.raise_errors = raise_errors
        _check_ids(self.all_organization_ids, "organization")
        _check_ids(self.all_node_ids, "node")
        self.labels, memory = self._databases(datasets)
        self.network = Network(self._scenario(), **network_options)
        self.network.nodes.keep_errors = True
        for (org, label), frame in memory.items():  # frames given as DataFrames stay in memory
            self.network.nodes.of(org).cache.put(_memory_uri(org, label), "csv", frame)
        self._token = self.network.login(*USER)
        self._ordered: dict[int, list] = {}  # task id -> its organizations, as given
        self.task = self.Task(self)
        self.result = self.Result(self)
        self.run = self.Run(self)
        self.organization = self.Organization(self)
        self.collaboration = self.Collaboration(self)
        self.node = self.Node(self)
        self.study = self.Study(self)

    # ------------------------------------------------------------------ building the network
    def _databases(self, datasets: list[list[dict]]):
        """Node databases per organization; frames (given, or loaded with a query, sheet or
        preprocessing, as the mock loads them up front) are kept in memory."""
        labels = [_label(i) for i in range(max((len(d) for d in datasets), default=0))]
        memory: dict[tuple, pd.DataFrame] = {}
        self._node_databases: dict[Any, list[dict]] = {}
        for org, org_datasets in zip(self.all_organization_ids, datasets):
            entries = []
            for label, dataset in zip(labels, org_datasets):
                handle = dataset.get("database")
                eager = any(dataset.get(k) for k in ("query", "sheet_name", "preprocessing"))
                if isinstance(handle, pd.DataFrame) or eager:
                    frame = handle if isinstance(handle, pd.DataFrame) else load_data(
                        database_uri=handle, db_type=dataset.get("db_type"),
                        query=dataset.get("query"), sheet_name=dataset.get("sheet_name"))
                    memory[(org, label)] = preprocess_data(frame,
                                                           dataset.get("preprocessing", []))
                    entries.append({"label": label, "uri": _memory_uri(org, label),
                                    "type": "csv"})
                else:
                    entries.append({"label": label, "uri": os.path.abspath(str(handle)),
                                    "type": dataset.get("db_type") or "csv"})
            self._node_databases[org] = entries
        return labels, memory

    def _scenario(self) -> dict:
        """The mock's ids in the server itself (so an id a test passes inside the input is the
        id the algorithm's own client knows); the root organization and user, which a real
        server makes first, come after them."""
        orgs, nodes = self.all_organization_ids, self.all_node_ids
        after = max(orgs + nodes) + 1
        return {
            "root": {"organization_id": after, "user_id": after},
            "organizations": [{"id": org, "name": f"mock-{org}"} for org in orgs],
            "collaborations": [{"id": self.collaboration_id, "name": "mock-collaboration",
                                "organizations": orgs, "encrypted": False}],
            "nodes": [{"id": node, "organization": org, "collaboration": self.collaboration_id,
                       "name": f"mock-node-{node}", "databases": self._node_databases[org]}
                      for org, node in zip(orgs, nodes)],
            "users": [{"id": after + 1, "username": USER[0], "password": USER[1],
                       "organization": orgs[0],
                       "roles": ["Researcher", "Collaboration Admin"]}],
            "algorithms": {IMAGE: self.module_name},
        }

    # ------------------------------------------------------------------ plumbing
    def _call(self, method: str, path: str, *, json_body: Any = None, **params: Any) -> Any:
        response = self.network.request(method, f"/api{path}", json=json_body, token=self._token,
                                        params={k: v for k, v in params.items() if v is not None})
        return response.get_json()

    def _pages(self, path: str, **params: Any) -> list[dict]:
        out, page = [], 1
        while True:
            body = self._call("GET", path, page=page, per_page=PAGE, **params)
            if "data" not in body:
                raise RuntimeError(body.get("msg", body))
            out += body["data"]
            if "next" not in body.get("links", {}):
                return out
            page += 1

    def _raise_first_error(self, task_id: int, proxy_failures: list[dict]) -> None:
        """The exception of the first run of the task or its subtasks that crashed with one,
        as an AlgorithmFailed that is also of the exception's own type, naming the run and
        showing its log and what the node proxy refused the algorithm."""
        errors = self.network.nodes.errors
        family = _family_run_ids(self.network, task_id)
        for run_id, error in errors.items():
            if run_id in family:
                run = self._call("GET", f"/run/{run_id}")
                task = self._call("GET", f"/task/{run['task']['id']}")
                with self.network.vantage6.lock:
                    subtasks = self.network.vantage6.state.tasks[task["id"]].children
                    fanned_out = any(len(child.runs) > 1 for child in subtasks)
                message = describe_failure(run, task, error, proxy_failures, fanned_out)
                raise failure_of(AlgorithmFailed, error, message, run, error) from error

    def _note_subtask_order(self, task_id: int) -> None:
        """A central function's ``wait_for_results`` lists its subtasks' results newest run
        first: worth a word if the test fails."""
        with self.network.vantage6.lock:
            task = self.network.vantage6.state.tasks.get(task_id)
            for child in task.children if task is not None else []:
                if len(child.runs) > 1:
                    listed = [run.organization.id for run in sorted(child.runs,
                                                                     key=lambda r: -r.id)]
                    order_notes.append(
                        f"task {task_id}: its central function got the results of subtask "
                        f"{child.id} for organizations {listed} (newest run first); vantage6's "
                        f"mock gives them in the order the function asked for them")

    def _run_organization(self, result: dict) -> Any:
        run = result.get("run") or {}
        if "organization" in result:
            return (result["organization"] or {}).get("id")
        with self.network.vantage6.lock:
            record = self.network.vantage6.state.runs.get(run.get("id"))
            return record.organization.id if record is not None else None

    def wait_for_results(self, task_id: int, interval: float = 1) -> list:
        """The decoded results of a finished task (tasks finish while they are created)."""
        return self.result.from_task(task_id)

    def close(self) -> None:
        self.network.close()

    def __enter__(self) -> "MockAlgorithmClient":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ sub-clients
    class SubClient:
        def __init__(self, parent: "MockAlgorithmClient") -> None:
            self.parent = parent

    class Task(SubClient):
        def create(self, input_: dict, organizations: list[int], name: str = "mock",
                   description: str = "mock") -> dict:
            parent = self.parent
            if not organizations:
                raise ValueError("No organization ids provided. Cannot create a task for zero "
                                 "organizations.")
            unknown = [o for o in organizations if o not in parent.all_organization_ids]
            if unknown:
                raise KeyError(unknown[0])  # as the mock fails on an organization without data
            payload = base64.b64encode(
                sent_as_json(input_, "the task input", "input_")).decode()
            # what a node's algorithm_env would give: the variables the test set
            env = {k: v for k, v in os.environ.items() if _forwardable(k)}
            for node in parent.network.nodes:
                node.algorithm_env = env
            body = {"name": name, "description": description, "image": IMAGE,
                    "collaboration_id": parent.collaboration_id,
                    "organizations": [{"id": o, "input": payload}
                                      for o in organizations],
                    "databases": [{"label": label} for label in parent.labels]}
            with proxy_failures(parent.network.events) as refused:
                created = parent._call("POST", "/task", json_body=body)
            if "id" not in created:
                raise RuntimeError(f"the server refused the task: {created}")
            parent._ordered[created["id"]] = list(organizations)
            if parent.raise_errors:
                parent._raise_first_error(created["id"], refused)
            parent._note_subtask_order(created["id"])
            return self.get(created["id"])

        def get(self, task_id: int) -> dict:
            return self.parent._call("GET", f"/task/{task_id}")

        def list(self, **filters: Any) -> list[dict]:
            return self.parent._pages("/task", **filters)

        def kill(self, task_id: int) -> dict:
            return self.parent._call("POST", "/kill/task", json_body={"id": task_id})

        def delete(self, task_id: int) -> dict:
            return self.parent._call("DELETE", f"/task/{task_id}")

    class Result(SubClient):
        def get(self, id_: int) -> Any:
            result = self.parent._call("GET", f"/result/{id_}")
            if "result" not in result:
                return result
            return _decode(result["result"])

        def from_task(self, task_id: int) -> list[Any]:
            parent = self.parent
            results = [r for r in parent._pages("/result", task_id=task_id) if r["result"]]
            order = [parent._run_organization(r) for r in results]
            given = [o for o in parent._ordered.get(task_id, []) if o in order]
            if len(order) > 1 and order != given:
                order_notes.append(
                    f"task {task_id}: results came for organizations {order} (newest run first, "
                    f"as the server lists them); vantage6's mock gives {given}")
            return [_decode(r["result"]) for r in results]

    class Run(SubClient):
        def get(self, id_: int) -> dict:
            run = self.parent._call("GET", f"/run/{id_}")
            return _with_input(run) if "id" in run else run

        def from_task(self, task_id: int) -> list[dict]:
            return [_with_input(r)
                    for r in self.parent._pages("/run", task_id=task_id)]

    class Organization(SubClient):
        def get(self, id_: Any) -> dict:
            parent = self.parent
            if id_ not in parent.all_organization_ids:
                return {"msg": f"Organization {id_} not found."}
            return parent._call("GET", f"/organization/{id_}")

        def list(self) -> list[dict]:
            return [self.get(org) for org in self.parent.all_organization_ids]

    class Collaboration(SubClient):
        def get(self, is_encrypted: bool = True) -> dict:
            return self.parent._call("GET", f"/collaboration/{self.parent.collaboration_id}")

    class Node(SubClient):
        def get(self, id_: Optional[int] = None) -> dict:
            parent = self.parent
            mock = parent.node_id if id_ is None else id_
            if mock not in parent.all_node_ids:
                return {"msg": f"Node {mock} not found."}
            return parent._call("GET", f"/node/{mock}")

        def list(self) -> list[dict]:
            return [self.get(node) for node in self.parent.all_node_ids]

    class Study(SubClient):
        def get(self, id_: int) -> dict:
            return self.parent._call("GET", f"/study/{id_}")

        def list(self) -> list[dict]:
            return self.parent._pages("/study", collaboration_id=self.parent.collaboration_id)


def _check_ids(ids: list, what: str) -> None:
    """The network's records carry these ids, as a server's would: distinct integers."""
    if len(set(ids)) != len(ids) or not all(
            isinstance(i, int) and not isinstance(i, bool) and i >= 0 for i in ids):
        raise ValueError(f"{what} ids must be distinct integers >= 0 (ids a server can give), "
                         f"not {ids}")


class AlgorithmFailed(Exception):
    """A run of the task (or of one of its subtasks) crashed. Raised as a subclass of both this
    and the exception the algorithm raised, so ``pytest.raises(InputError)`` keeps working; its
    message names the run and gives its log and what the node proxy refused the algorithm."""

    def __init__(self, message: str, run: dict, error: Optional[BaseException]) -> None:
        super().__init__(message)
        self.run, self.log, self.error = run, run.get("log") or "", error

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


def describe_failure(run: dict, task: dict, error: BaseException, proxy_failures: list[dict],
                     fanned_out: bool) -> str:
    parent = task.get("parent") or {}
    where = f" (a subtask of task {parent['id']})" if parent.get("id") else ""
    node = (run.get("node") or {}).get("id")
    lines = [f"run {run['id']} of task {task['id']} {task.get('name')!r}{where} at organization "
             f"{run['organization']['id']} (node {node}) ended {run['status']!r}: "
             f"{type(error).__name__}: {error}"]
    for failure in proxy_failures:
        if failure.get("task_id", task["id"]) == task["id"] and failure["node_id"] == node:
            lines.append(f"the node proxy answered the algorithm's {failure['method']} "
                         f"{failure['path']} with 500 {{\"msg\": \"Request failed, see node "
                         f"logs\"}}; the server had answered {failure['status']} "
                         f"{json.dumps(failure['body'])}")
    if fanned_out:
        lines.append(ORDER_NOTE)
    log_text = (run.get("log") or "").rstrip("\n")
    lines.append(f"the run's log:\n{log_text}" if log_text else "the run has no log")
    return "\n".join(lines)


def _ids(given: Optional[list], n: int, what: str) -> list:
    """The mock's rule: given ids are used only when there is one per dataset."""
    if given and len(given) == n:
        return list(given)
    if given:
        log.warning("The number of %s ids (%s) does not match the number of datasets (#=%s), "
                    "using default values (%s) instead", what, given, n, list(range(n)))
    return list(range(n))


# set by the node itself (or the image); a test's environment must not override them
_NODE_VARIABLES = {"INPUT_FILE", "OUTPUT_FILE", "TOKEN_FILE", "TEMPORARY_FOLDER", "HOST", "PORT",
                   "API_PATH", "USER_REQUESTED_DATABASE_LABELS", "DB_LABELS", "PKG_NAME"}
_NODE_SUFFIXES = ("_DATABASE_URI", "_DATABASE_TYPE", "_QUERY", "_SHEET_NAME", "_PREPROCESSING")


def _forwardable(name: str) -> bool:
    return (name.isidentifier() and name not in _NODE_VARIABLES
            and not name.endswith(_NODE_SUFFIXES))


def _label(index: int) -> str:
    return "default" if index == 0 else f"database{index + 1}"


def _memory_uri(org: Any, label: str) -> str:
    return f"memory://organization-{org}/{label}"


def _decode(value: str) -> Any:
    return json.loads(base64.b64decode(value))


def _with_input(run: dict) -> dict:
    """The run's input as a JSON string, as the mock (and a decrypting client) show it."""
    if run.get("input"):
        run = {**run, "input": base64.b64decode(run["input"]).decode("utf-8", "replace")}
    return run


def _family_run_ids(network: Network, task_id: int) -> set[int]:
    state = network.vantage6.state
    queue, runs = [state.tasks.get(task_id)], set()
    while queue:
        task = queue.pop()
        if task is None:
            continue
        runs.update(r.id for r in task.runs)
        queue.extend(task.children)
    return runs

"""MockNetwork: vantage6-algorithm-tools 5.0.3's MockNetwork, backed by a 5.x simulated network
(see the package docstring for what differs)."""
from __future__ import annotations

import base64
import contextlib
import importlib
import os
import shutil
import tempfile
import weakref
from pathlib import Path
from typing import Any, Iterator

import jwt
from vantage6.algorithm.tools.util import error as print_error
from vantage6.common import info
from vantage6.common.globals import ContainerEnvNames

from simulator.core.http import Response
from simulator.mock_network.clients import MockUserClient
from simulator.mock_network.datasets import USER, read_datasets, scenario
from simulator.mock_network.failures import (
    HQRefused,
    algorithm_failed,
    describe,
    first_failure,
    pod_log,
    print_like_the_mock,
    short_reason,
)
from simulator.mock_network.records import MockHQ, MockNode
from simulator.mock_support import proxy_failures
from simulator.network import Network
from simulator.vantage6.profiles import RUNTIME_VARIABLE
from simulator.vantage6.runtime.isolation import base_environment
from simulator.vantage6.v5.profile import REALM

PAGE = 1000
# set by the node (or the image); a test's environment must not override them
NODE_VARIABLES = frozenset({e.value for e in ContainerEnvNames} | {"PKG_NAME", RUNTIME_VARIABLE})


class MockNetwork:
    def __init__(self, module_name: str, datasets: list[dict[str, dict[str, Any]]],
                 collaboration_id: int = 1, *, raise_errors: bool = True,
                 **network_options: Any) -> None:
        """vantage6's MockNetwork(module_name, datasets, collaboration_id). ``raise_errors``
        False leaves a failed run as data (the task's status, the run's log) instead of
        raising; ``network_options`` go to the simulator's Network (e.g. ``execution=
        "isolated"``)."""
        if not datasets:
            raise ValueError("MockNetwork needs one dataset per node, and at least one node")
        self.module_name = module_name
        self.collaboration_id = collaboration_id
        self.raise_errors = raise_errors
        self.module = _import_algorithm(module_name)
        folder = Path(tempfile.mkdtemp(prefix="v6-mock-network-"))
        try:
            given = read_datasets(datasets, folder)
            self.network = Network(scenario(module_name, collaboration_id,
                                            given.node_databases), profile="5.x",
                                   **network_options)
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        self._finalizer = weakref.finalize(self, _release, self.network, str(folder))
        self.network.nodes.keep_errors = True  # what an algorithm raised, for the test to see
        self._realm = self.network.keycloak.realm(REALM)
        self._token, self._token_expires = "", 0.0
        self.session_id = self._ok(self._call("POST", "/session", {
            "collaboration_id": collaboration_id, "scope": "organization",
            "name": "mock session"}), "creating the session")["id"]
        self.nodes = [MockNode(self, self.network.nodes[node_id], databases)
                      for node_id, databases in enumerate(given.mock_databases, start=1)]
        self.hq = MockHQ(self)
        self.user_client = MockUserClient(self)
        for label, organizations in given.given_frames.items():
            self.user_client.dataframe.extract_given(label, organizations)
        info(f"Mock network created with {len(self.nodes)} nodes")

    # ------------------------------------------------------------------ the mock's API
    @property
    def organization_ids(self) -> list[int]:
        return [node.organization_id for node in self.nodes]

    @property
    def node_ids(self) -> list[int]:
        return [node.id_ for node in self.nodes]

    def get_node(self, id_: int) -> MockNode:
        """The node with id ``id_`` (StopIteration if there is none, as in the mock)."""
        return next(node for node in self.nodes if node.id_ == id_)

    def close(self) -> None:
        """Release the simulated network and the folder of the given DataFrames (also done
        when the MockNetwork is garbage-collected)."""
        self._finalizer()

    def __enter__(self) -> "MockNetwork":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ plumbing
    def _bearer(self) -> str:
        """The mock user's Keycloak token (a new one shortly before it expires)."""
        if self._realm.now() > self._token_expires - 30:
            self._token = self._realm.mint(USER[0])
            self._token_expires = jwt.decode(self._token,
                                             options={"verify_signature": False})["exp"]
        return self._token

    def _call(self, method: str, path: str, body: Any = None, **params: Any) -> Response:
        return self.network.request(method, self.network.vantage6.api_path + path, json=body,
                                    token=self._bearer(), params=params)

    @staticmethod
    def _ok(response: Response, what: str) -> Any:
        if response.status >= 300:
            body = response.get_json()
            print_error(f"{what}: {body.get('msg', body) if isinstance(body, dict) else body}")
            raise HQRefused(what, response.status, body)
        return response.get_json()

    def _pages(self, path: str, **params: Any) -> list[dict]:
        out, page = [], 1
        while True:
            body = self._ok(self._call("GET", path, page=page, per_page=PAGE, **params),
                            f"listing {path}")
            out += body["data"]
            if not body.get("links", {}).get("next"):
                return out
            page += 1

    @contextlib.contextmanager
    def _working(self) -> Iterator[list[dict]]:
        """Around a request that gives the nodes work: the test's environment variables reach
        the algorithms (as a node's ``algorithm_env``), the network stays intercepted for the
        whole request (not once per run), and what the node proxy refused is collected."""
        environment = forwarded_environment()
        for node in self.network.nodes:
            node.algorithm_env = environment
        with proxy_failures(self.network.events) as refused, self.network.intercept():
            yield refused

    def _raise_if_failed(self, task_id: int, what: str, proxy_failures: list[dict]) -> None:
        """Where vantage6's mock prints the error and exits: the first failed run of the task
        or its subtasks, raised as AlgorithmFailed (unless ``raise_errors`` is False)."""
        if not self.raise_errors:
            return
        found = first_failure(self.network, task_id)
        if found is None:
            return
        record, error = found
        run = self._readable_run(self._ok(self._call("GET", f"/run/{record.id}"), "the run"))
        task = self._ok(self._call("GET", f"/task/{run['task']['id']}"), "the task")
        log, pods = pod_log(run.get("log"))
        print_like_the_mock(what, run["organization"]["id"],
                            short_reason(error, log, run["status"]), log)
        had_subtasks = bool(record.task.children)
        raise algorithm_failed(describe(run, task, log, pods, error, proxy_failures,
                                        had_subtasks), run, log, error) from error

    @staticmethod
    def _readable_run(run: dict) -> dict:
        """A run with its arguments as JSON text, as the mock (and a decrypting client) show
        them."""
        if run.get("arguments"):
            run = {**run, "arguments": _text(run["arguments"])}
        return run

    @staticmethod
    def _readable_result(result: dict) -> dict:
        if result.get("result"):
            result = {**result, "result": _text(result["result"])}
        return result


def forwarded_environment() -> dict[str, str]:
    """The test process's variables an algorithm sees, as the mock runs algorithms in it: all
    but the node's own and those every image has anyway."""
    image = base_environment()
    return {key: value for key, value in os.environ.items()
            if key.isidentifier() and key not in NODE_VARIABLES
            and not key.startswith(ContainerEnvNames.DB_PARAM_PREFIX.value)
            and image.get(key) != value}


def _import_algorithm(module_name: str) -> Any:
    """The mock imports the module when it builds its nodes, and exits when it cannot."""
    try:
        return importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        print_error(f"Module '{module_name}' not found.")
        print_error("Are you working in the correct Python environment and did you install "
                    "your algorithm package in this environment?")
        print_error("Exiting...")
        raise SystemExit(1) from exc


def _text(value: str) -> str:
    return base64.b64decode(value).decode("utf-8", "replace")


def _release(network: Network, folder: str) -> None:
    network.close()
    shutil.rmtree(folder, ignore_errors=True)



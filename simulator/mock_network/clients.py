"""``network.user_client``: vantage6's MockUserClient, each call a request to the simulated HQ.

The mock's calls keep their signatures and the shapes they return (a task record, lists of
decoded results, a dataframe record); what is in the records is HQ's. Where HQ answers with an
error the call gives its ``{"msg": ...}`` body, as the mock does for an unknown id; where the
mock would ``sys.exit(1)`` (a request HQ refuses, a run that fails) the call raises a MockExit.
"""
from __future__ import annotations

import base64
import json
import warnings
from typing import TYPE_CHECKING, Any, Optional

from vantage6.algorithm.tools.util import error as print_error

from simulator.mock_network.datasets import (
    DATAFRAMES_IMAGE,
    DATAFRAMES_METHOD,
    IMAGE,
)
from simulator.mock_network.failures import MockExit
from simulator.mock_support import sent_as_json

if TYPE_CHECKING:
    from simulator.mock_network.network import MockNetwork

# what vantage6's MockUserClient leaves out (it warns and returns None); here they say so
UNAVAILABLE = ("util", "user", "role", "rule", "store", "algorithm")


class MockUserClient:
    def __init__(self, network: "MockNetwork") -> None:
        self.network = network
        self.organization_id = 1  # the mock user's organization (vantage6's mock: 0)
        self.collaboration_id = network.collaboration_id
        self.session_id = network.session_id
        self.task = Task(self)
        self.result = Result(self)
        self.run = Run(self)
        self.organization = Organization(self)
        self.collaboration = Collaboration(self)
        self.study = Study(self)
        self.dataframe = Dataframe(self)
        self.node = Node(self)
        self.session = Session(self)
        for name in UNAVAILABLE:
            setattr(self, name, Unavailable(name))

    def wait_for_results(self, task_id: int, interval: float = 1) -> list:
        """The decoded results of a task; tasks are finished when ``create`` returns."""
        return self.result.from_task(task_id)


class SubClient:
    def __init__(self, parent: MockUserClient) -> None:
        self.parent = parent
        self.net = parent.network

    def _get(self, path: str) -> dict:
        """HQ's record, or HQ's error body (``{"msg": ...}``) as the mock answers unknown ids."""
        return self.net._call("GET", path).get_json()


class Unavailable:
    def __init__(self, name: str) -> None:
        self._name = name

    def __getattr__(self, item: str) -> Any:
        raise NotImplementedError(
            f"user_client.{self._name}.{item} is not in the drop-in, as it is not in vantage6's "
            "MockNetwork (which warns and returns None); the simulated network behind it is "
            "network.network, and its HQ serves the real UserClient too")


# ---------------------------------------------------------------------- compute
class Task(SubClient):
    def create(self, organizations: list[int], method: str, name: str = "mock",
               description: str = "mock", arguments: Optional[dict] = None,
               databases: Any = None, action: Optional[str] = None, *_args: Any,
               **_kwargs: Any) -> dict:
        """The mock's signature (keywords the UserClient adds, such as ``image`` or
        ``session``, are ignored as the mock ignores them); the task runs on its nodes before
        this returns. The action, when not given, is the one of the function's decorator, as an
        algorithm store would give it."""
        net = self.net
        if not organizations:
            raise ValueError("No organization ids provided. Cannot create a task for zero "
                             "organizations.")
        unknown = [o for o in organizations if o not in net.organization_ids]
        if unknown:  # the mock's get_node(id) of an organization without a node
            raise StopIteration(f"organization {unknown[0]} is not in this network; its "
                                f"organizations are {net.organization_ids}")
        action = action or _action_of(net, method)
        payload = _encoded_arguments(arguments)
        body = {"name": name, "image": IMAGE, "description": description, "method": method,
                "organizations": [{"id": o, "arguments": payload} for o in organizations],
                "databases": _databases(databases), "session_id": net.session_id,
                "collaboration_id": net.collaboration_id, "action": action}
        with net._working() as proxy_failures:
            created = net._ok(net._call("POST", "/task", body), f"creating task {name!r}")
        net._raise_if_failed(created["id"], "task run", proxy_failures)
        return self.get(created["id"])

    def get(self, id_: int) -> dict:
        return self._get(f"/task/{id_}")

    def list(self, **filters: Any) -> list[dict]:
        """HQ's tasks (newest first, as HQ lists them); filters are HQ's query arguments."""
        return self.net._pages("/task", **filters)

    def delete(self, id_: int) -> dict:
        return self.net._call("DELETE", f"/task/{id_}").get_json()

    def kill(self, id_: int) -> dict:
        return self.net._call("POST", "/kill/task", {"id": id_}).get_json()


class Result(SubClient):
    def get(self, id_: int) -> Any:
        record = self._get(f"/result/{id_}")
        return _decoded(record["result"]) if "result" in record else record

    def from_task(self, task_id: int) -> list[Any]:
        """The decoded results of the task's runs that have one, in the order of the task's
        organizations (vantage6's mock's order; HQ lists the newest run first)."""
        records = sorted(self.net._pages("/result", task_id=task_id),
                         key=lambda r: r["run"]["id"])
        return [_decoded(r["result"]) for r in records if r.get("result")]


class Run(SubClient):
    def get(self, id_: int) -> dict:
        return self.net._readable_run(self._get(f"/run/{id_}"))

    def from_task(self, task_id: int) -> list[dict]:
        runs = sorted(self.net._pages("/run", task_id=task_id), key=lambda r: r["id"])
        return [self.net._readable_run(r) for r in runs]

    def list(self, **filters: Any) -> list[dict]:
        return [self.net._readable_run(r) for r in self.net._pages("/run", **filters)]


class Dataframe(SubClient):
    def get(self, id_: int) -> dict:
        return self._get(f"/session/dataframe/{id_}")

    def list(self) -> list[dict]:
        return self.net.hq.dataframes

    def create(self, label: str, method: str, arguments: Optional[dict] = None,
               name: str = "mock_dataframe", **_kwargs: Any) -> dict:
        """An extraction on every organization of the collaboration, as the real UserClient
        sends it (the mock's ``organizations``, ``image``, ``session`` keywords are ignored);
        returns the dataframe record once every node made it."""
        self._free(name)
        return self._extract(label, IMAGE, method, arguments, name, self.net.organization_ids)

    def preprocess(self, id_: int, image: str, method: str, arguments: dict) -> dict:
        net = self.net
        body = {"dataframe_id": id_, "task": {
            "method": method, "image": IMAGE, "organizations": [
                {"id": o, "arguments": _encoded_arguments(arguments)}
                for o in net.organization_ids]}}
        with net._working() as proxy_failures:
            made = net._ok(net._call("POST", f"/session/dataframe/{id_}/preprocess", body),
                           f"preprocessing dataframe {id_}")
        net._raise_if_failed(made["last_session_task"]["id"], "dataframe preprocessing",
                             proxy_failures)
        return self.get(id_)

    def delete(self, id_: int) -> dict:
        return self.net._call("DELETE", f"/session/dataframe/{id_}").get_json()

    def extract_given(self, label: str, organizations: list[int]) -> dict:
        """The dataframe of a label every organization gave as a DataFrame (the mock registers
        it without a step): vantage6's ``read_parquet`` extraction of the node's copy."""
        return self._extract(label, DATAFRAMES_IMAGE, DATAFRAMES_METHOD, {}, label,
                             organizations)

    def _extract(self, label: str, image: str, method: str, arguments: Optional[dict],
                 name: str, organizations: list[int]) -> dict:
        net = self.net
        payload = _encoded_arguments(arguments)
        body = {"label": label, "name": name, "task": {
            "method": method, "image": image,
            "organizations": [{"id": o, "arguments": payload} for o in organizations]}}
        with net._working() as proxy_failures:
            made = net._ok(net._call("POST", f"/session/{net.session_id}/dataframe", body),
                           f"creating dataframe {name!r}")
        net._raise_if_failed(made["last_session_task"]["id"], "dataframe creation",
                             proxy_failures)
        return self.get(made["id"])

    def _free(self, name: str) -> None:
        """HQ refuses a second dataframe of a name (nodes store dataframes by name), where the
        mock stores it again: the first one is deleted, as a user of HQ has to."""
        for dataframe in self.list():
            if dataframe["name"] == name:
                warnings.warn(
                    f"a dataframe named {name!r} exists (id {dataframe['id']}); HQ refuses a "
                    "second one with the same name, so the drop-in deletes the first, as you "
                    "would have to on a real HQ (vantage6's mock keeps both)", UserWarning,
                    stacklevel=3)
                self.delete(dataframe["id"])


# ---------------------------------------------------------------------- administration
class CollaborationRecords(SubClient):
    """A resource's records by id, and those of the network's collaboration."""

    resource = ""

    def get(self, id_: int) -> dict:
        return self._get(f"/{self.resource}/{id_}")

    def list(self) -> list[dict]:
        return self.net._pages(f"/{self.resource}", collaboration_id=self.net.collaboration_id)


class Organization(CollaborationRecords):
    resource = "organization"


class Study(CollaborationRecords):
    resource = "study"


class Node(CollaborationRecords):
    resource = "node"


class Collaboration(SubClient):
    def get(self, is_encrypted: bool = True) -> dict:
        """HQ's collaboration record (vantage6's mock raises AttributeError here)."""
        return self._get(f"/collaboration/{self.net.collaboration_id}")


class Session(SubClient):
    def get(self, id_: Optional[int] = None) -> dict:
        return self._get(f"/session/{id_ or self.net.session_id}")


# ---------------------------------------------------------------------- helpers
def _encoded_arguments(arguments: Optional[dict]) -> str:
    """What the real UserClient sends each organization: the arguments as JSON, base64-encoded
    (an unencrypted collaboration's cryptor)."""
    serialized = sent_as_json(arguments or {}, "the task arguments", "arguments", plural=True,
                              stacklevel=4)
    return base64.b64encode(serialized).decode()


def _databases(databases: Any) -> Any:
    """``UserClient.task._parse_arg_databases``: one dataframe id, a flat list (one frame per
    entry) or groups; every entry a dataframe."""
    if databases is None:
        return [[]]
    if isinstance(databases, int):
        return [[{"dataframe_id": databases, "type": "dataframe"}]]
    if databases and not isinstance(databases[0], list):
        databases = [[db] for db in databases]
    groups = []
    for group in databases:
        if not all(isinstance(db, dict) for db in group):
            raise ValueError(
                "Each database should be specified as a dict with at least a 'dataframe_id' "
                "key. Alternatively, a single dataframe id may be passed.")
        groups.append([{**db, "type": "dataframe"} for db in group])
    return groups


def _action_of(net: "MockNetwork", method: str) -> str:
    """The step type of ``method``'s decorator (the mock reads it there; an algorithm store
    would give it). Where the mock exits, so does this."""
    function = getattr(net.module, method, None)
    step = getattr(function, "vantage6_decorator_step_type", None)
    if function is None:
        message = (f"Method {method} not found in the {net.module_name} module. Did you specify "
                   "the correct method name? And are you sure that the method is available in "
                   "the top level of your algorithm module?")
    elif step is None:
        message = (f"The {method} method is not a computation task, are you sure you specified "
                   "the correct method?")
    else:
        return getattr(step, "value", step)
    print_error(message)
    raise MockExit(f"{message} (without an action HQ refuses the task: no algorithm store "
                   "gives it here)")


def _decoded(result: Optional[str]) -> Any:
    """A result as the real clients decode it (undecodable: None)."""
    if not result:
        return None
    try:
        return json.loads(base64.b64decode(result))
    except ValueError:
        return None

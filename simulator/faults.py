"""Fault injection: make a network misbehave the way real deployments do, on purpose.

    net.faults.crash(organization=3)                   # the next run there crashes
    net.faults.server_error(path="/api/task", method="POST", nth=2)   # the 2nd such call: 500
    net.faults.drop_connection(path="/api/result")     # the client library's connection error
    net.faults.node_offline(organization=3)            # runs there stay pending
    net.faults.slow(organization=3, factor=4)          # realistic lifecycle: 4x slower

Each fault shows what the real platform would show: a crashed run with the wrapper's error lines,
the server's generic 500 body, a connection closed without a response. The same faults can be set
over HTTP in server mode (``/_simulator/faults``, see ``control.py``).
"""
from __future__ import annotations

import itertools
import re
import threading
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from simulator.core.http import ConnectionDropped, Request, Response

if TYPE_CHECKING:
    from simulator.vantage6.node.simulated_node import SimulatedNode

KINDS = ("crash", "server_error", "drop_connection", "node_offline", "node_online", "slow")


class FaultError(ValueError):
    """A fault that cannot be set as asked."""


@dataclass
class Fault:
    kind: str
    id: int = 0
    path: str = ".*"  # regex, searched in the request path (server_error, drop_connection)
    method: Optional[str] = None
    nth: int = 1  # the Nth matching call is the first to fail
    times: int = 1  # how many calls or runs fail in all
    task_id: Optional[int] = None  # crash: only runs of this task
    organization_id: Optional[int] = None  # crash, node_*, slow
    message: str = "injected fault"
    status: int = 500
    body: Any = None
    factor: float = 1.0
    seen: int = 0  # matching calls or runs so far
    fired: int = 0
    _pattern: Optional[re.Pattern] = field(default=None, repr=False, compare=False)

    def public(self) -> dict:
        out = asdict(self)
        out.pop("_pattern")
        return out

    @property
    def spent(self) -> bool:
        return self.fired >= self.times


class Faults:
    def __init__(self, node_of: Callable[[int | str], "SimulatedNode"],
                 error_response: Callable[[str, int], Response]) -> None:
        """``node_of(organization)``: the simulated node of an organization (vantage6's fleet);
        ``error_response(path, status)``: the generic error of the platform serving ``path``."""
        self._node_of = node_of
        self._error_response = error_response
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ setting faults
    def crash(self, *, organization: Optional[int | str] = None, task_id: Optional[int] = None,
              message: str = "injected crash", times: int = 1) -> Fault:
        """The next ``times`` runs (of a task, at an organization) crash as an algorithm that
        raises ``RuntimeError(message)`` does."""
        return self._add(Fault("crash", task_id=task_id, message=message, times=times,
                               organization_id=self._org_id(organization)))

    def server_error(self, *, path: str = ".*", method: Optional[str] = None, nth: int = 1,
                     times: int = 1, status: int = 500, body: Any = None) -> Fault:
        """The ``nth`` call whose path matches (and the next ``times - 1``) answers ``status``
        with the platform's error body; the call changes nothing."""
        return self._add(Fault("server_error", path=path, method=_method(method), nth=nth,
                               times=times, status=status, body=body))

    def drop_connection(self, *, path: str = ".*", method: Optional[str] = None, nth: int = 1,
                        times: int = 1) -> Fault:
        """The ``nth`` matching call gets no response: the connection is closed."""
        return self._add(Fault("drop_connection", path=path, method=_method(method), nth=nth,
                               times=times))

    def node_offline(self, *, organization: int | str) -> Fault:
        node = self._node_of(organization)
        node.go_offline()
        return self._add(Fault("node_offline", organization_id=node.organization_id, fired=1))

    def node_online(self, *, organization: int | str) -> Fault:
        node = self._node_of(organization)
        node.go_online()
        return self._add(Fault("node_online", organization_id=node.organization_id, fired=1))

    def slow(self, *, organization: int | str, factor: float) -> Fault:
        """Divide a node's speed by ``factor``: in the realistic lifecycle its runs take that many
        times longer in simulated time (the instant lifecycle has no duration to stretch)."""
        if factor <= 0:
            raise FaultError("factor must be positive")
        node = self._node_of(organization)
        node.speed /= factor
        return self._add(Fault("slow", organization_id=node.organization_id, factor=factor,
                               fired=1))

    def add(self, spec: dict) -> Fault:
        """A fault from a mapping (the control plane's JSON): ``{"kind": ..., ...}``."""
        spec = dict(spec)
        kind = spec.pop("kind", None)
        setters = {"crash": self.crash, "server_error": self.server_error,
                   "drop_connection": self.drop_connection, "node_offline": self.node_offline,
                   "node_online": self.node_online, "slow": self.slow}
        if kind not in setters:
            raise FaultError(f"unknown fault kind {kind!r}; known: {list(setters)}")
        try:
            return setters[kind](**spec)
        except TypeError as exc:
            raise FaultError(f"{kind}: {exc}") from exc
        except KeyError as exc:
            raise FaultError(f"{kind}: {exc.args[0]}") from exc

    def clear(self) -> None:
        """Forget every fault (offline nodes stay offline: bring them back with node_online)."""
        with self._lock:
            self._faults.clear()

    def list(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def _add(self, fault: Fault) -> Fault:
        if fault.nth < 1 or fault.times < 1:
            raise FaultError("nth and times count from 1")
        try:
            fault._pattern = re.compile(fault.path)
        except re.error as exc:
            raise FaultError(f"path is not a regular expression: {exc}") from exc
        with self._lock:
            fault.id = next(self._ids)
            self._faults.append(fault)
        return fault

    def _org_id(self, organization: Optional[int | str]) -> Optional[int]:
        if organization is None:
            return None
        return self._node_of(organization).organization_id

    # ------------------------------------------------------------------ hooks
    def before_request(self, request: Request) -> Optional[Response]:
        """Called for every request a network answers: a response (an injected error), a
        ``ConnectionDropped``, or None to answer normally."""
        with self._lock:
            for fault in self._faults:
                if fault.kind not in ("server_error", "drop_connection") or fault.spent:
                    continue
                if fault.method and fault.method != request.method:
                    continue
                if not fault._pattern.search(request.path):
                    continue
                fault.seen += 1
                if fault.seen < fault.nth:
                    continue
                fault.fired += 1
                if fault.kind == "drop_connection":
                    raise ConnectionDropped(f"fault {fault.id}: connection dropped")
                if fault.body is not None:
                    return Response.json(fault.body, fault.status)
                return self._error_response(request.path, fault.status)
        return None

    def crash_due(self, organization_id: int, task_id: int) -> Optional[str]:
        """The message of a crash due for a run of this task at this organization, if any (the
        platform's node turns it into the container's end)."""
        with self._lock:
            for fault in self._faults:
                if fault.kind != "crash" or fault.spent:
                    continue
                if fault.organization_id not in (None, organization_id):
                    continue
                if fault.task_id not in (None, task_id):
                    continue
                fault.seen += 1
                fault.fired += 1
                return fault.message
        return None


def _method(method: Optional[str]) -> Optional[str]:
    return method.upper() if method else None

"""The simulated nodes of a network, and when they work.

A real node hears ``new_task`` on its socket and fetches its runs. Here the fleet listens to the
same event on the network's trace and *defers* the node's work until the request that created the
task has its answer: ``POST /task`` still answers ``pending``, as the real server does, and by the
time the client asks again the runs are done. No thread, no sleep, deterministic. A task created by
a central function (through the node proxy) is worked off the same way inside that request, so the
central function's ``wait_for_results`` finds its subtask finished on its first poll.
"""
from __future__ import annotations

import contextvars
import logging
import os
import shutil
import tempfile
import threading
import weakref
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterator, Optional, Protocol
from urllib.parse import urlsplit

from simulator.core.confinement import Confinement
from simulator.core.events import Event
from simulator.vantage6.node.lifecycle import Lifecycle
from simulator.vantage6.node.proxy import proxy_path
from simulator.vantage6.node.simulated_node import SimulatedNode
from simulator.vantage6.runtime.environment import ProxyAddress
from simulator.vantage6.runtime.executors import (
    IN_PROCESS,
    ISOLATED,
    InProcessExecutor,
    IsolatedExecutor,
)

if TYPE_CHECKING:
    from simulator.core.clock import Clock
    from simulator.core.events import EventTrace
    from simulator.transports.server import ServerMode
    from simulator.vantage6.scenario import NodeSetup
    from simulator.vantage6.server import Vantage6Server

log = logging.getLogger(__name__)
Work = Callable[[], None]
INLINE, THREADS, PROCESSES, RAY = "inline", "threads", "processes", "ray"
EXECUTORS = (INLINE, THREADS, PROCESSES, RAY)
REMOTE = (PROCESSES, RAY)  # the algorithm runs in another process


class CrashSource(Protocol):
    def crash_due(self, organization_id: int, task_id: int) -> Optional[str]: ...


class NodeHost(Protocol):
    """What the nodes need from the platform they run in (``Vantage6Platform``)."""

    server: "Vantage6Server"
    clock: "Clock"
    events: "EventTrace"
    url: str  # where in-process algorithms reach the node proxy
    faults: CrashSource  # injected crashes

    def intercept(self) -> ContextManager[Any]: ...

    def serve(self, port: int = 0) -> "ServerMode": ...


def _run_folder_base() -> Optional[str]:
    chosen = os.environ.get("SIMULATOR_WORK_DIR")
    if chosen:
        return chosen
    shm = "/dev/shm"  # a RAM-backed tmpfs on Linux
    return shm if os.path.isdir(shm) and os.access(shm, os.W_OK) else None


class NodeFleet:
    def __init__(self, host: NodeHost, simulate: bool = True,
                 timeout: Optional[float] = None, lifecycle: Optional[Lifecycle] = None,
                 executor: str = INLINE, workers: Optional[int] = None,
                 ray_address: Optional[str] = None) -> None:
        if executor not in EXECUTORS:
            raise ValueError(f"executor must be one of {EXECUTORS}, not {executor!r}")
        self.host = host
        self.simulate = simulate
        self.lifecycle = lifecycle or Lifecycle()
        self.executor = executor
        self._workers, self._ray_address = workers, ray_address
        # with a pool, the nodes of one task work side by side (threads drive their protocol;
        # processes or Ray run their algorithms); inline, one after the other
        self._pool = (ThreadPoolExecutor(max_workers=workers or 8, thread_name_prefix="v6node")
                      if executor != INLINE else None)
        self._in_pool = threading.local()
        self._remote = None
        self._nodes: dict[int, SimulatedNode] = {}
        self._collecting: contextvars.ContextVar[Optional[list]] = contextvars.ContextVar(
            f"simulator_fleet_{id(self)}", default=None)
        self._later: list[Work] = []  # work scheduled outside any request
        # run id -> what its algorithm raised, kept only when asked (the mock-compatible client)
        self.keep_errors = False
        self.errors: dict[int, BaseException] = {}
        self._lock = threading.Lock()
        self._executors = {IN_PROCESS: InProcessExecutor(reachable=host.intercept),
                           ISOLATED: IsolatedExecutor(timeout=timeout)}
        self._loopback: Optional["ServerMode"] = None
        self._work_dir: Optional[Path] = None
        self._cache_dir: Optional[Path] = None
        self._database_views: dict[int, tuple[tuple, Confinement]] = {}
        self._finalizers: list[weakref.finalize] = []
        if simulate:  # a network being built has no runs yet: nothing to sync
            for setup in host.server.node_setups.values():
                self.attach(setup, sync=False)
        host.events.subscribe(self._on_event)

    # ------------------------------------------------------------------ the nodes
    def attach(self, setup: "NodeSetup", sync: bool = True) -> SimulatedNode:
        """Run a simulated node for a registered node (its api key and databases)."""
        node = self.host.server.profile.node_class()(self, setup)
        self._nodes[setup.node_id] = node
        if setup.online:
            node.go_online(sync=sync)
        return node

    def __getitem__(self, node_id: int) -> SimulatedNode:
        return self._nodes[node_id]

    def __contains__(self, node_id: object) -> bool:
        return node_id in self._nodes

    def __iter__(self) -> Iterator[SimulatedNode]:
        return iter(list(self._nodes.values()))

    def __len__(self) -> int:
        return len(self._nodes)

    def of(self, organization: int | str, collaboration: Optional[int] = None) -> SimulatedNode:
        """The node of an organization (by id or name), in a collaboration if it has several."""
        for node in self._nodes.values():
            record = node.record
            if record is None or organization not in (record.organization.id,
                                                      record.organization.name):
                continue
            if collaboration is None or collaboration == record.collaboration.id:
                return node
        raise KeyError(f"no simulated node for organization {organization!r}"
                       + (f" in collaboration {collaboration}" if collaboration else ""))

    # ------------------------------------------------------------------ events -> work
    def _on_event(self, event: Event) -> None:
        if event.name == "new_task":
            self._announce(event.data["id"])
        elif event.name == "kill_containers":
            info = dict(event.data)
            for node in self:
                if node.online:
                    self.schedule(lambda node=node: node.kill(info))
        elif event.name == "delete_dataframe":  # 5.x: the nodes drop their copies
            info = dict(event.data)
            for node in self:
                if node.online and event.room == f"collaboration_{node.collaboration_id}":
                    self.schedule(lambda node=node: node.delete_dataframe(info))

    def _announce(self, task_id: int) -> None:
        """``new_task``: each online node with a run in the task fetches and starts it."""
        task = self.host.server.state.tasks.get(task_id)  # the server holds its lock
        if task is None:
            return
        seen = set()
        for run in task.runs:
            record = task.collaboration.node_of(run.organization.id)
            node = self._nodes.get(record.id) if record is not None else None
            if node is not None and node.online and node.id not in seen:
                seen.add(node.id)
                if self.lifecycle.realistic:  # the socket event and the node's queue take time
                    self.lifecycle.later(self.host.clock, self.host.events, "pickup",
                                         node.speed, lambda node=node: node.sync(task_id))
                else:
                    self.schedule(lambda node=node: node.sync(task_id))

    def schedule(self, work: Work) -> None:
        pending = self._collecting.get()
        if pending is not None:
            pending.append(work)
        else:
            with self._lock:
                self._later.append(work)

    def collect(self) -> tuple[list[Work], contextvars.Token]:
        """Start collecting the work a request schedules (see ``Network.handle``)."""
        pending: list[Work] = []
        return pending, self._collecting.set(pending)

    def stop_collecting(self, token: contextvars.Token) -> None:
        self._collecting.reset(token)

    def run(self, work: list[Work]) -> None:
        """Do deferred work now, in this thread. Failures are logged, never raised to a client."""
        with self._lock:
            later, self._later = self._later, []
        items = later + work
        # one interception for the whole batch: the runs' algorithms reach the node proxy
        # without patching requests and httpx again for every run
        with self.host.intercept():
            nested = getattr(self._in_pool, "active", False)  # a central function's subtask
            if self._pool is None or nested or len(items) < 2:
                for item in items:
                    self._guarded(item)
            else:  # side by side, and done before the request that made the work answers
                for future in [self._pool.submit(self._in_worker, item) for item in items]:
                    future.result()

    def _in_worker(self, item: Work) -> None:
        self._in_pool.active = True
        try:
            self._guarded(item)
        finally:
            self._in_pool.active = False

    def _guarded(self, item: Work) -> None:
        try:
            item()
        except Exception:
            log.exception("a simulated node failed")
            self.host.events.emit("simulator_error", {"where": "node"})

    def has_later(self) -> bool:
        return bool(self._later)

    def record_error(self, run_id: int, error: BaseException) -> None:
        if self.keep_errors:
            self.errors[run_id] = error

    # ------------------------------------------------------------------ execution
    def executor_for(self, mode: str):
        if mode == IN_PROCESS and self.executor in REMOTE:
            return self._remote_runner()
        return self._executors[mode]

    def _remote_runner(self):
        with self._lock:
            if self._remote is None:
                from simulator.vantage6.runtime import remote

                self._remote = (remote.RayRunner(self._ray_address, self._workers)
                                if self.executor == RAY
                                else remote.ProcessPoolRunner(self._workers))
            return self._remote

    def proxy_address(self, node_id: int, mode: str) -> ProxyAddress:
        if mode == ISOLATED or self.executor in REMOTE:  # another process: it needs HTTP
            server = self.loopback()
            return ProxyAddress(f"http://{server.host}", str(server.port), proxy_path(node_id))
        parts = urlsplit(self.host.url)
        return ProxyAddress(f"{parts.scheme}://{parts.hostname}", str(parts.port or ""),
                            proxy_path(node_id))

    def loopback(self) -> "ServerMode":
        """The network in server mode, for isolated runs (started once, on first need)."""
        with self._lock:
            if self._loopback is None:
                self._loopback = self.host.serve(port=0)
            return self._loopback

    def confinement(self, node: SimulatedNode, mode: str, *own: Path) -> Confinement:
        """What a run of ``node`` does not see: the nodes' folders (but its own run's ``own``
        folders and its node's cache) and every other node's database files."""
        folders = [folder for folder in (self._work_dir, self._cache_dir) if folder is not None]
        if self._cache_dir is not None:
            own += (node.cache_dir(),)
        return Confinement.of(folders, own, shares_process=mode == IN_PROCESS).joined(
            self._databases_seen_by(node))

    def _databases_seen_by(self, node: SimulatedNode) -> Confinement:
        """Its own database files, not the others' (worked out once per set of databases)."""
        uris = tuple((setup.node_id, db["uri"]) for setup in self.host.server.node_setups.values()
                     for db in setup.databases)
        known = self._database_views.get(node.id)
        if known is None or known[0] != uris:
            mine = {db["uri"] for db in node.setup.databases}
            theirs = {uri for _, uri in uris} - mine
            known = (uris, Confinement.of([uri for uri in theirs if os.path.isfile(uri)],
                                          [uri for uri in mine if os.path.isfile(uri)]))
            self._database_views[node.id] = known
        return known[1]

    def work_dir(self) -> Path:
        """Where the nodes keep their run folders: small files written and read on every run,
        so in memory where the system offers it (``SIMULATOR_WORK_DIR`` chooses)."""
        with self._lock:
            if self._work_dir is None:
                self._work_dir = self._temporary_folder(_run_folder_base())
            return self._work_dir

    def cache_dir(self) -> Path:
        """Where isolated runs keep parsed databases (on disk: frames can be large)."""
        with self._lock:
            if self._cache_dir is None:
                self._cache_dir = self._temporary_folder(None)
            return self._cache_dir

    def _temporary_folder(self, base: Optional[str]) -> Path:
        folder = Path(tempfile.mkdtemp(prefix="v6sim-", dir=base))
        self._finalizers.append(weakref.finalize(self, shutil.rmtree, str(folder), True))
        return folder

    def close(self) -> None:
        """Stop the loopback server and remove the nodes' data folders."""
        with self._lock:
            server, self._loopback = self._loopback, None
            runner, self._remote = self._remote, None
        if runner is not None:
            runner.close()
        if self._pool is not None:
            self._pool.shutdown(wait=False)
        if server is not None:
            server.stop()
        for finalizer in self._finalizers:
            finalizer()

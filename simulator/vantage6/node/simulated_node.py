"""A simulated vantage6 node: what vantage6-node 4.15.2 does for one (organization, collaboration),
without Docker. It speaks the node API of the simulated server, call for call:

  login         POST /token/node {api_key} (again 10 minutes before the token expires)
  fetch work    GET /run?state=open&node_id=..&include=task[&task_id=..] (all pages)
  start a run   PATCH /run {started_at}; POST /token/container; policy check;
                PATCH /run {status: active | not allowed (+finished_at) | non-existing Docker image
                | failed}
  finish        PATCH /run {result: base64(output), log, status: completed | crashed, finished_at}

and emits the socket events the real node emits (``algorithm_status_change``) on the event trace.
Its own calls go straight to the server's handler; the algorithm's calls go through the node proxy.
"""
from __future__ import annotations

import base64
import logging
import tempfile
import threading
import traceback
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import jwt

from simulator.vantage6.node import policies
from simulator.vantage6.runtime.data_cache import DataCache
from simulator.vantage6.runtime.environment import (
    container_environment,
    invalid_variable,
    prepare_run_folder,
)
from simulator.vantage6.runtime.crashes import injected_crash
from simulator.vantage6.runtime.executors import RunJob, RunOutcome
from simulator.vantage6.status import TaskStatus

if TYPE_CHECKING:
    from simulator.vantage6.node.fleet import NodeFleet
    from simulator.vantage6.scenario import NodeSetup

log = logging.getLogger(__name__)
REFRESH_MARGIN = 600  # seconds before expiry the real node refreshes its token
START_FAILED_LOG = "Container failed. Check node logs for details"
NO_LOG_SHARING = "Node does not allow sharing algorithm logs"


class NodeError(RuntimeError):
    """The node could not do what it needed to (e.g. its api key was reset)."""


class SimulatedNode:
    refresh_margin: float = REFRESH_MARGIN
    def __init__(self, fleet: "NodeFleet", setup: "NodeSetup") -> None:
        self.fleet = fleet
        self.server = fleet.host.server
        self.setup = setup
        self.id = setup.node_id
        self.cache = DataCache()  # each database parsed once, per node
        self.policies = dict(setup.policies or {})
        self.algorithm_env = dict(setup.extra.get("algorithm_env") or {})
        self.share_logs = bool(setup.extra.get("share_algorithm_logs", True))
        self.speed = float(setup.extra.get("speed", 1.0))  # realistic lifecycle: 2.0 = twice as fast
        self._online = False
        self._token: Optional[str] = None
        self._token_exp = 0.0
        self._lock = threading.RLock()
        self._running: dict[int, Optional[str]] = {}  # run id -> execution mode once started
        self._killed: set[int] = set()
        self._data_dir: Optional[Path] = None
        self._job_folders: set[int] = set()

    # ------------------------------------------------------------------ identity
    @property
    def record(self):
        return self.server.state.nodes.get(self.id)

    @property
    def organization_id(self) -> int:
        return self.record.organization.id

    @property
    def collaboration_id(self) -> int:
        return self.record.collaboration.id

    @property
    def online(self) -> bool:
        return self._online

    def __repr__(self) -> str:
        state = "online" if self._online else "offline"
        return f"<SimulatedNode id={self.id} organization={self.organization_id} {state}>"

    # ------------------------------------------------------------------ connection
    def go_online(self, sync: bool = True) -> None:
        """Connect as the real node does (its socket makes it 'online'), then sync its queue."""
        with self.server.lock:
            node = self.record
            if node is None:
                return
            node.status, node.last_seen = "online", self.server.clock.now()
        self._online = True
        self.fleet.host.events.emit(
            "node-online", {"id": self.id, "name": node.name, "org_id": self.organization_id},
            room=f"collaboration_{self.collaboration_id}")
        if sync:
            self.sync()

    def go_offline(self) -> None:
        """Disconnect: runs sent to this node stay pending until it comes back."""
        self._online = False
        with self.server.lock:
            node = self.record
            if node is None:
                return
            node.status = "offline"
        self.fleet.host.events.emit(
            "node-offline", {"id": self.id, "name": node.name, "org_id": self.organization_id},
            room=f"collaboration_{self.collaboration_id}")

    # ------------------------------------------------------------------ the node API
    def _authenticate(self) -> None:
        status, body = self._request("POST", "/token/node", {"api_key": self.setup.api_key},
                                     authenticated=False)
        if status != 200:
            raise NodeError(f"node {self.id} cannot log in: {body}")
        self._token = body["access_token"]
        self._token_exp = jwt.decode(self._token, options={"verify_signature": False})["exp"]

    def _request(self, method: str, path: str, json_body: Any = None,
                 params: str = "", authenticated: bool = True) -> tuple[int, Any]:
        token = None
        if authenticated:
            with self._lock:
                if self._token is None or (self._token_exp - self.server.clock.timestamp()
                                           < self.refresh_margin):
                    self._authenticate()
                token = self._token
        return self.server.node_call(method, path, json_body, params, token)

    def _patch_run(self, run_id: int, data: dict) -> tuple[int, Any]:
        return self._request("PATCH", f"/run/{run_id}", data)

    def _now(self) -> str:
        # what datetime.now(timezone.utc).isoformat() gives; always with microseconds, since the
        # server refuses a timestamp without them (a simulated clock often sits on whole seconds)
        return self.server.clock.now().isoformat(timespec="microseconds")

    def open_runs(self, task_id: Optional[int] = None) -> list[dict]:
        """``client.run.list(state="open", include_task=True[, task_id])``, every page."""
        runs, page = [], 1
        while True:
            query = f"state=open&node_id={self.id}&include=task&page={page}"
            if task_id is not None:
                query += f"&task_id={task_id}"
            status, body = self._request("GET", "/run", params=query)
            if status != 200:
                raise NodeError(f"node {self.id} cannot list its runs: {body}")
            runs += body["data"]
            if "next" not in body["links"]:
                return runs
            page += 1

    # ------------------------------------------------------------------ work
    def sync(self, task_id: Optional[int] = None) -> None:
        """Start every open run of this node (of one task, when a new task was announced)."""
        if not self._online:
            return
        for run in self.open_runs(task_id):
            with self._lock:
                if run["id"] in self._running:
                    continue  # "already running": the real node skips it too
                self._running[run["id"]] = None
            self._step(self._start, run)

    def _step(self, phase, run: dict, *args) -> None:
        """One phase of a run. A phase returns True when it scheduled the next one; otherwise the
        run's work on this node is over and the node forgets it."""
        more = False
        try:
            more = phase(run, *args)
        finally:
            if not more:
                with self._lock:
                    self._running.pop(run["id"], None)
                    self._killed.discard(run["id"])

    def _later(self, phase_name: str, action) -> None:
        self.fleet.lifecycle.later(self.server.clock, self.fleet.host.events, phase_name,
                                   self.speed, action)

    def _start(self, run: dict) -> bool:
        task = run["task"]
        self._patch_run(run["id"], {"started_at": self._now()})
        status, body = self._request("POST", "/token/container",
                                     {"task_id": task["id"], "image": task["image"]})
        token = body.get("container_token") if isinstance(body, dict) else None
        if token is None:
            self._patch_run(run["id"], {"status": TaskStatus.FAILED,
                                        "log": "Could not obtain algorithm container token"})
            return False
        if not self._allowed(task):
            self._patch_run(run["id"], {"status": TaskStatus.NOT_ALLOWED,
                                        "finished_at": self._now()})
            self._status_changed(run, TaskStatus.NOT_ALLOWED)
            return False
        job, failure = self._prepare(run, task, token)
        if failure is not None:  # the container never started
            self._patch_run(run["id"], {"status": failure})
            self._status_changed(run, failure)
            self._report(run, failure, b"", START_FAILED_LOG)
            return False
        # the container starts: "initializing" inside the node, never PATCHed (as the real node)
        self.fleet.host.events.emit("run_initializing", {
            "run_id": run["id"], "task_id": task["id"], "organization_id": self.organization_id})
        self._later("startup", lambda: self._step(self._activate, run, job))
        return True

    def _activate(self, run: dict, job: "_Prepared") -> bool:
        with self._lock:
            if run["id"] in self._killed:
                return False  # killed while its container was starting
        self._patch_run(run["id"], {"status": TaskStatus.ACTIVE})
        self._status_changed(run, TaskStatus.ACTIVE)
        with self._lock:
            if run["id"] in self._killed:
                return False
            self._running[run["id"]] = job.mode
        message = self.fleet.host.faults.crash_due(self.organization_id, run["task"]["id"])
        outcome = None if message is None else injected_crash(run, message)
        if outcome is None:
            try:
                outcome = self.fleet.executor_for(job.mode).execute(job.job)
            except Exception:  # a fault of the simulator, reported as the run's crash
                outcome = RunOutcome(1, "simulator error while running the algorithm:\n"
                                     + traceback.format_exc(), b"")
        self._later("run", lambda: self._step(self._finish, run, outcome))
        return True

    def _finish(self, run: dict, outcome: RunOutcome) -> bool:
        with self._lock:
            if run["id"] in self._killed or outcome.killed:
                return False  # a killed container reports nothing more
        status = TaskStatus.CRASHED if outcome.exit_code else TaskStatus.COMPLETED
        if outcome.error is not None:
            self.fleet.record_error(run["id"], outcome.error)
        self._status_changed(run, status)
        self._report(run, status, outcome.output, outcome.log)
        return False

    def _report(self, run: dict, status: str, output: bytes, container_log: str) -> None:
        self._patch_run(run["id"], {
            "result": base64.b64encode(output).decode() if output else "",
            "log": container_log if self.share_logs else NO_LOG_SHARING,
            "status": status, "finished_at": self._now()})

    def _allowed(self, task: dict) -> bool:
        init_user = task.get("init_user") or {}
        return policies.image_allowed(self.policies, task["image"], task["init_org"]["id"],
                                      init_user.get("id"), self._organization_id_by_name)

    def _organization_id_by_name(self, name: str) -> Optional[int]:
        status, body = self._request("GET", "/organization",
                                     params=f"name={name}&per_page=100")
        for org in body.get("data", []) if status == 200 else []:
            if org.get("name") == name:
                return org.get("id")
        return None

    def _prepare(self, run: dict, task: dict, token: str):
        """The container to start, or the status of a start that fails."""
        algorithm = self.server.algorithms.resolve(task["image"])
        if algorithm is None:  # nothing to pull, nothing local
            log.warning("node %s: no package for image %r (the scenario's algorithms map %s)",
                        self.id, task["image"], sorted(self.server.algorithms.items()))
            return None, TaskStatus.NO_DOCKER_IMAGE
        mode = self.server.algorithms.mode_of(algorithm)
        data_dir = self.data_dir()
        run_input = base64.b64decode(run["input"]) if run["input"] else b""
        folder = prepare_run_folder(data_dir, run["id"], run_input, token)
        temporary = data_dir / f"tmp-job-{task['job_id']}"  # shared by the job's runs here
        if task["job_id"] not in self._job_folders:
            temporary.mkdir(exist_ok=True)
            self._job_folders.add(task["job_id"])
        env = container_environment(folder, temporary, self.fleet.proxy_address(self.id, mode),
                                    task.get("databases") or [], self.setup.databases,
                                    self.algorithm_env)
        if invalid_variable(env) is not None:
            return None, TaskStatus.FAILED
        env = self.server.profile.node_environment(env, task)
        job = RunJob(run["id"], algorithm.module, env, folder, self.cache,
                     self.cache_dir(), node_id=self.id, dialect=self.server.profile,
                     confinement=self.fleet.confinement(self, mode, folder.path, temporary))
        return _Prepared(job, mode), None

    def _status_changed(self, run: dict, status: str) -> None:
        task = run["task"]
        self.fleet.host.events.emit("algorithm_status_change", {
            "node_id": self.id, "status": getattr(status, "value", status), "run_id": run["id"],
            "task_id": task["id"],
            "collaboration_id": self.collaboration_id, "organization_id": self.organization_id,
            "parent_id": (task.get("parent") or {}).get("id")},
            room=f"collaboration_{self.collaboration_id}")

    def kill(self, kill_info: dict) -> list[int]:
        """``kill_containers``: stop this node's matching containers, report them killed."""
        if kill_info.get("collaboration_id") != self.collaboration_id:
            return []
        if "node_id" in kill_info and kill_info["node_id"] != self.id:
            return []
        with self._lock:
            targets = [k["run_id"] for k in kill_info.get("kill_list") or []
                       if k.get("organization_id") == self.organization_id
                       and k["run_id"] in self._running]
            if "kill_list" not in kill_info:
                targets = sorted(self._running)
            self._killed.update(targets)
            modes = {run_id: self._running.get(run_id) for run_id in targets}
        for run_id in targets:
            if modes[run_id] is not None:  # started: stop its container
                self.fleet.executor_for(modes[run_id]).kill(run_id)
            self._patch_run(run_id, {"status": TaskStatus.KILLED})
        return targets

    # ------------------------------------------------------------------ data and files
    def data(self, label: str = "default"):
        """A copy of one of this node's databases as its algorithms get it (parsed once)."""
        from vantage6.algorithm.tools.wrappers import load_data

        for db in self.setup.databases:
            if db["label"] == label:
                return self.cache.load(load_data, db["uri"], db["type"])
        raise KeyError(f"node {self.id} has no database {label!r}; it has "
                       f"{[db['label'] for db in self.setup.databases]}")

    def cache_dir(self) -> Path:
        """Where this node's isolated runs share their parsed databases."""
        return self.fleet.cache_dir() / f"node{self.id}"

    def data_dir(self) -> Path:
        """The node's data folder: run folders and job temporary folders."""
        with self._lock:
            if self._data_dir is None:
                self._data_dir = Path(tempfile.mkdtemp(prefix=f"node{self.id}-",
                                                       dir=self.fleet.work_dir()))
            return self._data_dir


class _Prepared:
    __slots__ = ("job", "mode")

    def __init__(self, job: RunJob, mode: str) -> None:
        self.job, self.mode = job, mode


"""An in-memory Nomad cluster: nodes, jobs and allocations, with the fields PAPI reads.

No HTTP here. The public methods mirror the python-nomad calls PAPI makes (``get_jobs``,
``get_job``, ``get_allocations``, ``get_allocation``, ``get_node``, ``get_nodes``,
``register_job``, ``deregister_job``) and answer the JSON the real Nomad HTTP API gives
(contract §6), so the PAPI layer above is a plain port of ``ai4papi/nomad/common.py``.

Time comes from the network's clock. Nothing runs in the background: every call first replays
what became due since the last one (placement, image pull, stop), in time order, so a simulated
clock moves jobs on ``clock.advance()`` and the wall clock moves them in real time.

Lifecycle of a job (defaults in ``config.Timing``):
  register -> no allocation ("queued") -> after ``queued`` s an allocation is placed on a node
  that satisfies the job's constraints and has room (pending: "starting") -> after ``starting`` s
  the task runs ("running"). Without room the job stays blocked until resources free up.
  deregister(purge=True) removes the job at once (404 afterwards); purge=False stops it: the job
  is dead at once (hidden from lists) and its allocation completes after ``stopping`` s.
"""
from __future__ import annotations

import copy
import heapq
import itertools
import random
import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Optional

from simulator.core.clock import Clock
from simulator.papi.config import Timing

NS = 1_000_000_000
NOMAD_VERSION = "1.8.4"
_NON_TERMINAL_CLIENT = ("pending", "running", "unknown")
FAIL_MESSAGE = "Docker container exited with non-zero exit code: 1"


class NomadError(Exception):
    """A non-2xx answer of the Nomad API (python-nomad raises a typed exception)."""

    status = 500


class NomadNotFound(NomadError):
    """python-nomad's ``URLNotFoundNomadException`` (HTTP 404)."""

    status = 404


class NomadBadRequest(NomadError):
    status = 400


# ---------------------------------------------------------------------------------- records
@dataclass
class Gpu:
    id: str
    model: str
    vendor: str = "nvidia"
    memory_mb: int = 16000
    healthy: bool = True


@dataclass
class Node:
    id: str
    name: str
    datacenter: str
    cores: int
    memory_mb: int
    disk_mb: int
    meta: dict[str, str]
    gpus: list[Gpu] = field(default_factory=list)
    status: str = "ready"                 # ready | down | disconnected | initializing
    eligibility: str = "eligible"         # eligible | ineligible
    address: str = "10.0.0.1"
    create_index: int = 0


@dataclass
class Allocation:
    id: str
    eval_id: str
    job_id: str
    namespace: str
    node_id: str
    task_group: str
    tasks: list[str]
    create_ns: int
    modify_ns: int
    cores: list[int]
    cpu_mhz: int
    memory_mb: int
    disk_mb: int
    gpu_ids: list[str]
    gpu_model: Optional[str]
    client_status: str = "pending"        # pending | running | complete | failed | lost | unknown
    desired_status: str = "run"           # run | stop
    task_state: str = "pending"           # pending | running | dead
    failed: bool = False
    events: list[dict] = field(default_factory=list)
    started_ns: Optional[int] = None
    finished_ns: Optional[int] = None
    create_index: int = 0
    modify_index: int = 0

    @property
    def terminal(self) -> bool:
        # Nomad's Allocation.TerminalStatus(): desired stop, or a terminal client status
        return self.desired_status != "run" or self.client_status not in _NON_TERMINAL_CLIENT

    @property
    def holds_resources(self) -> bool:
        return self.client_status in _NON_TERMINAL_CLIENT


@dataclass
class Job:
    id: str
    namespace: str
    spec: dict
    submit_ns: int
    stop: bool = False
    allocations: list[Allocation] = field(default_factory=list)
    serving: frozenset = frozenset()      # port labels that answer HTTP once the task runs
    fail_message: Optional[str] = None    # the main task exits with this once started
    blocked: bool = False                 # its placement waits for free resources
    placed: bool = False
    dead_since: Optional[float] = None
    create_index: int = 0
    modify_index: int = 0

    @property
    def name(self) -> str:
        return self.spec.get("Name", self.id)

    @property
    def status(self) -> str:
        """Nomad's ``getJobStatus`` for service jobs."""
        if any(not a.terminal for a in self.allocations):
            return "running"
        if not self.placed and not self.stop:
            return "pending"  # an evaluation is blocked or not processed yet
        return "dead"


# ---------------------------------------------------------------------------------- cluster
class NomadCluster:
    def __init__(self, clock: Clock, timing: Optional[Timing] = None,
                 rng: Optional[random.Random] = None) -> None:
        self.clock = clock
        self.timing = timing or Timing()
        self.rng = rng or random.Random()
        self.nodes: dict[str, Node] = {}
        self.jobs: dict[tuple[str, str], Job] = {}       # (namespace, id) -> job
        self.allocations: dict[str, Allocation] = {}
        self._due: list[tuple[float, int, str, Any]] = []  # (when, seq, action, subject)
        self._seq = itertools.count()
        self._index = itertools.count(10)                  # Nomad's raft index
        self.failing_images: set[str] = set()

    # ------------------------------------------------------------------ building
    def _uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def add_node(self, name: str, *, datacenter: str, cores: int, memory_mb: int, disk_mb: int,
                 namespaces: Iterable[str], domain: str, gpus: Iterable[tuple[str, int]] = (),
                 gpu_memory_mb: Optional[dict[str, int]] = None, node_type: str = "compute",
                 tags: Optional[str] = None, status: str = "ready", eligible: bool = True,
                 id: Optional[str] = None) -> Node:
        gpu_list = []
        for model, count in gpus:
            for _ in range(count):
                gpu_list.append(Gpu(f"GPU-{self._uuid()}", model,
                                    memory_mb=(gpu_memory_mb or {}).get(model, 16000)))
        meta = {"domain": domain, "namespace": ",".join(namespaces), "type": node_type,
                "status": "ready", "tags": tags or ("gpu" if gpu_list else "cpu"),
                "compute": "true"}
        node = Node(id or self._uuid(), name, datacenter, cores, memory_mb, disk_mb, meta,
                    gpu_list, status, "eligible" if eligible else "ineligible",
                    address=f"10.0.{len(self.nodes) // 250}.{len(self.nodes) % 250 + 10}",
                    create_index=next(self._index))
        self.nodes[node.id] = node
        return node

    # ------------------------------------------------------------------ time
    def _now(self) -> float:
        return self.clock.timestamp()

    def _at(self, when: float, action: str, subject: Any) -> None:
        heapq.heappush(self._due, (when, next(self._seq), action, subject))

    def advance(self) -> None:
        """Apply, in time order, everything that became due up to now."""
        now = self._now()
        while self._due and self._due[0][0] <= now:
            when, _, action, subject = heapq.heappop(self._due)
            getattr(self, f"_do_{action}")(when, subject)

    def _do_place(self, when: float, job: Job) -> None:
        if self.jobs.get((job.namespace, job.id)) is not job or job.stop or job.placed:
            return
        if not self._place(job, when):
            job.blocked = True

    def _do_start(self, when: float, alloc: Allocation) -> None:
        if alloc.client_status != "pending" or alloc.desired_status != "run":
            return
        job = self.jobs.get((alloc.namespace, alloc.job_id))
        ns = int(when * NS)
        alloc.events.append(_event("Driver", "Downloading image", ns))
        if job is not None and job.fail_message:
            self._fail(alloc, job.fail_message, ns)
            return
        alloc.client_status, alloc.task_state, alloc.started_ns = "running", "running", ns
        alloc.events.append(_event("Started", "Task started by client", ns))
        self._touch(alloc, ns)

    def _do_finish_stop(self, when: float, alloc: Allocation) -> None:
        if alloc.client_status not in ("pending", "running"):
            return
        ns = int(when * NS)
        alloc.events.append(_event("Killed", "Task successfully killed", ns))
        alloc.client_status, alloc.task_state, alloc.finished_ns = "complete", "dead", ns
        self._touch(alloc, ns)
        self._retry_blocked(when)

    def _do_gc(self, when: float, job: Job) -> None:
        if self.jobs.get((job.namespace, job.id)) is job and job.status == "dead":
            self._remove(job)

    # ------------------------------------------------------------------ scheduling
    def _free(self) -> dict[str, tuple[set[int], int, int, set[str]]]:
        """Per node: free core ids, memory MB, disk MB and GPU ids (one pass over allocations)."""
        free = {n.id: (set(range(n.cores)), n.memory_mb, n.disk_mb,
                       {g.id for g in n.gpus if g.healthy}) for n in self.nodes.values()}
        for alloc in self.allocations.values():
            if alloc.holds_resources and alloc.node_id in free:
                cores, memory, disk, gpus = free[alloc.node_id]
                free[alloc.node_id] = (cores - set(alloc.cores), memory - alloc.memory_mb,
                                       disk - alloc.disk_mb, gpus - set(alloc.gpu_ids))
        return free

    def _place(self, job: Job, when: float) -> bool:
        group = job.spec["TaskGroups"][0]
        main = _main_task(group)
        res = (main or {}).get("Resources") or {}
        want_cores = int(res.get("Cores") or 0)
        want_mhz = 0 if want_cores else int(res.get("CPU") or 0)
        want_memory = int(res.get("MemoryMB") or 0)
        want_disk = int((group.get("EphemeralDisk") or {}).get("SizeMB") or 0)
        device = next((d for d in res.get("Devices") or [] if d.get("Name") == "gpu"), None)
        want_gpus = int(device.get("Count") or 0) if device else 0
        best: Optional[tuple[float, int, Node, list[int], list[str], Optional[str]]] = None
        free = self._free()
        for order, node in enumerate(self.nodes.values()):
            if node.status != "ready" or node.eligibility != "eligible":
                continue
            if not all(_holds(c, node) for c in job.spec.get("Constraints") or []):
                continue
            cores, memory, disk, gpus = free[node.id]
            if len(cores) < want_cores or memory < want_memory or disk < want_disk:
                continue
            gpu_ids, model = [], None
            if want_gpus:
                usable = [g for g in node.gpus if g.id in gpus and all(
                    _holds(c, node, g) for c in device.get("Constraints") or [])]
                by_model: dict[str, list[str]] = {}
                for g in usable:
                    by_model.setdefault(g.model, []).append(g.id)
                fits = [(m, ids) for m, ids in by_model.items() if len(ids) >= want_gpus]
                if not fits:
                    continue
                model, ids = fits[0]
                gpu_ids = ids[:want_gpus]
            score = sum(float(a.get("Weight") or 0) for a in job.spec.get("Affinities") or []
                        if _holds(a, node))
            if best is None or score > best[0]:
                best = (score, order, node, sorted(cores)[:want_cores], gpu_ids, model)
        if best is None:
            return False
        _, _, node, core_ids, gpu_ids, model = best
        ns = int(when * NS)
        index = next(self._index)
        alloc = Allocation(
            id=self._uuid(), eval_id=self._uuid(), job_id=job.id, namespace=job.namespace,
            node_id=node.id, task_group=group.get("Name", "usergroup"),
            tasks=[t["Name"] for t in group.get("Tasks") or []], create_ns=ns, modify_ns=ns,
            cores=core_ids, cpu_mhz=want_mhz, memory_mb=want_memory, disk_mb=want_disk,
            gpu_ids=gpu_ids, gpu_model=model,
            events=[_event("Received", "Task received by client", ns),
                    _event("Task Setup", "Building Task Directory", ns)],
            create_index=index, modify_index=index)
        self.allocations[alloc.id] = alloc
        job.allocations.append(alloc)
        job.placed, job.blocked = True, False
        self._at(when + self.timing.starting, "start", alloc)
        return True

    def _retry_blocked(self, when: float) -> None:
        for job in sorted((j for j in self.jobs.values() if j.blocked), key=lambda j: j.submit_ns):
            if self._place(job, when):
                job.blocked = False

    def _fail(self, alloc: Allocation, message: str, ns: int) -> None:
        alloc.events += [_event("Terminated", message, ns, exit_code=1),
                         _event("Not Restarting", "Policy allows no restarts", ns)]
        alloc.client_status, alloc.task_state, alloc.failed = "failed", "dead", True
        alloc.finished_ns = ns
        self._touch(alloc, ns)
        self._retry_blocked(ns / NS)

    def _touch(self, alloc: Allocation, ns: int) -> None:
        alloc.modify_ns = ns
        alloc.modify_index = next(self._index)
        job = self.jobs.get((alloc.namespace, alloc.job_id))
        if job is not None:
            job.modify_index = alloc.modify_index
            if job.status == "dead" and job.dead_since is None:
                job.dead_since = ns / NS
                self._at(job.dead_since + self.timing.gc, "gc", job)

    def _remove(self, job: Job) -> None:
        self.jobs.pop((job.namespace, job.id), None)
        for alloc in job.allocations:
            self.allocations.pop(alloc.id, None)

    # ------------------------------------------------------------------ the API PAPI calls
    def register_job(self, payload: dict, *, serving: Iterable[str] = (),
                     fail_message: Optional[str] = None) -> dict:
        """``POST /v1/jobs`` with ``{"Job": job}``. ``serving`` and ``fail_message`` are the
        simulator's: which endpoints answer once running, and a failure to act out."""
        self.advance()
        spec = copy.deepcopy(payload["Job"])
        job_id, namespace = spec.get("ID"), spec.get("Namespace") or "default"
        if not job_id or not spec.get("TaskGroups"):
            raise NomadBadRequest("invalid job: missing ID or task groups")
        main = _main_task(spec["TaskGroups"][0])
        image = ((main or {}).get("Config") or {}).get("image", "")
        if fail_message is None and image.split(":")[0] in self.failing_images:
            fail_message = FAIL_MESSAGE
        elif fail_message is None and image.endswith(":"):
            fail_message = f"Failed to pull `{image}`: API error (400): invalid reference format"
        now = self._now()
        old = self.jobs.get((namespace, job_id))
        if old is not None:
            self._remove(old)
        index = next(self._index)
        job = Job(job_id, namespace, spec, int(now * NS), serving=frozenset(serving),
                  fail_message=fail_message, create_index=index, modify_index=index)
        self.jobs[(namespace, job_id)] = job
        self._at(now + self.timing.queued, "place", job)
        self.advance()
        return {"EvalID": self._uuid(), "EvalCreateIndex": index, "JobModifyIndex": index,
                "Warnings": "", "Index": index, "LastIndex": index}

    def deregister_job(self, id_: str, namespace: str, purge: bool = False) -> dict:
        """``DELETE /v1/job/<id>?namespace=<ns>&purge=True|False``."""
        self.advance()
        job = self._job(id_, namespace)
        now = self._now()
        if purge:
            self._remove(job)
            self._retry_blocked(now)
        else:
            job.stop, job.blocked = True, False
            for alloc in job.allocations:
                if alloc.desired_status == "run":
                    alloc.desired_status = "stop"
                    if alloc.client_status == "pending":  # never started: stops at once
                        self._do_finish_stop(now, alloc)
                    elif alloc.client_status == "running":
                        self._at(now + self.timing.stopping, "finish_stop", alloc)
            job.modify_index = next(self._index)
            if job.status == "dead" and job.dead_since is None:
                job.dead_since = now
                self._at(now + self.timing.gc, "gc", job)
        return {"EvalID": self._uuid(), "EvalCreateIndex": job.modify_index,
                "JobModifyIndex": job.modify_index}

    def get_jobs(self, namespace: Optional[str] = None, filter_: Optional[str] = None
                 ) -> list[dict]:
        """``GET /v1/jobs?namespace=<ns>&filter=<expr>``: stubs sorted by ID; ``*`` = all."""
        self.advance()
        predicate = compile_filter(filter_) if filter_ else None
        out = []
        for (ns, _), job in sorted(self.jobs.items(), key=lambda kv: (kv[0][1], kv[0][0])):
            if namespace not in (None, "*") and ns != namespace:
                continue
            view = self._job_json(job, deep=False)  # the filter only reads it
            if predicate is None or predicate(view):
                out.append(self._job_stub(job, view))
        return out

    def get_job(self, id_: str, namespace: Optional[str] = None) -> dict:
        self.advance()
        return self._job_json(self._job(id_, namespace or "default"))

    def get_allocations(self, id_: str, namespace: Optional[str] = None) -> list[dict]:
        """``GET /v1/job/<id>/allocations``: an unknown job answers ``[]`` (as Nomad does)."""
        self.advance()
        job = self.jobs.get((namespace or "default", id_))
        return [self._alloc_stub(a) for a in job.allocations] if job else []

    def get_allocation(self, id_: str) -> dict:
        self.advance()
        alloc = self.allocations.get(id_)
        if alloc is None:
            raise NomadNotFound("alloc not found")
        return self._alloc_json(alloc)

    def get_node(self, id_: str) -> dict:
        node = self.nodes.get(id_)
        if node is None:
            raise NomadNotFound("node not found")
        return self._node_json(node)

    def get_nodes(self, resources: bool = False) -> list[dict]:
        out = []
        for node in sorted(self.nodes.values(), key=lambda n: n.id):
            stub = {"ID": node.id, "Name": node.name, "Datacenter": node.datacenter,
                    "Status": node.status, "SchedulingEligibility": node.eligibility,
                    "Drain": False, "NodeClass": "", "NodePool": "default",
                    "Address": node.address, "Version": NOMAD_VERSION,
                    "StatusDescription": "", "CreateIndex": node.create_index,
                    "ModifyIndex": node.create_index}
            if resources:
                stub["NodeResources"] = self._node_resources(node)
            out.append(stub)
        return out

    def _job(self, id_: str, namespace: str) -> Job:
        job = self.jobs.get((namespace, id_))
        if job is None:
            raise NomadNotFound("job not found")
        return job

    # ------------------------------------------------------------------ hooks for harnesses
    def fail_job(self, id_: str, namespace: str, message: str = FAIL_MESSAGE) -> None:
        """Make a job's main task exit with an error: at once if it runs, else when it starts."""
        self.advance()
        job = self._job(id_, namespace)
        job.fail_message = message
        now_ns = int(self._now() * NS)
        for alloc in job.allocations:
            if alloc.client_status == "running" and alloc.desired_status == "run":
                self._fail(alloc, message, now_ns)

    def set_node_status(self, id_: str, status: str) -> None:
        """Take a node ``down`` (its allocations are ``lost``) or bring it back (``ready``)."""
        self.advance()
        node = self.nodes[id_]
        node.status = status
        if status == "down":
            ns = int(self._now() * NS)
            for alloc in self.allocations.values():
                if alloc.node_id == id_ and alloc.holds_resources:
                    alloc.client_status, alloc.task_state = "lost", "dead"
                    alloc.finished_ns = ns
                    self._touch(alloc, ns)
        self._retry_blocked(self._now())

    def endpoint_up(self, job_id: str, namespace: str, label: str) -> bool:
        """Whether a job's endpoint would answer 2xx: its task runs and serves that port."""
        job = self.jobs.get((namespace, job_id))
        return bool(job and label in job.serving and any(
            a.client_status == "running" and a.task_state == "running" for a in job.allocations))

    # ------------------------------------------------------------------ JSON views
    def _job_json(self, job: Job, deep: bool = True) -> dict:
        out = copy.deepcopy(job.spec) if deep else dict(job.spec)
        out.update({"ID": job.id, "Namespace": job.namespace, "Status": job.status,
                    "Stop": job.stop, "SubmitTime": job.submit_ns, "Version": 0,
                    "Stable": False, "StatusDescription": "", "CreateIndex": job.create_index,
                    "ModifyIndex": job.modify_index, "JobModifyIndex": job.create_index})
        out.setdefault("Name", job.id)
        out.setdefault("Type", "service")
        out.setdefault("Region", "global")
        out.setdefault("Datacenters", ["*"])
        out.setdefault("Meta", None)
        return out

    def _job_stub(self, job: Job, full: dict) -> dict:
        return {"ID": job.id, "ParentID": "", "Name": full["Name"], "Namespace": job.namespace,
                "Datacenters": list(full["Datacenters"]), "Type": full["Type"],
                "Priority": full.get("Priority", 50), "Periodic": False,
                "ParameterizedJob": False, "Stop": job.stop, "Status": job.status,
                "StatusDescription": "", "Meta": copy.deepcopy(full.get("Meta")),
                "JobSummary": {"JobID": job.id, "Namespace": job.namespace,
                               "Summary": self._summary(job)},
                "CreateIndex": job.create_index, "ModifyIndex": job.modify_index,
                "JobModifyIndex": job.create_index, "SubmitTime": job.submit_ns}

    def _summary(self, job: Job) -> dict:
        counts = {"Queued": 0, "Complete": 0, "Failed": 0, "Running": 0, "Starting": 0,
                  "Lost": 0, "Unknown": 0}
        if not job.placed and not job.stop:
            counts["Queued"] = 1
        key = {"pending": "Starting", "running": "Running", "complete": "Complete",
               "failed": "Failed", "lost": "Lost", "unknown": "Unknown"}
        for alloc in job.allocations:
            counts[key[alloc.client_status]] += 1
        group = job.spec["TaskGroups"][0].get("Name", "usergroup")
        return {group: counts}

    def _alloc_stub(self, alloc: Allocation) -> dict:
        node = self.nodes.get(alloc.node_id)
        job = self.jobs.get((alloc.namespace, alloc.job_id))
        return {"ID": alloc.id, "EvalID": alloc.eval_id,
                "Name": f"{job.name if job else alloc.job_id}.{alloc.task_group}[0]",
                "Namespace": alloc.namespace, "NodeID": alloc.node_id,
                "NodeName": node.name if node else "", "JobID": alloc.job_id,
                "JobType": "service", "JobVersion": 0, "TaskGroup": alloc.task_group,
                "DesiredStatus": alloc.desired_status, "DesiredDescription": "",
                "ClientStatus": alloc.client_status,
                "ClientDescription": _client_description(alloc),
                "TaskStates": self._task_states(alloc), "FollowupEvalID": "",
                "NextAllocation": "", "PreviousAllocation": "",
                "CreateIndex": alloc.create_index, "ModifyIndex": alloc.modify_index,
                "CreateTime": alloc.create_ns, "ModifyTime": alloc.modify_ns}

    def _alloc_json(self, alloc: Allocation) -> dict:
        out = self._alloc_stub(alloc)
        devices = None
        if alloc.gpu_ids:
            devices = [{"Type": "gpu", "Vendor": "nvidia", "Name": alloc.gpu_model,
                        "DeviceIDs": list(alloc.gpu_ids)}]
        out["AllocatedResources"] = {
            "Tasks": {"main": {"Cpu": {"CpuShares": alloc.cpu_mhz,
                                       "ReservedCores": list(alloc.cores)},
                               "Memory": {"MemoryMB": alloc.memory_mb,
                                          "MemoryMaxMB": alloc.memory_mb},
                               "Networks": None, "Devices": devices}},
            "Shared": {"DiskMB": alloc.disk_mb, "Networks": None, "Ports": None}}
        return out

    def _task_states(self, alloc: Allocation) -> Optional[dict]:
        if not alloc.events:
            return None
        state = {"State": alloc.task_state, "Failed": alloc.failed, "Restarts": 0,
                 "LastRestart": None,
                 "StartedAt": _iso(alloc.started_ns), "FinishedAt": _iso(alloc.finished_ns),
                 "Events": copy.deepcopy(alloc.events)}
        # every task of the group reports; only "main" can fail in the simulator
        return {name: dict(state, Failed=alloc.failed and name == "main",
                           Events=copy.deepcopy(alloc.events))
                for name in alloc.tasks}

    def _node_resources(self, node: Node) -> dict:
        devices = None
        if node.gpus:
            by_model: dict[str, list[Gpu]] = {}
            for gpu in node.gpus:
                by_model.setdefault(gpu.model, []).append(gpu)
            devices = [{"Type": "gpu", "Vendor": gpus[0].vendor, "Name": model,
                        "Attributes": {"memory": {"Int": gpus[0].memory_mb, "Unit": "MiB"}},
                        "Instances": [{"ID": g.id, "Healthy": g.healthy,
                                       "HealthDescription": "", "Locality": None}
                                      for g in gpus]}
                       for model, gpus in by_model.items()]
        return {"Cpu": {"CpuShares": node.cores * 2400, "TotalCpuCores": node.cores,
                        "ReservableCpuCores": list(range(node.cores))},
                "Memory": {"MemoryMB": node.memory_mb}, "Disk": {"DiskMB": node.disk_mb},
                "Devices": devices, "Networks": None}

    def _node_json(self, node: Node) -> dict:
        attributes = {"cpu.numcores": str(node.cores), "cpu.frequency": "2400",
                      "cpu.arch": "amd64", "memory.totalbytes": str(node.memory_mb * 2**20),
                      "unique.storage.bytestotal": str(node.disk_mb * 2**20),
                      "unique.hostname": node.name, "nomad.version": NOMAD_VERSION,
                      "os.name": "ubuntu", "os.version": "22.04", "kernel.name": "linux",
                      "driver.docker": "1"}
        return {"ID": node.id, "Name": node.name, "Datacenter": node.datacenter,
                "NodeClass": "", "NodePool": "default", "HTTPAddr": f"{node.address}:4646",
                "Status": node.status, "StatusDescription": "",
                "SchedulingEligibility": node.eligibility, "Drain": False,
                "Meta": dict(node.meta), "Attributes": attributes,
                "NodeResources": self._node_resources(node),
                "CreateIndex": node.create_index, "ModifyIndex": node.create_index}


# ---------------------------------------------------------------------------------- helpers
def _main_task(group: dict) -> Optional[dict]:
    return next((t for t in group.get("Tasks") or [] if t.get("Name") == "main"), None)


def _event(kind: str, message: str, ns: int, exit_code: int = 0) -> dict:
    # Nomad fills "Message" only for some event types; "DisplayMessage" always
    return {"Type": kind, "Time": ns, "Message": message if kind == "Terminated" else "",
            "DisplayMessage": message, "Details": {}, "ExitCode": exit_code,
            "FailsTask": kind == "Not Restarting"}


def _client_description(alloc: Allocation) -> str:
    return {"pending": "No tasks have started", "running": "Tasks are running",
            "complete": "All tasks have completed", "failed": "Failed tasks",
            "lost": "alloc is lost since its node is down"}.get(alloc.client_status, "")


def _iso(ns: Optional[int]) -> Optional[str]:
    if ns is None:
        return None
    import datetime as dt

    return dt.datetime.fromtimestamp(ns / NS, dt.timezone.utc).isoformat().replace("+00:00", "Z")


def _resolve(target: str, node: Node, gpu: Optional[Gpu] = None) -> Optional[str]:
    """The value a constraint's ``LTarget`` interpolates to on a node (or a GPU of it)."""
    match = re.fullmatch(r"\$\{(.+)\}", target or "")
    if not match:
        return target
    key = match.group(1)
    if key.startswith("meta."):
        return node.meta.get(key[5:])
    if key == "node.datacenter":
        return node.datacenter
    if key == "node.unique.name":
        return node.name
    if key == "device.model":
        return gpu.model if gpu else None
    return None


def _holds(rule: dict, node: Node, gpu: Optional[Gpu] = None) -> bool:
    left = _resolve(rule.get("LTarget", ""), node, gpu)
    right = rule.get("RTarget", "")
    op = rule.get("Operand", "=")
    if op in ("=", "==", "is"):
        return left == right
    if op == "!=":
        return left != right
    if op == "regexp":
        return left is not None and re.search(right, left) is not None
    if op == "is_set":
        return left is not None
    if op == "is_not_set":
        return left is None
    if op == "set_contains":
        return left is not None and all(
            v.strip() in [p.strip() for p in left.split(",")] for v in right.split(","))
    return False


# ---------------------------------------------------------------------------------- filters
_TOKEN = re.compile(r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*")|(?P<op>==|!=)|(?P<word>[A-Za-z_][\w.]*)'
                    r'|(?P<paren>[()]))')


def compile_filter(expression: str) -> Callable[[dict], bool]:
    """go-bexpr, as far as PAPI uses it: ``Sel == "v"``, ``Sel != "v"``, ``Sel matches "re"``,
    ``Sel is empty``, ``Sel is not empty``, joined with ``and``/``or``/``not`` and parentheses.
    A malformed expression is Nomad's 400."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(expression):
        if expression[pos:].strip() == "":
            break
        m = _TOKEN.match(expression, pos)
        if not m:
            raise NomadBadRequest(f"failed to read filter expression: unexpected input at {pos}")
        kind = m.lastgroup
        value = m.group(kind)
        if kind == "str":
            value = bytes(value[1:-1], "utf-8").decode("unicode_escape")
        tokens.append((kind, value))
        pos = m.end()

    def peek(i: int) -> tuple[str, str]:
        return tokens[i] if i < len(tokens) else ("end", "")

    def chain(i: int, word: str, operand, join):
        """``operand (word operand)*``, folded left with ``join``."""
        left, i = operand(i)
        while peek(i) == ("word", word):
            right, i = operand(i + 1)
            left = join(left, right)
        return left, i

    def parse_or(i: int):
        return chain(i, "or", parse_and, lambda a, b: lambda d: a(d) or b(d))

    def parse_and(i: int):
        return chain(i, "and", parse_not, lambda a, b: lambda d: a(d) and b(d))

    def parse_not(i: int):
        if peek(i) == ("word", "not"):
            inner, i = parse_not(i + 1)
            return (lambda d: not inner(d)), i
        if peek(i) == ("paren", "("):
            inner, i = parse_or(i + 1)
            if peek(i) != ("paren", ")"):
                raise NomadBadRequest("failed to read filter expression: missing )")
            return inner, i + 1
        return parse_match(i)

    def parse_match(i: int):
        kind, selector = peek(i)
        if kind != "word":
            raise NomadBadRequest(f"failed to read filter expression: unexpected {selector!r}")
        path = selector.split(".")
        kind, word = peek(i + 1)
        if kind == "op":
            expected = _expect_str(peek(i + 2))
            if word == "==":
                return (lambda d: _str(_select(d, path)) == expected), i + 3
            return (lambda d: _str(_select(d, path)) != expected), i + 3
        if word == "matches":
            pattern = re.compile(_expect_str(peek(i + 2)))
            return (lambda d: isinstance(_select(d, path), str)
                    and pattern.search(_select(d, path)) is not None), i + 3
        if word == "is":
            negate = peek(i + 2) == ("word", "not")
            j = i + 3 if negate else i + 2
            if peek(j) != ("word", "empty"):
                raise NomadBadRequest("failed to read filter expression: expected 'empty'")
            return (lambda d: (not _select(d, path)) != negate), j + 1
        raise NomadBadRequest(f"failed to read filter expression: unexpected {word!r}")

    predicate, end = parse_or(0)
    if end != len(tokens):
        raise NomadBadRequest("failed to read filter expression: trailing input")
    return predicate


def _expect_str(token: tuple[str, str]) -> str:
    if token[0] != "str":
        raise NomadBadRequest(f"failed to read filter expression: expected a string, "
                              f"got {token[1]!r}")
    return token[1]


def _select(data: Any, path: list[str]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def _str(value: Any) -> Any:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, (int, float)):
        return str(value)
    return value

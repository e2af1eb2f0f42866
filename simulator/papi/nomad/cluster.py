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
import uuid
from typing import Any, Iterable, Optional

from simulator.core.clock import Clock
from simulator.papi.config import Timing
from simulator.papi.nomad import views
from simulator.papi.nomad.constraints import holds
from simulator.papi.nomad.filters import compile_filter
from simulator.papi.nomad.records import (
    FAIL_MESSAGE,
    NOMAD_VERSION,
    NS,
    Allocation,
    Gpu,
    Job,
    NomadBadRequest,
    NomadNotFound,
    Node,
    event,
    main_task,
)


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
        alloc.events.append(event("Driver", "Downloading image", ns))
        if job is not None and job.fail_message:
            self._fail(alloc, job.fail_message, ns)
            return
        alloc.client_status, alloc.task_state, alloc.started_ns = "running", "running", ns
        alloc.events.append(event("Started", "Task started by client", ns))
        self._touch(alloc, ns)

    def _do_finish_stop(self, when: float, alloc: Allocation) -> None:
        if alloc.client_status not in ("pending", "running"):
            return
        ns = int(when * NS)
        alloc.events.append(event("Killed", "Task successfully killed", ns))
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
        main = main_task(group)
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
            if not all(holds(c, node) for c in job.spec.get("Constraints") or []):
                continue
            cores, memory, disk, gpus = free[node.id]
            if len(cores) < want_cores or memory < want_memory or disk < want_disk:
                continue
            gpu_ids, model = [], None
            if want_gpus:
                usable = [g for g in node.gpus if g.id in gpus and all(
                    holds(c, node, g) for c in device.get("Constraints") or [])]
                by_model: dict[str, list[str]] = {}
                for g in usable:
                    by_model.setdefault(g.model, []).append(g.id)
                fits = [(m, ids) for m, ids in by_model.items() if len(ids) >= want_gpus]
                if not fits:
                    continue
                model, ids = fits[0]
                gpu_ids = ids[:want_gpus]
            score = sum(float(a.get("Weight") or 0) for a in job.spec.get("Affinities") or []
                        if holds(a, node))
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
            events=[event("Received", "Task received by client", ns),
                    event("Task Setup", "Building Task Directory", ns)],
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
        alloc.events += [event("Terminated", message, ns, exit_code=1),
                         event("Not Restarting", "Policy allows no restarts", ns)]
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
        main = main_task(spec["TaskGroups"][0])
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
            view = views.job_json(job, deep=False)  # the filter only reads it
            if predicate is None or predicate(view):
                out.append(views.job_stub(job, view))
        return out

    def get_job(self, id_: str, namespace: Optional[str] = None) -> dict:
        self.advance()
        return views.job_json(self._job(id_, namespace or "default"))

    def get_allocations(self, id_: str, namespace: Optional[str] = None) -> list[dict]:
        """``GET /v1/job/<id>/allocations``: an unknown job answers ``[]`` (as Nomad does)."""
        self.advance()
        job = self.jobs.get((namespace or "default", id_))
        return [views.alloc_stub(a, self.nodes.get(a.node_id), job) for a in job.allocations] if job else []

    def get_allocation(self, id_: str) -> dict:
        self.advance()
        alloc = self.allocations.get(id_)
        if alloc is None:
            raise NomadNotFound("alloc not found")
        return views.alloc_json(alloc, self.nodes.get(alloc.node_id),
                                self.jobs.get((alloc.namespace, alloc.job_id)))

    def get_node(self, id_: str) -> dict:
        node = self.nodes.get(id_)
        if node is None:
            raise NomadNotFound("node not found")
        return views.node_json(node)

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
                stub["NodeResources"] = views.node_resources(node)
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

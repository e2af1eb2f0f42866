"""The JSON the Nomad HTTP API answers for jobs, allocations and nodes (contract §6)."""
from __future__ import annotations

import copy
import datetime as dt
from typing import Optional

from simulator.papi.nomad.records import NOMAD_VERSION, NS, Allocation, Gpu, Job, Node


def job_json(job: Job, deep: bool = True) -> dict:
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

def job_stub(job: Job, full: dict) -> dict:
    return {"ID": job.id, "ParentID": "", "Name": full["Name"], "Namespace": job.namespace,
            "Datacenters": list(full["Datacenters"]), "Type": full["Type"],
            "Priority": full.get("Priority", 50), "Periodic": False,
            "ParameterizedJob": False, "Stop": job.stop, "Status": job.status,
            "StatusDescription": "", "Meta": copy.deepcopy(full.get("Meta")),
            "JobSummary": {"JobID": job.id, "Namespace": job.namespace,
                           "Summary": summary(job)},
            "CreateIndex": job.create_index, "ModifyIndex": job.modify_index,
            "JobModifyIndex": job.create_index, "SubmitTime": job.submit_ns}

def summary(job: Job) -> dict:
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

def alloc_stub(alloc: Allocation, node: Optional[Node], job: Optional[Job]) -> dict:
    """An allocation as lists show it (``node``, ``job``: its own, None when gone)."""
    return {"ID": alloc.id, "EvalID": alloc.eval_id,
            "Name": f"{job.name if job else alloc.job_id}.{alloc.task_group}[0]",
            "Namespace": alloc.namespace, "NodeID": alloc.node_id,
            "NodeName": node.name if node else "", "JobID": alloc.job_id,
            "JobType": "service", "JobVersion": 0, "TaskGroup": alloc.task_group,
            "DesiredStatus": alloc.desired_status, "DesiredDescription": "",
            "ClientStatus": alloc.client_status,
            "ClientDescription": _client_description(alloc),
            "TaskStates": task_states(alloc), "FollowupEvalID": "",
            "NextAllocation": "", "PreviousAllocation": "",
            "CreateIndex": alloc.create_index, "ModifyIndex": alloc.modify_index,
            "CreateTime": alloc.create_ns, "ModifyTime": alloc.modify_ns}

def alloc_json(alloc: Allocation, node: Optional[Node], job: Optional[Job]) -> dict:
    out = alloc_stub(alloc, node, job)
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

def task_states(alloc: Allocation) -> Optional[dict]:
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

def node_resources(node: Node) -> dict:
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

def node_json(node: Node) -> dict:
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
            "NodeResources": node_resources(node),
            "CreateIndex": node.create_index, "ModifyIndex": node.create_index}


def _client_description(alloc: Allocation) -> str:
    return {"pending": "No tasks have started", "running": "Tasks are running",
            "complete": "All tasks have completed", "failed": "Failed tasks",
            "lost": "alloc is lost since its node is down"}.get(alloc.client_status, "")


def _iso(ns: Optional[int]) -> Optional[str]:
    if ns is None:
        return None
    return dt.datetime.fromtimestamp(ns / NS, dt.timezone.utc).isoformat().replace("+00:00", "Z")

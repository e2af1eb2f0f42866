"""``routers/v1/stats/deployments.py``: user stats from the accounting summaries, cluster stats
from Nomad (and WattNet footprints, which the simulator makes up, deterministically)."""
from __future__ import annotations

import copy
import csv
import datetime as dt
import functools
import random
from pathlib import Path
from typing import Optional

from simulator.core.clock import Clock
from simulator.papi.config import PapiConfig
from simulator.papi.errors import Crash, PapiError
from simulator.papi.nomad import NomadCluster
from simulator.papi.userconf import DATA

RESOURCES = ("jobs_num", "reallocations", "cpu_total", "cpu_used", "gpu_total", "gpu_used",
             "ram_total", "ram_used", "disk_total", "disk_used")
WATTNET_DOWN = ("HTTPError: 401 Client Error: Unauthorized for url: "
                "https://api.wattnet.eu/token-request/get_token")


# ---------------------------------------------------------------------------------- user stats
@functools.lru_cache(maxsize=64)
def _read_summary(path: str, mtime: float) -> dict[str, list]:
    with open(path, newline="") as fh:
        reader = csv.DictReader(fh, delimiter=";")
        table: dict[str, list] = {k: [] for k in reader.fieldnames or []}
        for row in reader:
            for key, value in row.items():
                table[key].append(value if key in ("date", "owner") else int(value))
    return table


def load_stats(accounting: Optional[Path], namespace: str, today: dt.date) -> dict:
    """``load_stats``: the three summaries of a namespace; the time series cut to 90 days."""
    if not accounting:
        raise PapiError(500, "Deployments stats information not available (no env var).")
    stats = {}
    for name in ("full-agg", "timeseries", "users-agg"):
        path = Path(accounting) / "summaries" / f"{namespace}-{name}.csv"
        if not path.is_file():
            raise PapiError(500, "Deployments stats information not available (missing file).")
        stats[name] = copy.deepcopy(_read_summary(str(path), path.stat().st_mtime))
    threshold = str(today - dt.timedelta(days=90))
    dates = stats["timeseries"].get("date", [])
    idx = next((i for i, d in enumerate(dates) if d > threshold), -90)  # none recent: last 90
    stats["timeseries"] = {k: v[idx:] for k, v in stats["timeseries"].items()}
    stats["full-agg"] = {k: v[0] for k, v in stats["full-agg"].items()}
    return stats


def user_stats(accounting: Optional[Path], namespace: str, owner: str, today: dt.date) -> dict:
    stats = load_stats(accounting, namespace, today)
    users = stats["users-agg"]
    try:
        idx = users.get("owner", []).index(owner)
        stats["users-agg"] = {k: v[idx] for k, v in users.items()}
    except ValueError:  # no recorded usage yet
        stats["users-agg"] = None
    return stats


# ---------------------------------------------------------------------------------- cluster
@functools.lru_cache(maxsize=1)
def datacenters() -> dict[str, dict]:
    """var/datacenters.csv: name -> {country, lat, lon, PUE}."""
    with open(DATA / "datacenters.csv", newline="") as fh:
        return {r["name"]: {"country": r["country"], "lat": float(r["lat"]),
                            "lon": float(r["lon"]), "PUE": float(r["PUE"])}
                for r in csv.DictReader(fh, delimiter=";")}


def footprints(datacenter: str, now: dt.datetime) -> dict:
    """Made-up WattNet series for the last 24 hours: carbon (gCO2/kWh), water (L/kWh) and green
    score (0-100), stable for a given datacenter and hour."""
    hour = now.replace(minute=0, second=0, microsecond=0)
    out: dict[str, list] = {"carbon": [], "water": [], "green-score": []}
    for back in range(23, -1, -1):
        at = hour - dt.timedelta(hours=back)
        rng = random.Random(f"{datacenter}|{at.isoformat()}")
        stamp = at.strftime("%Y-%m-%dT%H:%M:%SZ")
        carbon = rng.randint(60, 420)
        out["carbon"].append([stamp, carbon])
        out["water"].append([stamp, round(rng.uniform(0.5, 3.5), 2)])
        out["green-score"].append([stamp, max(0, min(100, round(100 - carbon / 4.5)))])
    return out


class ClusterStats:
    def __init__(self, nomad: NomadCluster, config: PapiConfig, clock: Clock) -> None:
        self.nomad = nomad
        self.config = config
        self.clock = clock
        self._snapshot: Optional[dict] = None
        self._taken_at: Optional[float] = None

    def snapshot(self) -> dict:
        """The background task's ``cluster_stats``, refreshed every ``cluster_stats_seconds``."""
        if not self.config.wattnet:
            raise Crash(WATTNET_DOWN)
        now = self.clock.timestamp()
        if self._snapshot is None or now - self._taken_at >= self.config.cluster_stats_seconds:
            self._snapshot, self._taken_at = self._compute(), now
        return self._snapshot

    def affinities(self) -> list[dict]:
        """``add_green_affinities``: prefer greener datacenters (weight = their affinity)."""
        return [{"LTarget": "${node.datacenter}", "RTarget": name, "Operand": "=",
                 "Weight": dc["affinity"]}
                for name, dc in self.snapshot()["datacenters"].items() if dc["affinity"]]

    def for_vo(self, vo: Optional[str]) -> dict:
        stats = copy.deepcopy(self.snapshot())
        if vo is not None:
            namespace = self.config.namespace(vo)
            for name in list(stats["datacenters"]):
                nodes = {k: v for k, v in stats["datacenters"][name]["nodes"].items()
                         if namespace in v["namespaces"]}
                if nodes:
                    stats["datacenters"][name]["nodes"] = nodes
                else:
                    del stats["datacenters"][name]
        cluster = stats["cluster"]
        for dc in stats["datacenters"].values():
            for node in dc["nodes"].values():
                for key in RESOURCES:
                    cluster[key] += node[key]
                for model, g in node["gpu_models"].items():
                    slot = cluster["gpu_models"].setdefault(model, {"gpu_total": 0, "gpu_used": 0})
                    slot["gpu_total"] += g["gpu_total"]
                    slot["gpu_used"] += g["gpu_used"]
        return stats

    def _compute(self) -> dict:
        now = self.clock.now()
        dcs: dict[str, dict] = {}
        for name, info in datacenters().items():
            dcs[name] = {**info, "footprints": footprints(name, now), "nodes": {}}
        where: dict[str, str] = {}
        nomad = self.nomad
        for stub in nomad.get_nodes(resources=True):
            node = nomad.get_node(stub["ID"])
            attrs, meta = node["Attributes"], node["Meta"]
            n = {"name": node["Name"], "eligibility": node["SchedulingEligibility"],
                 "status": meta.get("status", "") if node["Status"] == "ready" else node["Status"],
                 "type": meta.get("type", ""), "tags": meta.get("tags", ""),
                 "namespaces": meta.get("namespace", ""), **{k: 0 for k in RESOURCES},
                 "gpu_models": {}}
            n["cpu_total"] = int(attrs["cpu.numcores"])
            n["ram_total"] = int(attrs["memory.totalbytes"]) / 2**20
            n["disk_total"] = int(attrs["unique.storage.bytestotal"]) / 2**20
            for device in stub["NodeResources"]["Devices"] or []:
                if device["Type"] == "gpu":
                    n["gpu_total"] += len(device["Instances"])
                    model = n["gpu_models"].setdefault(device["Name"],
                                                       {"gpu_total": 0, "gpu_used": 0})
                    model["gpu_total"] += len(device["Instances"])
            dc = stub["Datacenter"]
            if dc not in dcs:
                dcs[dc] = {"country": "", "lat": 0, "lon": 0, "PUE": 0,
                           "footprints": footprints(dc, now), "nodes": {}}
            dcs[dc]["nodes"][stub["ID"]] = n
            where[stub["ID"]] = dc
        for namespace in ["default"] + self.config.namespaces():
            for stub in nomad.get_jobs(namespace, 'Status == "running"'):
                job = nomad.get_job(stub["ID"], namespace)
                if not job["Name"].startswith(("module", "tool")):
                    continue
                allocs = nomad.get_allocations(job["ID"], namespace)
                alloc = nomad.get_allocation(proper_allocation(allocs))
                n = dcs[where[alloc["NodeID"]]]["nodes"][alloc["NodeID"]]
                n["jobs_num"] += 1
                n["reallocations"] += len(allocs) - 1
                res = alloc["AllocatedResources"]["Tasks"].get("main")
                if res is None:
                    continue
                n["cpu_used"] += len(res["Cpu"]["ReservedCores"] or [])
                n["ram_used"] += res["Memory"]["MemoryMB"]
                n["disk_used"] += alloc["AllocatedResources"]["Shared"]["DiskMB"]
                if res["Devices"]:
                    gpu = [d for d in res["Devices"] if d["Type"] == "gpu"][0]
                    if n["gpu_models"]:  # a node whose GPUs vanished does not count them
                        n["gpu_used"] += len(gpu["DeviceIDs"])
                        n["gpu_models"][gpu["Name"]]["gpu_used"] += len(gpu["DeviceIDs"])
        for dc in dcs.values():
            for n in dc["nodes"].values():
                if n["eligibility"] == "ineligible":
                    for r in ("cpu", "gpu", "ram", "disk"):
                        n[f"{r}_total"] = n[f"{r}_used"]
                    for g in n["gpu_models"].values():
                        g["gpu_total"] = n["gpu_used"]  # the node's count, as the real code
            scores = dc["footprints"]["green-score"]
            dc["affinity"] = scores[-1][1] if dc["nodes"] else 0
        ordered = {name: {"country": dc["country"], "lat": dc["lat"], "lon": dc["lon"],
                          "PUE": dc["PUE"], "footprints": dc["footprints"],
                          "affinity": dc["affinity"], "nodes": dc["nodes"]}
                   for name, dc in dcs.items()}
        return {"datacenters": ordered,
                "cluster": {**{k: 0 for k in RESOURCES}, "gpu_models": {}},
                "updated_at": now.astimezone(dt.timezone.utc).replace(tzinfo=None).isoformat()
                + "Z"}


def proper_allocation(allocs: list[dict]) -> str:
    """``get_proper_allocation``: newest first; a lost-contact (unknown) one wins, then a
    running one, else the newest."""
    ordered = sorted(allocs, key=lambda a: a["CreateTime"])[::-1]
    statuses = [a["ClientStatus"] for a in ordered]
    if "unknown" in statuses:
        return ordered[statuses.index("unknown")]["ID"]
    if "running" in statuses:
        return ordered[statuses.index("running")]["ID"]
    return ordered[0]["ID"]

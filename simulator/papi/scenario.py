"""A scenario's ``papi:`` section: the platform's configuration, its users, its Nomad nodes and
catalog overrides (README, "AI4EOSC PAPI"). Everything here is cheap; files are read later."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from simulator.papi.config import LEVELS, VO, PapiConfig, Timing
from simulator.scenario import Scenario, ScenarioError

KEYS = {"users", "nodes", "vos", "gpu_quota", "timing", "oidc", "bearer_error_status",
        "jenkins_token", "accounting", "wattnet", "cluster_stats_seconds", "failing_images",
        "catalog", "docker_origins", "cors_origins"}
USER_KEYS = {"name", "sub", "full_name", "email", "password", "roles", "vos"}
NODE_KEYS = {"name", "id", "datacenter", "domain", "namespaces", "cpu", "memory_gb", "memory_mb",
             "disk_gb", "disk_mb", "gpus", "type", "tags", "status", "eligible"}

# A small cluster in the real datacenters, used when a scenario lists no nodes.
DEFAULT_NODES = [
    {"name": "ifca-cpu-01", "datacenter": "ifca-ai4eosc", "cpu": 32, "memory_gb": 128,
     "disk_gb": 1000},
    {"name": "ifca-gpu-01", "datacenter": "ifca-ai4eosc", "cpu": 40, "memory_gb": 256,
     "disk_gb": 1000, "gpus": {"Tesla T4": 4}},
    {"name": "iisas-gpu-01", "datacenter": "iisas-ai4eosc", "cpu": 32, "memory_gb": 192,
     "disk_gb": 1000, "gpus": {"Tesla V100-PCIE-32GB": 2},
     "namespaces": ["ai4eosc", "ai4life", "kmd4eosc", "tutorials"]},
    {"name": "incd-cpu-01", "datacenter": "incd-imagine", "cpu": 24, "memory_gb": 96,
     "disk_gb": 500, "namespaces": ["imagine"]},
]


@dataclass
class PapiSetup:
    config: PapiConfig
    users: list[dict] = field(default_factory=list)
    nodes: list[dict] = field(default_factory=list)
    catalog: dict[str, Any] = field(default_factory=dict)  # kind -> path | list of entries
    folder: Path = field(default_factory=Path.cwd)


def _fail(source: str, what: str) -> ScenarioError:
    return ScenarioError(f"{source}: papi: {what}")


def read(scenario: Optional[Scenario]) -> PapiSetup:
    data = (scenario.data.get("papi") if scenario else None) or {}
    source = scenario.source if scenario else "<defaults>"
    folder = scenario.folder if scenario else Path.cwd()
    if not isinstance(data, dict):
        raise _fail(source, "the section is a mapping")
    unknown = set(data) - KEYS
    if unknown:
        raise _fail(source, f"unknown keys {sorted(unknown)}; known keys are {sorted(KEYS)}")
    config = PapiConfig()
    for name, entry in (data.get("vos") or {}).items():
        entry = dict(entry or {})
        base = config.vos.get(name)
        if base is None and not {"namespace", "domain"} <= set(entry):
            raise _fail(source, f"new VO {name!r} needs a namespace and a domain")
        vo = VO(name, entry.pop("namespace", base.namespace if base else ""),
                entry.pop("domain", base.domain if base else ""),
                entry.pop("mlflow", base.mlflow if base else "https://mlflow.cloud.ai4eosc.eu/"),
                base.limits if base else None, base.priority if base else 50,
                base.gpu_quota if base else 2)
        for key, value in entry.items():
            if key not in ("limits", "priority", "gpu_quota"):
                raise _fail(source, f"VO {name!r}: unknown key {key!r}")
            setattr(vo, key, {k: (v[0], list(v[1])) for k, v in value.items()}
                    if key == "limits" else value)
        config.vos[name] = vo
    if "gpu_quota" in data:
        for vo in config.vos.values():
            vo.gpu_quota = int(data["gpu_quota"])
    timing = data.get("timing") or {}
    if set(timing) - {"queued", "starting", "stopping", "gc"}:
        raise _fail(source, f"timing keys are queued, starting, stopping, gc; got {sorted(timing)}")
    config.timing = Timing(**{k: float(v) for k, v in timing.items()})
    oidc = data.get("oidc") or {}
    if set(oidc) - {"issuer", "audience", "client_id", "token_seconds"}:
        raise _fail(source, "oidc keys are issuer, audience, client_id, token_seconds")
    for key, value in oidc.items():
        setattr(config, key, value)
    for key in ("bearer_error_status", "jenkins_token", "wattnet", "cluster_stats_seconds"):
        if key in data:
            setattr(config, key, data[key])
    if config.bearer_error_status not in (401, 403):
        raise _fail(source, "bearer_error_status is 401 (FastAPI >= 0.122) or 403 (older)")
    if data.get("accounting"):
        config.accounting = Path(scenario.resolve(str(data["accounting"]))) if scenario else \
            Path(data["accounting"])
    config.failing_images = set(data.get("failing_images") or [])
    if "docker_origins" in data:
        config.docker_origins = tuple(data["docker_origins"])
    if "cors_origins" in data:
        config.cors_origins = tuple(data["cors_origins"])

    users = [_user(u, source) for u in _list(data, "users", source)]
    names = [u["name"] for u in users]
    if len(set(names)) != len(names):
        raise _fail(source, "user names must be unique")
    nodes = [_node(n, source, config) for n in (_list(data, "nodes", source) or DEFAULT_NODES)]
    catalog = data.get("catalog") or {}
    if set(catalog) - {"modules", "tools"}:
        raise _fail(source, "catalog keys are modules and tools")
    return PapiSetup(config, users, nodes, dict(catalog), folder)


def _list(data: dict, key: str, source: str) -> list[dict]:
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        raise _fail(source, f"'{key}' must be a list of mappings")
    return value


def _user(entry: dict, source: str) -> dict:
    if "name" not in entry:
        raise _fail(source, f"user {entry!r} needs a name")
    unknown = set(entry) - USER_KEYS
    if unknown:
        raise _fail(source, f"user {entry['name']!r}: unknown keys {sorted(unknown)}")
    roles = list(entry.get("roles") or [])
    for vo, levels in (entry.get("vos") or {}).items():
        for level in [levels] if isinstance(levels, str) else levels:
            if level not in LEVELS:
                raise _fail(source, f"user {entry['name']!r}: level {level!r} is not one of "
                                    f"{', '.join(LEVELS)}")
            roles.append(f"access:{vo}:{level}")
    return {"name": str(entry["name"]), "sub": entry.get("sub"),
            "full_name": entry.get("full_name"), "email": entry.get("email"),
            "password": entry.get("password"), "roles": roles}


def _node(entry: dict, source: str, config: PapiConfig) -> dict:
    unknown = set(entry) - NODE_KEYS
    if unknown or "name" not in entry or "datacenter" not in entry:
        raise _fail(source, f"node {entry!r} needs a name and a datacenter (known keys: "
                            f"{sorted(NODE_KEYS)})")
    gpus = entry.get("gpus") or {}
    if not isinstance(gpus, dict):
        raise _fail(source, f"node {entry['name']!r}: gpus maps a model to a count")
    return {"name": entry["name"], "id": entry.get("id"), "datacenter": entry["datacenter"],
            "domain": entry.get("domain") or entry["datacenter"].split("-")[0],
            "namespaces": list(entry.get("namespaces") or config.namespaces()),
            "cores": int(entry.get("cpu", 32)),
            "memory_mb": int(entry.get("memory_mb") or int(entry.get("memory_gb", 128)) * 1024),
            "disk_mb": int(entry.get("disk_mb") or int(entry.get("disk_gb", 500)) * 1024),
            "gpus": [(model, int(count)) for model, count in gpus.items()],
            "node_type": entry.get("type", "compute"), "tags": entry.get("tags"),
            "status": entry.get("status", "ready"), "eligible": bool(entry.get("eligible", True))}

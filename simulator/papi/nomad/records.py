"""What a Nomad cluster holds (nodes, jobs, allocations), the errors its API answers, and the
task events it records."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from simulator.core.errors import PlatformError

NS = 1_000_000_000
NOMAD_VERSION = "1.8.4"
_NON_TERMINAL_CLIENT = ("pending", "running", "unknown")
FAIL_MESSAGE = "Docker container exited with non-zero exit code: 1"


class NomadError(PlatformError):
    """A non-2xx answer of the Nomad API (python-nomad raises a typed exception); Nomad's
    error bodies are plain text."""

    status = 500

    def body(self) -> str:
        return str(self)


class NomadNotFound(NomadError):
    """python-nomad's ``URLNotFoundNomadException`` (HTTP 404)."""

    status = 404


class NomadBadRequest(NomadError):
    status = 400


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


def main_task(group: dict) -> Optional[dict]:
    return next((t for t in group.get("Tasks") or [] if t.get("Name") == "main"), None)


def event(kind: str, message: str, ns: int, exit_code: int = 0) -> dict:
    # Nomad fills "Message" only for some event types; "DisplayMessage" always
    return {"Type": kind, "Time": ns, "Message": message if kind == "Terminated" else "",
            "DisplayMessage": message, "Details": {}, "ExitCode": exit_code,
            "FailsTask": kind == "Not Restarting"}

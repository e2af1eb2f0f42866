"""Plain-data views of a vantage6 platform's state, for tests (``net.tasks()``, ``net.runs()``,
``net.results()``) and for the control plane (``GET /_simulator/state``). Read under the server's
lock; nothing here changes state."""
from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any, Optional

from simulator.core.clock import iso_naive

if TYPE_CHECKING:
    from simulator.core.clock import Clock
    from simulator.vantage6.entities import Run, Task
    from simulator.vantage6.node.fleet import NodeFleet
    from simulator.vantage6.server import Vantage6Server


def task_view(task: "Task") -> dict:
    return {"id": task.id, "name": task.name, "image": task.image, "status": task.status,
            "job_id": task.job_id, "parent_id": task.parent.id if task.parent else None,
            "collaboration_id": task.collaboration.id, "init_org_id": task.init_org.id,
            "init_user_id": task.init_user.id if task.init_user else None,
            "created_at": iso_naive(task.created_at),
            "organization_ids": [run.organization.id for run in task.runs]}


def run_view(run: "Run") -> dict:
    return {"id": run.id, "task_id": run.task.id if run.task else None,
            "organization_id": run.organization.id, "status": run.status,
            "started_at": iso_naive(run.started_at), "finished_at": iso_naive(run.finished_at),
            "log": run.log}


def decode_result(run: "Run") -> Any:
    """The run's result as the algorithm returned it (None while there is none)."""
    if not run.result:
        return None
    return json.loads(base64.b64decode(run.result))


def tasks(server: "Vantage6Server") -> list[dict]:
    with server.lock:
        return [task_view(t) for t in sorted(server.state.tasks.values(), key=lambda t: t.id)]


def runs(server: "Vantage6Server", task_id: Optional[int] = None) -> list[dict]:
    with server.lock:
        if task_id is None:
            chosen = server.state.runs.values()
        else:
            task = server.state.tasks.get(task_id)
            chosen = task.runs if task is not None else []
        return [run_view(r) for r in sorted(chosen, key=lambda r: r.id)]


class RunFailed(Exception):
    """``results(task_id, strict=True)`` of a task with a run that did not complete."""

    def __init__(self, message: str, runs: list[dict]) -> None:
        super().__init__(message)
        self.runs = runs


LOG_TAIL = 15  # lines of a failed run's log shown in a message or a test report


def results(server: "Vantage6Server", task_id: int, strict: bool = False) -> dict[int, Any]:
    """{organization id: decoded result} of a task's finished runs. ``strict``: raise RunFailed,
    naming the runs and showing their logs, unless every run completed."""
    with server.lock:
        task = server.state.tasks.get(task_id)
        if task is None:
            raise KeyError(f"no task {task_id}")
        incomplete = [run for run in task.runs if run.status != "completed"]
        if strict and incomplete:
            views = [failed_run_view(server, run) for run in incomplete]
            raise RunFailed(f"task {task_id} {task.name!r}: "
                            + "\n".join(describe_run(view) for view in views), views)
        return {run.organization.id: decode_result(run) for run in task.runs if run.result}


def failed_run_view(server: "Vantage6Server", run: "Run") -> dict:
    view = run_view(run)
    view["task_name"] = run.task.name if run.task else None
    if run.status == "non-existing Docker image" and run.task is not None:
        # what a real node's own log would say; its run log only says to look there
        known = ", ".join(sorted(server.algorithms.items())) or "none"
        view["node_log"] = (f"no package for image {run.task.image!r}: the scenario's "
                            f"algorithms map {known}")
    return view


def failed_runs(server: "Vantage6Server") -> list[dict]:
    """Every run that ended in a failure status (crashed, failed, not allowed...), oldest
    first, with its task's name: what a failing test's report shows."""
    from simulator.vantage6.status import has_task_failed

    with server.lock:
        return [failed_run_view(server, run) for run in sorted(server.state.runs.values(),
                                                       key=lambda r: r.id)
                if has_task_failed(getattr(run.status, "value", run.status))]


def describe_run(view: dict, tail: int = LOG_TAIL) -> str:
    """One run for a person: which, where, how it ended, and the end of its log."""
    lines = (view.get("log") or "").rstrip("\n").splitlines()
    shown = lines[-tail:]
    head = (f"run {view['id']} of task {view['task_id']} {view.get('task_name')!r} at "
            f"organization {view['organization_id']}: {view['status']}")
    if view.get("node_log"):
        head += f" (the node's log: {view['node_log']})"
    if not lines:
        return head + " (no log)"
    cut = f" (last {len(shown)} of {len(lines)} lines)" if len(lines) > len(shown) else ""
    return head + f"; its log{cut}:\n" + "\n".join("    " + line for line in shown)


def nodes(fleet: "NodeFleet") -> list[dict]:
    out = []
    for node in fleet:
        record = node.record
        if record is None:
            continue
        out.append({"id": node.id, "name": record.name, "organization_id": node.organization_id,
                    "collaboration_id": node.collaboration_id, "online": node.online,
                    "status": record.status, "speed": node.speed,
                    "databases": [{"label": db["label"], "type": db["type"], "uri": db["uri"]}
                                  for db in node.setup.databases],
                    "parses": node.cache.parses, "cache_hits": node.cache.hits})
    return out


def summary(server: "Vantage6Server", fleet: "NodeFleet", clock: "Clock") -> dict:
    state = server.state
    return {
        "clock": {"now": iso_naive(clock.now()), "simulated": clock.simulated,
                  "pending_timers": clock.pending() if clock.simulated else 0},
        "lifecycle": fleet.lifecycle.mode,
        "vantage6": {"organizations": len(state.organizations),
                     "collaborations": len(state.collaborations), "users": len(state.users),
                     "nodes": nodes(fleet), "tasks": tasks(server), "runs": runs(server)},
    }

"""The simulator's own lifecycle events on a network's trace, for tests and tools to follow a task:
``task_created``, ``run_assigned``, ``run_started`` and ``run_finished``, stamped by the network's
clock. (The real server's socket events — ``new_task``, ``status_update``, ``kill_containers`` —
are emitted too, under their own names.)"""
from __future__ import annotations

from typing import Iterable

from simulator.core.events import EventTrace
from simulator.vantage6.entities import Run, Task


def task_created(events: EventTrace, task: Task) -> None:
    events.emit("task_created", {
        "task_id": task.id, "parent_id": task.parent.id if task.parent else None,
        "job_id": task.job_id, "image": task.image, "collaboration_id": task.collaboration.id,
        "organization_ids": [run.organization.id for run in task.runs],
        "init_user_id": task.init_user.id if task.init_user else None})
    for run in task.runs:
        events.emit("run_assigned", _run(run))


def run_started(events: EventTrace, run: Run) -> None:
    events.emit("run_started", _run(run))


def runs_finished(events: EventTrace, runs: Iterable[Run]) -> None:
    for run in runs:
        events.emit("run_finished", {**_run(run), "status": run.status})


def _run(run: Run) -> dict:
    return {"run_id": run.id, "task_id": run.task.id if run.task else None,
            "organization_id": run.organization.id}

"""Run and task statuses exactly as vantage6-common 4.15.2 defines and combines them."""
from __future__ import annotations

from enum import Enum
from typing import Iterable, Optional


class TaskStatus(str, Enum):
    PENDING = "pending"
    INITIALIZING = "initializing"
    ACTIVE = "active"
    COMPLETED = "completed"
    FAILED = "failed"
    START_FAILED = "start failed"
    NO_DOCKER_IMAGE = "non-existing Docker image"
    CRASHED = "crashed"
    KILLED = "killed by user"
    NOT_ALLOWED = "not allowed"
    UNKNOWN_ERROR = "unknown error"

    def __str__(self) -> str:  # behave like the plain string on every Python version
        return self.value


_NOT_FAILED = {TaskStatus.INITIALIZING.value, TaskStatus.ACTIVE.value,
               TaskStatus.COMPLETED.value, TaskStatus.PENDING.value}
STATUS_VALUES = [s.value for s in TaskStatus]


def has_task_failed(status: Optional[str]) -> bool:
    # Anything not known to be healthy counts as failed, None and unknown strings included.
    return status not in _NOT_FAILED


def has_task_finished(status: Optional[str]) -> bool:
    return has_task_failed(status) or status == TaskStatus.COMPLETED.value


def derive_task_status(run_statuses: Iterable[Optional[str]]) -> Optional[str]:
    """The task's hybrid ``status`` property (server/model/task.py)."""
    statuses = list(run_statuses)
    failed = {s for s in statuses if has_task_failed(s)}
    if failed:
        # one shared failure reason is reported as such; mixed reasons as "failed"
        return next(iter(failed)) if len(failed) == 1 else TaskStatus.FAILED.value
    for state in (TaskStatus.ACTIVE.value, TaskStatus.INITIALIZING.value, TaskStatus.PENDING.value):
        if state in statuses:
            return state
    return TaskStatus.COMPLETED.value

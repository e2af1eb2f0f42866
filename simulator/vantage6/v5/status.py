"""Task and run statuses of vantage6 5.x (common/enum.py): run statuses as the node PATCHes them,
and the three task statuses computed from them."""
from __future__ import annotations

from typing import Iterable

PENDING, INITIALIZING, ACTIVE, COMPLETED, FAILED = (
    "pending", "initializing", "active", "completed", "failed")
START_FAILED, NO_DOCKER_IMAGE, CRASHED, KILLED, NOT_ALLOWED, UNKNOWN_ERROR = (
    "start failed", "non-existing Docker image", "crashed", "killed by user", "not allowed",
    "unknown error")
DATAFRAME_NOT_FOUND, DEPENDED_ON_FAILED, UNEXPECTED_OUTPUT = (
    "dataframe not found", "depended on failed task", "unexpected output")

# RunStatus in its declaration order (the PATCH /run error lists them so)
RUN_STATUSES = (PENDING, INITIALIZING, ACTIVE, COMPLETED, FAILED, START_FAILED, NO_DOCKER_IMAGE,
                CRASHED, KILLED, NOT_ALLOWED, UNKNOWN_ERROR, DATAFRAME_NOT_FOUND,
                DEPENDED_ON_FAILED, UNEXPECTED_OUTPUT)
FAILED_STATUSES = frozenset((FAILED, CRASHED, KILLED, NOT_ALLOWED, UNKNOWN_ERROR, START_FAILED,
                             NO_DOCKER_IMAGE, UNEXPECTED_OUTPUT, DATAFRAME_NOT_FOUND,
                             DEPENDED_ON_FAILED))
ALIVE_STATUSES = frozenset((PENDING, INITIALIZING, ACTIVE))

# task statuses (TaskStatus)
TASK_AWAITING, TASK_COMPLETED, TASK_FAILED = "awaiting", "completed", "failed"

# step types (AlgorithmStepType), in declaration order
DATA_EXTRACTION, PREPROCESSING, FEDERATED_COMPUTE, CENTRAL_COMPUTE, POSTPROCESSING = (
    "data_extraction", "preprocessing", "federated_compute", "central_compute", "postprocessing")
ACTIONS = (DATA_EXTRACTION, PREPROCESSING, FEDERATED_COMPUTE, CENTRAL_COMPUTE, POSTPROCESSING)
COMPUTE_ACTIONS = frozenset((FEDERATED_COMPUTE, CENTRAL_COMPUTE))
SESSION_ACTIONS = frozenset((DATA_EXTRACTION, PREPROCESSING))


def task_status(run_statuses: Iterable[str]) -> str:
    """hq/model/task.py ``status``: a failed run fails the task; all finished completes it."""
    seen = set(run_statuses)
    if seen & FAILED_STATUSES:
        return TASK_FAILED
    if seen <= {COMPLETED}:
        return TASK_COMPLETED
    return TASK_AWAITING


def task_has_finished(status: str) -> bool:
    return status in (TASK_COMPLETED, TASK_FAILED)

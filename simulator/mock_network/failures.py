"""What a test sees where vantage6's MockNetwork prints ``error > ...`` and calls ``sys.exit(1)``.

Here the same line is printed (tests read it with capsys) and a ``MockExit`` is raised: a
``SystemExit`` with code 1, so ``pytest.raises(SystemExit)`` keeps working, whose message says
what happened. A failed run raises ``AlgorithmFailed``, which names the run, shows its log and
what the node proxy refused the algorithm, and is also an instance of the exception the algorithm
raised (when that class allows it), so ``pytest.raises(InputError)`` works as well.
"""
from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING, Any, Optional

from vantage6.algorithm.tools.util import error as print_error

from simulator.mock_support import failure_of
from simulator.vantage6.v5 import status as st

if TYPE_CHECKING:
    from simulator.network import Network

POD_HEADER = "LOGS of POD "


class MockExit(SystemExit):
    """Where vantage6's mock calls ``sys.exit(1)``; the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.code = 1

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class HQRefused(MockExit):
    """HQ answered a request of the mock's user client with an error."""

    def __init__(self, what: str, status: int, body: Any) -> None:
        super().__init__(f"{what}: HQ answered {status} {json.dumps(body)}")
        self.status, self.body = status, body


class AlgorithmFailed(MockExit):
    """A run of the task (or of one of its subtasks) failed on its node."""

    def __init__(self, message: str, run: dict, log: str,
                 error: Optional[BaseException] = None) -> None:
        super().__init__(message)
        self.run, self.log, self.error = run, log, error


def algorithm_failed(message: str, run: dict, log: str,
                     error: Optional[BaseException]) -> AlgorithmFailed:
    return failure_of(AlgorithmFailed, error, message, run, log, error)


# ---------------------------------------------------------------------- finding the failure
def first_failure(network: "Network",
                  task_id: int) -> Optional[tuple[Any, Optional[BaseException]]]:
    """The run of the task or its subtasks that failed first, with what its algorithm raised:
    the first exception recorded, else the first failed run that started (its siblings that
    never started are failed by HQ because of it), else the first failed one."""
    state = network.vantage6.state
    with network.vantage6.lock:
        runs, queue = {}, [state.tasks.get(task_id)]
        while queue:
            task = queue.pop()
            if task is not None:
                runs.update((r.id, r) for r in task.runs)
                queue.extend(task.children)
        for run_id, error in network.nodes.errors.items():
            if run_id in runs:
                return runs[run_id], error
        failed = [r for _, r in sorted(runs.items()) if r.status in st.FAILED_STATUSES]
    started = [r for r in failed if r.started_at is not None]
    return ((started or failed)[0], None) if failed else None


def pod_log(log: Optional[str]) -> tuple[str, int]:
    """The container's log out of the node's report (every pod of the job, each with a header)
    and the number of pods."""
    if not log or not log.startswith(POD_HEADER):
        return log or "", 0
    pods = log.count(POD_HEADER)
    first = log.split("\n" + POD_HEADER)[0]
    body = first.split("\n\n ", 1)[1] if "\n\n " in first else first
    return body.rstrip("\n").removesuffix(" "), pods


def short_reason(error: Optional[BaseException], log: str, status: str) -> str:
    """What the mock prints after "...for organization <id>: " (``str`` of the exception)."""
    if error is not None:
        return str(error)
    errors = [line[len("error > "):] for line in log.splitlines()
              if line.startswith("error > ") and line.strip() != "error > None"]
    return errors[-1] if errors else f"the run ended '{status}'"


ORDER_NOTE = ("its subtasks' results came as HQ lists them, newest run first, not in the order "
              "of the organizations as in vantage6's mock: pair a result with its organization "
              "by what the result says, not by position")


def describe(run: dict, task: dict, log: str, pods: int, error: Optional[BaseException],
             proxy_failures: list[dict], had_subtasks: bool = False) -> str:
    parent = task.get("parent") or {}
    where = f"a subtask of task {parent['id']}, " if parent.get("id") else ""
    node = (run.get("node") or {}).get("id")
    cause = (f"{type(error).__name__}: {error}" if error is not None
             else short_reason(None, log, run["status"]))
    lines = [f"run {run['id']} of task {task['id']} {task.get('name')!r} ({where}"
             f"{run.get('action')}) at organization {run['organization']['id']} (node {node}) "
             f"ended {run['status']!r}: {cause}"]
    for failure in proxy_failures:
        if failure["node_id"] == node:
            lines.append(f"the node proxy answered the algorithm's {failure['method']} "
                         f"{failure['path']} with 500 {{\"msg\": \"Request failed, see node "
                         f"logs\"}}; HQ had answered {failure['status']} "
                         f"{json.dumps(failure['body'])}")
    if had_subtasks and run.get("action") == "central_compute":
        lines.append(ORDER_NOTE)
    retried = (f" (the first of its {pods} pods: Kubernetes starts a failing container "
               f"{pods - 1} times more)") if pods > 1 else ""
    lines.append(f"the run's log{retried}:\n{log}" if log else "the run has no log")
    return "\n".join(lines)


def print_like_the_mock(what: str, organization_id: int, reason: str, log: str) -> None:
    """The lines vantage6's mock prints before it exits: ``error > ...`` on stdout, the
    traceback (here: the run's log) on stderr."""
    print_error(f"Error simulating {what} for organization {organization_id}: {reason}")
    if what != "task run":
        print_error("Exiting...")
    if log:
        sys.stderr.write(log.rstrip("\n") + "\n")

"""A bounded mixed load on a network in server mode, and the check that nothing was lost or
duplicated: the load test in the suite and the load benchmark both use it.

Each client thread makes ``calls`` calls in a fixed rotation: create a task whose runs really run
(``partial_average`` on two organizations), read its results, list tasks, read an organization,
read its task's status. Afterwards every task a client created must exist once, completed, with
a result for every run; nothing else may exist.
"""
from __future__ import annotations

import base64
import json
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import requests

if TYPE_CHECKING:
    from simulator.network import Network


@dataclass
class LoadReport:
    threads: int
    calls: int
    seconds: float
    created: list[int]
    problems: list[str] = field(default_factory=list)  # refused or failed calls, wrong answers
    lost: int = 0
    duplicated: int = 0
    unfinished: int = 0
    missing_results: int = 0

    @property
    def per_second(self) -> float:
        return self.calls / self.seconds if self.seconds else 0.0

    @property
    def clean(self) -> bool:
        return not (self.problems or self.lost or self.duplicated or self.unfinished
                    or self.missing_results)


def run_load(network: "Network", api_url: str, token: str, organizations: list[int],
             image: str, threads: int = 32, calls: int = 200,
             timeout: float = 600.0) -> LoadReport:
    """Drive ``threads`` clients against ``api_url`` (the network served), then check it."""
    payload = base64.b64encode(json.dumps({"method": "partial_average", "kwargs": {
        "column_name": "age"}}).encode()).decode()
    created: list[list[int]] = [[] for _ in range(threads)]
    problems: list[str] = []
    width = len(organizations)

    def call(session: requests.Session, index: int, number: int) -> None:
        kind = number % 5
        mine = created[index]
        if kind == 0:
            chosen = [organizations[(index + number) % width],
                      organizations[(index + number + 1) % width]]
            r = session.post(f"{api_url}/task", json={
                "name": f"load-{index}-{number}", "image": image, "collaboration_id": 1,
                "databases": [{"label": "default"}],
                "organizations": [{"id": o, "input": payload} for o in chosen]})
            if r.status_code == 201:
                mine.append(r.json()["id"])
            else:
                problems.append(f"POST /task: {r.status_code} {r.text[:200]}")
        elif kind == 1 and mine:
            results = session.get(f"{api_url}/result", params={"task_id": mine[-1]}).json()
            if len(results.get("data", [])) != 2 or not all(x["result"]
                                                            for x in results["data"]):
                problems.append(f"results of task {mine[-1]}: {results}")
        elif kind == 2:
            if session.get(f"{api_url}/task", params={"per_page": 5}).status_code != 200:
                problems.append("GET /task failed")
        elif kind == 3:
            organization = organizations[index % width]
            if session.get(f"{api_url}/organization/{organization}").status_code != 200:
                problems.append(f"GET /organization/{organization} failed")
        elif mine:
            status = session.get(f"{api_url}/task/{mine[-1]}/status").json()
            if status != {"status": "completed"}:
                problems.append(f"status of task {mine[-1]}: {status}")

    def client(index: int) -> None:
        with requests.Session() as session:
            session.headers["Authorization"] = f"Bearer {token}"
            for number in range(calls):
                try:
                    call(session, index, number)
                except requests.RequestException as exc:  # counted, never silent
                    problems.append(f"{type(exc).__name__}: {exc}")

    workers = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(threads)]
    started = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=max(0.0, timeout - (time.perf_counter() - started)))
    elapsed = time.perf_counter() - started
    if any(worker.is_alive() for worker in workers):
        problems.append(f"clients still running after {timeout} s")
    mine = [task_id for ids in created for task_id in ids]
    report = LoadReport(threads, threads * calls, elapsed, mine, problems)
    with network.vantage6.lock:
        tasks = network.vantage6.state.tasks
        report.lost = len(set(mine) - set(tasks))
        report.duplicated = len(mine) - len(set(mine)) + len(set(tasks) - set(mine))
        report.unfinished = sum(1 for t in tasks.values() if t.status != "completed")
        report.missing_results = sum(1 for t in tasks.values() for r in t.runs if not r.result)
    return report

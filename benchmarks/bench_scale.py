"""Scale benchmarks: a 1,000-organization federation, 1M-row node databases, and concurrent
clients in server mode.

usage:  python benchmarks/bench_scale.py [--organizations 1000] [--rows 1000000]
                                         [--threads 32] [--calls 200]

  federation   one collaboration of N organizations, one partial_average task to all of them
               (10-row CSVs, so the algorithm's own work is small and measured apart: the time
               spent inside wrap_algorithm); the first task (each node logs in and parses its
               CSV) and the second (warm); memory per idle node (tracemalloc, network built)
  big data     2 organizations with 1M-row CSVs: the first partial_average (parses) against the
               second (the parsed frame is reused)
  load         server mode; T client threads x C mixed calls (task creations whose runs really
               run, result and status reads, lists); afterwards every task created is there
               once, with all its results; throughput in calls per second
"""
from __future__ import annotations

import argparse
import base64
import gc
import json
import tempfile
import threading
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

from simulator.loadgen import run_load
from simulator.network import Network
from simulator.vantage6.runtime import executors

IMAGE = "avg"
USER = ("res", "Password1!")


def _scenario(folder: Path, organizations: int, csv: Path | None = None) -> dict:
    ids = list(range(2, organizations + 2))
    return {"organizations": [{"id": i, "name": f"org{i}"} for i in ids],
            "collaborations": [{"id": 1, "name": "c", "organizations": ids}],
            "nodes": [{"organization": i, "collaboration": 1, "databases": [
                {"label": "default", "uri": str(csv or folder / f"org{i}.csv")}]} for i in ids],
            "users": [{"username": USER[0], "password": USER[1], "organization": 2,
                       "roles": ["Researcher"]}],
            "algorithms": {IMAGE: "simulator.algorithms.average"}}


def _task_body(organizations: list[int]) -> dict:
    payload = base64.b64encode(json.dumps({"method": "partial_average", "kwargs": {
        "column_name": "age"}}).encode()).decode()
    return {"name": "t", "image": IMAGE, "collaboration_id": 1,
            "databases": [{"label": "default"}],
            "organizations": [{"id": i, "input": payload} for i in organizations]}


class _AlgorithmClock:
    """Adds up the time spent inside wrap_algorithm (the algorithm's own time, data load
    included), so that the simulator's share can be told apart."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._original = executors.wrapped_run
        self._lock = threading.Lock()

    def __enter__(self) -> "_AlgorithmClock":
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return self._original(*args, **kwargs)
            finally:
                with self._lock:
                    self.seconds += time.perf_counter() - start

        executors.wrapped_run = timed
        return self

    def __exit__(self, *exc) -> None:
        executors.wrapped_run = self._original


def federation(organizations: int = 1000) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "ten_rows.csv"
        csv.write_text("age\n" + "\n".join(str(20 + i * 7) for i in range(10)) + "\n")
        scenario = _scenario(Path(folder), organizations, csv)
        Network(_scenario(Path(folder), 2, csv)).close()  # imports and route tables, once
        gc.collect()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        started = time.perf_counter()
        net = Network(scenario)
        built = time.perf_counter() - started
        gc.collect()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        idle_kb = sum(d.size_diff for d in after.compare_to(before, "filename")) / 1024
        with net:
            token = net.login(*USER)
            body = _task_body(list(range(2, organizations + 2)))
            rounds = []
            for _ in range(2):
                with _AlgorithmClock() as algorithms:
                    started = time.perf_counter()
                    created = net.request("POST", "/api/task", json=body, token=token)
                    total = time.perf_counter() - started
                task = net.vantage6.state.tasks[created.get_json()["id"]]
                assert task.status == "completed", task.status
                rounds.append((total, algorithms.seconds))
    return {"organizations": organizations, "build_s": built,
            "idle_kb_per_node": idle_kb / organizations, "first": rounds[0],
            "second": rounds[1]}


def big_data(rows: int = 1_000_000) -> dict:
    rng = np.random.default_rng(3)
    with tempfile.TemporaryDirectory() as folder:
        for i in (2, 3):
            pd.DataFrame({"age": rng.integers(18, 95, rows),
                          "bmi": rng.normal(26, 4, rows).round(2)}).to_csv(
                Path(folder) / f"org{i}.csv", index=False)
        with Network(_scenario(Path(folder), 2)) as net:
            token = net.login(*USER)
            times = []
            for _ in range(3):
                started = time.perf_counter()
                net.request("POST", "/api/task", json=_task_body([2, 3]), token=token)
                times.append(time.perf_counter() - started)
            parses = [node.cache.parses for node in net.nodes]
    return {"rows": rows, "first_s": times[0], "later_s": min(times[1:]), "parses": parses}


def load(threads: int = 32, calls: int = 200) -> dict:
    with tempfile.TemporaryDirectory() as folder:
        for i in (2, 3, 4, 5):
            Path(folder, f"org{i}.csv").write_text("age\n30\n40\n50\n60\n70\n")
        with Network(_scenario(Path(folder), 4), executor="threads", workers=4) as net:
            server = net.serve(port=0)
            try:
                report = run_load(net, f"{server.url}/api", net.login(*USER), [2, 3, 4, 5],
                                  IMAGE, threads, calls)
            finally:
                server.stop()
    return {"threads": threads, "calls": report.calls, "seconds": report.seconds,
            "per_second": report.per_second, "tasks": len(report.created),
            "lost": report.lost, "duplicated": report.duplicated,
            "unfinished": report.unfinished, "missing_results": report.missing_results,
            "errors": len(report.problems)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--organizations", type=int, default=1000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--calls", type=int, default=200)
    args = parser.parse_args()
    print(json.dumps({"federation": federation(args.organizations),
                      "big_data": big_data(args.rows),
                      "load": load(args.threads, args.calls)}, indent=2))


if __name__ == "__main__":
    main()

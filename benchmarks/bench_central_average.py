"""``central_average`` over 3 organizations: the simulator (real UserClient in process, real
server/node/proxy path, runs in process) against vantage6-algorithm-tools' ``MockAlgorithmClient``
running the same function on the same DataFrames, in one run, as a ratio.

usage:  python benchmarks/bench_central_average.py [--rows 1000 100000] [--repeat 15]

Each row size: three CSVs with ``--rows`` rows are written to a temporary folder. The mock gets
the same frames (already parsed, as its constructor parses them); the simulator's nodes parse each
CSV on their first run and reuse the parsed frame afterwards (the parse counts are printed).
Both sides are warmed up once, then timed as the median of ``--repeat`` round trips:
  simulator  client.task.create(central_average) + client.wait_for_results(...)
  mock       mock.task.create(central_average) + mock.wait_for_results(...)
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
import tempfile
from pathlib import Path
from typing import Callable, Iterator

import numpy as np
import pandas as pd

from simulator.network import Network
from timing import median_seconds  # benchmarks/timing.py

IMAGE = "harbor2.vantage6.ai/demo/average"
MODULE = "simulator.algorithms.average"
INPUT = {"method": "central_average", "kwargs": {"column_name": "age"}}


def make_frames(rows: int, seed: int = 7) -> list[pd.DataFrame]:
    rng = np.random.default_rng(seed)
    return [pd.DataFrame({"age": rng.integers(18, 90, rows), "bmi": rng.normal(25, 4, rows),
                          "group": rng.choice(["a", "b", "c"], rows)}) for _ in range(3)]


def scenario(folder: Path, frames: list[pd.DataFrame]) -> dict:
    nodes = []
    for i, frame in enumerate(frames):
        path = folder / f"org{i + 2}.csv"
        frame.to_csv(path, index=False)
        nodes.append({"organization": i + 2, "collaboration": 1,
                      "databases": [{"label": "default", "uri": str(path)}]})
    return {"organizations": [{"id": i + 2, "name": f"org{i + 2}"} for i in range(3)],
            "collaborations": [{"id": 1, "name": "c", "organizations": [2, 3, 4]}],
            "nodes": nodes,
            "users": [{"username": "res", "password": "Password1!", "organization": 2,
                       "roles": ["Researcher"]}],
            "algorithms": {IMAGE: MODULE}}


@contextlib.contextmanager
def simulated(frames: list[pd.DataFrame]) -> Iterator[tuple[Network, Callable[[], float]]]:
    """A network over the frames (intercepted) and one round trip through the real UserClient:
    task.create(central_average) + wait_for_results, answering the average."""
    from vantage6.client import UserClient

    with tempfile.TemporaryDirectory() as folder:
        net = Network(scenario(Path(folder), frames))
        with net, net.intercept(), contextlib.redirect_stdout(io.StringIO()):
            client = UserClient("http://vantage6.test", 7601, "/api", log_level="critical")
            client.authenticate("res", "Password1!")
            client.setup_encryption(None)

            def round_trip() -> float:
                task = client.task.create(organizations=[2], name="avg", image=IMAGE,
                                          description="", collaboration=1, input_=INPUT,
                                          databases=[{"label": "default"}])
                results = client.wait_for_results(task["id"], interval=0.01)
                return json.loads(results["data"][0]["result"])["average"]

            yield net, round_trip


def measure(rows: int, repeat: int) -> dict:
    from vantage6.algorithm.tools.mock_client import MockAlgorithmClient

    frames = make_frames(rows)
    expected = pd.concat(frames)["age"].mean()
    with simulated(frames) as (net, simulator_round_trip):
        assert abs(simulator_round_trip() - expected) < 1e-9
        simulator = median_seconds(simulator_round_trip, repeat)
        parses = [node.cache.parses for node in net.nodes]
        hits = [node.cache.hits for node in net.nodes]

    mock = MockAlgorithmClient(datasets=[[{"database": f, "db_type": "csv"}] for f in frames],
                               module=MODULE, organization_ids=[2, 3, 4])

    def mock_round_trip() -> float:
        task = mock.task.create(input_=INPUT, organizations=[2])
        return mock.wait_for_results(task["id"])[0]["average"]

    with contextlib.redirect_stdout(io.StringIO()):
        assert abs(mock_round_trip() - expected) < 1e-9
        mocked = median_seconds(mock_round_trip, repeat)
    return {"rows": rows, "simulator": simulator, "mock": mocked, "parses": parses,
            "hits": hits}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[1000, 100_000])
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, pandas "
          f"{pd.__version__}, median of {args.repeat} round trips after one warm-up")
    print("| rows per organization | simulator | MockAlgorithmClient | ratio | CSV parses per "
          "node (cache hits) |")
    print("|---:|---:|---:|---:|---|")
    for rows in args.rows:
        m = measure(rows, args.repeat)
        print(f"| {rows:,} | {m['simulator'] * 1000:.1f} ms | {m['mock'] * 1000:.1f} ms | "
              f"{m['simulator'] / m['mock']:.2f}x | {m['parses']} ({m['hits']}) |")


if __name__ == "__main__":
    main()

"""The vantage6 5.x round trip of an algorithm's MockNetwork-based test, timed with vantage6's
MockNetwork and with the simulator's drop-in (simulator.mock_network), in one process, as a ratio.

usage (the 5.x tools need Python 3.13: the .venv-v5 virtualenv):
    .venv-v5/bin/python benchmarks/bench_mock_network.py [--rows 1000] [--repeat 15]

Three CSVs of ``--rows`` rows (one per organization) are written to a temporary folder. One
sample, on either side, is what a test does: build the network, then the round trip itself,
``dataframe.create(read_csv)`` on every node + ``task.create(central_average)`` (one partial
subtask to each organization) + ``wait_for_results``, checked against pandas. The build and the
round trip are timed apart; each figure is the median of ``--repeat`` samples after a warm-up.
The algorithm is the 5.x demo (``simulator.algorithms.average``).
"""
from __future__ import annotations

import argparse
import contextlib
import io
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Callable

import pandas as pd

from bench_central_average import make_frames  # benchmarks/bench_central_average.py

MODULE = "simulator.algorithms.average"
LABEL = "default"


def sample(network_class: Callable, paths: list[Path], expected: float) -> tuple[float, float]:
    """(seconds to build the network, seconds for the round trip)."""
    start = time.perf_counter()
    network = network_class(module_name=MODULE, datasets=[
        {LABEL: {"database": path, "db_type": "csv"}} for path in paths])
    built = time.perf_counter()
    client = network.user_client
    dataframe = client.dataframe.create(label=LABEL, method="read_csv", arguments={},
                                        name=LABEL)
    task = client.task.create(method="central_average", organizations=[1],
                              arguments={"column_name": "age"},
                              databases=[{"type": "dataframe", "dataframe_id": dataframe["id"]}])
    (result,) = client.wait_for_results(task["id"])
    done = time.perf_counter()
    assert abs(result["average"] - expected) < 1e-9, result
    if hasattr(network, "close"):
        network.close()
    return built - start, done - built


def measure(rows: int, repeat: int) -> dict:
    from vantage6.algorithm.mock.network import MockNetwork as Vantage6MockNetwork

    from simulator.mock_network import MockNetwork

    frames = make_frames(rows)
    # what the round trip computes: every row's age, as read back from the CSVs
    expected = pd.concat(frames)["age"].mean()
    out: dict = {"rows": rows, "repeat": repeat}
    with tempfile.TemporaryDirectory() as folder:
        paths = []
        for i, frame in enumerate(frames, start=1):
            paths.append(Path(folder) / f"org{i}.csv")
            frame.to_csv(paths[-1], index=False)
        for name, network_class in (("mock", Vantage6MockNetwork), ("simulator", MockNetwork)):
            with contextlib.redirect_stdout(io.StringIO()):  # the mocks' info lines
                sample(network_class, paths, expected)  # warm-up: imports, caches
                samples = [sample(network_class, paths, expected) for _ in range(repeat)]
            out[name] = {"build": statistics.median(s[0] for s in samples),
                         "round_trip": statistics.median(s[1] for s in samples),
                         "total": statistics.median(s[0] + s[1] for s in samples)}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    m = measure(args.rows, args.repeat)
    mock, sim = m["mock"], m["simulator"]
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, pandas "
          f"{pd.__version__}; 3 organizations x {args.rows:,} rows, median of {args.repeat} "
          "samples after one warm-up")
    print("| | build the network | dataframe.create + central_average | both |")
    print("|---|---:|---:|---:|")
    for name, figures in (("vantage6 MockNetwork", mock), ("simulator drop-in", sim)):
        print(f"| {name} | {figures['build'] * 1000:.1f} ms | "
              f"{figures['round_trip'] * 1000:.1f} ms | {figures['total'] * 1000:.1f} ms |")
    print(f"| ratio | {sim['build'] / mock['build']:.2f}x | "
          f"{sim['round_trip'] / mock['round_trip']:.2f}x | {sim['total'] / mock['total']:.2f}x |")


if __name__ == "__main__":
    main()

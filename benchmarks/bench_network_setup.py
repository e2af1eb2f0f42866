"""What a test pays for a fresh network: ``Network(demo scenario)`` and the ``v6_network``
fixture's work (the scenario file parsed once, then a new network per test).

usage:  python benchmarks/bench_network_setup.py [--repeat 2000]

Measured in one process: the median of N constructions after a warm-up, for the bundled demo
(3 organizations, 3 simulated nodes, 2 users), next to a fresh server with no scenario and, as a
reference in the same run, parsing the demo's YAML file (what a fixture would pay without the
plugin's scenario cache).
"""
from __future__ import annotations

import argparse
import platform

from simulator.network import Network
from simulator.scenario import Scenario
from timing import median_seconds  # benchmarks/timing.py


def median_ms(fn, repeat: int) -> float:
    return median_seconds(fn, repeat, warmup=min(50, repeat)) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    demo = Scenario.load("demo")
    rows = {
        "fresh demo network (scenario parsed once)": median_ms(lambda: Network(demo).close(),
                                                               args.repeat),
        "fresh server, no scenario": median_ms(lambda: Network().close(), args.repeat),
        "parsing the demo YAML (reference)": median_ms(lambda: Scenario.load("demo"),
                                                       args.repeat),
    }
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, "
          f"median of {args.repeat} after a warm-up")
    print("| what | median |\n|---|---:|")
    for name, ms in rows.items():
        print(f"| {name} | {ms:.2f} ms |")


if __name__ == "__main__":
    main()

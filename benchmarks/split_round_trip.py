"""Where one in-process round trip spends its time, unprofiled: ``central_average`` over 3
organizations (``bench_central_average``'s world), split at the boundaries between the client,
interception, the simulator and the algorithm, against vantage6's ``MockAlgorithmClient`` in the
same process.

usage:  python benchmarks/split_round_trip.py [--rows 1000] [--trips 40] [--rounds 3]

cProfile (``profile_round_trip.py``) says which functions cost, but slows small functions down
more than large ones. Here a handful of boundary functions are wrapped with a timer that keeps
each one's own time (its time minus that of the wrapped calls inside it), so the parts add up to
the round trip and nothing else is slowed. The simulator's rounds run first, then the mock's
(a fresh mock per round); the medians are printed. The "floor" is what is left when every part
the simulator owns costs nothing: the real clients' own work (requests, vantage6.client), the
algorithm and vantage6's ``wrap_algorithm`` (which every run goes through, as in its container).
"""
from __future__ import annotations

import argparse
import collections
import contextlib
import importlib
import io
import statistics
import time
from typing import Callable

from bench_central_average import INPUT, MODULE, make_frames, simulated

# (part, module, attribute): each wrapped function's own time goes to its part
BOUNDARIES = [
    ("client: requests, urllib3", "requests.sessions", "Session.request"),
    ("interception: responses", "responses", "RequestsMock._on_request"),
    ("interception: translation", "simulator.transports.interception",
     "_Interceptor._answer_requests"),
    ("simulator: server, client calls", "simulator.vantage6.server", "Vantage6Server.handle"),
    ("simulator: server, node calls", "simulator.vantage6.server", "Vantage6Server.node_call"),
    ("simulator: node proxy", "simulator.vantage6.node.proxy", "NodeProxy.handle"),
    ("simulator: platform (deferred node work)", "simulator.vantage6.platform",
     "Vantage6Platform.handle"),
    ("simulator: nodes (runs, events, run folders)", "simulator.vantage6.node.simulated_node",
     "SimulatedNode.sync"),
    ("simulator: nodes (runs, events, run folders)", "simulator.vantage6.node.simulated_node",
     "SimulatedNode._start"),
    ("simulator: nodes (runs, events, run folders)", "simulator.vantage6.node.simulated_node",
     "SimulatedNode._activate"),
    ("simulator: nodes (runs, events, run folders)", "simulator.vantage6.node.simulated_node",
     "SimulatedNode._finish"),
    ("wrap_algorithm (vantage6) + run context", "simulator.vantage6.runtime.executors",
     "wrapped_run"),
    ("algorithm + AlgorithmClient's own code", "simulator.algorithms.average", "central_average"),
    ("algorithm + AlgorithmClient's own code", "simulator.algorithms.average", "partial_average"),
]
REST = "vantage6 UserClient's own code, the loop"
SIMULATOR_PARTS = ("interception:", "simulator:")


class OwnTime:
    """Wraps boundary functions; each call's own time = its time minus its wrapped callees'."""

    def __init__(self) -> None:
        self.seconds: collections.Counter = collections.Counter()
        self._stack: list[float] = []
        self._undo: list[Callable[[], None]] = []

    def wrap(self, part: str, module: str, attribute: str) -> None:
        owner = importlib.import_module(module)
        *path, name = attribute.split(".")
        for step in path:
            owner = getattr(owner, step)
        original = getattr(owner, name)
        stack, seconds = self._stack, self.seconds

        def timed(*args, **kwargs):
            start = time.perf_counter()
            stack.append(0.0)
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - start
                seconds[part] += elapsed - stack.pop()
                if stack:
                    stack[-1] += elapsed

        setattr(owner, name, timed)
        self._undo.append(lambda: setattr(owner, name, original))

    def unwrap(self) -> None:
        while self._undo:
            self._undo.pop()()


def simulator_round(round_trip, trips: int) -> dict[str, float]:
    """One round under the timers (taken off again: the mock runs unwrapped)."""
    own = OwnTime()
    for boundary in BOUNDARIES:
        own.wrap(*boundary)
    try:
        start = time.perf_counter()
        for _ in range(trips):
            round_trip()
        wall = (time.perf_counter() - start) / trips
    finally:
        own.unwrap()
    parts = {part: s / trips for part, s in own.seconds.items()}
    parts[REST] = wall - sum(parts.values())
    parts["round trip"] = wall
    return parts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--trips", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    from vantage6.algorithm.tools.mock_client import MockAlgorithmClient

    frames = make_frames(args.rows)
    def new_mock():
        return MockAlgorithmClient(datasets=[[{"database": f, "db_type": "csv"}] for f in frames],
                                   module=MODULE, organization_ids=[2, 3, 4])

    mock = new_mock()

    def mock_round_trip() -> None:
        mock.wait_for_results(mock.task.create(input_=INPUT, organizations=[2])["id"])

    rounds, mocks = [], []
    with simulated(frames) as (_, round_trip):
        for _ in range(3):
            round_trip()
        for _ in range(args.rounds):
            rounds.append(simulator_round(round_trip, args.trips))
    # the mock outside the simulated network (inside it, it measured several times slower)
    with contextlib.redirect_stdout(io.StringIO()):
        mock_round_trip()
        for _ in range(args.rounds):
            mock = new_mock()  # the mock slows down as its task list grows: a fresh one per round
            start = time.perf_counter()
            for _ in range(args.trips):
                mock_round_trip()
            mocks.append((time.perf_counter() - start) / args.trips)
    median = {part: statistics.median(r.get(part, 0.0) for r in rounds) for part in rounds[0]}
    mocked = statistics.median(mocks)
    total = median.pop("round trip")
    print(f"central_average, 3 organizations x {args.rows:,} rows, {args.trips} round trips x "
          f"{args.rounds} rounds (median), simulator {total * 1000:.2f} ms, "
          f"MockAlgorithmClient {mocked * 1000:.2f} ms ({total / mocked:.2f}x)")
    print("| part | ms per round trip | share |")
    print("|---|---:|---:|")
    for part, seconds in sorted(median.items(), key=lambda kv: -kv[1]):
        print(f"| {part} | {seconds * 1000:.2f} | {seconds / total:.0%} |")
    simulator = sum(s for p, s in median.items() if p.startswith(SIMULATOR_PARTS))
    floor = total - simulator
    print(f"\nthe simulator's parts (interception + simulator): {simulator * 1000:.2f} ms; "
          f"the floor without them: {floor * 1000:.2f} ms = {floor / mocked:.2f}x the mock")


if __name__ == "__main__":
    main()

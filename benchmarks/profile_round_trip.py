"""Where one in-process round trip spends its time: ``central_average`` over 3 organizations
(``bench_central_average``'s world), the real UserClient through interception, under cProfile.

usage:  python benchmarks/profile_round_trip.py [--rows 1000] [--trips 50] [--top 15]

Each function's own time (cProfile's tottime) goes to the part its file belongs to, so the parts
add up to the whole: the client's own work, interception, request parsing, routing, identity and
permissions, serialization, node work, the algorithm (with pandas). Time in the standard library
(json, urllib, threading, base64...) goes to the part that called it, shared among its callers by
their cumulative time in it, up the call graph until a part is found; what is left (no caller in
any part) is "the rest". Printed as a table of ms per round trip and share; ``--top`` lists the
most expensive functions.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import time

from bench_central_average import make_frames, simulated

# (part, substrings of a file path), first match wins
PARTS = [
    ("algorithm (+ pandas, numpy)", ("simulator/algorithms/", "/pandas/", "/numpy/",
                                     "vantage6/algorithm/")),
    ("interception (responses, respx)", ("/responses/", "/respx/", "/httpx/",
                                         "simulator/transports/")),
    ("client (vantage6.client, requests, urllib3)", ("vantage6/client/", "vantage6/common/",
                                                     "/requests/", "/urllib3/")),
    ("request parsing (core.http)", ("simulator/core/http",)),
    ("routing (werkzeug, server dispatch)", ("/werkzeug/", "simulator/vantage6/server.py",
                                             "simulator/network.py",
                                             "simulator/vantage6/platform.py",
                                             "simulator/faults.py")),
    ("identity and permissions (JWT)", ("/jwt/", "simulator/vantage6/identity",
                                        "simulator/vantage6/tokens",
                                        "simulator/vantage6/permissions",
                                        "simulator/vantage6/context")),
    ("serialization and schemas", ("simulator/vantage6/serialize", "simulator/vantage6/schemas",
                                   "/marshmallow/", "simulator/vantage6/pagination")),
    ("resources and state", ("simulator/vantage6/resources/", "simulator/vantage6/state",
                             "simulator/vantage6/task_records", "simulator/vantage6/entities",
                             "simulator/vantage6/filters", "simulator/vantage6/trace",
                             "simulator/core/events", "simulator/core/clock")),
    ("node work (fleet, node, proxy, runtime)", ("simulator/vantage6/node/",
                                                 "simulator/vantage6/runtime/")),
]
REST = "the rest (no caller in a part: the benchmark loop, the interpreter)"


def part_of(filename: str) -> str:
    for part, needles in PARTS:
        if any(needle in filename for needle in needles):
            return part
    return REST


def attribute(raw: dict) -> dict[str, float]:
    """Own time per part, the standard library's charged to the parts that called it."""
    shares_memo: dict = {}

    def shares(function, depth: int = 0, seen: frozenset = frozenset()) -> dict[str, float]:
        """Which parts a function's time belongs to (fractions adding up to 1)."""
        part = part_of(function[0])
        if part != REST or depth > 12:
            return {part: 1.0}
        if function in shares_memo:
            return shares_memo[function]
        callers = raw[function][4]
        weights = {caller: numbers[3] for caller, numbers in callers.items()
                   if caller in raw and caller not in seen}
        whole = sum(weights.values())
        if not whole:
            return {REST: 1.0}
        out: dict[str, float] = {}
        for caller, weight in weights.items():
            for name, fraction in shares(caller, depth + 1, seen | {function}).items():
                out[name] = out.get(name, 0.0) + fraction * weight / whole
        shares_memo[function] = out
        return out

    totals: dict[str, float] = {}
    for function, (_, _, tottime, _, _) in raw.items():
        for part, fraction in shares(function).items():
            totals[part] = totals.get(part, 0.0) + tottime * fraction
    return totals


def profile(rows: int, trips: int) -> tuple[cProfile.Profile, float, int]:
    with simulated(make_frames(rows)) as (_, round_trip):
        round_trip()  # warm: imports, parsed frames, compiled routes
        profiler = cProfile.Profile()
        start = time.perf_counter()
        profiler.enable()
        for _ in range(trips):
            round_trip()
        profiler.disable()
        wall = (time.perf_counter() - start) / trips
    return profiler, wall, trips


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--trips", type=int, default=50)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    profiler, wall, trips = profile(args.rows, args.trips)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    totals = attribute(stats.stats)
    whole = sum(totals.values())
    print(f"central_average, 3 organizations x {args.rows:,} rows, {trips} round trips under "
          f"cProfile: {wall * 1000:.1f} ms per round trip (profiled; unprofiled is faster)")
    print("| part | ms per round trip | share |")
    print("|---|---:|---:|")
    for part, seconds in sorted(totals.items(), key=lambda kv: -kv[1]):
        print(f"| {part} | {seconds / trips * 1000:.2f} | {seconds / whole:.0%} |")
    print(f"\ntop {args.top} functions by own time:")
    stats.sort_stats("tottime").print_stats(args.top)
    print("\n".join(line for line in out.getvalue().splitlines()[6:] if line.strip()))


if __name__ == "__main__":
    main()

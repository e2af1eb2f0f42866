"""An algorithm's own MockAlgorithmClient-based test module, timed against vantage6's mock and
against the simulator's drop-in (the same file with only its import swapped), in one run.

usage:  python benchmarks/bench_mock_client.py [--rounds 5]

Each round runs pytest on both files in subprocesses, one after the other. Two figures per run:
the time pytest spends in the module's tests (setup + call + teardown of every test, from
``--durations``; imports and interpreter start excluded), and pytest's whole session. The
median over the rounds is shown, with the simulator/mock ratio.
"""
from __future__ import annotations

import argparse
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests" / "algorithms" / "v6_column_stats" / "test"
VANTAGE6_IMPORT = "from vantage6.algorithm.tools.mock_client import MockAlgorithmClient"
SIMULATOR_IMPORT = "from simulator.mock_client import MockAlgorithmClient"
_DURATION = re.compile(r"^([\d.]+)s (setup|call|teardown)\s+\S+", re.M)
_SESSION = re.compile(r"passed in ([\d.]+)s")


def timed(module: Path) -> tuple[float, float]:
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           "--durations=0", "--durations-min=0", str(module)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    if "failed" in done.stdout or done.returncode != 0:
        raise SystemExit(f"{module} did not pass:\n{done.stdout[-2000:]}")
    tests = sum(float(seconds) for seconds, _ in _DURATION.findall(done.stdout))
    return tests, float(_SESSION.search(done.stdout).group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        for path in TESTS.iterdir():
            if path.is_file():
                shutil.copy(path, folder)
        swapped = Path(folder) / "test_column_stats.py"
        swapped.write_text(swapped.read_text().replace(VANTAGE6_IMPORT, SIMULATOR_IMPORT))
        runs = {"vantage6 mock": [], "simulator": []}
        for _ in range(args.rounds):
            runs["vantage6 mock"].append(timed(TESTS / "test_column_stats.py"))
            runs["simulator"].append(timed(swapped))
    median = {name: (statistics.median(t for t, _ in r), statistics.median(s for _, s in r))
              for name, r in runs.items()}
    mock, sim = median["vantage6 mock"], median["simulator"]
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, "
          f"median of {args.rounds} rounds; tests/algorithms/v6_column_stats/test (6 tests)")
    print("| | the module's tests | pytest session |\n|---|---:|---:|")
    print(f"| vantage6 MockAlgorithmClient | {mock[0] * 1000:.0f} ms | {mock[1]:.2f} s |")
    print(f"| simulator drop-in | {sim[0] * 1000:.0f} ms | {sim[1]:.2f} s |")
    print(f"| ratio | {sim[0] / mock[0]:.2f}x | {sim[1] / mock[1]:.2f}x |")


if __name__ == "__main__":
    main()

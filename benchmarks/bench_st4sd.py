"""Push-to-finished time of the bundled sum-numbers scenario, under each ST4SD runtime.

usage:  python benchmarks/bench_st4sd.py [--runs N]

The real ExperimentRestAPI, in process: push the PVEP, start it (the README's payload), poll
``api_rest_uid_status`` every 50 ms until the experiment is finished; the median of N runs, each
on a fresh network, one after the other. ``elaunch`` is the real st4sd-runtime-core 2.7.0
(tools/st4sd_runtime/install.sh must have run), ``interpreter`` the in-process fast mode.
"""
from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from simulator import Network  # noqa: E402

PVEP = ROOT / "scenarios" / "st4sd" / "sum-numbers.pvep.json"
PAYLOAD = {"inputs": [{"filename": "numbers.csv", "content": "number\n1\n2\n"}],
           "variables": {"addToSum": 10}, "platform": "openshift"}


def push_to_finished(runtime: str) -> float:
    from experiment.service.db import ExperimentRestAPI

    for name in ("ExperimentRestAPI", "Session", "MongoClient"):
        logging.getLogger(name).setLevel(logging.ERROR)
    net = Network.from_scenario("st4sd-sum-numbers", st4sd_runtime=runtime)
    try:
        with net.intercept():
            api = ExperimentRestAPI(net.st4sd_url, cc_auth_token="alice-oauth-token",
                                    max_retries=1, secs_between_retries=0)
            start = time.perf_counter()
            api.api_experiment_push(json.loads(PVEP.read_text()))
            uid = api.api_experiment_start("sum-numbers", PAYLOAD)
            while True:
                status = api.api_rest_uid_status(uid, print_too=False)["status"]
                if status.get("experiment-state") in ("finished", "failed"):
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - start
            if status["exit-status"] != "Success":
                raise RuntimeError(f"sum-numbers ended {status}")
            return elapsed
    finally:
        net.close()


def run(runs: int = 3) -> dict[str, float]:
    """{runtime: median seconds from push to finished}."""
    return {runtime: statistics.median(push_to_finished(runtime) for _ in range(runs))
            for runtime in ("interpreter", "elaunch")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    for runtime, seconds in run(args.runs).items():
        print(f"| sum-numbers push to finished, {runtime} | {seconds:.2f} s |")


if __name__ == "__main__":
    main()

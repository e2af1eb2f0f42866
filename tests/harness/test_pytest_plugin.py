"""The pytest plugin, as a downstream project meets it: tests/example_project has only the
installed package (its plugin loads through the pytest11 entry point) and its own pytest.ini."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1] / "example_project"


def run_project(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args],
                          cwd=PROJECT, capture_output=True, text=True, timeout=300)


def summary(done: subprocess.CompletedProcess) -> dict[str, int]:
    last = done.stdout.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|error)", last)}


@pytest.mark.parametrize("workers", [[], ["-n", "2"]], ids=["serial", "xdist"])
def test_the_example_project(workers):
    done = run_project(*workers)
    assert summary(done) == {"passed": 7, "failed": 1}, done.stdout[-3000:]
    # the only failure is the privacy check, reported as a test failure naming the run
    assert "FAILED test_downstream.py::test_privacy_checks_fail_a_leaky_run" in done.stdout
    assert ("run 2 (task 1, organization 3): result['count'] = 2 is below the minimum cell size "
            "of 5") in done.stdout


@pytest.mark.parametrize("option,world", [
    ([], "['example_org1', 'example_org2', 'example_org3', 'root']"),  # the ini's demo
    (["--v6-scenario", "scenario.yaml"], "['left', 'right', 'root']"),
])
def test_the_scenario_option_overrides_the_ini(option, world):
    done = run_project("-s", "-k", "reports_its_world", *option)
    assert summary(done) == {"passed": 1}, done.stdout[-3000:]
    assert f"WORLD {world}" in done.stdout

"""The seed flow with simulated nodes running the real demo algorithm: the real UserClient as
john-doe on scenarios/demo.yaml, in process and in server mode, in both execution modes."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from simulator.network import Network
from tests.helpers import IMAGE, JOHN, decoded_results, make_client, run_task

DEMO = Path(__file__).resolve().parents[2] / "fixtures" / "demo"
FRAMES = {org: pd.read_csv(DEMO / f"org{org - 1}.csv") for org in (2, 3, 4)}


@pytest.fixture(params=["in-process", "isolated"])
def demo(request):
    with Network.from_scenario("demo", execution=request.param) as net:
        yield net


@pytest.fixture(params=["in process", "server mode"])
def john(request, demo):
    """The real UserClient as john-doe, through interception or over loopback HTTP."""
    if request.param == "in process":
        with demo.intercept():
            yield make_client(*JOHN)
    else:
        server = demo.serve(port=0)
        try:
            host, port = server.url.rsplit(":", 1)
            yield make_client(*JOHN, url=host, port=int(port))
        finally:
            server.stop()


def test_partial_average_on_two_organizations(demo, john):
    task, results = run_task(john, "partial_average", [2, 3], column_name="age")
    assert task["status"] == "pending"  # the answer to POST /task, as the real server gives it
    got = decoded_results(results)
    assert [r["id"] for r in results["data"]] == [2, 1]  # run id descending
    assert all(isinstance(r["result"], str) for r in results["data"])  # JSON strings
    for run_id, org in ((1, 2), (2, 3)):
        frame = FRAMES[org]
        assert got[run_id] == {"sum": float(frame["age"].sum()), "count": len(frame)}

    runs = john.run.from_task(task["id"])["data"]
    assert [(r["organization"]["id"], r["status"]) for r in runs] == [
        (3, "completed"), (2, "completed")]
    for run in runs:
        assert run["started_at"] and run["finished_at"] and run["started_at"] <= run["finished_at"]
        log = run["log"]
        assert log.startswith("info > wrapper for simulator.algorithms.average\n")
        assert "info > Computing the sum and count of column 'age'" in log
        assert log.rstrip().splitlines()[-1].startswith("info > Writing output to ")
    assert john.task.get(task["id"])["status"] == "completed"


def test_central_average_gives_the_pooled_mean_and_leaves_a_child_task(demo, john):
    task, results = run_task(john, "central_average", [2], column_name="age")
    (result,) = decoded_results(results).values()
    pooled = pd.concat(FRAMES.values())
    assert result == {"average": pytest.approx(pooled["age"].sum() / len(pooled), rel=1e-12)}

    children = john.task.list(parent=task["id"])["data"]
    assert len(children) == 1
    child = children[0]
    assert (child["parent"]["id"], child["job_id"], child["image"], child["init_user"]["id"]) == (
        task["id"], task["job_id"], IMAGE, task["init_user"]["id"])
    assert child["status"] == "completed"
    child_runs = john.run.from_task(child["id"])["data"]
    assert sorted(r["organization"]["id"] for r in child_runs) == [2, 3, 4]
    partials = {r["run"]["id"]: json.loads(r["result"])
                for r in john.result.from_task(child["id"])["data"]}
    by_org = {r["organization"]["id"]: partials[r["id"]] for r in child_runs}
    for org, frame in FRAMES.items():  # each node saw its own data only
        assert by_org[org] == {"sum": float(frame["age"].sum()), "count": len(frame)}

    (central_run,) = john.run.from_task(task["id"])["data"]
    assert central_run["status"] == "completed"
    assert "info > Waiting for results\ninfo > Results obtained!" in central_run["log"]


def test_the_demo_command(v5_python):
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-m", "simulator", "demo"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "3/3 nodes online" in done.stdout
    assert "all 5 federated results are equal" in done.stdout
    assert "vantage6 3.11.1 profile" in done.stdout  # the seed documents' older dialect too
    assert "vantage6 5.0.3 profile" in done.stdout  # and the current release line
    assert "Signed in with the device flow as john-doe" in done.stdout

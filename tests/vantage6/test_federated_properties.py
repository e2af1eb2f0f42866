"""Federated results equal pandas on the pooled data: the demo average for any split of a frame
over 1 to 6 organizations, and a template-style algorithm package run unmodified."""
from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from simulator.strategies import data_frames, splits
from tests.helpers import RESEARCHER, decoded_results, federation, make_client, run_task


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parts=splits(data_frames(min_rows=1), max_parts=6))
def test_federated_average_equals_the_pooled_one(parts):
    pooled = pd.concat(parts, ignore_index=True)
    with tempfile.TemporaryDirectory() as folder, \
            federation(Path(folder), parts) as net, net.intercept():
        res = make_client(*RESEARCHER)
        organizations = list(range(2, 2 + len(parts)))
        task, results = run_task(res, "partial_average", organizations, column_name="n")
        runs = {r["id"]: r["organization"]["id"] for r in res.run.from_task(task["id"])["data"]}
        partials = {runs[run_id]: p for run_id, p in decoded_results(results).items()}
        for org, part in zip(organizations, parts):
            assert partials[org] == {"sum": float(part["n"].sum()), "count": len(part)}
        assert sum(p["sum"] for p in partials.values()) == float(pooled["n"].sum())
        assert sum(p["count"] for p in partials.values()) == len(pooled)

        _, results = run_task(res, "central_average", [2], column_name="x")
        (central,) = decoded_results(results).values()
        assert central["average"] == pytest.approx(pooled["x"].mean(), rel=1e-9, abs=1e-6)


def test_a_template_style_package_runs_unmodified(tmp_path):
    """tests/algorithms/v6_column_stats follows the public template (central.py, partial.py,
    @algorithm_client, @data, a privacy threshold read with get_env_var, InputError)."""
    rng = pd.Series(range(1, 301))
    frames = [pd.DataFrame({"age": (rng[:120] * 7 % 61 + 20).values,
                            "bmi": (rng[:120] * 13 % 17 + 18.5).values}),
              pd.DataFrame({"age": (rng[:80] * 11 % 53 + 25).values,
                            "bmi": (rng[:80] * 5 % 19 + 17.0).values}),
              pd.DataFrame({"age": (rng[:100] * 3 % 47 + 30).values,
                            "bmi": (rng[:100] * 7 % 23 + 16.0).values})]
    pooled = pd.concat(frames, ignore_index=True)
    with federation(tmp_path, frames) as net, net.intercept():
        res = make_client(*RESEARCHER)
        _, results = run_task(res, "central_stats", [2], image="test/column-stats",
                              columns=["age", "bmi"])
        (stats,) = decoded_results(results).values()
        for column in ("age", "bmi"):
            expected = pooled[column]
            got = stats[column]
            assert got["count"] == expected.count()
            assert got["mean"] == pytest.approx(expected.mean(), rel=1e-12)
            assert got["std"] == pytest.approx(expected.std(ddof=1), rel=1e-9)
            assert (got["min"], got["max"]) == (expected.min(), expected.max())


def test_a_privacy_threshold_from_the_node_environment(tmp_path):
    frames = [pd.DataFrame({"age": [30, 40, 50, 60, 70, 80]}), pd.DataFrame({"age": [1, 2, 3]})]
    with federation(tmp_path, frames, nodes={0: {"algorithm_env": {"STATS_MINIMUM_ROWS": "7"}}}
                    ) as net, net.intercept():
        res = make_client(*RESEARCHER)
        # node 0 demands 7 rows and has 6; node 1 has the default minimum of 5 and has 3
        task, _ = run_task(res, "partial_stats", [2], image="test/column-stats", columns=["age"])
        (run,) = res.run.from_task(task["id"])["data"]
        assert run["status"] == "crashed"
        assert ("PrivacyThresholdViolation: Data has 6 rows, fewer than the minimum of 7"
                in run["log"])
        task, _ = run_task(res, "partial_stats", [3], image="test/column-stats", columns=["age"])
        (run,) = res.run.from_task(task["id"])["data"]
        assert (run["status"], "fewer than the minimum of 5" in run["log"]) == ("crashed", True)

"""The 5.x build of the demo algorithm (simulator.algorithms.average, image
harbor2.vantage6.ai/demo/average) against vantage6's own MockNetwork, on the demo scenario's CSVs.
Needs vantage6-algorithm-tools 5.x (skipped on 4.x, where the package exposes the 4.x build):
    PYTHONPATH=. /work/main/.venv-v5/bin/python -m pytest -q tests/algorithms/average_v5/test

For the mock: the extracted dataframe is named after its label (else later tasks exit), compute
tasks carry databases=[{"dataframe_id": ...}] (the central one for its subtask), keywords only.
"""
from importlib.metadata import version
from pathlib import Path

import pandas as pd
import pytest

if int(version("vantage6-algorithm-tools").split(".")[0]) < 5:
    pytest.skip("the 5.x build needs vantage6-algorithm-tools 5.x", allow_module_level=True)

from vantage6.algorithm.mock.network import MockNetwork  # noqa: E402

DEMO = Path(__file__).resolve().parents[4] / "fixtures" / "demo"
CSVS = [DEMO / f"org{i}.csv" for i in (1, 2, 3)]
LABEL = "default"


@pytest.fixture
def network():
    net = MockNetwork(module_name="simulator.algorithms.average",
                      datasets=[{LABEL: {"database": p, "db_type": "csv"}} for p in CSVS])
    net.dataframe = net.user_client.dataframe.create(
        label=LABEL, method="read_csv", arguments={}, name=LABEL)
    return net


def run(network, method, organizations, **arguments):
    client = network.user_client
    task = client.task.create(
        method=method, organizations=organizations, arguments=arguments,
        databases=[{"type": "dataframe", "dataframe_id": network.dataframe["id"]}])
    return client.wait_for_results(task["id"])


def test_the_build_is_the_5x_one():
    import simulator.algorithms.average as average

    assert average.__all__ == ["read_csv", "partial_average", "central_average"]
    assert average.read_csv.vantage6_decorator_step_type.value == "data_extraction"
    assert average.partial_average.vantage6_decorator_step_type.value == "federated_compute"
    assert average.central_average.vantage6_decorator_step_type.value == "central_compute"


def test_read_csv_extracts_each_nodes_csv(network):
    for node, path in zip(network.nodes, CSVS):
        assert len(node.dataframes[LABEL]) == len(pd.read_csv(path))


def test_partial_average_counts_rows_as_in_4x(network):
    results = run(network, "partial_average", network.organization_ids, column_name="age")
    frames = [pd.read_csv(p) for p in CSVS]
    assert results == [{"sum": float(f["age"].sum()), "count": len(f)} for f in frames]


def test_central_average_is_the_pooled_mean_from_one_subtask(network):
    (result,) = run(network, "central_average", [1], column_name="age")
    pooled = pd.concat([pd.read_csv(p) for p in CSVS])
    assert result == {"average": pytest.approx(pooled["age"].sum() / len(pooled), rel=1e-12)}
    (subtask,) = [t for t in network.hq.tasks if t["name"] == "Subtask average"]
    assert len(network.user_client.result.from_task(subtask["id"])) == len(CSVS)

"""The algorithm's own tests, as the public template writes them: vantage6's MockAlgorithmClient
on local CSVs. tests/vantage6/test_mock_client_drop_in.py runs this file as it is, and again with only
the import below swapped for the simulator's drop-in."""
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from vantage6.algorithm.tools.exceptions import InputError, PrivacyThresholdViolation
from vantage6.algorithm.tools.mock_client import MockAlgorithmClient

HERE = Path(__file__).parent
CSVS = [HERE / f"org{i}.csv" for i in (1, 2, 3)]
MODULE = "tests.algorithms.v6_column_stats"


@pytest.fixture
def client():
    return MockAlgorithmClient(
        datasets=[[{"database": str(path), "db_type": "csv"}] for path in CSVS], module=MODULE)


@pytest.fixture
def pooled():
    return pd.concat([pd.read_csv(path) for path in CSVS], ignore_index=True)


def test_central_stats_equal_pandas_on_the_pooled_data(client, pooled):
    task = client.task.create(
        input_={"method": "central_stats", "kwargs": {"columns": ["age", "bmi"]}},
        organizations=[client.organization_id])
    results = client.wait_for_results(task.get("id"))
    assert len(results) == 1
    for column in ("age", "bmi"):
        stats = results[0][column]
        assert stats["count"] == pooled[column].count()
        assert stats["mean"] == pytest.approx(pooled[column].mean())
        assert stats["std"] == pytest.approx(pooled[column].std())
        assert (stats["min"], stats["max"]) == (pooled[column].min(), pooled[column].max())


def test_partial_stats_per_organization(client):
    organizations = [org["id"] for org in client.organization.list()]
    task = client.task.create(input_={"method": "partial_stats", "kwargs": {"columns": ["age"]}},
                              organizations=organizations)
    results = client.wait_for_results(task.get("id"))
    counts = sorted(result["age"]["count"] for result in results)
    assert counts == sorted(len(pd.read_csv(path)) for path in CSVS)


def test_central_on_the_organizations_the_input_names(client):
    """Ids taken from organization.list() travel inside the input: the central function asks for
    each organization and sends its subtask to exactly those."""
    chosen = client.organization.list()[1:]
    ids = [org["id"] for org in chosen]
    task = client.task.create(
        input_={"method": "central_counts",
                "kwargs": {"organizations_to_include": ids, "column": "age"}},
        organizations=[client.organization_id])
    (result,) = client.wait_for_results(task.get("id"))
    assert result["organizations"] == sorted(org["name"] for org in chosen)
    assert result["partials"] == len(ids)
    assert result["count"] == sum(pd.read_csv(path)["age"].count() for path in CSVS[1:])


def test_a_missing_column_is_an_input_error(client):
    with pytest.raises(InputError, match="Columns not in the data"):
        client.task.create(input_={"method": "partial_stats", "kwargs": {"columns": ["nope"]}},
                           organizations=[client.organization_id])


def test_no_columns_is_an_input_error(client):
    with pytest.raises(InputError, match="at least one column"):
        client.task.create(input_={"method": "central_stats", "kwargs": {"columns": []}},
                           organizations=[client.organization_id])


def test_the_privacy_threshold_comes_from_the_environment(client, monkeypatch):
    monkeypatch.setenv("STATS_MINIMUM_ROWS", "50")  # org2 has 25 rows
    with pytest.raises(PrivacyThresholdViolation, match="fewer than the minimum of 50"):
        client.task.create(input_={"method": "partial_stats", "kwargs": {"columns": ["age"]}},
                           organizations=[client.organization_id + 1])


def test_dataframes_as_datasets():
    frames = [pd.DataFrame({"age": np.arange(10, 20)}), pd.DataFrame({"age": np.arange(50, 70)})]
    client = MockAlgorithmClient(datasets=[[{"database": f}] for f in frames], module=MODULE)
    task = client.task.create(
        input_={"method": "central_stats", "kwargs": {"columns": ["age"]}},
        organizations=[client.organization_id])
    (result,) = client.wait_for_results(task.get("id"))
    assert result["age"]["mean"] == pytest.approx(pd.concat(frames)["age"].mean())
    assert result["age"]["count"] == 30

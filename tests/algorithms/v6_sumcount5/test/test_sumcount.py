"""The algorithm's own tests, as an author writes them for vantage6 5.x: vantage6's MockNetwork on
local CSVs (org1.csv, org2.csv, org3.csv; one organization and node each, ids 1..3).

Run against the real mock (vantage6-algorithm-tools 5.0.3, Python 3.13), from the repository root:
    PYTHONPATH=. /work/main/.venv-v5/bin/python -m pytest -q tests/algorithms/v6_sumcount5/test

What this module had to do for the real MockNetwork (a faithful drop-in must keep all of it working):
1. dataframe.create(..., name=LABEL): the mock stores the extracted frame under `name` but later
   tasks look it up by the dataframe's db_label; with the default name "mock_dataframe" the next
   task.create ends in "Dataframe with label default not found" and sys.exit(1).
2. dataframe.create returns the dataframe record (use its "id"), not a task.
3. databases=[{"type": "dataframe", "dataframe_id": id}] on every compute task, the central one
   too although central_average has no @dataframe: the mock hands the central task's databases
   to the subtasks ({"label": ...} instead of dataframe_id -> KeyError -> sys.exit(1)).
4. task.create with keywords only: the mock's positional order (organizations, method, name, ...)
   is neither the UserClient's nor the AlgorithmClient's.
5. Organization ids are 1..n (the MockNetwork docstring's organizations=[0] -> StopIteration).
6. datasets as {label: {"database": path, "db_type": "csv"}}: a bare path as the value ->
   TypeError, a bare DataFrame -> KeyError 'database'; without db_type @data_extraction exits.
7. An exception raised by the algorithm (InputError, PrivacyThresholdViolation, ...) does not
   reach the test: the mock prints "error > Error simulating task run for organization <id>:
   <message>" on stdout and calls sys.exit(1), so the tests expect SystemExit and read the
   message with capsys. A failing subtask exits from inside the central function the same way.
8. wait_for_results / result.from_task give a list of decoded results in the order of
   `organizations` (a real UserClient gives HQ's page dict); the task is done when create returns.
9. The privacy threshold is an ordinary environment variable of the test process
   (monkeypatch.setenv): the mock sets only its own variables around each call, unencoded.
10. To see an exception's class, call the step directly with mock_data= and FUNCTION_ACTION set
    (the step decorators check the action against the environment).
11. A DataFrame dataset on every node needs no extraction: the mock registers it as dataframe 1
    (ids by label) and the frames are usable at once.
"""
from pathlib import Path

import pandas as pd
import pytest
from vantage6.algorithm.tools.exceptions import InputError, PrivacyThresholdViolation

from vantage6.algorithm.mock.network import MockNetwork

HERE = Path(__file__).parent
CSVS = [HERE / f"org{i}.csv" for i in (1, 2, 3)]
MODULE = "tests.algorithms.v6_sumcount5"
LABEL = "default"
THRESHOLD = "SUMCOUNT_MINIMUM_COUNT"


@pytest.fixture
def network() -> MockNetwork:
    return MockNetwork(
        module_name=MODULE,
        datasets=[{LABEL: {"database": path, "db_type": "csv"}} for path in CSVS],
    )


@pytest.fixture
def frames() -> list:
    return [pd.read_csv(path) for path in CSVS]


@pytest.fixture
def pooled(frames) -> pd.DataFrame:
    return pd.concat(frames, ignore_index=True)


def extract(network: MockNetwork) -> dict:
    # name == label (trap 1)
    return network.user_client.dataframe.create(
        label=LABEL, method="read_csv_file", arguments={}, name=LABEL)


def run_task(network: MockNetwork, method: str, organizations: list, **arguments) -> list:
    dataframe = extract(network)
    client = network.user_client
    task = client.task.create(
        method=method,
        organizations=organizations,
        arguments=arguments,
        databases=[{"type": "dataframe", "dataframe_id": dataframe["id"]}],
        name=f"{method} test",
        description="test",
    )
    assert task["status"] == "completed"
    return client.wait_for_results(task["id"])


def test_organizations_are_listed_through_the_client(network):
    client = network.user_client
    organizations = client.organization.list()
    assert [o["id"] for o in organizations] == network.organization_ids
    assert len(organizations) == len(CSVS)
    for organization in organizations:
        assert client.organization.get(organization["id"])["name"] == organization["name"]


def test_extraction_creates_the_dataframe_on_every_node(network, frames):
    dataframe = extract(network)
    assert (dataframe["name"], dataframe["db_label"]) == (LABEL, LABEL)
    assert dataframe["ready"] is True
    assert {c["name"] for c in dataframe["columns"]} == {"id", "age", "bmi", "sex"}
    assert network.user_client.dataframe.get(dataframe["id"])["id"] == dataframe["id"]
    for node, frame in zip(network.nodes, frames):
        extracted = node.dataframes[LABEL]
        assert list(extracted.columns) == list(frame.columns)
        assert len(extracted) == len(frame)
        pd.testing.assert_series_equal(extracted["age"], frame["age"])


def test_the_federated_partial_on_each_organization(network, frames):
    organizations = [o["id"] for o in network.user_client.organization.list()]
    results = run_task(network, "partial_sum_count", organizations, column="age")
    assert results == [{"sum": float(f["age"].sum()), "count": int(f["age"].count())}
                       for f in frames]


def test_the_partial_on_one_organization_sees_its_own_data_only(network, frames):
    (result,) = run_task(network, "partial_sum_count", [2], column="bmi")
    assert result == {"sum": pytest.approx(frames[1]["bmi"].sum()),
                      "count": int(frames[1]["bmi"].count())}


@pytest.mark.parametrize("column", ["age", "bmi"])
def test_central_with_subtasks_equals_pandas_on_the_pooled_csvs(network, pooled, column):
    (result,) = run_task(network, "central_average", [1], column=column)
    assert result["count"] == pooled[column].count()
    assert result["sum"] == pytest.approx(pooled[column].sum())
    assert result["average"] == pytest.approx(pooled[column].mean())
    assert result["n_organizations"] == len(CSVS)
    assert [o["id"] for o in result["organizations"]] == network.organization_ids

    # the central function created ONE subtask, for all organizations
    (subtask,) = [t for t in network.hq.tasks if t["name"] == "partial sum/count"]
    partials = network.user_client.result.from_task(subtask["id"])
    assert len(partials) == len(CSVS)
    assert sum(p["count"] for p in partials) == result["count"]


def test_a_missing_column_is_an_input_error(network, capsys):
    with pytest.raises(SystemExit):  # trap 7
        run_task(network, "partial_sum_count", [1], column="nope")
    assert "Column 'nope' is not in the data" in capsys.readouterr().out


def test_a_text_column_is_an_input_error_also_from_the_central_function(network, capsys):
    with pytest.raises(SystemExit):
        run_task(network, "central_average", [1], column="sex")
    assert "Column 'sex' is not numeric" in capsys.readouterr().out


def test_no_column_is_an_input_error_before_any_subtask(network, capsys):
    with pytest.raises(SystemExit):
        run_task(network, "central_average", [1], column="")
    assert "Give the name of a column" in capsys.readouterr().out
    assert not [t for t in network.hq.tasks if t["name"] == "partial sum/count"]


def test_the_partial_raises_typed_errors(frames, monkeypatch):
    """Outside the mock (trap 10): the exception classes themselves."""
    from tests.algorithms.v6_sumcount5 import partial_sum_count

    monkeypatch.setenv("FUNCTION_ACTION", "federated_compute")
    with pytest.raises(InputError, match="not in the data"):
        partial_sum_count(mock_data=[frames[0]], column="nope")
    monkeypatch.setenv(THRESHOLD, "7")
    with pytest.raises(PrivacyThresholdViolation, match="fewer than the minimum of 7"):
        partial_sum_count(mock_data=[frames[1]], column="age")  # org2 has 6 values
    assert partial_sum_count(mock_data=[frames[0]], column="age")["count"] == 8


# "7" as a test sets it, and "G4!!!!!!" as a 5.x node hands it over (base32, "=" -> "!")
@pytest.mark.parametrize("minimum", ["7", "G4!!!!!!"])
def test_the_privacy_threshold_comes_from_the_environment(network, monkeypatch, capsys, minimum):
    monkeypatch.setenv(THRESHOLD, minimum)
    assert run_task(network, "partial_sum_count", [1], column="age")[0]["count"] == 8
    with pytest.raises(SystemExit):
        run_task(network, "partial_sum_count", [2], column="age")
    out = capsys.readouterr().out
    assert "Error simulating task run for organization 2" in out
    assert "has 6 values here, fewer than the minimum of 7" in out


def test_a_subtask_below_the_threshold_stops_the_central_function(network, monkeypatch, capsys):
    monkeypatch.setenv(THRESHOLD, "9")  # org1 has 8, org2 6, org3 9 ages
    with pytest.raises(SystemExit):
        run_task(network, "central_average", [3], column="age")
    out = capsys.readouterr().out
    assert "Error simulating task run for organization 1" in out
    assert "fewer than the minimum of 9" in out


def test_the_default_threshold_keeps_small_nodes_out():
    """Fewer than 5 values on a node: refused without any configuration."""
    small = MockNetwork(
        module_name=MODULE,
        datasets=[{LABEL: {"database": pd.DataFrame({"age": [1.0, 2.0, 3.0, 4.0]})}}])
    # a DataFrame dataset on every node: the mock registers it as dataframe 1, no extraction
    with pytest.raises(SystemExit):
        small.user_client.task.create(
            method="partial_sum_count", organizations=small.organization_ids,
            arguments={"column": "age"}, databases=[{"type": "dataframe", "dataframe_id": 1}])

"""simulator.mock_client.MockAlgorithmClient, the drop-in for vantage6's MockAlgorithmClient: an
algorithm's own mock-based test module passes unchanged against vantage6's mock and, with only
the import swapped (or with --v6-replace-mock), against the simulator; where the mock is wrong,
the simulator follows a real node."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from vantage6.algorithm.tools.exceptions import InputError

from simulator.mock_client import ORDER_NOTE, AlgorithmFailed, MockAlgorithmClient

ROOT = Path(__file__).resolve().parents[2]
ALGORITHM_TESTS = ROOT / "tests" / "algorithms" / "v6_column_stats" / "test"
VANTAGE6_IMPORT = "from vantage6.algorithm.tools.mock_client import MockAlgorithmClient"
SIMULATOR_IMPORT = "from simulator.mock_client import MockAlgorithmClient"


def pytest_run(target: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(target), *options], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


def passed(done: subprocess.CompletedProcess) -> int:
    match = re.search(r"(\d+) passed", done.stdout.strip().splitlines()[-1])
    assert match and "failed" not in done.stdout.splitlines()[-1], done.stdout[-3000:]
    return int(match.group(1))


def swapped_copy(folder: Path) -> Path:
    """The algorithm's test module with only its MockAlgorithmClient import swapped."""
    for path in ALGORITHM_TESTS.iterdir():
        if path.is_file():
            shutil.copy(path, folder / path.name)
    module = folder / "test_column_stats.py"
    text = module.read_text()
    assert text.count(VANTAGE6_IMPORT) == 1
    module.write_text(text.replace(VANTAGE6_IMPORT, SIMULATOR_IMPORT))
    return module


def test_the_algorithms_tests_pass_against_vantage6s_mock():
    assert passed(pytest_run(ALGORITHM_TESTS / "test_column_stats.py")) == 7


def test_and_with_only_the_import_swapped_against_the_simulator(tmp_path):
    module = swapped_copy(tmp_path)
    assert passed(pytest_run(module)) == 7


def test_and_unchanged_with_the_plugin_option():
    assert passed(pytest_run(ALGORITHM_TESTS / "test_column_stats.py", "--v6-replace-mock")) == 7


# ---------------------------------------------------------------------------- behaviour
MODULE = "tests.algorithms.misbehaving"
FRAMES = [pd.DataFrame({"age": [30, 40, 50, 60, 70, 80], "group": list("aabbcc")}),
          pd.DataFrame({"age": [21, 33, 45], "group": list("abc")})]


def mock(**kwargs) -> MockAlgorithmClient:
    return MockAlgorithmClient(datasets=[[{"database": f}] for f in FRAMES], module=MODULE,
                               **kwargs)


def test_input_the_mock_passes_as_objects_reaches_a_node_as_json():
    """vantage6's mock calls the method with the input's Python objects: integer dict keys
    survive there. A real client sends JSON, so on a node they are strings and the lookup
    fails. The simulator says so, then behaves as the node does."""
    from vantage6.algorithm.tools.mock_client import MockAlgorithmClient as Vantage6Mock

    input_ = {"method": "weight_of_first", "kwargs": {"weights": {0: 0.5, 1: 2.0}}}
    vantage6_mock = Vantage6Mock(datasets=[[{"database": f}] for f in FRAMES], module=MODULE)
    task = vantage6_mock.task.create(input_=input_, organizations=[0])
    assert vantage6_mock.wait_for_results(task["id"]) == [{"weighted_rows": 3.0}]
    with mock() as client:
        with pytest.warns(UserWarning, match=re.escape(
                "the task input changes when it is sent as JSON, as a real client sends it: "
                "input_['kwargs']['weights'] has the key 0 (the string \"0\" in JSON)")):
            with pytest.raises(KeyError):
                client.task.create(input_=input_, organizations=[0])


def test_input_that_cannot_be_json_is_refused_before_it_runs():
    with mock() as client, pytest.raises(TypeError, match=(
            r"the task input is not JSON-serializable \(Object of type int64 is not JSON "
            r"serializable\): a real client sends it as JSON")):
        client.task.create(input_={"method": "rows_and_columns", "args": [np.int64(3)]},
                           organizations=[0])
    assert client.task.list() == []


def test_results_a_node_cannot_serialize_fail_the_run_with_the_real_error():
    with mock(raise_errors=False) as client:
        task = client.task.create(input_={"method": "numpy_result"}, organizations=[0])
        assert task["status"] == "crashed"
        (run,) = client.run.from_task(task["id"])
        assert run["status"] == "crashed"
        assert "TypeError: Object of type int64 is not JSON serializable" in run["log"]
        assert client.wait_for_results(task["id"]) == []


def test_algorithm_errors_are_raised_again_with_their_type():
    with mock() as client:
        with pytest.raises(ValueError, match="no such column"):
            client.task.create(input_={"method": "boom", "kwargs": {"message": "no such column"}},
                               organizations=[1])
    with MockAlgorithmClient(datasets=[[{"database": f}] for f in FRAMES],
                             module="tests.algorithms.v6_column_stats") as client:
        # raised by the partial function on a node, inside the central function's subtask
        with pytest.raises(InputError, match=r"Columns not in the data: \['nope'\]"):
            client.task.create(input_={"method": "central_stats",
                                       "kwargs": {"columns": ["nope"]}}, organizations=[0])


def test_data_n_gets_the_real_decorators_order():
    """Two databases per organization: the real @data(2) passes them reversed (the mock: in
    order, and every database whatever n is)."""
    extra = pd.DataFrame({"x": [1, 2]})
    with MockAlgorithmClient(datasets=[[{"database": FRAMES[0]}, {"database": extra}]],
                             module=MODULE) as client:
        task = client.task.create(input_={"method": "two_frames"}, organizations=[0])
        assert client.wait_for_results(task["id"]) == [
            {"first": ["x"], "second": ["age", "group"], "rows": [2, 6]}]


def test_ids_shapes_and_the_calls_the_mock_lacks():
    with mock() as client:
        assert (client.organization_id, client.all_organization_ids) == (0, [0, 1])
        assert [o["id"] for o in client.organization.list()] == [0, 1]
        assert client.organization.get(1)["name"] == "mock-1"
        assert client.organization.get(7) == {"msg": "Organization 7 not found."}
        task = client.task.create(input_={"method": "rows_and_columns"}, organizations=[0, 1])
        assert task["status"] == "completed" and task["init_org"]["id"] == 0
        assert client.task.get(task["id"])["id"] == task["id"]  # the mock's is off by one
        runs = client.run.from_task(task["id"])
        assert sorted(r["organization"]["id"] for r in runs) == [0, 1]
        assert all(r["input"] == '{"method": "rows_and_columns"}' for r in runs)
        assert client.result.get(runs[0]["id"]) in client.wait_for_results(task["id"])
        assert [n["id"] for n in client.node.list()] == [0, 1]
        assert [t["id"] for t in client.task.list()] == [task["id"]]
        assert client.collaboration.get()["name"] == "mock-collaboration"
        assert client.study.list() == []
        with pytest.raises(KeyError):
            client.task.create(input_={"method": "rows_and_columns"}, organizations=[5])
        with pytest.raises(ValueError, match="zero organizations"):
            client.task.create(input_={"method": "rows_and_columns"}, organizations=[])


def test_given_organization_ids_are_used_as_they_are():
    with mock(organization_ids=[11, 12], collaboration_id=4) as client:
        task = client.task.create(input_={"method": "whoami"}, organizations=[12])
        (meta,) = client.wait_for_results(task["id"])
        assert (meta["organization_id"], meta["collaboration_id"]) == (12, 4)


def test_the_fixture_closes_what_it_made(v6_mock_client):
    client = v6_mock_client(datasets=[[{"database": FRAMES[0]}]], module=MODULE)
    task = client.task.create(input_={"method": "rows_and_columns"}, organizations=[0])
    assert client.wait_for_results(task["id"]) == [{"rows": 6, "columns": ["age", "group"]}]


def test_ids_in_the_input_are_the_ids_the_algorithms_client_knows():
    """No translation anywhere: records, links and the algorithm's own client agree."""
    with mock() as client:
        task = client.task.create(input_={"method": "central_on", "kwargs": {
            "organizations": [o["id"] for o in client.organization.list()]}}, organizations=[0])
        (listed,) = client.task.list()[:1]
        assert listed["init_org"] == {"id": 0, "link": "/api/organization/0",
                                      "methods": ["DELETE", "GET", "PATCH"]}
        (subtask_results,) = client.wait_for_results(task["id"])
        assert sorted(r["rows"] for r in subtask_results) == [3, 6]
        assert client.network.results(task["id"] + 1) == {
            0: {"rows": 6, "columns": ["age", "group"]},
            1: {"rows": 3, "columns": ["age", "group"]}}


def test_a_central_functions_failed_call_names_the_run_and_shows_its_log():
    with mock() as client:
        with pytest.raises(KeyError) as info:  # what the algorithm raised, as with the mock
            client.task.create(input_={"method": "central_on", "kwargs": {"organizations": [7]}},
                               organizations=[0])
    error = info.value
    assert isinstance(error, AlgorithmFailed) and error.run["status"] == "crashed"
    lines = str(error).splitlines()
    assert lines[:3] == [
        f"run {error.run['id']} of task 1 'mock' at organization 0 (node 0) ended 'crashed': "
        "KeyError: 'id'",
        "the node proxy answered the algorithm's GET /organization/7 with 500 {\"msg\": \"Request "
        "failed, see node logs\"}; the server had answered 404 {\"msg\": \"Organization id=7 not "
        "found!\"}",
        "the node proxy answered the algorithm's POST /task with 500 {\"msg\": \"Request failed, "
        "see node logs\"}; the server had answered 400 {\"msg\": \"At least one of the supplied "
        "organizations in not within the collaboration.\"}"]
    assert lines[3] == "the run's log:" and lines[-2:] == ["KeyError: 'id'", "error > None"]


def test_a_subtasks_failure_is_raised_with_its_own_type():
    with mock() as client:
        with pytest.raises(ValueError, match="sub-boom") as info:
            client.task.create(input_={"method": "central_boom"}, organizations=[0])
    assert "of task 2 'sub' (a subtask of task 1) at organization" in str(info.value)


def test_a_central_function_that_pairs_by_position_hears_why_it_failed():
    with mock() as client:
        with pytest.raises(ValueError, match="organization 0 has 3 rows") as info:
            client.task.create(input_={"method": "central_pairs_by_position",
                                       "kwargs": {"rows_of_first": 6}}, organizations=[0])
    assert ORDER_NOTE in str(info.value).splitlines()

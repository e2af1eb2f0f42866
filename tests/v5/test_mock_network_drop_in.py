"""simulator.mock_network.MockNetwork, the drop-in for vantage6 5.x's MockNetwork: an algorithm's
own MockNetwork-based test modules pass unchanged against vantage6's mock and, with only the
import line swapped (or with --v6-replace-mock), against the simulator; where the mock is wrong,
the simulator follows a real node and HQ."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from vantage6.algorithm.mock.network import MockNetwork as Vantage6MockNetwork

from simulator.mock_network import AlgorithmFailed, HQRefused, MockExit, MockNetwork

ROOT = Path(__file__).resolve().parents[2]
VANTAGE6_IMPORT = "from vantage6.algorithm.mock.network import MockNetwork"
SIMULATOR_IMPORT = "from simulator.mock_network import MockNetwork"
# the algorithms' own MockNetwork-based test modules, and how many tests each has
MODULES = {"tests/algorithms/v6_sumcount5/test/test_sumcount.py": 14,
           "tests/algorithms/v6_sumcount5/test/test_organizations_in_arguments.py": 7,
           "tests/algorithms/average_v5/test/test_average_mock_network.py": 4}


def pytest_run(target: Path, *options: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(target), *options], cwd=ROOT, capture_output=True, text=True,
                          timeout=600)


def passed(done: subprocess.CompletedProcess) -> int:
    last = done.stdout.strip().splitlines()[-1]
    match = re.search(r"(\d+) passed", last)
    assert match and "failed" not in last and "error" not in last, done.stdout[-4000:]
    return int(match.group(1))


def swapped_copy(module: str, folder: Path) -> Path:
    """The module's test folder at the same place under ``folder`` (so that paths relative to
    the module still hold; the repository's fixtures are linked in), with only the MockNetwork
    import line of the module swapped."""
    source = ROOT / module
    target = folder / module
    shutil.copytree(source.parent, target.parent)
    (folder / "fixtures").symlink_to(ROOT / "fixtures")
    lines = target.read_text().splitlines(keepends=True)
    imports = [i for i, line in enumerate(lines) if line.startswith(VANTAGE6_IMPORT)]
    assert len(imports) == 1
    lines[imports[0]] = lines[imports[0]].replace(VANTAGE6_IMPORT, SIMULATOR_IMPORT)
    target.write_text("".join(lines))
    return target


@pytest.mark.parametrize("module", MODULES)
def test_the_algorithms_tests_pass_against_vantage6s_mock(module):
    assert passed(pytest_run(ROOT / module)) == MODULES[module]


@pytest.mark.parametrize("module", MODULES)
def test_and_with_only_the_import_swapped_against_the_simulator(module, tmp_path):
    assert passed(pytest_run(swapped_copy(module, tmp_path))) == MODULES[module]


def test_and_unchanged_with_the_plugin_option():
    done = pytest_run(ROOT / "tests" / "algorithms" / "v6_sumcount5" / "test",
                      ROOT / "tests" / "algorithms" / "average_v5" / "test", "--v6-replace-mock")
    assert passed(done) == sum(MODULES.values())
    # the simulator's answer, not the mock's: HQ refuses a second dataframe of one name
    assert "HQ refuses a second one with the same name" in done.stdout


def test_the_plugin_option_replaces_both_import_paths(tmp_path):
    module = tmp_path / "test_imports.py"
    module.write_text(
        "from vantage6.algorithm.mock import MockNetwork as FromPackage\n"
        "from vantage6.algorithm.mock.network import MockNetwork as FromModule\n\n\n"
        "def test_both_are_the_drop_in():\n"
        "    assert FromPackage is FromModule\n"
        "    assert FromModule.__module__ == 'simulator.mock_network.network'\n")
    assert passed(pytest_run(module, "--v6-replace-mock")) == 1
    assert "1 failed" in pytest_run(module).stdout  # without it: vantage6's own


# ---------------------------------------------------------------------------- behaviour
MODULE = "tests.algorithms.drop_in5"
FRAMES = [pd.DataFrame({"age": [30, 40, 50], "group": list("abc")}),
          pd.DataFrame({"age": [21, 33]}, index=[7, 9]),
          pd.DataFrame({"age": [5.5, None, 8.0, 9.0]})]


@pytest.fixture
def network():
    with MockNetwork(MODULE, [{"default": {"database": f}} for f in FRAMES]) as made:
        yield made


def compute(network, method: str, where: list, **arguments) -> list:
    client = network.user_client
    task = client.task.create(method=method, organizations=where, arguments=arguments,
                              databases=[{"type": "dataframe", "dataframe_id": 1}])
    assert task["status"] == "completed"
    return client.wait_for_results(task["id"])


def test_ids_are_the_mocks_in_hq_itself(network):
    client = network.user_client
    assert network.organization_ids == network.node_ids == [1, 2, 3]
    assert [o["id"] for o in client.organization.list()] == [1, 2, 3]
    assert [n["id"] for n in client.node.list()] == [1, 2, 3]
    assert network.get_node(2).organization_id == 2
    with pytest.raises(StopIteration):
        network.get_node(4)
    # HQ's root organization and user come after the network's, where no test looks
    state = network.network.vantage6.state
    assert state.organizations[4].name == "root" and 4 in state.users
    # what the nodes tell the runs is the same ids, with no mapping anywhere
    assert compute(network, "whoami", [3, 1]) == [
        {"organization_id": 3, "node_id": 3, "rows": 4},
        {"organization_id": 1, "node_id": 1, "rows": 3}]
    assert client.organization.get(2)["name"] == "mock-2"
    assert client.study.get(1)["name"] == network.hq.study["name"] == "Mock Study"
    assert client.collaboration.get()["name"] == "mock-collaboration"  # the mock: AttributeError


def test_organization_ids_in_the_arguments_reach_the_algorithm_as_they_are(network):
    (result,) = compute(network, "pair_by_position", [2], organizations=[3, 1])
    assert result["asked"] == [3, 1] and result["names"] == ["mock-3", "mock-1"]
    (subtask,) = [t for t in network.hq.tasks if t["name"] == "whoami"]
    assert subtask["parent"]["id"] == subtask["id"] - 1 and subtask["init_org"]["id"] == 2
    runs = network.user_client.run.from_task(subtask["id"])
    assert [(r["organization"]["id"], r["node"]["id"]) for r in runs] == [(3, 3), (1, 1)]


def test_the_shapes_of_the_mocks_records(network):
    client = network.user_client
    mock = Vantage6MockNetwork(MODULE, [{"default": {"database": f}} for f in FRAMES])
    mock_task = mock.user_client.task.create(
        method="whoami", organizations=[1], databases=[{"type": "dataframe", "dataframe_id": 1}])
    task = client.task.create(method="whoami", organizations=[1],
                              databases=[{"type": "dataframe", "dataframe_id": 1}])
    assert set(mock_task) <= set(task) and task["status"] == "completed"
    assert task["init_org"]["id"] == 1 and task["image"] == "mock_image"
    (mock_run,), (run,) = mock.user_client.run.from_task(mock_task["id"]), \
        client.run.from_task(task["id"])
    assert set(mock_run) - set(run) == {"ports"}  # 5.x runs have no ports any more
    assert run["arguments"] == mock_run["arguments"] == "{}"  # JSON text, as the mock shows
    assert "LOGS of POD vantage6-run-" in run["log"] and mock_run["log"] == "mock_log"
    assert client.result.get(run["id"]) == client.wait_for_results(task["id"])[0]
    assert set(mock.hq.dataframes[0]) <= set(network.hq.dataframes[0]) | {"session_id"}
    assert {r["id"] for r in network.hq.runs} >= {run["id"]}
    assert network.hq.results[-1]["result"] == '{"organization_id": 1, "node_id": 1, "rows": 3}'
    assert client.dataframe.get(1) == network.hq.get_dataframe(1)
    assert network.hq.get_label_for_df_id(1) == "default"


def test_dataframes_given_need_no_extraction_and_come_out_as_given(network):
    (dataframe,) = network.user_client.dataframe.list()
    assert (dataframe["id"], dataframe["name"], dataframe["db_label"]) == (1, "default",
                                                                        "default")
    assert dataframe["ready"] and dataframe["organizations_ready"] == [1, 2, 3]
    for node, frame in zip(network.nodes, FRAMES):
        pd.testing.assert_frame_equal(node.dataframes["default"], frame)
    seen = compute(network, "frame_seen", [1, 2, 3])
    assert [s["index"] for s in seen] == [[0, 1, 2], [7, 9], [0, 1, 2, 3]]
    assert seen[2]["dtypes"] == ["float64"] and seen[0]["first"] == [30, "a"]
    # the extraction was vantage6's own read_parquet, a task of its own (the mock has none)
    extraction, compute_task = network.hq.tasks
    assert (extraction["method"], extraction["action"]) == ("read_parquet", "data_extraction")
    assert compute_task["id"] == 2  # the mock: 1


def test_two_labels_given_as_frames_are_dataframes_1_and_2_in_label_order():
    datasets = [{"first": {"database": FRAMES[0]}, "second": {"database": FRAMES[2]}},
                {"first": {"database": FRAMES[1]}, "second": {"database": FRAMES[1]}}]
    with MockNetwork(MODULE, datasets) as network:
        assert [(d["id"], d["name"]) for d in network.user_client.dataframe.list()] == [
            (1, "first"), (2, "second")]
        assert [(d["id"], d["db_label"]) for d in Vantage6MockNetwork(
            MODULE, datasets).hq.dataframes] == [(1, "first"), (2, "second")]
        task = network.user_client.task.create(
            method="frame_seen", organizations=[1],
            databases=[{"type": "dataframe", "dataframe_id": 2}])
        (seen,) = network.user_client.wait_for_results(task["id"])
        assert seen["dtypes"] == ["float64"] and len(seen["index"]) == 4


def test_a_label_that_is_a_frame_on_one_node_and_a_file_on_another_is_not_registered(tmp_path):
    path = tmp_path / "org2.csv"
    FRAMES[0].to_csv(path, index=False)
    datasets = [{"default": {"database": FRAMES[0]}},
                {"default": {"database": path, "db_type": "csv"}}]
    with MockNetwork(MODULE, datasets) as network:
        assert network.user_client.dataframe.list() == []
        assert len(Vantage6MockNetwork(MODULE, datasets).hq.dataframes) == 0
    with pytest.raises(ValueError, match="has no db_type"):
        MockNetwork(MODULE, [{"default": {"database": path}}])


def test_a_crashing_partial_shows_its_run_and_log(network, capsys):
    with pytest.raises(AlgorithmFailed) as failed:
        compute(network, "boom", [2], message="kaputt")
    error = failed.value
    # what tests written for the mock expect, and the algorithm's own exception class too
    assert isinstance(error, SystemExit) and error.code == 1 and isinstance(error, ValueError)
    assert isinstance(error.error, ValueError) and error.__cause__ is error.error
    assert str(error).startswith(f"run {error.run['id']} of task ")
    assert "(federated_compute) at organization 2 (node 2) ended 'crashed': ValueError: kaputt" \
        in str(error)
    assert "the first of its 4 pods" in str(error) and "info > about to fail" in error.log
    assert "raise ValueError(message)" in error.log
    out, err = capsys.readouterr()
    assert "error > Error simulating task run for organization 2: kaputt\n" in out
    assert "Traceback (most recent call last)" in err  # where the mock prints its traceback


def test_with_raise_errors_false_a_failure_is_data():
    with MockNetwork(MODULE, [{"default": {"database": f}} for f in FRAMES],
                     raise_errors=False) as network:
        client = network.user_client
        task = client.task.create(method="boom", organizations=[1, 2],
                                  databases=[{"type": "dataframe", "dataframe_id": 1}])
        assert task["status"] == "failed"
        runs = client.run.from_task(task["id"])
        assert [r["status"] for r in runs] == ["crashed", "failed"]  # HQ fails the sibling
        assert "ValueError: boom" in runs[0]["log"] and runs[1]["started_at"] is None
        assert client.wait_for_results(task["id"]) == []


def test_a_central_functions_failing_client_call_names_the_proxys_500_and_the_cause(
        network, capsys):
    with pytest.raises(KeyError) as failed:  # the algorithm's own KeyError, not the client's
        compute(network, "subtask_elsewhere", [2], organization=99)
    message = str(failed.value)
    assert "(central_compute) at organization 2 (node 2) ended 'crashed': KeyError: 'id'" \
        in message
    assert ("the node proxy answered the algorithm's POST /task with 500 {\"msg\": \"Request "
            "failed, see node logs\"}; HQ had answered 400 {\"msg\": \"At least one of the "
            "supplied organizations in not within the collaboration.\"}") in message
    assert "info > Sending whoami to organization 99" in message
    assert "error > Error simulating task run for organization 2: 'id'" in capsys.readouterr().out


def test_a_result_that_is_not_json_fails_as_on_a_node(network):
    with pytest.raises(TypeError, match="Object of type int64 is not JSON serializable"):
        compute(network, "numpy_result", [1])  # vantage6's mock: TypeError, from save_result
    with pytest.raises(TypeError):
        mock = Vantage6MockNetwork(MODULE, [{"default": {"database": f}} for f in FRAMES])
        mock.user_client.task.create(method="numpy_result", organizations=[1],
                                     databases=[{"type": "dataframe", "dataframe_id": 1}])


def test_arguments_go_as_json(network):
    with pytest.warns(UserWarning, match=re.escape(
            "arguments['weights'] has the key 1 (the string \"1\" in JSON)")):
        (seen,) = compute(network, "arguments_seen", [1], weights={1: 0.5}, pair=[1, 2])
    assert seen == {"arguments": {"weights": {"1": 0.5}, "pair": [1, 2]}}
    tasks_before = len(network.hq.tasks)
    with pytest.raises(TypeError, match="the task arguments are not JSON-serializable"):
        compute(network, "arguments_seen", [1], n=np.int64(3))
    assert len(network.hq.tasks) == tasks_before  # refused before it existed


def test_results_order_and_how_the_real_order_differs_from_the_mocks(network):
    """The user client keeps the mock's order (the organizations as given); inside a central
    function the real AlgorithmClient gets HQ's order, the newest run first, so pairing
    results[i] with organizations[i] goes wrong on a node and here, not in the mock."""
    assert [r["organization_id"] for r in compute(network, "whoami", [3, 1, 2])] == [3, 1, 2]
    (paired,) = compute(network, "pair_by_position", [1], organizations=[3, 1, 2])
    assert paired["answered"] == [2, 1, 3]  # newest run first: the reverse of the asking
    mock = Vantage6MockNetwork(MODULE, [{"default": {"database": f}} for f in FRAMES])
    task = mock.user_client.task.create(
        method="pair_by_position", organizations=[1], arguments={"organizations": [3, 1, 2]},
        databases=[{"type": "dataframe", "dataframe_id": 1}])
    assert mock.user_client.wait_for_results(task["id"])[0]["answered"] == [3, 1, 2]


def test_pairing_by_position_passes_with_the_mock_and_fails_here_saying_why(network):
    mock = Vantage6MockNetwork(MODULE, [{"default": {"database": f}} for f in FRAMES])
    task = mock.user_client.task.create(method="rows_per_organization", organizations=[1],
                                        databases=[{"type": "dataframe", "dataframe_id": 1}])
    assert mock.user_client.wait_for_results(task["id"]) == [{"1": 3, "2": 2, "3": 4}]
    with pytest.raises(ValueError, match="the result paired with organization 1 is "
                                         "organization 3's") as failed:
        compute(network, "rows_per_organization", [1])
    assert ("its subtasks' results came as HQ lists them, newest run first, not in the order "
            "of the organizations as in vantage6's mock") in str(failed.value)


def test_where_the_mock_exits_without_running_anything(network, capsys):
    with pytest.raises(MockExit, match="Method nope not found in the tests.algorithms.drop_in5"):
        compute(network, "nope", [1])
    with pytest.raises(SystemExit, match="The undecorated method is not a computation task"):
        compute(network, "undecorated", [1])
    with pytest.raises(HQRefused, match=r"HQ answered 404 .*Dataframe .* not found"):
        network.user_client.task.create(method="whoami", organizations=[1],
                                         databases=[{"type": "dataframe", "dataframe_id": 9}])
    assert "error > Method nope not found" in capsys.readouterr().out
    with pytest.raises(ValueError, match="zero organizations"):
        network.user_client.task.create(method="whoami", organizations=[])


def test_any_dataframe_name_works_and_a_taken_name_is_freed(tmp_path):
    """vantage6's mock finds frames by label, so its default name fails every later task; a
    node finds them by name."""
    paths = []
    for i, frame in enumerate(FRAMES[:2]):
        paths.append(tmp_path / f"org{i}.csv")
        frame.to_csv(paths[-1], index=False)
    with MockNetwork(MODULE, [{"default": {"database": p, "db_type": "csv"}} for p in paths]) \
            as network:
        client = network.user_client
        first = client.dataframe.create(label="default", method="read_csv")
        assert first["name"] == "mock_dataframe" and first["ready"]
        task = client.task.create(method="whoami", organizations=[1, 2],
                                  databases=[{"type": "dataframe", "dataframe_id": first["id"]}])
        assert [r["rows"] for r in client.wait_for_results(task["id"])] == [3, 2]
        with pytest.warns(UserWarning, match="HQ refuses a second one with the same name"):
            again = client.dataframe.create(label="default", method="read_csv")
        assert [d["id"] for d in client.dataframe.list()] == [again["id"]]
        assert list(network.nodes[0].dataframes) == ["mock_dataframe"]


def test_a_dataframe_is_parsed_once_per_node_until_it_changes(network):
    """@dataframe reads the session's parquet file on every run; the simulator's nodes parse it
    once and give later runs a copy, until a step changes it (the log line stays the real)."""
    def ages():
        return [r["sum"] for r in compute(network, "column_sum", [1, 2], column="age")]

    caches = [network.get_node(i).simulated.cache for i in (1, 2)]
    assert ages() == ages() == [120.0, 54.0]
    assert [(c.parses, c.hits) for c in caches] == [(1, 1), (1, 1)]
    run = network.user_client.run.from_task(network.hq.tasks[-1]["id"])[0]
    assert "with dataframe name 'default' as database" in run["log"]  # also on a hit
    changed = network.user_client.dataframe.preprocess(1, "mock_image", "add_to",
                                                       {"column": "age", "value": 1})
    assert changed["ready"]
    # the preprocessing read the cached frame; what it wrote is parsed again
    assert ages() == [123.0, 56.0]
    assert [(c.parses, c.hits) for c in caches] == [(2, 2), (2, 2)]
    pd.testing.assert_frame_equal(network.nodes[1].dataframes["default"],
                                  FRAMES[1].assign(age=FRAMES[1]["age"] + 1))


def test_the_fixture_closes_what_it_made(v6_mock_network):
    network = v6_mock_network(MODULE, [{"default": {"database": FRAMES[1]}}])
    assert [r["rows"] for r in compute(network, "whoami", [1])] == [2]

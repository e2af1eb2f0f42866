"""What a failing test's report says about the simulator (through pytest's own pytester): the
runs that crashed in its network, with the end of their logs, and why results may be in another
order than vantage6's mock gives them. ``results(strict=True)`` raises naming the crashed run."""
from __future__ import annotations

import pytest

from simulator.network import Network
from simulator.vantage6.inspection import RunFailed
from tests.helpers import JOHN, create_task, make_client

pytest_plugins = ["pytester"]

CRASHING_TEST = '''
def test_average_of_a_column(v6_client, v6_network):
    task = v6_client.task.create(
        organizations=[2, 3], name="avg", image="harbor2.vantage6.ai/demo/average",
        description="", collaboration=1, databases=[{"label": "default"}],
        input_={"method": "partial_average", "kwargs": {"column_name": "no_such_column"}})
    assert len(v6_network.results(task["id"])) == 2
'''


def test_a_failing_test_shows_the_runs_that_crashed_and_their_logs(pytester):
    pytester.makepyfile(CRASHING_TEST)
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1)
    text = outcome.stdout.str()
    assert "simulator: runs that did not complete" in text
    assert "run 1 of task 1 'avg' at organization 2: crashed; its log (last 15 of" in text
    assert "    KeyError: 'no_such_column'" in text  # the end of the run's log
    assert ("run 2 of task 1 'avg' at organization 3: failed; its log:\n"
            "    Marked as failed because sibling run id=1 failed with status 'crashed'.") in text
    assert "assert 0 == 2" in text  # and the test's own failure, as before


def test_a_passing_test_gets_no_section(pytester):
    pytester.makepyfile('''
def test_fine(v6_network):
    assert v6_network.failed_runs() == []
''')
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-rA")
    outcome.assert_outcomes(passed=1)
    assert "simulator:" not in outcome.stdout.str()


def test_strict_results_raise_naming_the_crashed_run():
    with Network.from_scenario("demo") as net, net.intercept():
        client = make_client(*JOHN)
        task = create_task(client, "partial_average", [2], column_name="no_such_column")
        assert net.results(task["id"]) == {}  # what a lenient read gives: nothing, silently
        with pytest.raises(RunFailed) as info:
            net.results(task["id"], strict=True)
        (run,) = info.value.runs
        assert str(info.value).startswith(
            f"task {task['id']} 'partial_average': run {run['id']} of task {task['id']} "
            "'partial_average' at organization 2: crashed; its log (last 15 of ")
        assert "\n    KeyError: 'no_such_column'\n" in str(info.value)
        good = create_task(client, "partial_average", [2, 3], column_name="age")
        assert set(net.results(good["id"], strict=True)) == {2, 3}


ORDER_TEST = '''
import pandas as pd
from simulator.mock_client import MockAlgorithmClient

FRAMES = [pd.DataFrame({"age": [1, 2, 3]}), pd.DataFrame({"age": [4, 5, 6, 7]})]


def test_rows_per_organization():
    client = MockAlgorithmClient(datasets=[[{"database": f}] for f in FRAMES],
                                 module="tests.algorithms.misbehaving")
    ids = [org["id"] for org in client.organization.list()]
    task = client.task.create(input_={"method": "rows_and_columns"}, organizations=ids)
    results = client.wait_for_results(task["id"])
    # pairs results[i] with organizations[i]: passes with vantage6's mock only
    assert [r["rows"] for r in results] == [len(f) for f in FRAMES]
'''


def test_an_order_sensitive_failure_says_results_come_newest_first(pytester, monkeypatch):
    import os
    from pathlib import Path

    root = str(Path(__file__).resolve().parents[2])  # tests.algorithms importable
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]))
    pytester.makepyfile(ORDER_TEST)
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    outcome.assert_outcomes(failed=1)
    text = outcome.stdout.str()
    assert "simulator: result order" in text
    assert ("task 1: results came for organizations [1, 0] (newest run first, as the server "
            "lists them); vantage6's mock gives [0, 1]") in text
    assert "Sort both sides, or pair by what each result says" in text


SCENARIO = """
organizations: [{id: 2, name: a}]
collaborations: [{id: 1, name: c, organizations: [2]}]
nodes: [{organization: 2, collaboration: 1, databases: [{label: default, uri: a.csv}]}]
users: [{username: res, password: Password1!, organization: 2, roles: [Researcher]}]
"""


def test_a_marker_path_resolves_against_the_test_file_and_errors_are_one_line(pytester):
    sub = pytester.mkdir("sub")
    (sub / "world.yaml").write_text(SCENARIO)
    (sub / "a.csv").write_text("age\n1\n")
    (sub / "typo.yaml").write_text(SCENARIO.replace("organization: 2, roles", "organisation: 2, roles"))
    (sub / "test_world.py").write_text('''
import pytest


@pytest.mark.v6_scenario("world.yaml")
def test_found_beside_this_file(v6_network):
    assert [n.organization_id for n in v6_network.nodes] == [2]


@pytest.mark.v6_scenario("typo.yaml")
def test_typo(v6_network):
    pass
''')
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider")  # from the folder above
    outcome.assert_outcomes(passed=1, errors=1)
    text = outcome.stdout.str()
    assert (f"v6_network: {sub / 'typo.yaml'}: users[0]: unknown key 'organisation' (did you "
            "mean 'organization'?)") in text
    assert "scenario.py" not in text  # no traceback through the builder


def test_a_run_of_an_unmapped_image_names_the_image_and_the_known_ones():
    from simulator.vantage6.inspection import describe_run

    with Network.from_scenario("demo") as net, net.intercept():
        client = make_client(*JOHN)
        create_task(client, "anything", [2], image="my/unmapped")
        (run,) = net.failed_runs()
        assert describe_run(run) == (
            f"run {run['id']} of task 1 'anything' at organization 2: non-existing Docker image "
            "(the node's log: no package for image 'my/unmapped': the scenario's algorithms "
            "map harbor2.vantage6.ai/demo/average); its log:\n"
            "    Container failed. Check node logs for details")

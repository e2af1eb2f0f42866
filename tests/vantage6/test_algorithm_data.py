"""What an algorithm gets from its node: databases by label and type (in the real decorator's
order), preprocessing, environment variables as the node encodes them, run metadata; each node's
data parsed once; and nothing from other nodes."""
from __future__ import annotations

import base64
import os
import sqlite3

import pandas as pd
import pytest

from tests.helpers import RESEARCHER, decoded_results, federation, make_client, quiet, run_task

MISBEHAVING = "test/misbehaving"
FRAMES = [pd.DataFrame({"age": [30, 40, 50, 60, 70, 80], "bmi": [20.0, 22, 24, 26, 28, 30]}),
          pd.DataFrame({"age": [21, 33, 45, 57, 69, 81, 93]})]


def only(results) -> object:
    (value,) = decoded_results(results).values()
    return value


@pytest.fixture
def stores(tmp_path):
    """Node 0's extra databases: parquet, excel, sqlite (all different from its CSV)."""
    extra = pd.DataFrame({"x": [1, 2, 3], "y": ["a", "b", "c"]})
    extra.to_parquet(tmp_path / "extra.parquet")
    extra.to_excel(tmp_path / "extra.xlsx", sheet_name="Sheet9", index=False)
    with sqlite3.connect(tmp_path / "extra.sqlite") as db:
        extra.to_sql("things", db, index=False)
    return [{"label": "pq", "uri": str(tmp_path / "extra.parquet"), "type": "parquet"},
            {"label": "xl", "uri": str(tmp_path / "extra.xlsx"), "type": "excel"},
            {"label": "db", "uri": str(tmp_path / "extra.sqlite"), "type": "sql"}]


@pytest.fixture(params=["in-process", "isolated"])
def res(request, tmp_path, stores):
    with federation(tmp_path, FRAMES, databases={0: stores}, execution=request.param,
                    nodes={0: {"algorithm_env": {"STATS_MINIMUM_ROWS": "3"}}}) as net:
        with net.intercept():
            yield make_client(*RESEARCHER)


def test_two_databases_come_in_reverse_label_order(res):
    """@data(2) prepends each frame it loads: the function gets (second label, first label)."""
    _, results = run_task(res, "two_frames", [2], image=MISBEHAVING, databases=("default", "pq"))
    assert only(results) == {"first": ["x", "y"], "second": ["age", "bmi"], "rows": [3, 6]}


@pytest.mark.parametrize("database,expected_columns,expected_rows", [
    ({"label": "pq"}, ["x", "y"], 3),
    ({"label": "xl", "sheet_name": "Sheet9"}, ["x", "y"], 3),
    ({"label": "db", "query": "SELECT x FROM things WHERE x > 1"}, ["x"], 2),
    ({"label": "default", "preprocessing": [
        {"function": "filter_range", "parameters": {"column": "age", "min_": 45}}]},
     ["age", "bmi"], 4),
])
def test_database_types_queries_and_preprocessing(res, database, expected_columns,
                                                  expected_rows):
    task = res.task.create(organizations=[2], name="t", image=MISBEHAVING, description="",
                           collaboration=1, input_={"method": "rows_and_columns"},
                           databases=[database])
    results = quiet(res.wait_for_results, task["id"])
    assert only(results) == {"rows": expected_rows, "columns": expected_columns}


def test_environment_as_the_node_sets_it(res):
    """Before wrap_algorithm decodes them, values are base32 with '=' as '!'; after, plain."""
    names = ["USER_REQUESTED_DATABASE_LABELS", "DB_LABELS", "DEFAULT_DATABASE_TYPE",
             "PQ_DATABASE_TYPE", "DB_QUERY", "API_PATH", "STATS_MINIMUM_ROWS", "PKG_NAME"]
    task = res.task.create(organizations=[2], name="t", image=MISBEHAVING, description="",
                           collaboration=1, input_={"method": "decoded", "args": names},
                           databases=[{"label": "default"}, {"label": "db", "query": "SELECT 1"}])
    got = only(quiet(res.wait_for_results, task["id"]))
    assert got == {"USER_REQUESTED_DATABASE_LABELS": "default,db", "DB_LABELS": "default,pq,xl,db",
                   "DEFAULT_DATABASE_TYPE": "csv", "PQ_DATABASE_TYPE": "parquet",
                   "DB_QUERY": "SELECT 1", "API_PATH": "/_simulator/nodes/4/proxy",
                   "STATS_MINIMUM_ROWS": "3",
                   "PKG_NAME": "tests.algorithms.misbehaving"}
    # and the algorithm's environment did not leak into this process
    assert "USER_REQUESTED_DATABASE_LABELS" not in os.environ and "PKG_NAME" not in os.environ


def test_metadata_comes_from_the_container_token(res):
    task, results = run_task(res, "whoami", [3], image=MISBEHAVING)
    assert only(results) == {"task_id": task["id"], "node_id": 5, "organization_id": 3,
                             "collaboration_id": 1, "temporary_directory_exists": True}


def test_each_database_is_parsed_once_per_node(tmp_path):
    with federation(tmp_path, FRAMES) as net, net.intercept():
        res = make_client(*RESEARCHER)
        node = net.nodes.of(organization=2)
        for _ in range(3):
            _, results = run_task(res, "rows_and_columns", [2], image=MISBEHAVING)
            # the frame an algorithm changed in place is not the cached one
            assert only(results) == {"rows": 6, "columns": ["age", "bmi"]}
        assert (node.cache.parses, node.cache.hits) == (1, 2)

        path = tmp_path / "org2.csv"
        pd.DataFrame({"age": [1, 2]}).to_csv(path, index=False)
        os.utime(path, ns=(1, 1))  # a different file, whatever the clock's resolution
        _, results = run_task(res, "rows_and_columns", [2], image=MISBEHAVING)
        assert only(results) == {"rows": 2, "columns": ["age"]}
        assert node.cache.parses == 2
        assert net.nodes.of(organization=3).cache.parses == 0  # nothing ran there


def test_isolated_runs_share_one_parse_per_node(tmp_path):
    from simulator.vantage6.runtime.data_cache import DiskCache

    with federation(tmp_path, FRAMES, execution="isolated") as net, net.intercept():
        res = make_client(*RESEARCHER)
        for _ in range(2):
            _, results = run_task(res, "rows_and_columns", [2], image=MISBEHAVING)
            assert only(results) == {"rows": 6, "columns": ["age", "bmi"]}
        assert DiskCache.parsed_files(net.nodes.of(organization=2).cache_dir()) == 1


def test_a_node_sees_only_its_own_data(tmp_path):
    with federation(tmp_path, FRAMES) as net, net.intercept():
        res = make_client(*RESEARCHER)
        task, results = run_task(res, "rows_and_columns", [2, 3], image=MISBEHAVING)
        runs = {r["id"]: r["organization"]["id"] for r in res.run.from_task(task["id"])["data"]}
        by_org = {runs[run_id]: value for run_id, value in decoded_results(results).items()}
        assert by_org == {2: {"rows": 6, "columns": ["age", "bmi"]},
                          3: {"rows": 7, "columns": ["age"]}}


def test_logs_can_be_withheld_by_the_node(tmp_path):
    with federation(tmp_path, FRAMES, nodes={0: {"share_algorithm_logs": False}}) as net, \
            net.intercept():
        res = make_client(*RESEARCHER)
        task, _ = run_task(res, "partial_average", [2], column_name="age")
        (run,) = res.run.from_task(task["id"])["data"]
        assert (run["status"], run["log"]) == ("completed",
                                               "Node does not allow sharing algorithm logs")


def test_the_input_file_holds_what_the_user_sent(tmp_path):
    with federation(tmp_path, FRAMES) as net, net.intercept():
        res = make_client(*RESEARCHER)
        task, _ = run_task(res, "partial_average", [2], column_name="age")
        (run,) = net.vantage6.state.runs.values()
        folder = net.nodes.of(organization=2).data_dir() / f"task-{run.id:09d}"
        assert (folder / "input").read_bytes() == base64.b64decode(run.input)
        assert (folder / "token").read_text().count(".") == 2  # the container JWT

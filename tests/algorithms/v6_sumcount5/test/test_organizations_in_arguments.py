"""Organization ids inside the task arguments, the common pattern a drop-in must support: the user
lists the organizations through the client and passes (some of) their ids to the central function
as ``organizations_to_include``; the central function looks each one up with
``client.organization.get(id)`` and sends its subtask to exactly those.

Run against the real mock (vantage6-algorithm-tools 5.0.3, Python 3.13), from the repository root:
    PYTHONPATH=. /work/main/.venv-v5/bin/python -m pytest -q tests/algorithms/v6_sumcount5/test

What this module had to do for the real MockNetwork (a faithful drop-in must keep all of it working):
1. dataframe.create(..., name=LABEL), since the mock looks frames up by label (else sys.exit(1)).
2. databases=[{"type": "dataframe", "dataframe_id": id}] on the central task, for its subtasks.
3. task.create with keywords only (the mock's positional order differs from the real clients').
4. The ids passed in the arguments are the ones client.organization.list() gives (1..n in the
   mock); the algorithm's client answers organization.get(id) with the same ids, and an id that
   is not in the network with {"msg": "Organization <id> not found."} (no exception, no 404).
5. The arguments reach the function as the Python objects given (the mock serializes nothing);
   they are kept JSON-plain here (a list of ints) so that a node, which gets them as JSON, sees
   the same.
6. A failing central function (an unknown organization) surfaces as SystemExit with
   "error > Error simulating task run for organization <id>: <message>" on stdout.
7. Results come back as a list in the order of `organizations`, the task done when create returns.
"""
from pathlib import Path

import pandas as pd
import pytest

from vantage6.algorithm.mock.network import MockNetwork

HERE = Path(__file__).parent
CSVS = [HERE / f"org{i}.csv" for i in (1, 2, 3)]
MODULE = "tests.algorithms.v6_sumcount5"
LABEL = "default"


@pytest.fixture
def network() -> MockNetwork:
    return MockNetwork(
        module_name=MODULE,
        datasets=[{LABEL: {"database": path, "db_type": "csv"}} for path in CSVS],
    )


@pytest.fixture
def frames() -> list:
    return [pd.read_csv(path) for path in CSVS]


def central(network: MockNetwork, organizations_to_include: list, column: str = "age") -> dict:
    client = network.user_client
    dataframe = client.dataframe.create(
        label=LABEL, method="read_csv_file", arguments={}, name=LABEL)
    task = client.task.create(
        method="central_average",
        organizations=[organizations_to_include[0]],
        arguments={"column": column, "organizations_to_include": organizations_to_include},
        databases=[{"type": "dataframe", "dataframe_id": dataframe["id"]}],
        name="central average",
        description="organizations in the arguments",
    )
    (result,) = client.wait_for_results(task["id"])
    return result


def subtask_partials(network: MockNetwork) -> list:
    (subtask,) = [t for t in network.hq.tasks if t["name"] == "partial sum/count"]
    return network.user_client.result.from_task(subtask["id"])


def test_all_listed_organizations(network, frames):
    ids = [o["id"] for o in network.user_client.organization.list()]
    result = central(network, ids)
    pooled = pd.concat(frames, ignore_index=True)
    assert result["count"] == pooled["age"].count()
    assert result["average"] == pytest.approx(pooled["age"].mean())
    assert [o["id"] for o in result["organizations"]] == ids
    assert len(subtask_partials(network)) == len(ids)


@pytest.mark.parametrize("positions", [[0, 2], [2, 0], [1]])
def test_the_subtask_goes_to_exactly_the_given_organizations(network, frames, positions):
    ids = [o["id"] for o in network.user_client.organization.list()]
    chosen = [ids[i] for i in positions]
    result = central(network, chosen, column="bmi")

    subset = pd.concat([frames[i] for i in positions], ignore_index=True)
    assert result["n_organizations"] == len(chosen)
    assert result["count"] == subset["bmi"].count()
    assert result["sum"] == pytest.approx(subset["bmi"].sum())
    assert result["average"] == pytest.approx(subset["bmi"].mean())
    assert [o["id"] for o in result["organizations"]] == chosen  # in the order given

    partials = subtask_partials(network)  # one per chosen organization, in that order
    assert [p["count"] for p in partials] == [int(frames[i]["bmi"].count()) for i in positions]


def test_the_central_function_looks_each_organization_up(network):
    client = network.user_client
    ids = [o["id"] for o in client.organization.list()]
    result = central(network, ids[::-1])
    # what the algorithm's client.organization.get answered, as the user's client sees it
    assert result["organizations"] == [
        {"id": i, "name": client.organization.get(i)["name"]} for i in ids[::-1]]


def test_an_organization_outside_the_network_is_an_input_error(network, capsys):
    ids = [o["id"] for o in network.user_client.organization.list()]
    unknown = max(ids) + 100
    with pytest.raises(SystemExit):
        central(network, [ids[0], unknown])
    assert f"Organization {unknown} is not in this collaboration" in capsys.readouterr().out
    assert not [t for t in network.hq.tasks if t["name"] == "partial sum/count"]


def test_an_empty_list_is_an_input_error(network, capsys):
    client = network.user_client
    dataframe = client.dataframe.create(label=LABEL, method="read_csv_file", name=LABEL)
    with pytest.raises(SystemExit):
        client.task.create(
            method="central_average", organizations=[1],
            arguments={"column": "age", "organizations_to_include": []},
            databases=[{"type": "dataframe", "dataframe_id": dataframe["id"]}])
    assert "organizations_to_include must be a non-empty list" in capsys.readouterr().out

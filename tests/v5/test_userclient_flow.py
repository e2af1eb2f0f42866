"""The real vantage6 5.0.3 UserClient, unmodified, against a 5.x network: device-flow sign-in
at the simulated Keycloak, a session, a dataframe extracted from each node's CSV, and the demo
average (central over three partials, and the partials alone), in process and in server mode,
each result equal to pandas on the pooled data."""
from __future__ import annotations

import contextlib
import io
import json

import pytest

from simulator import Network
from tests.v5.helpers import FRAMES, IMAGE, POOLED, extract, signed_in


@pytest.fixture(params=["in-process", "server"])
def world(request):
    with Network.from_scenario("demo", profile="5.x") as net:
        if request.param == "in-process":
            with net.intercept():
                yield net, net.url + "/api", net.url
        else:
            server = net.serve()
            try:
                yield net, server.url + "/api", server.url
            finally:
                server.stop()


def _quiet(fn, *args, **kwargs):
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def test_device_flow_session_dataframe_and_the_federated_mean(world):
    net, hq_url, auth_url = world
    client = signed_in(hq_url, auth_url)
    assert (client.whoami.name, client.whoami.organization_id) == ("john-doe", 2)
    client.setup_collaboration(1)
    session = client.session.create(scope="own", name="analysis")
    df = extract(client, session["id"], name="demo_data")
    assert df["name"] == "demo_data"
    dataframe = client.dataframe.get(df["id"])
    assert dataframe["ready"] and sorted(dataframe["organizations_ready"]) == [2, 3, 4]
    # every node reported the columns of what its extraction made
    assert {c["name"] for c in dataframe["columns"]} == set(POOLED.columns)
    assert {c["node_id"] for c in dataframe["columns"]} == {n.id for n in net.nodes}

    task = _quiet(client.task.create, organizations=[2], name="avg", image=IMAGE,
                  description="", method="central_average",
                  arguments={"column_name": "age"}, session=session["id"],
                  databases=[{"dataframe_id": df["id"]}], action="central_compute")
    results = _quiet(client.wait_for_results, task["id"])
    assert [json.loads(r["result"]) for r in results["data"]] == [
        {"average": pytest.approx(POOLED["age"].mean())}]
    central = client.task.get(task["id"])
    assert (central["status"], central["action"]) == ("completed", "central_compute")
    # the central function's subtask went to all three organizations, as federated_compute
    subtasks = [t for t in net.tasks() if t["parent_id"] == task["id"]]
    assert len(subtasks) == 1
    runs = client.run.from_task(subtasks[0]["id"])["data"]
    assert sorted(r["organization"]["id"] for r in runs) == [2, 3, 4]
    assert {r["action"] for r in runs} == {"federated_compute"}


def test_partials_on_each_organization_equal_pandas(world):
    net, hq_url, auth_url = world
    client = signed_in(hq_url, auth_url)
    client.setup_collaboration(1)
    session = client.session.create(scope="organization")
    df = extract(client, session["id"])
    task = _quiet(client.task.create, organizations=[2, 3, 4], name="partials", image=IMAGE,
                  description="", method="partial_average",
                  arguments={"column_name": "age"}, session=session["id"],
                  databases=df["id"], action="federated_compute")
    results = _quiet(client.wait_for_results, task["id"])["data"]
    by_org = {client.run.get(r["run"]["id"])["organization"]["id"]: json.loads(r["result"])
              for r in results}
    assert by_org == {org: {"sum": pytest.approx(frame["age"].sum()), "count": len(frame)}
                      for org, frame in FRAMES.items()}

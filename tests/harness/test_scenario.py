"""Scenario files: the demo world, kept ids, relative uris, and clear errors for bad files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from simulator.network import Network
from simulator.scenario import Scenario, ScenarioError

ROOT = Path(__file__).resolve().parents[2]


def test_demo_reproduces_the_seed_world(net):
    state = net.vantage6.state
    assert {o.id: o.name for o in state.organizations.values()} == {
        1: "root", 2: "example_org1", 3: "example_org2", 4: "example_org3"}
    col = state.collaborations[1]
    assert (col.name, [o.id for o in col.organizations], col.encrypted) == (
        "example_collab1", [2, 3, 4], False)
    john = state.user_by_username("john-doe")
    assert (john.organization.id, [r.name for r in john.roles]) == (2, ["Researcher"])
    assert net.login("john-doe", "super-secret-password!")
    assert net.login("root", "root")
    for setup in net.vantage6.node_setups.values():
        node = state.nodes[setup.node_id]
        (db,) = setup.databases
        assert (db["label"], db["type"]) == ("default", "csv")
        assert Path(db["uri"]) == ROOT / "fixtures" / "demo" / f"org{node.organization.id - 1}.csv"
        assert "age" in pd.read_csv(db["uri"]).columns
    average = net.vantage6.algorithms.resolve("harbor2.vantage6.ai/demo/average")
    assert (average.module, average.mode) == ("simulator.algorithms.average", None)
    assert net.vantage6.algorithms.resolve("harbor2.vantage6.ai/demo/average:1.0") is average


def test_relative_uris_resolve_against_the_scenario_folder(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "a.csv").write_text("age\n1\n")
    (tmp_path / "s.yaml").write_text(
        "organizations: [{id: 7, name: a}]\n"
        "collaborations: [{id: 3, name: c, organizations: [7]}]\n"
        "nodes: [{organization: a, collaboration: c, api_key: 11111111-2222-4333-8444-555555555555,"
        " databases: [{label: default, uri: data/a.csv}]}]\n")
    net = Network.from_scenario(tmp_path / "s.yaml")
    (setup,) = net.vantage6.node_setups.values()
    assert setup.databases == [{"label": "default", "uri": str(tmp_path / "data" / "a.csv"),
                                "type": "csv"}]
    assert net.node_api_key(organization="a") == "11111111-2222-4333-8444-555555555555"
    assert net.vantage6.state.collaborations[3].organizations[0].id == 7


def test_ids_given_are_kept_and_new_ids_follow_them(fresh):
    net = Network({"organizations": [{"id": 10, "name": "ten"}],
                   "users": [{"id": 20, "username": "u20", "password": "Password1!",
                              "organization": 10}]})
    token = net.login("root", "root")
    created = net.request("POST", "/api/organization", token=token, json={"name": "next"})
    assert created.get_json()["id"] == 11
    assert net.vantage6.state.user_by_username("u20").id == 20


@pytest.mark.parametrize("data,message", [
    ({"organisations": []}, "unknown top-level keys"),
    ({"organizations": [{"name": "a"}, {"name": "a"}]}, "duplicate name"),
    ({"collaborations": [{"name": "c", "organizations": [9]}]}, "unknown organization 9"),
    ({"users": [{"username": "u", "password": "weak", "organization": 1}]}, "Password too short"),
    ({"users": [{"username": "u", "password": "Password1!", "organization": 1,
                 "roles": ["Wizard"]}]}, "unknown role 'Wizard'"),
    ({"organizations": [{"id": 2, "name": "a"}], "collaborations": [
        {"name": "c", "organizations": [2]}],
      "nodes": [{"organization": 2, "collaboration": "c"}, {"organization": 2,
                                                            "collaboration": "c"}]},
     "already has a node"),
    ({"organizations": [{"id": 1, "name": "clash"}]}, "id 1 is taken"),
])
def test_bad_scenarios_say_what_is_wrong(data, message):
    with pytest.raises(ScenarioError, match=message):
        Network(data)


def test_missing_scenario_file():
    with pytest.raises(ScenarioError, match="not found"):
        Scenario.load("no-such-scenario.yaml")

"""Scenario files: the demo world, kept ids, relative uris, and clear errors for bad files."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import yaml

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
    # a nested typo is named with its key path and what it was probably meant to be
    ({"organizations": [{"id": 2, "name": "a"}], "collaborations": [
        {"name": "c", "organizations": [2]}],
      "nodes": [{"organisation": 2, "collaboration": "c"}]},
     r"^<dict>: nodes\[0\]: unknown key 'organisation' \(did you mean 'organization'\?\)$"),
    ({"nodes": [{"collaboration": "c"}]}, r"^<dict>: nodes\[0\]\.organization: missing$"),
    ({"users": [{"username": "u", "pasword": "Password1!", "organization": 1}]},
     r"users\[0\]: unknown key 'pasword' \(did you mean 'password'\?\)"),
    ({"algorithms": {"test/x": "no_such_package.algorithm"}},
     r"^<dict>: algorithms\.test/x: module 'no_such_package\.algorithm' cannot be imported"),
])
def test_bad_scenarios_say_what_is_wrong(data, message):
    with pytest.raises(ScenarioError, match=message):
        Network(data)


def test_missing_scenario_file():
    with pytest.raises(ScenarioError, match="not found"):
        Scenario.load("no-such-scenario.yaml")


def _one_node(uri: str) -> dict:
    return {"organizations": [{"id": 2, "name": "a"}],
            "collaborations": [{"id": 1, "name": "c", "organizations": [2]}],
            "nodes": [{"organization": 2, "collaboration": 1,
                       "databases": [{"label": "default", "uri": uri}]}]}


def test_a_missing_database_file_is_named_when_the_scenario_loads(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text(yaml.safe_dump(_one_node("data/missing.csv")))
    with pytest.raises(ScenarioError) as info:
        Network.from_scenario(str(scenario))
    assert str(info.value) == (
        f"{scenario}: nodes[0].databases[0].uri: data/missing.csv not found (resolved to "
        f"{tmp_path / 'data' / 'missing.csv'}; a relative uri resolves against the scenario's "
        "folder)")
    # nodes played by the test itself read no files: nothing to check
    Network.from_scenario(str(scenario), nodes="manual").close()


def test_a_yaml_syntax_error_is_one_line_with_the_place(tmp_path):
    scenario = tmp_path / "s.yaml"
    scenario.write_text("organizations:\n  - {id: 2, name: a\nnodes: []\n")
    with pytest.raises(ScenarioError) as info:
        Scenario.load(scenario)
    message = str(info.value)
    assert message.startswith(f"{scenario}:3:") and "not valid YAML" in message
    assert "\n" not in message

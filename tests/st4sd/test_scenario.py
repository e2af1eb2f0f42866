"""The scenario's st4sd: section: users, packages, experiments pushed at build, auth, settings."""
from __future__ import annotations

import pytest
import requests

from simulator import Network, ScenarioError
from tests.st4sd.conftest import ROOT, make_api
from tests.st4sd.helpers import payload, wait

PACKAGE = {"git": "https://git.example.org/st4sd-examples/sum-numbers.git", "tag": "1.0.0",
           "path": "st4sd/sum-numbers"}


def scenario(**st4sd) -> dict:
    return {"st4sd": st4sd}


def build(data: dict) -> Network:
    from simulator.scenario import Scenario

    return Network(Scenario.from_dict(data, folder=ROOT / "scenarios"), st4sd_runtime="interpreter")


def test_experiments_are_pushed_and_settings_applied():
    net = build(scenario(auth=False, packages=[PACKAGE], experiments=["st4sd/sum-numbers.pvep.json"],
                         settings={"gateway_id": "my-cluster"}))
    try:
        with net.intercept():
            assert requests.get(f"{net.st4sd_url}/rs/experiments/").status_code == 200  # no auth
            api = make_api(net.st4sd_url, cc_auth_token=None)
            uid = api.api_experiment_start("sum-numbers:1.0.0", payload())
            wait(api, uid)
            instance = api.cdb_get_document_user_metadata_for_rest_uid(uid)["instance"]
        assert instance.startswith("file://my-cluster/")
    finally:
        net.close()


def test_a_package_tag_must_match():
    net = build(scenario(packages=[dict(PACKAGE, tag="2.0.0")]))
    try:
        with net.intercept():
            api = make_api(net.st4sd_url, cc_auth_token="st4sd-token")
            from tests.st4sd.conftest import load_pvep
            response = requests.post(f"{net.st4sd_url}/rs/experiments/", json=load_pvep(),
                                     cookies={"oauth-proxy": "st4sd-token"})
            assert "maps no local folder to this git URL" in response.json()["problem"]
            assert api.api_experiment_list() == {}
    finally:
        net.close()


@pytest.mark.parametrize("section, message", [
    ({"colour": 1}, "unknown keys ['colour']"),
    ({"users": [{"name": "x"}]}, "needs a name and a token"),
    ({"packages": [{"git": "u"}]}, "needs a path"),
    ({"packages": [dict(PACKAGE, path="nowhere")]}, "does not exist"),
    ({"packages": [dict(PACKAGE, branch="main")]}, "at most one of branch, tag or commit"),
    ({"experiments": ["nowhere.json"]}, "experiment 'nowhere.json'"),
    ({"experiments": ["st4sd/sum-numbers.pvep.json"]}, "cannot be pushed"),
    ({"settings": {"speed": 1}}, "settings must be a mapping"),
])
def test_scenario_errors_name_the_entry(section, message):
    with pytest.raises(ScenarioError, match="st4sd: .*" + message.replace("[", r"\[")
                       .replace("]", r"\]").replace("(", r"\(").replace(")", r"\)")):
        build({"st4sd": section})

"""The experiments registry: push validation, digests, tags and `latest` moving, list, get,
delete, and the instance routes' errors, with the real client where it has a method."""
from __future__ import annotations

import copy

import pytest
import requests
from experiment.service.errors import (HTTPInvalidVirtualExperimentDefinitionError,
                                       InvalidHTTPRequest)

from tests.st4sd.conftest import TOKEN, load_pvep
from tests.st4sd.helpers import payload, wait


def get(net, path: str, **kwargs) -> requests.Response:
    return requests.get(f"{net.st4sd_url}{path}", cookies={"oauth-proxy": TOKEN}, **kwargs)


def test_push_derives_the_registry_metadata(pushed):
    registry = pushed["metadata"]["registry"]
    assert registry["inputs"] == [{"name": "numbers.csv"}]
    assert registry["data"] == [{"name": "extra_numbers.csv"}]
    assert registry["platforms"] == ["default", "openshift"]
    assert registry["output"] == [{"name": "TotalSum"}]
    assert registry["timesExecuted"] == 0
    assert {"name": "platformName", "valueFrom": [{"value": "default", "platform": "default"},
                                                  {"value": "openshift", "platform": "openshift"}]} \
        in registry["executionOptionsDefaults"]["variables"]
    assert pushed["base"]["packages"][0]["name"] == "main"


def test_same_content_same_digest_and_latest_moves_on_change(st4sd_net, api, pushed):
    digest = pushed["metadata"]["registry"]["digest"]
    again = copy.deepcopy(load_pvep())
    again["metadata"]["package"]["maintainer"] = "someone else"  # not digested
    assert api.api_experiment_push(again)["metadata"]["registry"]["digest"] == digest
    assert len(api.api_experiment_list()) == 1

    changed = copy.deepcopy(load_pvep())
    changed["metadata"]["package"]["tags"] = ["2.0.0"]
    changed["parameterisation"]["executionOptions"]["platform"] = ["default"]
    new = api.api_experiment_push(changed)["metadata"]["registry"]
    assert new["digest"] != digest and new["tags"] == ["2.0.0", "latest"]
    entries = api.api_experiment_list()
    assert set(entries) == {f"sum-numbers@{digest}", f"sum-numbers@{new['digest']}"}
    old = entries[f"sum-numbers@{digest}"]["metadata"]["registry"]
    assert old["tags"] == ["1.0.0"]  # `latest` moved away; still addressable by tag and digest
    assert api.api_experiment_get("sum-numbers")["metadata"]["registry"]["digest"] == new["digest"]
    assert api.api_experiment_get(f"sum-numbers@{digest}")["metadata"]["registry"]["tags"] == ["1.0.0"]
    assert api.api_experiment_delete("sum-numbers:1.0.0") == '{"deleted": 1}\n'
    assert list(api.api_experiment_list()) == [f"sum-numbers@{new['digest']}"]


def test_list_and_get_format_options(st4sd_net, pushed):
    body = get(st4sd_net, "/rs/experiments/", params={"hideMetadataRegistry": "y"}).json()
    assert body["problems"] == [] and "registry" not in body["entries"][0]["metadata"]
    entry = get(st4sd_net, "/rs/experiments/sum-numbers", params={"hideNone": "n"}).json()["entry"]
    assert entry["metadata"]["package"]["license"] is None
    assert "connections" not in entry["base"]
    beta = get(st4sd_net, "/rs/experiments/sum-numbers", params={"hideBeta": "n"}).json()["entry"]
    assert beta["base"]["connections"] == [] and beta["base"]["packages"][0]["graphs"] == []


def test_invalid_packages_are_refused_with_the_real_keys(st4sd_net, api):
    bad = copy.deepcopy(load_pvep())
    bad["metadata"]["package"]["colour"] = "blue"
    with pytest.raises(HTTPInvalidVirtualExperimentDefinitionError) as err:
        api.api_experiment_push(bad)
    assert err.value.response.status_code == 400
    assert "metadata.package.colour\n  Extra inputs are not permitted" in err.value.validation_errors

    def push(pvep) -> requests.Response:
        return requests.post(f"{st4sd_net.st4sd_url}/rs/experiments/", json=pvep,
                             cookies={"oauth-proxy": TOKEN})

    bad = copy.deepcopy(load_pvep())
    bad["metadata"]["package"]["name"] = "Sum_Numbers"
    assert "Invalid metadata.package.name Sum_Numbers" in push(bad).json()[
        "invalidVirtualExperimentDefinition"]

    unknown_git = copy.deepcopy(load_pvep())
    unknown_git["base"]["packages"][0]["source"]["git"]["location"]["url"] = "https://x.test/a.git"
    body = push(unknown_git).json()
    assert body["message"].startswith("Invalid payload, reason: Unable to retrieve base package main")
    assert body["problem"] == body["message"][len("Invalid payload, reason: "):]

    unknown_variable = copy.deepcopy(load_pvep())
    unknown_variable["parameterisation"]["executionOptions"]["variables"].append({"name": "nope"})
    assert push(unknown_variable).json() == {
        "message": "Invalid payload, reason: There is no nope variable in platform default",
        "problem": "There is no nope variable in platform default"}

    unknown_data = copy.deepcopy(load_pvep())
    unknown_data["parameterisation"]["executionOptions"]["data"] = [{"name": "extra_number.csv"}]
    assert push(unknown_data).json()["problem"] == (
        "Invalid parameterised package due to The data file parameterisation.executionOptions."
        "data[0].name=extra_number.csv is not part of metadata.registry.data - did you mean "
        "extra_numbers.csv")
    assert api.api_experiment_list() == {}  # nothing was stored


def test_unknown_experiments_on_get_and_delete(st4sd_net, api):
    response = get(st4sd_net, "/rs/experiments/nope")
    assert (response.status_code, response.json()) == (404, {
        "message": 'Cannot find Parameterised Virtual Experiment Package "nope:latest"',
        "packageNotFound": "nope"})
    with pytest.raises(InvalidHTTPRequest) as err:
        api.api_experiment_delete("nope")
    assert err.value.response.json() == {"message": "Experiment nope is unknown",
                                         "unknownExperiment": "nope"}


def test_instance_routes(st4sd_net, api, pushed):
    uid = api.api_experiment_start("sum-numbers", payload())
    wait(api, uid)
    output = get(st4sd_net, f"/rs/instances/{uid}/outputs/TotalSum")
    assert output.headers["Content-Disposition"] == 'attachment; filename="total_sum.csv"'
    assert output.headers["Content-Type"] == "application/octet-stream"
    assert get(st4sd_net, f"/rs/instances/{uid}/outputs").json()["TotalSum"]["version"] == "1"
    assert get(st4sd_net, f"/rs/instances/{uid}/status").json()["exit-status"] == "Success"
    assert [i["id"] for i in get(st4sd_net, "/rs/instances/").json()] == [uid]
    assert get(st4sd_net, f"/rs/instances/{uid}/outputs/Nope").json() == {
        "message": f"Workflow instance {uid} has not produced key-output Nope yet",
        "unknownOutput": "Nope"}
    assert get(st4sd_net, f"/rs/instances/{uid}/outputs/TotalSum/x").json()["isFolder"] is False
    assert get(st4sd_net, "/rs/instances/nope/outputs/TotalSum").json() == {
        "message": "unknown workflow instance nope", "unknownInstanceId": "nope"}
    assert get(st4sd_net, "/rs/instances/nope").json() == {"message": "Instance nope is not found",
                                                           "unknownRestUID": "nope"}
    properties = get(st4sd_net, f"/rs/instances/{uid}", params={"includeProperties": "*"})
    assert (properties.status_code, properties.json()["unknownProperties"]) == (404, ["*"])
    with pytest.raises(InvalidHTTPRequest) as err:
        api.api_rest_uid_delete("nope")
    assert err.value.response.status_code == 400  # the real quirk: 400, not 404
    assert api.api_rest_uid_delete(uid) == '"OK"\n'


def test_unknown_routes_and_routes_not_simulated(st4sd_net, pushed):
    response = get(st4sd_net, "/rs/no-such-route")
    assert response.status_code == 404 and "was not found on the server" in response.json()["message"]
    response = get(st4sd_net, "/rs/datasets/")
    assert response.status_code == 501
    assert response.json()["message"] == ("GET /rs/datasets/ is not implemented in the ST4SD "
                                          "simulator (see COVERAGE.md)")
    response = get(st4sd_net, "/rs/experiments/sum-numbers/dsl")
    assert response.status_code == 501
    response = requests.put(f"{st4sd_net.st4sd_url}/rs/experiments/", cookies={"oauth-proxy": TOKEN})
    assert response.status_code == 405


def test_retagging(st4sd_net, api, pushed):
    url = f"{st4sd_net.st4sd_url}/rs/experiments/sum-numbers/tag"
    response = requests.put(url, params={"newTags": "stable,latest"}, cookies={"oauth-proxy": TOKEN})
    assert (response.status_code, response.json()) == (200, "OK")
    assert api.api_experiment_get("sum-numbers:stable")["metadata"]["registry"]["tags"] == [
        "stable", "latest"]
    response = requests.put(url, params={"newTags": "x"}, cookies={"oauth-proxy": TOKEN})
    assert response.json()["cannotUntagLatestFrom"] == "sum-numbers"

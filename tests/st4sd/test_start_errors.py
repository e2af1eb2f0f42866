"""Bad start payloads get the real service's status codes, messages and error keys (the keys the
real client maps to its typed exceptions), and change nothing: no instance, timesExecuted kept."""
from __future__ import annotations

import copy

import pytest
import requests
from experiment.service.errors import (HTTPInvalidExperimentStartPayload, HTTPUnknownExperimentId,
                                       InvalidHTTPRequest)

from tests.st4sd.conftest import TOKEN, load_pvep
from tests.st4sd.helpers import payload


def start_raw(net, identifier: str, body) -> requests.Response:
    return requests.post(f"{net.st4sd_url}/rs/experiments/{identifier}/start", json=body,
                         cookies={"oauth-proxy": TOKEN})


def variant(name: str, **parameterisation) -> dict:
    pvep = copy.deepcopy(load_pvep())
    pvep["metadata"]["package"]["name"] = name
    for key, value in parameterisation.items():
        section, field = key.split("__")
        pvep["parameterisation"][section][field] = value
    return pvep


@pytest.fixture
def unchanged(st4sd_net, pushed):
    """Asserts after the test that the bad requests started nothing."""
    yield
    assert st4sd_net.st4sd.runtime.list() == []
    assert all(d["metadata"]["registry"]["timesExecuted"] == 0
               for d in st4sd_net.st4sd.registry.list())


def test_unknown_experiment_is_404_unknownExperiment(st4sd_net, api, unchanged):
    with pytest.raises(HTTPUnknownExperimentId) as err:
        api.api_experiment_start("no-such-experiment", payload())
    assert err.value.message == 'Unknown experiment "no-such-experiment"'
    response = start_raw(st4sd_net, "no-such-experiment", payload())
    assert response.status_code == 404
    assert response.json() == {"message": "No parameterised package no-such-experiment:latest",
                               "unknownExperiment": "no-such-experiment:latest"}
    assert start_raw(st4sd_net, "sum-numbers:no-such-tag", payload()).status_code == 404


def test_an_extra_key_is_400_invalidStartPayload(st4sd_net, api, unchanged):
    with pytest.raises(HTTPInvalidExperimentStartPayload) as err:
        api.api_experiment_start("sum-numbers", payload(userMetadata={"a": "b"}))
    assert err.value.response.status_code == 400
    assert "userMetadata\n  Extra inputs are not permitted" in err.value.validation_errors
    body = start_raw(st4sd_net, "sum-numbers", payload(userMetadata={})).json()
    assert body["message"] == "Invalid start payload"
    assert body["invalidStartPayload"].startswith(
        "1 validation error for DeprecatedExperimentStartPayload\nuserMetadata\n")
    # a payload that is not an object is a schema violation too
    assert "invalidStartPayload" in start_raw(st4sd_net, "sum-numbers", ["x"]).json()


def test_overriding_a_preset_variable_is_400_with_reason(st4sd_net, api, unchanged):
    api.api_experiment_push(variant(
        "preset-sum", presets__variables=[{"name": "addToSum", "value": "5"}],
        executionOptions__variables=[{"name": "sleepSeconds", "value": "0"}]))
    response = start_raw(st4sd_net, "preset-sum", payload(variables={"addToSum": 1}))
    assert response.status_code == 400
    assert response.json() == {
        "message": "Payload overrides workflow variables of parameterisation.presets: addToSum - "
                   "experiment start payload is invalid",
        "reason": "Payload overrides workflow variables of parameterisation.presets: addToSum"}
    with pytest.raises(InvalidHTTPRequest) as err:
        api.api_experiment_start("preset-sum", payload(variables={"addToSum": 1}))
    assert err.value.response.status_code == 400
    st4sd_net.st4sd.registry.delete("preset-sum")  # keep `unchanged` about sum-numbers


def test_a_variable_without_a_rule_or_with_a_value_not_allowed_is_400(st4sd_net, api, unchanged):
    response = start_raw(st4sd_net, "sum-numbers", payload(variables={"platformName": "x"}))
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid request. Payload sets variable platformName = x "
                                          "for which parameterisation.executionOptions.variables has "
                                          "no rule."}
    api.api_experiment_push(variant("choices-sum", executionOptions__variables=[
        {"name": "addToSum", "valueFrom": [{"value": "1"}, {"value": "2"}]}]))
    response = start_raw(st4sd_net, "choices-sum", payload(variables={"addToSum": 3}))
    assert response.json()["message"] == (
        "Invalid request. Payload variable addToSum = 3 does not have an allowed value. Valid "
        "choices are [{'value': '1'}, {'value': '2'}]")
    st4sd_net.st4sd.registry.delete("choices-sum")


def test_a_platform_not_allowed_is_400(st4sd_net, api, unchanged):
    response = start_raw(st4sd_net, "sum-numbers", payload(platform="scafellpike"))
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid request. Payload overrides "
                                          "parameterisation.executionOptions.platform=['default', "
                                          "'openshift']"}
    with pytest.raises(InvalidHTTPRequest):
        api.api_experiment_start("sum-numbers", payload(platform="scafellpike"))


def test_missing_or_extra_inputs_are_400_with_their_keys(st4sd_net, api, unchanged):
    response = start_raw(st4sd_net, "sum-numbers", {})
    assert response.status_code == 400
    assert response.json() == {"message": "Invalid experiment start payload. Missing inputs: "
                                          "['numbers.csv'].", "missingInputs": ["numbers.csv"]}
    body = payload()
    body["inputs"].append({"filename": "more.csv", "content": "number\n1\n"})
    assert start_raw(st4sd_net, "sum-numbers", body).json() == {
        "message": "Invalid experiment start payload. Extra inputs: ['more.csv']",
        "extraInputs": ["more.csv"]}
    body = {"inputs": [{"filename": "other.csv", "content": "1"}]}
    assert start_raw(st4sd_net, "sum-numbers", body).json() == {
        "message": "Invalid experiment start payload. Missing inputs: ['numbers.csv']. Extra "
                   "inputs: ['other.csv']",
        "missingInputs": ["numbers.csv"], "extraInputs": ["other.csv"]}
    with pytest.raises(InvalidHTTPRequest) as err:
        api.api_experiment_start("sum-numbers", {})
    assert err.value.response.json()["missingInputs"] == ["numbers.csv"]


@pytest.mark.parametrize("extra, status, body", [
    ({"data": [{"filename": "cat_me.txt", "content": "x"}]}, 400,
     {"message": "Invalid request. Payload overrides data files which are not specified in "
                 "parameterisation.executionOptions.data. Filenames are ['cat_me.txt']"}),
    ({"data": [{"filename": "numbers.csv", "content": "x"}]}, 400,
     {"message": "Input and Data files with conflicting names: ['numbers.csv'] - experiment start "
                 "payload is invalid", "reason": "Input and Data files with conflicting names: "
                                                 "['numbers.csv']"}),
    ({"additionalOptions": ["--registerWorkflow=no"]}, 400,
     {"message": "Invalid request. The payload runtime.args override commandline argument override "
                 "commandline argument --registerWorkflow=True which is part of "
                 "parameterisation.presets.runtime.args"}),
    ({"additionalOptions": ["--useMemoization=maybe"]}, 400,
     {"message": "Payload contains invalid runtime.args: 1 elaunch argument problems: Invalid "
                 "additionalOption --useMemoization=maybe, set it to one from ['yes', 'true', 'y', "
                 "'no', 'false', 'n'] - experiment start payload is invalid",
      "reason": "Payload contains invalid runtime.args: 1 elaunch argument problems: Invalid "
                "additionalOption --useMemoization=maybe, set it to one from ['yes', 'true', 'y', "
                "'no', 'false', 'n']"}),
    ({"inputs": [{"filename": "numbers.csv"}]}, 400,
     {"message": "Invalid payload: payload configuration for inputs file {'filename': 'numbers.csv'} "
                 "is invalid because there is no S3/Dataset security configuration",
      "reason": "payload configuration for inputs file {'filename': 'numbers.csv'} is invalid "
                "because there is no S3/Dataset security configuration"}),
])
def test_other_parameterisation_rules(st4sd_net, unchanged, extra, status, body):
    response = start_raw(st4sd_net, "sum-numbers", payload(**extra))
    assert (response.status_code, response.json()) == (status, body)


def test_orchestrator_resources_must_agree_with_the_presets(st4sd_net, api, unchanged):
    api.api_experiment_push(variant("big-sum", presets__runtime={
        "resources": {"memory": "2Gi"}, "args": ["--registerWorkflow=yes"]}))
    response = start_raw(st4sd_net, "big-sum", payload())
    assert response.json() == {"message": "Invalid request. payload.orchestrator_resources.memory "
                                          "overrides parameterisation.presets.runtime.resources."
                                          "memory"}
    assert start_raw(st4sd_net, "big-sum", payload(
        orchestrator_resources={"cpu": "1", "memory": "2Gi"})).status_code == 200
    for inst in st4sd_net.st4sd.runtime.list():
        st4sd_net.st4sd.runtime.delete(inst.rest_uid)
    st4sd_net.st4sd.registry.delete("big-sum")


def test_an_identifier_with_a_tag_and_a_digest_is_the_real_500(st4sd_net, unchanged):
    response = start_raw(st4sd_net, "sum-numbers:latest@sha256x00", payload())
    assert response.status_code == 500
    assert response.json()["message"].startswith(
        "Exception when creating instance sum-numbers:latest@sha256x00 - ")

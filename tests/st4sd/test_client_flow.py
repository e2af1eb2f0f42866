"""Seed document 004 end to end with the REAL st4sd-runtime-core ExperimentRestAPI, unmodified:
connect (token, api key, wrong credentials), push the example PVEP, start it with inputs from a
DataFrame, variables, a platform and data, poll the status, read TotalSum into pandas, list the
components and fetch a component file through the datastore, start again and stop it while it
runs. In process (requests interception) and in server mode (loopback HTTP)."""
from __future__ import annotations

import time

import pandas as pd
import pytest
import requests
from experiment.service.errors import InvalidHTTPRequest, UnauthorisedRequest

from simulator.network import Network
from tests.st4sd.conftest import API_KEY, TOKEN, load_pvep, make_api
from tests.st4sd.helpers import NUMBERS, payload, read_csv, wait

DATA = pd.DataFrame({"number": [1000, 0.25]})


def seed_flow(api) -> None:
    pushed = api.api_experiment_push(load_pvep())
    name, digest = pushed["metadata"]["package"]["name"], pushed["metadata"]["registry"]["digest"]
    assert (name, pushed["metadata"]["registry"]["tags"]) == ("sum-numbers", ["1.0.0", "latest"])
    assert digest.startswith("sha256x") and len(digest) == 63
    assert f"sum-numbers@{digest}" in api.api_experiment_list()
    assert api.api_experiment_get("sum-numbers:1.0.0")["metadata"]["registry"]["digest"] == digest

    rest_uid = api.api_experiment_start("sum-numbers", payload(
        variables={"addToSum": 7}, platform="openshift",
        data=[{"filename": "extra_numbers.csv", "content": DATA.to_csv(index=False)}]))
    assert rest_uid.startswith(f"sum-numbers-{digest[7:13]}-") and len(rest_uid) == 27

    instance = wait(api, rest_uid)
    status = instance["status"]
    assert (status["experiment-state"], status["exit-status"]) == ("finished", "Success")
    assert status["total-progress"] == 1.0 and status["error-description"] == ""
    assert status["stages"] == ["stage0", "stage1", "stage2"]
    assert status["meta"]["platform"] == "openshift"
    assert status["meta"]["userMetadata"]["rest-uid"] == rest_uid
    assert instance["k8s-labels"]["st4sd-package-digest"] == digest
    assert instance["experiment"]["metadata"]["registry"]["timesExecuted"] == 1
    assert instance["outputs"]["TotalSum"]["filepath"] == "stages/stage1/Sum/total_sum.csv"

    filename, content = api.api_rest_uid_output_get(rest_uid, "TotalSum")
    total = read_csv(content)
    assert filename == "total_sum.csv"
    assert total["total"][0] == pytest.approx(NUMBERS["number"].sum() + DATA["number"].sum() + 7)
    assert total["count"][0] == len(NUMBERS) + len(DATA)
    assert total["platform"][0] == "openshift"

    # the datastore: user-metadata document -> instance URI -> components -> files via the gateway
    metadata = api.cdb_get_user_metadata_document_for_rest_uid(rest_uid)
    instance_uri = metadata["instance"]
    assert instance_uri.startswith("file://") and metadata["experiment-id"] == f"{name}@{digest}"
    components = api.cdb_get_document_component(instance=instance_uri)
    assert sorted(c["component-identifier"] for c in components) == [
        "stage0.ReadNumbers", "stage1.Sum", "stage2.Report"]
    sums = api.cdb_get_document_component(instance=instance_uri, component="stage1.Sum",
                                          filename="total_sum.csv")
    assert [c["name"] for c in sums] == ["Sum"]
    stdout = api.cdb_get_file_from_instance_uri(instance_uri, "stages/stage2/Report/out.stdout")
    assert stdout.decode().strip() == f"The total is {total['total'][0]:g}"
    experiment = api.cdb_get_document_experiment_for_rest_uid(rest_uid)
    assert experiment["status"]["exit-status"] == "Success"

    # start again, slowly, and stop it while it runs
    slow = api.api_experiment_start("sum-numbers", payload(variables={"sleepSeconds": 60}))
    running = wait(api, slow, until=("running",))
    assert running["status"]["exit-status"] == "N/A"
    started = time.monotonic()
    assert api.api_rest_uid_delete(slow) == '"OK"\n'
    assert time.monotonic() - started < 5  # the sleeping component was killed, not waited for
    with pytest.raises(InvalidHTTPRequest) as err:
        api.api_rest_uid_status(slow, print_too=False)
    assert err.value.response.status_code == 404
    # the datastore records the stop (elaunch's "Killed by user signal", once its pod is gone)
    deadline = time.monotonic() + 30
    while True:
        docs = api.cdb_get_document_experiment(query={"metadata.userMetadata.rest-uid": slow})
        if docs and docs[0]["status"]["exit-status"] == "Stopped":
            break
        assert time.monotonic() < deadline, f"the stopped run never recorded Stopped: {docs}"
        time.sleep(0.1)


@pytest.fixture(params=["interpreter", "elaunch"])
def seed_net(request):
    """The seed flow under both runtimes: the in-process interpreter and the real elaunch.py."""
    if request.param == "elaunch":
        request.getfixturevalue("st4sd_runtime_venv")
    net = Network.from_scenario("st4sd-sum-numbers", st4sd_runtime=request.param)
    yield net
    net.close()


def test_seed_flow_in_process_with_an_auth_token(seed_net, no_sockets):
    with seed_net.intercept():
        seed_flow(make_api(seed_net.st4sd_url, cc_auth_token=TOKEN))


def test_seed_flow_in_server_mode_with_an_api_key(seed_net):
    server = seed_net.serve(port=0)
    try:
        api = make_api(f"{server.url}/st4sd", cc_auth_token=None, cc_bearer_key=API_KEY)
        assert api.cdb_rest_url == f"{server.url}/st4sd/ds-mongodb-proxy"  # from /rs/url-map/
        seed_flow(api)
    finally:
        server.stop()


def test_the_runtime_service_url_with_rs_works_too(st4sd_net):
    with st4sd_net.intercept():
        api = make_api(st4sd_net.st4sd_url + "/rs")
        assert api.cdb_registry_url == f"{st4sd_net.st4sd_url}/ds-registry"
        assert api.api_experiment_list() == {}


@pytest.mark.parametrize("kwargs", [{"cc_auth_token": "wrong"},
                                    {"cc_auth_token": None, "cc_bearer_key": "wrong"},
                                    {"cc_auth_token": TOKEN, "cc_bearer_key": "wrong"}])
def test_wrong_credentials_are_refused_by_the_constructor(st4sd_net, kwargs):
    with st4sd_net.intercept():
        with pytest.raises(UnauthorisedRequest) as err:
            make_api(st4sd_net.st4sd_url, **kwargs)
    assert err.value.response.status_code == 401


def test_every_service_needs_credentials(st4sd_net):
    with st4sd_net.intercept():
        base = st4sd_net.st4sd_url
        for path in ("/rs/experiments/", "/ds-mongodb-proxy/hello/", "/ds-registry/hello/"):
            assert requests.get(base + path).status_code == 403
            assert requests.get(base + path, cookies={"oauth-proxy": "nope"}).status_code == 401
            assert requests.get(base + path, cookies={"oauth-proxy": TOKEN}).status_code == 200
            assert requests.get(base + path,
                                headers={"Authorization": f"Bearer {API_KEY}"}).status_code == 200


def test_a_network_without_st4sd_users_accepts_the_default_user():
    net = Network()
    try:
        with net.intercept():
            api = make_api(net.st4sd_url, cc_auth_token="st4sd-token")
            assert api.api_experiment_list() == {}
            with pytest.raises(UnauthorisedRequest):
                make_api(net.st4sd_url, cc_auth_token="alice-oauth-token")
    finally:
        net.close()


def test_the_start_skeleton_names_inputs_data_variables_and_platform(api, pushed):
    skeleton = api.api_experiment_get_start_skeleton("sum-numbers")
    assert skeleton["payload"]["inputs"] == [
        {"filename": "numbers.csv", "content": "{{RequiredInputs_numbers.csv}}"}]
    assert skeleton["payload"]["data"] == [
        {"filename": "extra_numbers.csv", "content": "{{OptionalData_extra_numbers.csv}}"}]
    assert skeleton["payload"]["variables"] == {"addToSum": "{{OptionalVariable_addToSum}}",
                                                "sleepSeconds": "{{OptionalVariable_sleepSeconds}}"}
    assert skeleton["payload"]["platform"] == "{{OptionalPlatform}}"
    assert skeleton["magicValues"]["{{OptionalPlatform}}"]["choices"] == ["default", "openshift"]


def test_simulator_serve_prints_the_st4sd_endpoint_and_users():
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "simulator", "serve", "--scenario",
                             "st4sd-sum-numbers", "--port", "0"], stdout=subprocess.PIPE, text=True)
    try:
        api_url = proc.stdout.readline().strip()
        st4sd_url = proc.stdout.readline().strip()
        user = proc.stdout.readline().split()
        assert st4sd_url == api_url[: -len("/api")] + "/st4sd"
        assert user == ["st4sd", "user", "alice:", "token", TOKEN, "api_key", API_KEY]
        api = make_api(st4sd_url, cc_auth_token=None, cc_bearer_key=API_KEY)
        assert api.api_experiment_push(load_pvep())["metadata"]["package"]["name"] == "sum-numbers"
    finally:
        proc.terminate()
        proc.wait(timeout=10)

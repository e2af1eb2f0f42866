"""Workflows really run: failures, replicas and aggregation, status phases, the network clock,
and cleanup of instance directories and subprocesses."""
from __future__ import annotations

import datetime as dt
import gc
import json
import os
import textwrap
import time
from pathlib import Path

import pytest
import requests

from simulator import Clock, Network
from tests.st4sd.conftest import make_api
from tests.st4sd.helpers import payload, wait

GIT = "https://git.example.org/tests/workflow.git"


def package(tmp_path: Path, flowir: str, data: dict | None = None) -> Path:
    root = tmp_path / "pkg"
    (root / "conf").mkdir(parents=True)
    (root / "conf" / "flowir_package.yaml").write_text(textwrap.dedent(flowir))
    for name, content in (data or {}).items():
        (root / "data").mkdir(exist_ok=True)
        (root / "data" / name).write_text(content)
    return root


def pvep(name: str = "wf", **execution_options) -> dict:
    return {"base": {"packages": [{"source": {"git": {"location": {"url": GIT}}}}]},
            "metadata": {"package": {"name": name}},
            "parameterisation": {"presets": {"runtime": {"args": ["--registerWorkflow=yes"]}},
                                 "executionOptions": execution_options}}


@pytest.fixture
def net():
    net = Network(st4sd_runtime="interpreter")
    yield net
    net.close()


@pytest.fixture
def client(net):
    with net.intercept():
        yield make_api(net.st4sd_url, cc_auth_token="st4sd-token")


def test_a_failing_component_fails_the_run_and_names_the_component(tmp_path, net, client):
    net.st4sd.add_package(package(tmp_path, """
        components:
        - {stage: 0, name: Fine, command: {executable: "true"}}
        - stage: 1
          name: Broken
          command: {executable: sh, arguments: "-c 'echo oops >&2; exit 3'"}
        - {stage: 2, name: Never, command: {executable: "true"}}
    """), git=GIT)
    client.api_experiment_push(pvep())
    uid = client.api_experiment_start("wf", {})
    status = wait(client, uid)["status"]
    assert (status["experiment-state"], status["exit-status"]) == ("finished", "Failed")
    assert "stage1.Broken" in status["error-description"]
    assert "Returncode 3" in status["error-description"]
    assert status["current-stage"] == "stage1" and status["stage-state"] == "failed"
    metadata = client.cdb_get_document_user_metadata_for_rest_uid(uid)
    docs = client.cdb_get_document_component(instance=metadata["instance"])
    # every component is registered at the start, as the real reporter does
    assert {d["name"]: d["component-state"] for d in docs} == {
        "Fine": "finished", "Broken": "failed", "Never": "unknown"}
    stderr = client.cdb_get_file_from_instance_uri(metadata["instance"],
                                                   "stages/stage1/Broken/out.stderr")
    assert stderr == b"oops\n"


def test_replicas_aggregation_variables_and_copy_references(tmp_path, net, client):
    net.st4sd.add_package(package(tmp_path, """
        variables:
          default:
            global: {points: 3, scale: 10}
            stages: {1: {offset: 1}}
        components:
        - stage: 0
          name: Generate
          command: {executable: sh, arguments: "-c 'echo $((%(replica)s * %(scale)s))'"}
          workflowAttributes: {replicate: "%(points)s"}
        - stage: 0
          name: Double
          command: {executable: sh, arguments: "-c 'echo $((Generate:output * 2))'"}
          references: ["Generate:output"]
        - stage: 1
          name: Total
          command: {executable: sh, arguments: "-c 'cat note.txt; echo stage0.Double:output %(offset)s'"}
          references: ["stage0.Double:output", "data/note.txt:copy"]
          workflowAttributes: {aggregate: true}
        output:
          Result: {data-in: "stage1.Total/out.stdout:ref"}
    """, data={"note.txt": "sum:\n"}), git=GIT)
    client.api_experiment_push(pvep(variables=[{"name": "scale", "value": "10"}]))
    uid = client.api_experiment_start("wf", {"variables": {"scale": 5}})
    instance = wait(client, uid)
    assert instance["status"]["exit-status"] == "Success", instance["status"]
    name, content = client.api_rest_uid_output_get(uid, "Result")
    assert (name, content) == ("out.stdout", b"sum:\n0 10 20 1\n")  # replicas 0..2 x 5 x 2
    components = client.cdb_get_document_component(
        instance=client.cdb_get_document_user_metadata_for_rest_uid(uid)["instance"])
    assert sorted(c["name"] for c in components) == [
        "Double0", "Double1", "Double2", "Generate0", "Generate1", "Generate2", "Total"]


def test_unsupported_workflow_features_are_501_at_push(tmp_path, net, client):
    net.st4sd.add_package(package(tmp_path, """
        components:
        - stage: 0
          name: Loop
          command: {executable: "true"}
          workflowAttributes: {isRepeat: true}
    """), git=GIT)
    response = requests.post(f"{net.st4sd_url}/rs/experiments/", json=pvep(),
                             cookies={"oauth-proxy": "st4sd-token"})
    assert response.status_code == 501
    assert "workflowAttributes.isRepeat" in response.json()["message"]


def test_undefined_variables_refuse_the_platform(tmp_path, net, client):
    net.st4sd.add_package(package(tmp_path, """
        components:
        - {stage: 0, name: A, command: {executable: echo, arguments: "%(nope)s"}}
    """), git=GIT)
    response = requests.post(f"{net.st4sd_url}/rs/experiments/", json=pvep(),
                             cookies={"oauth-proxy": "st4sd-token"})
    assert response.status_code == 400
    assert response.json()["problem"].startswith("Invalid platform default in base package main.")


def test_timestamps_come_from_the_network_clock():
    start = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    net = Network.from_scenario("st4sd-sum-numbers", clock=Clock(start=start),
                                st4sd_runtime="interpreter")
    try:
        with net.intercept():
            api = make_api(net.st4sd_url)
            from tests.st4sd.conftest import load_pvep
            pushed = api.api_experiment_push(load_pvep())
            assert pushed["metadata"]["registry"]["createdOn"] == "2030-01-02T03:04:05.000000+0000"
            uid = api.api_experiment_start("sum-numbers", payload())
            instance = wait(api, uid)
        assert instance["outputs"]["TotalSum"]["creationtime"] == str(start.timestamp())
        assert instance["status"]["meta"]["instanceName"].endswith("2030-01-02T030405.000000.instance")
    finally:
        net.close()


def test_status_phases_while_running(st4sd_net, api, pushed):
    uid = api.api_experiment_start("sum-numbers", payload(variables={"sleepSeconds": 30}))
    running = wait(api, uid, until=("running",))["status"]
    while running["current-stage"] != "stage1":
        running = api.api_rest_uid_status(uid, print_too=False)["status"]
    assert running["exit-status"] == "N/A" and running["stage-state"] == "running"
    assert 0 < running["total-progress"] < 1
    assert api.api_rest_uid_status(uid, print_too=False)["outputs"] == {}
    api.api_rest_uid_delete(uid)


def test_close_kills_running_components_and_removes_instance_directories(tmp_path):
    net = Network.from_scenario("st4sd-sum-numbers", st4sd_runtime="interpreter")
    with net.intercept():
        api = make_api(net.st4sd_url)
        from tests.st4sd.conftest import load_pvep
        api.api_experiment_push(load_pvep())
        uid = api.api_experiment_start("sum-numbers", payload(variables={"sleepSeconds": 60}))
        wait(api, uid, until=("running",))
    inst = net.st4sd.runtime.get(uid)
    while inst.proc is None:
        time.sleep(0.01)
    pid, root = inst.proc.pid, net.st4sd.runtime.root
    started = time.monotonic()
    net.close()
    assert time.monotonic() - started < 5
    assert not root.exists()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_garbage_collection_removes_instance_directories():
    net = Network.from_scenario("st4sd-sum-numbers", st4sd_runtime="interpreter")
    with net.intercept():
        api = make_api(net.st4sd_url)
        from tests.st4sd.conftest import load_pvep
        api.api_experiment_push(load_pvep())
        wait(api, api.api_experiment_start("sum-numbers", payload()))
    root = net.st4sd.runtime.root
    assert root.exists()
    del net, api
    gc.collect()
    assert not root.exists()


def test_instance_directory_layout(st4sd_net, api, pushed):
    uid = api.api_experiment_start("sum-numbers", payload(variables={"addToSum": 2}))
    meta = wait(api, uid)["status"]["meta"]
    directory = st4sd_net.st4sd.runtime.root / meta["instanceName"]
    for path in ("conf/flowir_package.yaml", "input/numbers.csv", "input/st4sd-variables.yaml",
                 "data/extra_numbers.csv", "bin/sum.py", "output/status.txt",
                 "output/output.json", "output/experiment.log", "elaunch.yaml"):
        assert (directory / path).is_file(), path
    assert json.loads((directory / "output/output.json").read_text())["TotalSum"]["final"] == "yes"
    assert "exit-status=Success" in (directory / "output/status.txt").read_text()

"""Issue 16's acceptance: the bundled ST4SD scenario (sum-numbers) and two workflows in the style of
st4sd-examples (word-stats, DSL 2.0; replica-squares, FlowIR) run end to end under the REAL
elaunch.py through the real ExperimentRestAPI, in process and in server mode, and their key-outputs
and properties equal what elaunch.py gives when run by hand on the same package and files."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
import yaml

from simulator.network import Network
from simulator.st4sd.datastore import property_table
from tests.st4sd.conftest import API_KEY, ROOT, TOKEN, make_api
from tests.st4sd.helpers import wait

SCENARIOS = ROOT / "scenarios" / "st4sd"
NUMBERS = "number\n1\n2\n3.5\n10\n"
WORDS = "word,language\nhello,en\nworld,en\nst4sd,code\nÆsir,is\nqueue,en\n"
POINTS = "label,x\na,1\nb,2.5\nc,-3\n"
# name: (start payload, what the runtime service hands elaunch for it: platform, variables)
CASES = {
    "sum-numbers": ({"inputs": [{"filename": "numbers.csv", "content": NUMBERS}],
                     "data": [{"filename": "extra_numbers.csv", "content": "number\n0.25\n"}],
                     "variables": {"addToSum": 7}, "platform": "openshift"},
                    "openshift", {"addToSum": "7", "sleepSeconds": "0"}),
    "word-stats": ({"inputs": [{"filename": "words.csv", "content": WORDS}],
                    "variables": {"alphabet": "any"}},
                   None, {"alphabet": "any"}),
    "replica-squares": ({"inputs": [{"filename": "points.csv", "content": POINTS}],
                         "data": [{"filename": "offset.txt", "content": "1.5\n"}],
                         "platform": "fast"},
                        "fast", {"numberOfPoints": "3"}),
}
PROPERTIES = {"word-stats": ["vowels", "letters"], "replica-squares": ["y"]}


def pvep(name: str) -> dict:
    return json.loads((SCENARIOS / f"{name}.pvep.json").read_text())


def by_hand(venv: Path, name: str, folder: Path) -> subprocess.Popen:
    """elaunch.py run by hand (the local backend) on the package, with the payload's files."""
    body, platform, variables = CASES[name]
    folder.mkdir()
    args = [str(venv / "bin" / "python"), str(venv / "bin" / "elaunch.py"), "-l15", "--nostamp",
            "--failSafeDelays=no", "--instanceName", "hand"]
    if platform:
        args.append(f"--platform={platform}")
    for kind, flag in (("inputs", "-i"), ("data", "-d")):
        for entry in body.get(kind, []):
            (folder / entry["filename"]).write_text(entry["content"])
            args += [flag, str(folder / entry["filename"])]
    (folder / "variables.yaml").write_text(yaml.dump({"global": variables}))
    args += ["-a", str(folder / "variables.yaml"), str(SCENARIOS / name)]
    env = dict(os.environ, PATH=f"{venv / 'bin'}{os.pathsep}{os.environ['PATH']}")
    return subprocess.Popen(args, cwd=folder, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


@pytest.fixture
def examples_net(st4sd_runtime_venv):
    net = Network.from_scenario("st4sd-examples", st4sd_runtime="elaunch")
    yield net
    net.close()


def test_examples_agree_with_elaunch_run_by_hand(examples_net, st4sd_runtime_venv, tmp_path):
    hand = {name: by_hand(st4sd_runtime_venv, name, tmp_path / name) for name in CASES}
    server = examples_net.serve(port=0)
    try:
        with examples_net.intercept():
            apis = {"in process": make_api(examples_net.st4sd_url, cc_auth_token=TOKEN),
                    "server mode": make_api(f"{server.url}/st4sd", cc_auth_token=None,
                                            cc_bearer_key=API_KEY)}
            for name in CASES:
                pushed = apis["in process"].api_experiment_push(pvep(name))
                assert pushed["metadata"]["registry"]["digest"].startswith("sha256x")
            started = {(way, name): api.api_experiment_start(name, CASES[name][0])
                       for way, api in apis.items() for name in CASES}
            for proc in hand.values():
                assert proc.wait(timeout=180) == 0
            for (way, name), uid in started.items():
                api = apis[way]
                instance = wait(api, uid, timeout=180)
                status = instance["status"]
                assert (status["experiment-state"], status["exit-status"]) == (
                    "finished", "Success"), (way, name, status)
                real = tmp_path / name / "hand.instance"
                outputs = json.loads((real / "output" / "output.json").read_text())
                assert sorted(instance["outputs"]) == sorted(outputs)
                for key, output in outputs.items():
                    assert instance["outputs"][key]["filepath"] == output["filepath"]
                    filename, content = api.api_rest_uid_output_get(uid, key)
                    assert (filename, content) == (output["filename"],
                                                   (real / output["filepath"]).read_bytes())
                if name in PROPERTIES:
                    expected = property_table(real / "output" / "properties.csv", "*", False)
                    got = api.api_rest_uid_status(uid, include_properties=PROPERTIES[name],
                                                  print_too=False)
                    table = got["experiment"]["metadata"]["registry"]["interface"]["propertyTable"]
                    assert table == expected, (way, name)
                    docs = api.cdb_get_document_experiment_for_rest_uid(
                        uid, include_properties=PROPERTIES[name])
                    assert docs["interface"]["propertyTable"] == expected
    finally:
        server.stop()
        for proc in hand.values():
            proc.kill()


def test_dsl_packages_are_registered_from_the_real_core(examples_net):
    with examples_net.intercept():
        api = make_api(examples_net.st4sd_url)
        registry = api.api_experiment_push(pvep("word-stats"))["metadata"]["registry"]
    assert registry["inputs"] == [{"name": "words.csv"}]
    assert registry["platforms"] == ["default"]
    assert sorted(o["name"] for o in registry["output"]) == ["letters", "vowels"]
    assert registry["interface"]["propertiesSpec"][0]["name"] == "Vowels"
    variables = {v["name"]: v["valueFrom"] for v in registry["executionOptionsDefaults"]["variables"]}
    assert variables["alphabet"] == [{"value": "latin", "platform": "default"}]

"""The real elaunch.py through the runtime service: a failing component's real status and logs,
restarts, memoization, and stopping: deleting an instance, Network.close() and a crash of the
process that holds the network leave nothing running."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import psutil
import pytest

from simulator import Network
from tests.st4sd.conftest import ROOT, load_pvep, make_api
from tests.st4sd.helpers import payload, wait

GIT = "https://git.example.org/tests/elaunch.git"
FLAKY = """\
#!/usr/bin/env python3
import os, sys
if not os.path.exists("tried"):  # the first run fails, the restart (same folder) works
    open("tried", "w").close()
    sys.exit("first try fails")
print("second try works")
"""
FAIL = """\
#!/usr/bin/env python3
import sys
print("got", *sys.argv[1:])
sys.exit("boom: the component failed")
"""
STAMP = """\
#!/usr/bin/env python3
import os, time
print(os.getpid(), time.time_ns())
"""
RESTART_HOOK = """\
def Restart(workingDirectory, restarts, componentName, log, exitReason, exitCode):
    return "RestartContextRestartPossible"
"""


def package(root: Path, flowir: str, scripts: dict[str, str]) -> Path:
    (root / "conf").mkdir(parents=True)
    (root / "bin").mkdir()
    (root / "conf" / "flowir_package.yaml").write_text(textwrap.dedent(flowir))
    for name, text in scripts.items():
        path = root / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
        path.chmod(0o755)
    return root


def pvep(name: str, *args: str) -> dict:
    return {"base": {"packages": [{"source": {"git": {"location": {"url": GIT}}}}]},
            "metadata": {"package": {"name": name}},
            "parameterisation": {"presets": {"runtime": {"args": ["--registerWorkflow=yes",
                                                                   *args]}}}}


@pytest.fixture
def net(st4sd_runtime_venv):
    net = Network(st4sd_runtime="elaunch")
    yield net
    net.close()


def test_a_restarted_component_then_a_failing_one(net, tmp_path):
    net.st4sd.add_package(package(tmp_path / "pkg", """
        components:
        - {stage: 0, name: Flaky, command: {executable: bin/flaky.py},
           workflowAttributes: {restartHookOn: [KnownIssue], maxRestarts: 2}}
        - {stage: 1, name: Fail, command: {executable: bin/fail.py, arguments: "stage0.Flaky:output"},
           references: ["stage0.Flaky:output"]}
        """, {"bin/flaky.py": FLAKY, "bin/fail.py": FAIL, "hooks/__init__.py": "",
              "hooks/restart.py": RESTART_HOOK}), git=GIT)
    with net.intercept():
        api = make_api(net.st4sd_url, cc_auth_token="st4sd-token")
        api.api_experiment_push(pvep("flaky"))
        uid = api.api_experiment_start("flaky", {})
        status = wait(api, uid)["status"]
        assert (status["experiment-state"], status["exit-status"]) == ("finished", "Failed")
        assert status["stage-state"] == "failed" and status["current-stage"] == "stage1"
        # elaunch escapes the newlines of status.txt; the sidecar unescapes them once
        assert status["error-description"] == (
            "Stage 1 failed. Reason:\\n1 jobs failed unexpectedly.\\nJob: stage1.Fail. "
            "Returncode 1. Reason KnownIssue\\n")
        uri = api.cdb_get_user_metadata_document_for_rest_uid(uid)["instance"]
        logs = {path: api.cdb_get_file_from_instance_uri(uri, path) for path in (
            "stages/stage0/Flaky/out.stdout", "stages/stage1/Fail/out.stdout",
            "stages/stage1/Fail/out.stderr")}
        assert logs == {"stages/stage0/Flaky/out.stdout": b"second try works\n",
                        "stages/stage1/Fail/out.stdout": b"got second try works\n",
                        "stages/stage1/Fail/out.stderr": b"boom: the component failed\n"}
        states = {c["component-identifier"]: c["component-state"]
                  for c in api.cdb_get_document_component(instance=uri)}
        assert states == {"stage0.Flaky": "finished", "stage1.Fail": "failed"}
        details = json.loads(api.cdb_get_file_from_instance_uri(uri, "output/status_details.json"))
        assert "stage1.Fail" in details["1"]["engine"]["componentStates"]


def test_memoization_reuses_the_outputs_of_an_earlier_run(net, tmp_path):
    net.st4sd.add_package(package(tmp_path / "pkg", """
        components:
        - {stage: 0, name: Stamp, command: {executable: bin/stamp.py}}
        """, {"bin/stamp.py": STAMP}), git=GIT)
    with net.intercept():
        api = make_api(net.st4sd_url, cc_auth_token="st4sd-token")
        api.api_experiment_push(pvep("memo", "--useMemoization=yes"))
        stdouts, hashes = [], []
        for _ in range(2):
            uid = api.api_experiment_start("memo", {})
            assert wait(api, uid)["status"]["exit-status"] == "Success"
            uri = api.cdb_get_user_metadata_document_for_rest_uid(uid)["instance"]
            stdouts.append(api.cdb_get_file_from_instance_uri(uri, "stages/stage0/Stamp/out.stdout"))
            hashes += [c["memoization-hash"] for c in api.cdb_get_document_component(instance=uri)]
            log = api.cdb_get_file_from_instance_uri(uri, "output/experiment.log").decode()
        assert stdouts[0] == stdouts[1]  # the second run copied the first's files, it did not run
        assert hashes[0] == hashes[1] and hashes[0]
        assert "Can memoize stage0.Stamp" in log


def descendants(pid: int) -> list[psutil.Process]:
    return [psutil.Process(pid)] + psutil.Process(pid).children(recursive=True)


def command_line(process: psutil.Process) -> str:
    """Its command line; "" for a process that exited (or is a zombie) while we looked."""
    try:
        return " ".join(process.cmdline())
    except psutil.Error:
        return ""


def wait_gone(processes: list[psutil.Process], timeout: float) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    return [p for p in alive if p.status() != psutil.STATUS_ZOMBIE]


def running_sum(net: Network) -> tuple[object, str, list[psutil.Process]]:
    """sum-numbers with a component sleeping a minute, once its process tree is all there."""
    api = make_api(net.st4sd_url)
    api.api_experiment_push(load_pvep())
    uid = api.api_experiment_start("sum-numbers", payload(variables={"sleepSeconds": 60}))
    deadline = time.monotonic() + 60
    while True:
        pid = net.st4sd.runtime.get(uid).pid
        tree = descendants(pid)
        if any("sum.py" in command_line(p) for p in tree):
            return api, uid, tree
        assert time.monotonic() < deadline, "the sleeping component never started"
        time.sleep(0.1)


def test_deleting_an_instance_stops_elaunch_and_its_components(st4sd_runtime_venv):
    net = Network.from_scenario("st4sd-sum-numbers", st4sd_runtime="elaunch")
    try:
        with net.intercept():
            api, uid, tree = running_sum(net)
            assert len(tree) >= 3  # supervisor, elaunch.py, sum.py
            started = time.monotonic()
            api.api_rest_uid_delete(uid)
            assert time.monotonic() - started < 1  # the pod stops after the answer
            assert wait_gone(tree, timeout=30) == []
    finally:
        net.close()


def test_close_kills_every_process_of_running_instances(st4sd_runtime_venv):
    net = Network.from_scenario("st4sd-sum-numbers", st4sd_runtime="elaunch")
    with net.intercept():
        _, _, tree = running_sum(net)
    root = net.st4sd.runtime.root
    started = time.monotonic()
    net.close()
    assert time.monotonic() - started < 10
    assert wait_gone(tree, timeout=5) == [] and not root.exists()


CRASHING = """
import json, sys, time
sys.path.insert(0, {root!r})
from simulator import Network
from tests.st4sd.conftest import load_pvep, make_api
from tests.st4sd.helpers import payload
net = Network.from_scenario("st4sd-sum-numbers", st4sd_runtime="elaunch")
with net.intercept():
    api = make_api(net.st4sd_url)
    api.api_experiment_push(load_pvep())
    uid = api.api_experiment_start("sum-numbers", payload(variables={{"sleepSeconds": 60}}))
print(net.st4sd.runtime.get(uid).pid, flush=True)
time.sleep(600)
"""


def test_a_crash_of_the_test_process_leaves_nothing_running(st4sd_runtime_venv, tmp_path):
    script = tmp_path / "holder.py"
    script.write_text(CRASHING.format(root=str(ROOT)))
    holder = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True,
                              cwd=ROOT)
    try:
        supervisor = int(holder.stdout.readline())
        deadline = time.monotonic() + 60
        while not any("sum.py" in command_line(p) for p in descendants(supervisor)):
            assert time.monotonic() < deadline, "the sleeping component never started"
            time.sleep(0.1)
        tree = descendants(supervisor)
        os.kill(holder.pid, signal.SIGKILL)  # no cleanup, no atexit, no finalizers
        holder.wait(timeout=10)
        assert wait_gone(tree, timeout=10) == []
    finally:
        holder.kill()

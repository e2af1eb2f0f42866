"""Nodes share nothing across organizations, as real nodes do: a run sees its own run folder, its
job's temporary folder and its own databases; not another organization's CSV, another run's
folder or token, the simulator's environment or another process's. A token taken from another
node's run does not work at this node's proxy. In both execution modes."""
from __future__ import annotations

import errno
import os

import pandas as pd
import pytest

from tests.helpers import RESEARCHER, decoded_results, federation, make_client, run_task

SNOOPING = "test/snooping"
FRAMES = [pd.DataFrame({"age": [30, 40, 50]}), pd.DataFrame({"age": [20, 25, 35, 45]})]
REFUSED = {"refused": "FileNotFoundError", "errno": errno.ENOENT}
SECRET = "SIMULATOR_TEST_HOST_SECRET"  # in the test process's environment: never in a run's


def only_result(results) -> dict:
    (value,) = decoded_results(results).values()
    return value


@pytest.fixture(params=["in-process", "isolated"])
def net(request, tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET, "host-only")
    with federation(tmp_path, FRAMES, execution=request.param,
                    algorithms={SNOOPING: "tests.algorithms.snooping"}) as network:
        with network.intercept():
            yield network


def test_a_run_cannot_reach_what_its_container_would_not_have(net, tmp_path):
    res = make_client(*RESEARCHER)
    # org 3's run leaves its folder (input, output, token) behind, as a real node's does
    first, _ = run_task(res, "probe", [3], image=SNOOPING)
    node3 = net.nodes.of(organization=3)
    (run3,) = res.run.from_task(first["id"])["data"]
    folder3 = node3.data_dir() / f"task-{run3['id']:09d}"
    assert (folder3 / "token").read_text()  # outside a run, the files are there
    other_csv = str(tmp_path / "org3.csv")
    assert os.path.isfile(other_csv)
    link = tmp_path / "innocent.csv"
    link.symlink_to(other_csv)

    _, results = run_task(res, "probe", [2], image=SNOOPING, read=[
        other_csv,  # another organization's database, by its path
        str(folder3 / "token"), str(folder3 / "input"),  # another node's run folder
        str(link),  # a link to it from anywhere
        f"/proc/{os.getpid()}/environ",  # the simulator's (or test session's) environment
        "/proc/1/environ",  # another process
    ], listed=[str(node3.data_dir()), str(node3.data_dir().parent)],
        written=[str(folder3 / "output")])
    seen = only_result(results)
    assert seen["read"] == {path: REFUSED for path in seen["read"]}
    assert seen["listed"] == {path: REFUSED for path in seen["listed"]}
    assert seen["written"] == {path: REFUSED for path in seen["written"]}
    assert (folder3 / "output").read_bytes() != b"x"  # nothing of org 3's changed
    # its own files, database and temporary folder are all there
    assert all("got" in outcome for outcome in seen["own"].values()), seen["own"]
    assert seen["own"]["DEFAULT_DATABASE_URI"]["got"] == (tmp_path / "org2.csv").stat().st_size
    assert seen["temporary"] == {"got": 1}
    # the image's environment and the node's variables, not the host's
    assert SECRET not in seen["environment"] and "DEFAULT_DATABASE_URI" in seen["environment"]


def test_an_isolated_run_has_a_clean_environment_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setenv(SECRET, "host-only")
    with federation(tmp_path, FRAMES, execution="isolated",
                    algorithms={SNOOPING: "tests.algorithms.snooping"}) as net, net.intercept():
        res = make_client(*RESEARCHER)
        run_task(res, "probe", [3], image=SNOOPING)
        _, results = run_task(res, "probe", [2], image=SNOOPING, read=["/proc/self/environ"])
        seen = only_result(results)
        # nor anything of another node in its memory: only its own frame (3 rows), parsed here
        assert seen["frames_in_memory"] == [3]
        # its own process: its own environment is readable, and holds nothing of the host's
        assert seen["process"] != os.getpid() and "got" in seen["read"]["/proc/self/environ"]
        assert SECRET not in seen["environment"]


def test_a_token_from_another_nodes_run_is_refused_at_this_nodes_proxy(net):
    res = make_client(*RESEARCHER)
    first, _ = run_task(res, "probe", [3], image=SNOOPING)
    (run3,) = res.run.from_task(first["id"])["data"]
    stolen = (net.nodes.of(organization=3).data_dir() / f"task-{run3['id']:09d}" / "token"
              ).read_text()
    _, results = run_task(res, "proxy_with", [2], image=SNOOPING, token=stolen)
    assert only_result(results) == {"status": 500,
                                    "body": {"msg": "Request failed, see node logs"}}
    refused = net.events.events("node_proxy_refused")
    assert [e.data["reason"] for e in refused] == [
        f"a container token of node {net.nodes.of(organization=3).id} (its containers reach "
        "only their own node's proxy)"]
    # its own token works at its own proxy, as on a real node
    own = (net.nodes.of(organization=3).data_dir() / f"task-{run3['id']:09d}" / "token")
    _, results = run_task(res, "proxy_with", [3], image=SNOOPING, token=own.read_text())
    assert only_result(results)["status"] == 200

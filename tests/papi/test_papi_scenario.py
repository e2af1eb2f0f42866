"""The scenario's ``papi:`` section, Python helpers, and the in-memory Nomad on its own."""
from __future__ import annotations

import datetime as dt

import pytest

from simulator import Clock, Network, ScenarioError
from simulator.papi.config import Timing
from simulator.papi.nomad import NomadBadRequest, NomadCluster, NomadNotFound, compile_filter

VO = "vo.ai4eosc.eu"


@pytest.mark.parametrize("section,message", [
    ({"bogus": 1}, r"unknown keys \['bogus'\]"),
    ({"users": [{"name": "x", "vos": {VO: "boss"}}]}, "level 'boss' is not one of"),
    ({"users": [{"vos": {}}]}, "needs a name"),
    ({"users": [{"name": "x"}, {"name": "x"}]}, "user names must be unique"),
    ({"nodes": [{"name": "n"}]}, "needs a name and a datacenter"),
    ({"vos": {"vo.new.eu": {"priority": 10}}}, "needs a namespace and a domain"),
    ({"timing": {"fast": 1}}, "timing keys"),
    ({"bearer_error_status": 418}, "bearer_error_status"),
])
def test_scenario_errors_name_the_problem(section, message):
    with pytest.raises(ScenarioError, match=message):
        Network({"papi": section})


def test_defaults_without_a_papi_section():
    net = Network()
    assert net.papi.users == {}
    assert [n.name for n in net.papi.nomad.nodes.values()] == [
        "ifca-cpu-01", "ifca-gpu-01", "iisas-gpu-01", "incd-cpu-01"]
    assert net.papi.issuer == "http://vantage6.test:7601/papi/oidc/realms/ai4eosc"
    with pytest.raises(KeyError, match="no PAPI user 'alice'"):
        net.papi.token_for("alice")
    user = net.papi.add_user("alice", vos={VO: "ap-u"})
    assert user.roles == [f"access:{VO}:ap-u"] and user.email == "alice@example.org"
    assert net.request("GET", "/papi/v1/deployments/modules", token=net.papi.token_for("alice"),
                       params={"vos": VO}).get_json() == []


def test_a_new_vo_and_custom_issuer():
    clock = Clock(start=dt.datetime(2026, 5, 1))
    net = Network({"papi": {
        "vos": {"vo.example.eu": {"namespace": "example", "domain": "deploy.example.eu",
                                  "gpu_quota": 1, "priority": 30}},
        "users": [{"name": "u", "sub": "fixed-sub", "vos": {"vo.example.eu": "ap-u"}}],
        "nodes": [{"name": "ex-1", "datacenter": "example-dc", "domain": "ex",
                   "namespaces": ["example"], "cpu": 8, "memory_gb": 16, "disk_gb": 100}],
        "oidc": {"issuer": "https://login.example.eu/realms/ex", "token_seconds": 60}}},
        clock=clock)
    token = net.papi.token_for("u")
    uuid = net.request("POST", "/papi/v1/deployments/modules", token=token,
                       params={"vo": "vo.example.eu"}, json={"hardware": {"cpu_num": 2}}
                       ).get_json()["job_ID"]
    clock.advance(3)
    info = net.request("GET", f"/papi/v1/deployments/modules/{uuid}", token=token,
                       params={"vo": "vo.example.eu"}).get_json()
    assert info["owner"] == "fixed-sub" and info["datacenter"] == "example-dc"
    assert info["endpoints"]["api"] == f"https://api-{uuid}.ex-deploy.example.eu/ui"
    assert net.papi.nomad.get_job(uuid, "example")["Priority"] == 30
    clock.advance(60)  # a one-minute token
    assert net.request("GET", f"/papi/v1/deployments/modules/{uuid}", token=token,
                       params={"vo": "vo.example.eu"}).get_json() == \
        {"detail": "Signature has expired"}


def test_deterministic_under_a_seed():
    def world():
        clock = Clock(start=dt.datetime(2026, 1, 1))
        net = Network.from_scenario("papi", clock=clock, seed=7)
        token = net.papi.token_for("alice")
        return net.request("POST", "/papi/v1/deployments/modules", token=token,
                           params={"vo": VO}, json={}).get_json()["job_ID"], token

    assert world() == world()


# ---------------------------------------------------------------------------------- Nomad
def _cluster(clock):
    nomad = NomadCluster(clock, Timing(queued=0, starting=1, stopping=1, gc=10))
    nomad.add_node("n1", datacenter="dc", cores=4, memory_mb=8000, disk_mb=10000,
                   namespaces=["ns"], domain="d")
    return nomad


def _job(job_id, cores=2, name=None, owner="me"):
    return {"Job": {"ID": job_id, "Name": name or f"module-{job_id}", "Namespace": "ns",
                    "Meta": {"owner": owner}, "TaskGroups": [{
                        "Name": "usergroup", "EphemeralDisk": {"SizeMB": 100},
                        "Tasks": [{"Name": "main", "Config": {"image": "x/y:z"},
                                   "Resources": {"Cores": cores, "MemoryMB": 100}}]}]}}


def test_nomad_lifecycle_and_purge():
    clock = Clock(start=dt.datetime(2026, 1, 1))
    nomad = _cluster(clock)
    nomad.register_job(_job("a"))
    assert nomad.get_job("a", "ns")["Status"] == "running"  # an allocation exists (pending)
    [alloc] = nomad.get_allocations("a", "ns")
    assert alloc["ClientStatus"] == "pending"
    clock.advance(1)
    assert nomad.get_allocations("a", "ns")[0]["ClientStatus"] == "running"
    nomad.deregister_job("a", "ns", purge=False)
    assert nomad.get_job("a", "ns")["Status"] == "dead" and nomad.get_job("a", "ns")["Stop"]
    clock.advance(1)
    assert nomad.get_allocations("a", "ns")[0]["ClientStatus"] == "complete"
    clock.advance(10)  # garbage-collected
    with pytest.raises(NomadNotFound):
        nomad.get_job("a", "ns")
    nomad.register_job(_job("b"))
    nomad.deregister_job("b", "ns", purge=True)
    assert nomad.get_allocations("b", "ns") == []
    with pytest.raises(NomadNotFound):
        nomad.get_job("b", "ns")


def test_nomad_blocks_jobs_without_room():
    clock = Clock(start=dt.datetime(2026, 1, 1))
    nomad = _cluster(clock)
    nomad.register_job(_job("a", cores=3))
    nomad.register_job(_job("b", cores=3))
    assert nomad.get_job("b", "ns")["Status"] == "pending"
    assert nomad.get_allocations("b", "ns") == []
    nomad.deregister_job("a", "ns", purge=True)
    assert nomad.get_allocations("b", "ns")[0]["ClientStatus"] == "pending"


def test_nomad_filters():
    clock = Clock(start=dt.datetime(2026, 1, 1))
    nomad = _cluster(clock)
    nomad.register_job(_job("a", cores=1, owner="me"))
    nomad.register_job(_job("b", cores=1, name="tool-fl-b", owner="me"))
    nomad.register_job(_job("c", cores=1, owner="you"))
    nomad.deregister_job("c", "ns")
    ids = lambda expr: [j["ID"] for j in nomad.get_jobs("ns", expr)]  # noqa: E731
    assert ids(None) == ["a", "b", "c"]
    assert ids('Status != "dead" and Name matches "^module" and Meta is not empty and '
               'Meta.owner == "me"') == ["a"]
    assert ids('Name matches "^tool" or Meta.owner == "you"') == ["b", "c"]
    assert ids('not (Meta.owner == "me")') == ["c"]
    assert ids('Meta.missing is empty') == ["a", "b", "c"]
    assert nomad.get_jobs("other") == [] and len(nomad.get_jobs("*")) == 3
    for bad in ('Status ==', 'Status = "x"', 'Name matches foo', '(Status == "x"'):
        with pytest.raises(NomadBadRequest):
            compile_filter(bad)

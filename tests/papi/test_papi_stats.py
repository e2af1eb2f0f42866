"""``/v1/deployments/stats/user`` (accounting summaries) and ``/stats/cluster`` (Nomad)."""
from __future__ import annotations

import datetime as dt

from simulator import Clock, Network
from tests.papi.helpers import VO


def test_user_stats(papi, net):
    r = papi.get("/v1/deployments/stats/user", "alice", params={"vo": VO})
    assert r.status_code == 200
    stats = r.json()
    assert list(stats) == ["full-agg", "timeseries", "users-agg"]
    assert set(stats["full-agg"]) == {"cpu_num", "cpu_MHz", "memory_MB", "disk_MB", "gpu_num"}
    assert all(isinstance(v, int) for v in stats["full-agg"].values())
    series = stats["timeseries"]
    assert list(series) == ["date", "cpu_num", "cpu_MHz", "memory_MB", "disk_MB", "gpu_num",
                            "queued", "running"]
    # the last 90 days before the (simulated) today, and whatever the files hold after it
    assert series["date"][0] == "2025-12-03" and series["date"][-1] == "2026-11-20"
    assert stats["users-agg"]["owner"] == net.papi.users["alice"].sub
    net.papi.add_user("newcomer", vos={VO: "ap-u"})
    assert papi.get("/v1/deployments/stats/user", "newcomer",
                    params={"vo": VO}).json()["users-agg"] is None


def test_user_stats_with_no_recent_data_gives_the_last_90_days():
    clock = Clock(start=dt.datetime(2027, 12, 1))
    net = Network.from_scenario("papi", clock=clock)
    stats = net.request("GET", "/papi/v1/deployments/stats/user",
                        token=net.papi.token_for("alice"), params={"vo": VO}).get_json()
    assert len(stats["timeseries"]["date"]) == 90
    assert stats["timeseries"]["date"][-1] == "2026-11-20"


def test_user_stats_errors(papi, tmp_path):
    assert papi.get("/v1/deployments/stats/user", "dave", params={"vo": VO}).status_code == 401
    net = Network({"papi": {"users": [{"name": "u", "vos": {VO: "ap-u", "kmd4eosc": "ap-u"}}]}})
    token = net.papi.token_for("u")
    r = net.request("GET", "/papi/v1/deployments/stats/user", token=token, params={"vo": VO})
    assert (r.status, r.get_json()) == (500, {"detail": "Deployments stats information not "
                                                        "available (no env var)."})
    (tmp_path / "summaries").mkdir()
    net = Network({"papi": {"users": [{"name": "u", "vos": {VO: "ap-u"}}],
                            "accounting": str(tmp_path)}})
    r = net.request("GET", "/papi/v1/deployments/stats/user", token=net.papi.token_for("u"),
                    params={"vo": VO})
    assert r.get_json() == {"detail": "Deployments stats information not available (missing "
                                      "file)."}


def test_cluster_stats_shape_and_refresh(papi, net, clock):
    stats = papi.get("/v1/deployments/stats/cluster").json()
    assert list(stats) == ["datacenters", "cluster", "updated_at"]
    assert stats["updated_at"] == "2026-03-02T09:00:00Z"
    assert list(stats["datacenters"]) == ["ifca-ai4eosc", "ifca-imagine", "iisas-ai4eosc",
                                          "incd-imagine", "tubitak-imagine", "psnc-ai4eosc"]
    ifca = stats["datacenters"]["ifca-ai4eosc"]
    assert list(ifca) == ["country", "lat", "lon", "PUE", "footprints", "affinity", "nodes"]
    assert ifca["country"] == "ES" and set(ifca["footprints"]) == {"carbon", "water",
                                                                   "green-score"}
    assert stats["datacenters"]["tubitak-imagine"]["nodes"] == {}
    node = next(n for n in ifca["nodes"].values() if n["name"] == "ifca-gpu-01")
    assert list(node) == ["name", "eligibility", "status", "type", "tags", "namespaces",
                          "jobs_num", "reallocations", "cpu_total", "cpu_used", "gpu_total",
                          "gpu_used", "ram_total", "ram_used", "disk_total", "disk_used",
                          "gpu_models"]
    assert (node["cpu_total"], node["gpu_total"], node["ram_total"]) == (40, 4, 262144.0)
    assert node["gpu_models"] == {"Tesla T4": {"gpu_total": 4, "gpu_used": 0}}
    assert stats["cluster"]["gpu_total"] == 6 and stats["cluster"]["jobs_num"] == 0

    uuid = papi.created("bob", {"hardware": {"cpu_num": 6, "ram": 10000, "gpu_num": 1,
                                             "gpu_type": "Tesla T4"}})
    clock.advance(10)
    assert papi.get("/v1/deployments/stats/cluster").json()["cluster"]["jobs_num"] == 0  # cached
    clock.advance(20)
    cluster = papi.get("/v1/deployments/stats/cluster").json()["cluster"]
    assert (cluster["jobs_num"], cluster["cpu_used"], cluster["ram_used"],
            cluster["gpu_used"]) == (1, 6, 10000, 1)
    assert cluster["gpu_models"]["Tesla T4"] == {"gpu_total": 4, "gpu_used": 1}
    assert papi.deployment(uuid, "bob")["datacenter"] == "ifca-ai4eosc"


def test_cluster_stats_per_vo(papi):
    imagine = papi.get("/v1/deployments/stats/cluster", params={"vo": "vo.imagine-ai.eu"}).json()
    assert list(imagine["datacenters"]) == ["ifca-ai4eosc", "incd-imagine"]
    assert imagine["cluster"]["gpu_models"] == {"Tesla T4": {"gpu_total": 4, "gpu_used": 0}}
    assert imagine["cluster"]["cpu_total"] == 32 + 40 + 24
    r = papi.get("/v1/deployments/stats/cluster", params={"vo": "nope"})
    assert (r.status_code, r.text) == (500, "Internal Server Error")


def test_ineligible_nodes_report_total_as_used(papi, net):
    node = next(n for n in net.papi.nomad.nodes.values() if n.name == "iisas-gpu-01")
    node.eligibility = "ineligible"
    stats = papi.get("/v1/deployments/stats/cluster").json()
    n = stats["datacenters"]["iisas-ai4eosc"]["nodes"][node.id]
    assert (n["eligibility"], n["cpu_total"], n["gpu_total"]) == ("ineligible", 0, 0)


def test_without_wattnet_stats_and_creations_crash(clock):
    """The real background task needs WattNet; without it both answer 500."""
    net = Network({"papi": {"wattnet": False, "users": [{"name": "u", "vos": {VO: "ap-u"}}]}},
                  clock=clock)
    r = net.request("GET", "/papi/v1/deployments/stats/cluster")
    assert (r.status, r.body) == (500, b"Internal Server Error")
    token = net.papi.token_for("u")
    r = net.request("POST", "/papi/v1/deployments/modules", token=token, params={"vo": VO},
                    json={"hardware": {"cpu_num": 99}})
    assert r.status == 400  # validation happens before the green affinities
    r = net.request("POST", "/papi/v1/deployments/modules", token=token, params={"vo": VO},
                    json={})
    assert r.status == 500 and net.papi.nomad.jobs == {}

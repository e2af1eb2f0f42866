"""Deployments over time: status derived from the simulated Nomad exactly as PAPI maps it
(contract §3.5), placement, capacity, failures, deletion with and without purge, ownership."""
from __future__ import annotations

from tests.papi.helpers import VO


def test_queued_starting_running_on_the_clock(papi, clock):
    uuid = papi.created()
    queued = papi.deployment(uuid)
    assert queued["status"] == "queued"
    assert queued["alloc_ID"] is None and queued["datacenter"] is None
    assert "${meta.domain}" in queued["endpoints"]["api"]  # not placed: Nomad has not filled it
    assert queued["active_endpoints"] is None
    assert queued["resources"] == {"cpu_num": 4, "cpu_MHz": 0, "gpu_num": 0, "memory_MB": 8000,
                                   "disk_MB": 10000}
    clock.advance(1)
    starting = papi.deployment(uuid)
    assert starting["status"] == "starting" and starting["alloc_ID"]
    assert starting["active_endpoints"] == []
    assert starting["endpoints"]["api"].endswith(".ifca-deployments.cloud.ai4eosc.eu/ui")
    clock.advance(2)
    assert papi.deployment(uuid)["status"] == "running"
    assert papi.deployment(uuid, full_info=False)["active_endpoints"] is None
    assert papi.deployment(uuid)["templates"] == {}


def test_timings_are_configurable():
    from simulator import Clock, Network
    import datetime as dt

    clock = Clock(start=dt.datetime(2026, 1, 1))
    net = Network({"papi": {"users": [{"name": "u", "vos": {VO: "ap-u"}}],
                            "timing": {"queued": 0, "starting": 10}}}, clock=clock)
    token = net.papi.token_for("u")
    uuid = net.request("POST", "/papi/v1/deployments/modules", token=token, params={"vo": VO},
                       json={}).get_json()["job_ID"]

    def status():
        return net.request("GET", f"/papi/v1/deployments/modules/{uuid}", token=token,
                           params={"vo": VO}).get_json()["status"]

    assert status() == "starting"
    clock.advance(9.9)
    assert status() == "starting"
    clock.advance(0.1)
    assert status() == "running"


def test_nomad_view_of_a_deployment(papi, net, clock):
    uuid = papi.created("alice", {"general": {"title": "t" * 60}, "hardware": {"gpu_num": 1}})
    clock.advance(3)
    job = net.papi.nomad.get_job(uuid, "ai4eosc")
    assert job["Name"] == f"module-{uuid}" and job["Status"] == "running"
    assert job["Meta"]["owner"] == net.papi.users["alice"].sub
    assert job["Meta"]["title"] == "t" * 45  # truncated to 45 characters
    assert job["TaskGroups"][0]["Tasks"][1]["Resources"]["Devices"] == [
        {"Name": "gpu", "Count": 1, "Constraints": None, "Affinities": None}]
    green = [a for a in job["Affinities"] if a["LTarget"] == "${node.datacenter}"]
    assert {a["RTarget"] for a in green} == {"ifca-ai4eosc", "iisas-ai4eosc", "incd-imagine"}
    alloc = net.papi.nomad.get_allocation(papi.deployment(uuid)["alloc_ID"])
    assert alloc["ClientStatus"] == "running" and alloc["TaskStates"]["main"]["State"] == "running"
    assert len(alloc["AllocatedResources"]["Tasks"]["main"]["Devices"][0]["DeviceIDs"]) == 1
    node = net.papi.nomad.get_node(alloc["NodeID"])
    assert node["Name"] in ("ifca-gpu-01", "iisas-gpu-01")


def test_gpu_type_constrains_the_node(papi, net, clock):
    uuid = papi.created("bob", {"hardware": {"gpu_num": 1, "gpu_type": "Tesla V100-PCIE-32GB"}})
    clock.advance(3)
    assert papi.deployment(uuid, "bob")["datacenter"] == "iisas-ai4eosc"


def test_imagine_jobs_prefer_imagine_nodes_then_spill_over(papi, net, clock):
    """The template's affinities keep iMagine jobs off AI4EOSC nodes while there is room."""
    net.papi.add_user("ivan", vos={"vo.imagine-ai.eu": "ap-u"})
    imagine = "vo.imagine-ai.eu"
    hw = {"hardware": {"cpu_num": 10, "ram": 20000}}
    uuids = [papi.created("ivan", hw, vo=imagine) for _ in range(3)]
    clock.advance(5)
    infos = [papi.deployment(u, "ivan", vo=imagine) for u in uuids]
    assert [i["status"] for i in infos] == ["running"] * 3
    # incd-cpu-01 (24 cores, iMagine only) takes two; the third goes to a shared node
    assert [i["datacenter"] for i in infos] == ["incd-imagine", "incd-imagine", "ifca-ai4eosc"]


def test_a_blocked_deployment_is_placed_when_room_frees_up(papi, net, clock):
    from simulator import Network

    net = Network({"papi": {"users": [{"name": "u", "vos": {VO: "ap-u"}}],
                            "nodes": [{"name": "only", "datacenter": "psnc-ai4eosc", "cpu": 8,
                                       "memory_gb": 32, "disk_gb": 100}]}}, clock=clock)
    token = net.papi.token_for("u")

    def create():
        return net.request("POST", "/papi/v1/deployments/modules", token=token,
                           params={"vo": VO}, json={"hardware": {"cpu_num": 6}}
                           ).get_json()["job_ID"]

    def status(uuid):
        return net.request("GET", f"/papi/v1/deployments/modules/{uuid}", token=token,
                           params={"vo": VO}).get_json()["status"]

    a, b = create(), create()
    clock.advance(10)
    assert (status(a), status(b)) == ("running", "queued")
    assert net.request("DELETE", f"/papi/v1/deployments/modules/{a}", token=token,
                       params={"vo": VO}).status == 200
    clock.advance(1)  # a stops (1 s), then b is placed and starts (2 s)
    assert status(b) == "starting"
    clock.advance(2)
    assert status(b) == "running"


def test_delete_running_keeps_a_complete_job(papi, net, clock):
    uuid = papi.created()
    clock.advance(3)
    assert papi.delete(uuid).json() == {"status": "success"}
    assert net.events.events("papi_deployment_deleted")[-1].data["purge"] is False
    assert papi.listing() == []                    # the job is dead at once: hidden
    assert papi.deployment(uuid)["status"] == "running"  # its task still stops
    clock.advance(1)
    assert papi.deployment(uuid)["status"] == "complete"
    # deleting it again purges it
    assert papi.delete(uuid).json() == {"status": "success"}
    r = papi.get(f"/v1/deployments/modules/{uuid}", "alice", params={"vo": VO})
    assert (r.status_code, r.json()) == (400, {"detail": "No deployment exists with this uuid."})


def test_delete_queued_or_starting_purges(papi, net, clock):
    uuid = papi.created()
    assert papi.delete(uuid).status_code == 200
    assert net.events.events("papi_deployment_deleted")[-1].data["purge"] is True
    assert papi.get(f"/v1/deployments/modules/{uuid}", "alice",
                    params={"vo": VO}).status_code == 400


def test_dead_jobs_are_garbage_collected(papi, net, clock):
    uuid = papi.created()
    clock.advance(3)
    papi.delete(uuid)
    clock.advance(4 * 3600)
    assert papi.get(f"/v1/deployments/modules/{uuid}", "alice",
                    params={"vo": VO}).json() == {"detail": "No deployment exists with this uuid."}


def test_a_failing_container(papi, net, clock):
    """The task exits with an error: the allocation fails, the job is dead (no reschedule), so
    the deployment leaves the list but is still readable as ``failed`` (no error_msg at HEAD)."""
    uuid = papi.created()
    clock.advance(3)
    net.papi.nomad.fail_job(uuid, "ai4eosc")
    info = papi.deployment(uuid)
    assert info["status"] == "failed" and "error_msg" not in info
    assert papi.listing() == []


def test_failing_images_from_the_scenario(clock):
    from simulator import Network

    net = Network({"papi": {"users": [{"name": "u", "vos": {VO: "ap-u"}}],
                            "failing_images": ["ai4oshub/ai4os-demo-app"]}}, clock=clock)
    token = net.papi.token_for("u")
    uuid = net.request("POST", "/papi/v1/deployments/modules", token=token, params={"vo": VO},
                       json={}).get_json()["job_ID"]
    clock.advance(3)
    assert net.request("GET", f"/papi/v1/deployments/modules/{uuid}", token=token,
                       params={"vo": VO}).get_json()["status"] == "failed"


def test_a_lost_node(papi, net, clock):
    uuid = papi.created()
    clock.advance(3)
    node = papi.net.papi.nomad.get_allocation(papi.deployment(uuid)["alloc_ID"])["NodeID"]
    net.papi.nomad.set_node_status(node, "down")
    assert papi.deployment(uuid)["status"] == "lost"


def test_ownership_and_kind(papi, net, clock):
    uuid = papi.created("alice")
    r = papi.get(f"/v1/deployments/modules/{uuid}", "bob", params={"vo": VO})
    assert (r.status_code, r.json()) == (400, {"detail": "You are not the owner of that "
                                                         "deployment."})
    assert papi.delete(uuid, "bob").json() == {"detail": "You are not the owner of that "
                                                         "deployment."}
    r = papi.get(f"/v1/deployments/tools/{uuid}", "alice", params={"vo": VO})
    assert r.json() == {"detail": "This deployment is not a tool."}
    assert papi.listing("alice", kind="tools") == []
    assert papi.listing("bob") == []
    # the delete route does not check the kind
    assert papi.delete(uuid, "alice", kind="tools").json() == {"status": "success"}


def test_list_order_and_vos(papi, net, clock):
    older = papi.created()
    clock.advance(1)
    newer = papi.created()
    assert [d["job_ID"] for d in papi.listing()] == [newer, older]
    assert papi.listing(vos=["vo.imagine-ai.eu"]) == []
    # several VOs, repeated and unknown ones; only the platform's VOs count
    assert [d["job_ID"] for d in papi.listing(vos=[VO, VO, "vo.unknown.eu"])] == [newer, older]
    r = papi.get("/v1/deployments/modules", "alice", params={"vos": ["vo.unknown.eu"]})
    assert (r.status_code, r.json()) == (401, {"detail": (
        "Your VOs do not match available VOs: ['vo.ai4eosc.eu', 'vo.imagine-ai.eu', "
        "'vo.ai4life.eu', 'kmd4eosc', 'tutorials'].")})
    # without vos the real PAPI crashes (set(None))
    r = papi.get("/v1/deployments/modules", "alice")
    assert (r.status_code, r.text) == (500, "Internal Server Error")


def test_list_with_full_info(papi, clock):
    uuid = papi.created()
    clock.advance(3)
    [info] = papi.listing(full_info="true")
    assert info["job_ID"] == uuid and info["active_endpoints"] == ["api", "ui"]
    assert info["templates"] == {}


def test_events_are_recorded(papi, net):
    uuid = papi.created()
    [event] = net.events.events("papi_deployment_created")
    assert event.data == {"job_ID": uuid, "vo": VO, "name": f"module-{uuid}",
                          "owner": net.papi.users["alice"].sub}

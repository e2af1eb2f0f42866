"""Deployment confs and request validation: the real messages and status codes, in the real
order, and bad input changes nothing."""
from __future__ import annotations

import pytest
import requests

from simulator.papi.userconf import IMAGE_ORIGIN_MSG
from tests.papi.helpers import VO


@pytest.fixture(autouse=True)
def nothing_changes(net):
    """Every rejected request here leaves the cluster and the vault as they were."""
    yield
    rejected = [j for j in net.papi.nomad.jobs.values() if j.spec["Meta"]["title"] == "rejected"]
    assert rejected == []


@pytest.mark.parametrize("hardware,detail", [
    ({"cpu_num": 11}, "The parameter cpu_num should smaller or equal to 10."),
    ({"cpu_num": 0}, "The parameter cpu_num should bigger or equal to 1."),
    ({"ram": 1000}, "The parameter ram should bigger or equal to 2000."),
    ({"disk": 60000}, "The parameter disk should smaller or equal to 50000."),
    ({"gpu_num": 2}, "The parameter gpu_num should smaller or equal to 1."),
])
def test_hardware_out_of_range(papi, hardware, detail):
    r = papi.create("alice", {"general": {"title": "rejected"}, "hardware": hardware})
    assert (r.status_code, r.json()) == (400, {"detail": detail})


def test_tutorials_have_reduced_limits(papi):
    r = papi.create("carol", {"hardware": {"cpu_num": 5}}, vo="tutorials")
    assert r.json() == {"detail": "The parameter cpu_num should smaller or equal to 4."}
    r = papi.create("carol", {"hardware": {"cpu_num": 2, "gpu_num": 1}}, vo="tutorials")
    assert r.json() == {"detail": "The parameter gpu_num should smaller or equal to 0."}
    # the defaults of the module conf (cpu 4, ram 8000, disk 10000) overflow them too
    assert papi.create("carol", {}, vo="tutorials").json() == \
        {"detail": "The parameter ram should smaller or equal to 4000."}
    uuid = papi.created("carol", {"hardware": {"cpu_num": 2, "ram": 2000, "disk": 500}},
                        vo="tutorials")
    assert papi.net.papi.nomad.get_job(uuid, "tutorials")["Priority"] == 25


def test_unknown_keys(papi):
    r = papi.create("alice", {"general": {"title": "rejected"}, "hardwar": {"cpu_num": 2}})
    assert (r.status_code, r.json()) == (400, {"detail": "The key `hardwar` in not a valid "
                                                         "parameter."})
    r = papi.create("alice", {"general": {"title": "rejected", "hostname": "myapp"}})
    assert r.json() == {"detail": "The keys `{'hostname'}` are not a valid parameters."}


def test_options_are_never_validated(papi, clock):
    """``options`` lists (service, gpu_type, docker_tag) are only hints in the real PAPI."""
    uuid = papi.created("alice", {"general": {"docker_tag": "no-such-tag"},
                                  "hardware": {"gpu_type": ""}})
    assert papi.deployment(uuid)["docker_image"] == "ai4oshub/ai4os-demo-app:no-such-tag"


@pytest.mark.parametrize("service", ["jupyter", "vscode"])
def test_ide_password_too_short(papi, service):
    r = papi.create("alice", {"general": {"title": "rejected", "service": service,
                                          "jupyter_password": "12345678"}})
    assert (r.status_code, r.json()) == (400, {"detail": "Your IDE needs a password of at least "
                                                         "9 characters."})
    ok = papi.created("alice", {"general": {"service": service, "jupyter_password": "123456789"}})
    assert papi.deployment(ok)["main_endpoint"] == "ide"


def test_docker_image_origin_and_datasets(papi):
    r = papi.create("alice", {"general": {"title": "rejected", "docker_image": "library/ubuntu"}})
    assert (r.status_code, r.json()) == (400, {"detail": IMAGE_ORIGIN_MSG})
    assert "'ai4oshub'                 DockerHub" in IMAGE_ORIGIN_MSG
    r = papi.create("alice", {"general": {"title": "rejected"},
                              "storage": {"datasets": [{"doi": "not a doi", "force_pull": True}]}})
    assert r.json() == {"detail": "Invalid DOI or URL."}
    r = papi.create("alice", {"general": {"title": "rejected"},
                              "storage": {"datasets": [{"doi": "10.5281/zenodo.1234567",
                                                        "force_pull": "yes"}]}})
    assert r.json() == {"detail": "Force pull should be bool."}


def test_harbor_images_need_an_owned_snapshot(papi, net):
    sub = net.papi.users["alice"].sub
    r = papi.create("alice", {"general": {"title": "rejected",
                                          "docker_image": "registry.cloud.ai4eosc.eu/u/other"}})
    assert (r.status_code, r.json()) == (401, {"detail": "You are not the owner of the Harbor "
                                                         "image."})
    r = papi.create("alice", {"general": {"title": "rejected",
                                          "docker_image": f"registry.cloud.ai4eosc.eu/u/{sub}"}})
    assert (r.status_code, r.json()) == (400, {"detail": "The snapshot does not exist."})


def test_gpu_quota_counts_modules_and_tools(papi, clock):
    gpu = {"hardware": {"gpu_num": 1}}
    papi.created("bob", gpu)
    papi.created("bob", {**gpu, "general": {"jupyter_password": "long-enough-pw"}},
                 tool="ai4os-dev-env")
    r = papi.create("bob", {"general": {"title": "rejected"}, **gpu})
    assert (r.status_code, r.json()) == (400, {"detail": (
        "You already have at least 2 GPUs running and/or queued. If you want to make a new GPU "
        "deployment please delete one of your existing ones.")})
    # a CPU deployment passes even over quota; another VO has its own quota
    papi.created("bob", {"hardware": {"gpu_num": 0}})
    papi.created("bob", gpu, vo="vo.ai4life.eu")
    # deleting one frees the quota
    first = papi.listing("bob")[-1]["job_ID"]
    assert papi.delete(first, "bob").status_code == 200
    papi.created("bob", gpu)


def test_gpu_quota_is_configurable_per_vo():
    from simulator import Network

    net = Network({"papi": {"users": [{"name": "u", "vos": {VO: "ap-u"}}],
                            "vos": {VO: {"gpu_quota": 0}}}})
    with net.intercept():
        r = requests.post(f"{net.papi_url}/v1/deployments/modules", params={"vo": VO},
                          headers={"Authorization": f"Bearer {net.papi.token_for('u')}"},
                          json={"hardware": {"gpu_num": 1}})
    assert r.json()["detail"].startswith("You already have at least 0 GPUs")


@pytest.mark.parametrize("conf", [
    {"hardware": {"cpu_num": "4"}},              # compared with an int: TypeError
    {"hardware": {"cpu_num": 4.5}},              # the HCL parse refuses it
    {"general": {"title": 12}},                  # title[:45] on an int
    {"general": ["title"]},                      # a group that is not a dict
    {"storage": {"datasets": [{"force_pull": True}]}},  # dataset without doi
])
def test_wrong_types_crash_as_the_real_one(papi, conf):
    r = papi.create("alice", conf)
    assert (r.status_code, r.text) == (500, "Internal Server Error")


def test_request_validation_errors(papi):
    token = {"Authorization": f"Bearer {papi.net.papi.token_for('alice')}"}
    r = requests.post(f"{papi.base}/v1/deployments/modules", headers=token, json={})
    assert (r.status_code, r.json()) == (422, {"detail": [
        {"type": "missing", "loc": ["query", "vo"], "msg": "Field required", "input": None}]})
    r = requests.post(f"{papi.base}/v1/deployments/modules", headers=token, json=[1, 2])
    assert r.json()["detail"] == [
        {"type": "missing", "loc": ["query", "vo"], "msg": "Field required", "input": None},
        {"type": "dict_type", "loc": ["body"], "msg": "Input should be a valid dictionary",
         "input": [1, 2]}]
    r = requests.post(f"{papi.base}/v1/deployments/modules", params={"vo": VO},
                      headers={**token, "Content-Type": "application/json"}, data="{oops")
    assert (r.status_code, r.json()) == (422, {"detail": [
        {"type": "json_invalid", "loc": ["body", 1], "msg": "JSON decode error", "input": {},
         "ctx": {"error": "Expecting property name enclosed in double quotes"}}]})
    r = requests.get(f"{papi.base}/v1/deployments/modules", headers=token,
                     params={"vos": VO, "full_info": "maybe"})
    assert r.json() == {"detail": [{"type": "bool_parsing", "loc": ["query", "full_info"],
                                    "msg": "Input should be a valid boolean, unable to interpret "
                                           "input", "input": "maybe"}]}


def test_json_syntax_is_checked_before_the_token(papi):
    """FastAPI decodes the body before it runs the HTTPBearer dependency."""
    r = requests.post(f"{papi.base}/v1/deployments/modules", params={"vo": VO},
                      headers={"Content-Type": "application/json"}, data="[")
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "json_invalid"
    r = requests.post(f"{papi.base}/v1/deployments/modules", json={})
    assert (r.status_code, r.json()) == (401, {"detail": "Not authenticated"})


@pytest.mark.parametrize("body", [b"[" * 100_000 + b"]" * 100_000,  # past the recursion limit
                                  b'{"x": ' + b"9" * 5000 + b"}",     # int over 4,300 digits
                                  b'{"x": "\xff\xfe"}'])              # not UTF-8
def test_bodies_json_cannot_parse_get_fastapis_400(papi, body):
    """FastAPI's ``_get_body``: only a JSONDecodeError is a 422; anything else ``json.loads``
    raises is ``400 {"detail": "There was an error parsing the body"}``, before the token."""
    for headers in ({"Content-Type": "application/json"},
                    {**papi.headers("alice"), "Content-Type": "application/json"}):
        r = requests.post(f"{papi.base}/v1/deployments/modules", params={"vo": VO},
                          headers=headers, data=body)
        assert (r.status_code, r.json()) == (400, {"detail": "There was an error parsing the body"})


def test_empty_and_null_bodies_take_every_default(papi):
    uuid = papi.created("alice", None)
    info = papi.deployment(uuid)
    assert info["docker_image"] == "ai4oshub/ai4os-demo-app:latest"
    assert info["resources"]["cpu_num"] == 4 and info["resources"]["memory_MB"] == 8000
    r = requests.post(f"{papi.base}/v1/deployments/modules", params={"vo": VO},
                      headers={**papi.headers("alice"), "Content-Type": "application/json"},
                      data="null")
    assert r.json()["status"] == "success"


def test_rejections_leave_no_trace(papi, net):
    before = (len(net.papi.nomad.jobs), net.events.events())
    for conf in ({"hardware": {"cpu_num": 99}}, {"bogus": {}},
                 {"general": {"service": "jupyter"}}):
        assert papi.create("alice", {**conf, "general": {**conf.get("general", {}),
                                                         "title": "rejected"}}
                           ).status_code == 400
    assert (len(net.papi.nomad.jobs), net.events.events()) == before
    assert papi.listing("alice") == []

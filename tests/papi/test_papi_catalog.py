"""The catalog: lists, detail, metadata with the real Accept rule, configs per VO, refresh, and
scenario overrides (including the placeholder for bad metadata)."""
from __future__ import annotations

import pytest
import requests

from simulator import Network
from tests.papi.helpers import VO

JSON = {"Accept": "application/json"}


def test_lists(papi):
    assert papi.get("/v1/catalog/modules").json() == [
        "ai4os-demo-app", "ai4os-image-classification-tf", "ai4os-yolov8-torch",
        "ai4os-audio-classification-tf", "phyto-plankton-classification"]
    assert papi.get("/v1/catalog/tools").json() == [
        "ai4os-dev-env", "ai4os-federated-server", "ai4os-cvat", "ai4os-nvflare", "ai4os-llm",
        "ai4os-ai4life-loader"]
    # tag filters are accepted and ignored, as in the real PAPI
    assert papi.get("/v1/catalog/modules", params={"tags": "demo", "not_tags_any": "x"}).json() \
        == papi.get("/v1/catalog/modules").json()


def test_detail(papi):
    detail = papi.get("/v1/catalog/modules/detail").json()
    assert [d["name"] for d in detail] == papi.get("/v1/catalog/modules").json()
    assert all("description" not in d and "links" not in d for d in detail)
    assert detail[0]["title"] == "ai4os-demo-app" and detail[0]["license"] == "MIT"


def test_metadata_accept_rule(papi):
    url = "/v1/catalog/modules/ai4os-demo-app/metadata"
    for headers in ({}, {"Accept": "*/*"}, {"Accept": "application/json, text/plain"}):
        r = papi.get(url, headers=headers)
        assert (r.status_code, r.json()) == (400, {"detail": "Please specify the profile to use "
                                                             "to perform the mapping: "
                                                             "['mldcatap']"})
    meta = papi.get(url, headers=JSON).json()
    assert meta["id"] == "ai4os-demo-app" and meta["metadata_version"] == "2.0.0"
    assert meta["dates"] == {"created": "2024-03-26", "updated": "2025-06-11"}
    assert meta["license"] == "MIT"
    assert meta["links"]["self"] == f"{papi.base}/v1/catalog/modules/ai4os-demo-app/metadata"
    assert meta["links"]["source_code"] == "https://github.com/ai4os-hub/ai4os-demo-app"
    assert meta["links"]["docker_image"] == "ai4oshub/ai4os-demo-app"
    assert meta["links"]["cicd_badge"].startswith("https://jenkins.services.ai4os.eu/")
    tf = papi.get("/v1/catalog/modules/ai4os-image-classification-tf/metadata",
                  headers=JSON).json()
    assert tf["license"] == "APACHE_2_0"
    r = papi.get("/v1/catalog/modules/nope/metadata", headers=JSON)
    assert (r.status_code, r.json()) == (404, {"detail": "Item nope not in the catalog: "
                                                         "https://github.com/ai4os-hub/"
                                                         "modules-catalog"})
    r = papi.get("/v1/catalog/tools/ai4os-cvat/metadata", params={"profile": "mldcatap"},
                 headers={"Accept": "application/ld+json"})
    assert r.status_code == 501


def test_module_config_for_a_vo(papi):
    conf = papi.get("/v1/catalog/modules/ai4os-yolov8-torch/config", params={"vo": VO}).json()
    general, hardware = conf["general"], conf["hardware"]
    assert general["docker_image"]["value"] == "ai4oshub/ai4os-yolov8-torch"
    assert general["docker_tag"] == {**general["docker_tag"], "value": "latest",
                                     "options": ["latest", "cpu", "gpu"]}
    assert general["service"]["options"] == ["deepaas", "jupyter"]
    assert hardware["cpu_num"] == {"name": "Number of CPUs", "value": 4, "range": [1, 10]}
    assert hardware["ram"]["value"] == 16000  # from the module's resources.inference
    # GPU models of the VO's eligible nodes that meet the module's needs (8 GB, cc >= 7.0)
    assert hardware["gpu_type"]["options"] == ["", "Tesla T4", "Tesla V100-PCIE-32GB"]
    assert set(conf) == {"general", "hardware", "storage"}
    imagine = papi.get("/v1/catalog/modules/ai4os-yolov8-torch/config",
                       params={"vo": "vo.imagine-ai.eu"}).json()
    assert imagine["hardware"]["gpu_type"]["options"] == ["", "Tesla T4"]  # ifca serves imagine
    demo = papi.get("/v1/catalog/modules/ai4os-demo-app/config", params={"vo": VO}).json()
    assert demo["hardware"]["cpu_num"]["value"] == 2
    assert demo["hardware"]["ram"]["value"] == 2000  # 1000 MB clamped to the range


def test_module_config_for_tutorials(papi):
    hardware = papi.get("/v1/catalog/modules/ai4os-demo-app/config",
                        params={"vo": "tutorials"}).json()["hardware"]
    assert hardware["cpu_num"]["range"] == [2, 4] and hardware["gpu_num"]["range"] == [0, 0]
    assert hardware["ram"]["range"] == [2000, 4000] and hardware["disk"] == \
        {**hardware["disk"], "value": 500, "range": [300, 1000]}


def test_config_errors(papi):
    r = papi.get("/v1/catalog/modules/nope/config", params={"vo": VO})
    assert (r.status_code, r.json()) == (400, {"detail": "nope is not an available module."})
    r = papi.get("/v1/catalog/tools/nope/config", params={"vo": VO})
    assert r.json() == {"detail": "nope is not an available tool."}
    r = papi.get("/v1/catalog/modules/ai4os-demo-app/config")
    assert (r.status_code, r.json()["detail"][0]["loc"]) == (422, ["query", "vo"])
    r = papi.get("/v1/catalog/modules/ai4os-demo-app/config", params={"vo": "vo.unknown.eu"})
    assert (r.status_code, r.text) == (500, "Internal Server Error")


def test_tool_configs(papi):
    def conf(tool):
        return papi.get(f"/v1/catalog/tools/{tool}/config", params={"vo": VO}).json()

    dev = conf("ai4os-dev-env")
    assert dev["general"]["docker_tag"]["options"] == [
        "ubuntu22.04", "torch2.3.1-cu121", "torch2.1.2-cu118", "tf2.16.1-cu121", "tf2.15.0",
        "latest"]  # natural sort, Z to A
    assert dev["general"]["service"]["options"] == ["vscode", "jupyter"]
    assert dev["hardware"]["gpu_type"]["options"] == ["", "Tesla T4", "Tesla V100-PCIE-32GB"]
    llm = conf("ai4os-llm")
    assert "Qwen/Qwen2.5-7B-Instruct-AWQ" in llm["llm"]["vllm_model_id"]["options"]
    assert llm["llm"]["vllm_model_id"]["value"] == "Qwen2.5-7B-Instruct-AWQ"
    assert "hardware" not in llm
    life = conf("ai4os-ai4life-loader")
    assert life["general"]["model_id"]["value"] == "affable-shark"
    fed = conf("ai4os-federated-server")
    assert set(fed) == {"general", "hardware", "flower"}
    assert fed["hardware"]["cpu_num"]["range"] == [1, 2]
    assert set(conf("ai4os-cvat")) == {"general", "storage"}
    assert set(conf("ai4os-nvflare")) == {"general", "hardware", "nvflare"}


def test_refresh_needs_the_jenkins_token(papi):
    r = papi.call("PUT", "/v1/catalog/modules/refresh", token="anything")
    assert (r.status_code, r.json()) == (401, {"detail": "Invalid authorization token."})
    net = Network({"papi": {"jenkins_token": "s3cret"}})
    with net.intercept():
        url = f"{net.papi_url}/v1/catalog/modules/refresh"
        auth = {"Authorization": "Bearer s3cret"}
        assert requests.put(url, headers=auth).json() == \
            {"message": "Catalog refreshed successfully"}
        assert requests.put(url, headers=auth, params={"item_name": "ai4os-demo-app"}).json() \
            == {"message": "Cache refreshed successfully"}
        assert requests.put(url, headers=auth, params={"item_name": "x"}).json() == \
            {"detail": "x is not an available module."}


def test_catalog_overrides_and_placeholders(tmp_path):
    """Entries added by a scenario; metadata from an untrusted organization or not compliant
    with the schema give the real placeholder (HTTP 200)."""
    net = Network({"papi": {"catalog": {"modules": [
        {"name": "outsider", "url": "https://github.com/someone/outsider",
         "metadata": {"title": "x"}},
        {"name": "sloppy", "url": "https://github.com/ai4os-hub/sloppy",
         "metadata": {"metadata_version": "2.0.0", "title": "Sloppy"}},
        {"name": "ai4os-demo-app", "url": "https://github.com/ai4os-hub/ai4os-demo-app",
         "github": {"license": "GPL-3.0"}, "docker_tags": ["v2"],
         "metadata": {"metadata_version": "2.0.0", "title": "Demo v2", "summary": "s",
                      "description": "d", "libraries": [], "tasks": [], "categories": [],
                      "tags": [], "links": {"source_code": "https://github.com/ai4os-hub/"
                                                          "ai4os-demo-app",
                                            "docker_image": "ai4oshub/ai4os-demo-app"}}}]}}})
    with net.intercept():
        base = f"{net.papi_url}/v1/catalog/modules"
        names = requests.get(base).json()
        assert names[-2:] == ["outsider", "sloppy"] and len(names) == 7
        outsider = requests.get(f"{base}/outsider/metadata", headers=JSON).json()
        assert outsider["tags"] == ["invalid metadata"] and outsider["title"] == "outsider"
        assert outsider["links"]["self"] == "" and outsider["summary"] == ""
        sloppy = requests.get(f"{base}/sloppy/metadata", headers=JSON)
        assert sloppy.status_code == 200
        assert "'summary' is a required property" in sloppy.json()["description"]
        demo = requests.get(f"{base}/ai4os-demo-app/metadata", headers=JSON).json()
        assert (demo["title"], demo["license"]) == ("Demo v2", "GPL_3_0")
        conf = requests.get(f"{base}/ai4os-demo-app/config", params={"vo": VO}).json()
        assert conf["general"]["docker_tag"]["options"] == ["v2"]
        r = requests.get(f"{base}/sloppy/config", params={"vo": VO})
        assert (r.status_code, r.json()) == (400, {"detail": "Could not retrieve Docker tags "
                                                             "from /."})


def test_catalog_from_another_fixture_file(tmp_path):
    (tmp_path / "mods.yaml").write_text(
        "- name: only-one\n  url: https://github.com/ai4os-hub/only-one\n  metadata: null\n")
    (tmp_path / "world.yaml").write_text("papi:\n  catalog: {modules: mods.yaml}\n")
    net = Network.from_scenario(tmp_path / "world.yaml")  # relative to the scenario file
    assert net.request("GET", "/papi/v1/catalog/modules").get_json() == ["only-one"]
    meta = net.request("GET", "/papi/v1/catalog/modules/only-one/metadata",
                       params={}).get_json()
    assert meta["detail"].startswith("Please specify the profile")


@pytest.mark.parametrize("path", ["/v1/catalog/modules", "/v1/catalog/tools/detail"])
def test_the_catalog_is_public(papi, path):
    assert papi.get(path).status_code == 200

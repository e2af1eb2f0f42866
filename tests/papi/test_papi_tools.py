"""Tool deployments: each tool's own checks, its Nomad job and how PAPI shows it; secrets."""
from __future__ import annotations

import pytest

from tests.papi.helpers import VO

RCLONE = {"rclone_url": "https://share.services.ai4os.eu/remote.php/dav/files/alice",
          "rclone_user": "alice", "rclone_password": "app-password"}


def test_dev_env(papi, clock):
    r = papi.create("alice", {"general": {"jupyter_password": "short"}}, tool="ai4os-dev-env")
    assert r.json() == {"detail": "Your IDE needs a password of at least 9 characters."}
    uuid = papi.created("alice", {"general": {"jupyter_password": "long-enough",
                                              "docker_tag": "torch2.3.1-cu121"}},
                        tool="ai4os-dev-env")
    clock.advance(3)
    info = papi.deployment(uuid, kind="tools")
    assert info["name"] == f"tool-devenv-{uuid}" and info["tool_name"] == "ai4os-dev-env"
    assert info["status"] == "running" and info["main_endpoint"] == "ide"
    assert info["docker_image"] == "ai4oshub/ai4os-dev-env:torch2.3.1-cu121"
    assert info["active_endpoints"] == ["ide"]
    assert [d["job_ID"] for d in papi.listing(kind="tools")] == [uuid]
    assert papi.listing() == []
    r = papi.get(f"/v1/deployments/modules/{uuid}", "alice", params={"vo": VO})
    assert r.json() == {"detail": "This deployment is not a module."}


def test_dev_env_without_a_tag_fails_to_pull(papi, clock):
    """The yaml's default tag is empty; the image reference is invalid and the task fails."""
    uuid = papi.created("alice", {"general": {"jupyter_password": "long-enough"}},
                        tool="ai4os-dev-env")
    clock.advance(3)
    assert papi.deployment(uuid, kind="tools")["status"] == "failed"


def test_federated_server_and_its_secret(papi, net, clock):
    uuid = papi.created("alice", {"general": {"title": "FL"}, "flower": {"rounds": 10}},
                        tool="ai4os-federated-server")
    clock.advance(3)
    info = papi.deployment(uuid, kind="tools")
    assert info["tool_name"] == "ai4os-federated-server"
    assert info["main_endpoint"] == "fedserver" and info["docker_command"] == ""
    assert set(info["endpoints"]) == {"fedserver", "monitor", "ide"}
    secrets = papi.get("/v1/secrets", "alice", params={"vo": VO}).json()
    path = f"/deployments/{uuid}/federated/default"
    assert list(secrets) == [path] and len(secrets[path]["token"]) == 64
    ide = papi.created("alice", {"general": {"service": "jupyter"}},
                       tool="ai4os-federated-server")
    assert papi.deployment(ide, kind="tools")["main_endpoint"] == "ide"
    assert papi.delete(uuid, kind="tools").json() == {"status": "success"}
    assert path not in papi.get("/v1/secrets", "alice", params={"vo": VO}).json()


def test_cvat(papi, clock):
    r = papi.create("alice", {"storage": RCLONE}, tool="ai4os-cvat")
    assert r.json() == {"detail": "You must fill all CVAT-related variables."}
    r = papi.create("alice", {"general": {"cvat_username": "a", "cvat_password": "b"}},
                    tool="ai4os-cvat")
    assert r.json() == {"detail": "You must fill all RCLONE-related variables."}
    uuid = papi.created("alice", {"general": {"cvat_username": "a", "cvat_password": "b"},
                                  "storage": RCLONE}, tool="ai4os-cvat")
    clock.advance(3)
    info = papi.deployment(uuid, kind="tools")
    assert list(info["endpoints"]) == ["ui"]  # server and grafana share its URL
    assert info["endpoints"]["ui"] == f"https://{uuid}.ifca-deployments.cloud.ai4eosc.eu"
    assert info["active_endpoints"] == ["ui"]
    assert info["resources"]["cpu_MHz"] == 2000 and info["resources"]["cpu_num"] == 0


def test_nvflare(papi, clock):
    r = papi.create("alice", {}, tool="ai4os-nvflare")
    assert r.json() == {"detail": "You must provide credentials for NVFLARE."}
    r = papi.create("alice", {"hardware": {"ram": 8000}}, tool="ai4os-nvflare")
    assert r.json() == {"detail": "The parameter ram should smaller or equal to 4000."}
    uuid = papi.created("alice", {"nvflare": {"username": "admin@x.org", "password": "pw"}},
                        tool="ai4os-nvflare")
    clock.advance(3)
    info = papi.deployment(uuid, kind="tools")
    assert set(info["endpoints"]) == {"dashboard", "server-jupyter"}
    assert info["main_endpoint"] == "dashboard"


def test_llm(papi, net, clock):
    r = papi.create("erin", {}, vo="vo.imagine-ai.eu", tool="ai4os-llm")
    assert (r.status_code, r.json()) == (403, {"detail": "Your VO doesn't allow to deploy this "
                                                         "tool."})
    r = papi.create("alice", {}, tool="ai4os-llm")
    assert r.json() == {"detail": "A username is required to deploy this tool."}
    creds = {"ui_username": "alice@x.org", "ui_password": "pw"}
    # the yaml's default model is not one of etc/vllm.yaml: the real PAPI crashes
    r = papi.create("alice", {"llm": creds}, tool="ai4os-llm")
    assert (r.status_code, r.text) == (500, "Internal Server Error")
    gated = "meta-llama/Llama-3.2-3B-Instruct"
    r = papi.create("alice", {"llm": {**creds, "vllm_model_id": gated}}, tool="ai4os-llm")
    assert r.json() == {"detail": "This model requires a valid Huggingface token for deployment."}
    r = papi.create("alice", {"llm": {"type": "open-webui"}}, tool="ai4os-llm")
    assert r.json() == {"detail": "You need to define an OpenAI key and url to deploy Open WebUI "
                                  "as standalone."}
    uuid = papi.created("alice", {"llm": {**creds, "vllm_model_id":
                                          "Qwen/Qwen2.5-7B-Instruct-AWQ"}}, tool="ai4os-llm")
    clock.advance(3)
    info = papi.deployment(uuid, kind="tools")
    assert info["status"] == "running" and set(info["endpoints"]) == {"ui", "vllm"}
    assert info["resources"]["gpu_num"] == 1 and info["datacenter"] == "ifca-ai4eosc"
    assert f"/deployments/{uuid}/llm/vllm" in papi.get("/v1/secrets", "alice",
                                                      params={"vo": VO}).json()
    # open-webui alone skips the username check (the real code tests for "openwebui")
    standalone = papi.created("alice", {"llm": {"type": "open-webui", "openai_api_key": "k",
                                                "openai_api_url": "https://api.example/v1"}},
                              tool="ai4os-llm")
    assert papi.deployment(standalone, kind="tools")["endpoints"].keys() == {"ui"}


def test_llm_needs_a_t4_in_the_vo(papi, net):
    net.papi.add_user("lena", vos={"vo.ai4life.eu": "ap-u"})
    for node in net.papi.nomad.nodes.values():
        if node.name == "ifca-gpu-01":
            node.meta["namespace"] = "ai4eosc"  # no T4 left for ai4life
    r = papi.create("lena", {"llm": {"ui_username": "l", "ui_password": "p",
                                     "vllm_model_id": "Qwen/Qwen2.5-7B-Instruct-AWQ"}},
                    vo="vo.ai4life.eu", tool="ai4os-llm")
    assert r.status_code == 405


def test_ai4life(papi, clock):
    uuid = papi.created("alice", {"general": {"model_id": "chatty-frog"}},
                        tool="ai4os-ai4life-loader")
    clock.advance(3)
    info = papi.deployment(uuid, kind="tools")
    assert info["main_endpoint"] == "ui" and info["tool_name"] == "ai4os-ai4life-loader"


@pytest.mark.parametrize("tool,detail", [
    ("ai4os-nope", "This ID does not correspond to an available tool."),
    ("ai4os-demo-app", "This ID does not correspond to an available tool."),
])
def test_unknown_tool(papi, tool, detail):
    r = papi.create("alice", {}, tool=tool)
    assert (r.status_code, r.json()) == (400, {"detail": detail})


def test_tool_name_is_required(papi):
    r = papi.call("POST", "/v1/deployments/tools", "alice", params={"vo": VO}, json={})
    assert r.status_code == 422
    assert r.json()["detail"] == [{"type": "missing", "loc": ["query", "tool_name"],
                                   "msg": "Field required", "input": None}]


def test_secrets_routes(papi):
    params = {"vo": VO, "secret_path": "services/mlflow/credentials"}
    r = papi.call("POST", "/v1/secrets", "alice", params=params,
                  json={"username": "alice", "password": "pw"})
    assert r.json() == {"status": "success"}
    assert papi.get("/v1/secrets", "alice", params={"vo": VO, "subpath": "/services"}).json() == \
        {"/services/mlflow/credentials": {"username": "alice", "password": "pw"}}
    assert papi.get("/v1/secrets", "bob", params={"vo": VO}).json() == {}
    # the MLflow credentials reach new module deployments
    uuid = papi.created("alice", {})
    env = papi.net.papi.nomad.get_job(uuid, "ai4eosc")["TaskGroups"][0]["Tasks"][1]["Env"]
    assert env["MLFLOW_TRACKING_USERNAME"] == "alice"
    assert papi.call("DELETE", "/v1/secrets", "alice", params=params).json() == \
        {"status": "success"}
    assert papi.get("/v1/secrets", "alice", params={"vo": VO}).json() == {}
    r = papi.call("POST", "/v1/secrets", "alice", params=params)
    assert r.json()["detail"] == [{"type": "missing", "loc": ["body"], "msg": "Field required",
                                   "input": None}]

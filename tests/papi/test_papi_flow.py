"""Seed document 003's flows against the simulated PAPI, three ways in: requests and httpx in
process, curl in server mode; and a token minted by the CLI in another process."""
from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys

import httpx
import jwt
import pytest
import requests

from simulator import Network
from tests.papi.helpers import VO

CONF = {"general": {"title": "My demo", "desc": "seed flow", "docker_image":
                    "ai4oshub/ai4os-demo-app", "docker_tag": "latest", "service": "deepaas"},
        "hardware": {"cpu_num": 2, "ram": 4000, "disk": 5000, "gpu_num": 0}}


def test_seed_flow_with_requests(net, clock):
    base, headers = net.papi_url, {"Authorization": f"Bearer {net.papi.token_for('alice')}"}
    with net.intercept():
        # the catalog
        modules = requests.get(f"{base}/v1/catalog/modules").json()
        assert "ai4os-demo-app" in modules
        tools = requests.get(f"{base}/v1/catalog/tools").json()
        assert "ai4os-dev-env" in tools
        conf = requests.get(f"{base}/v1/catalog/modules/ai4os-demo-app/config",
                            params={"vo": VO}).json()
        assert conf["general"]["docker_image"]["value"] == "ai4oshub/ai4os-demo-app"
        assert conf["hardware"]["cpu_num"]["range"] == [1, 10]

        # a deployment with custom hardware
        created = requests.post(f"{base}/v1/deployments/modules", params={"vo": VO},
                                headers=headers, json=CONF)
        assert created.status_code == 200
        assert created.json()["status"] == "success"
        uuid = created.json()["job_ID"]

        def get():
            r = requests.get(f"{base}/v1/deployments/modules/{uuid}", params={"vo": VO},
                             headers=headers)
            assert r.status_code == 200
            return r.json()

        seen = [get()["status"]]
        while seen[-1] != "running":
            clock.advance(0.5)
            seen.append(get()["status"])
            assert len(seen) < 20
        assert [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]] == \
            ["queued", "starting", "running"]
        info = get()
        assert info["title"] == "My demo" and info["description"] == "seed flow"
        assert info["resources"] == {"cpu_num": 2, "cpu_MHz": 0, "gpu_num": 0,
                                     "memory_MB": 4000, "disk_MB": 5000}
        assert info["endpoints"]["api"] == (f"https://api-{uuid}.ifca-deployments.cloud."
                                            "ai4eosc.eu/ui")
        assert set(info["endpoints"]) == {"api", "monitor", "ui", "custom"}
        assert info["active_endpoints"] == ["api", "ui"]
        assert info["main_endpoint"] == "api" and info["datacenter"] == "ifca-ai4eosc"

        listed = requests.get(f"{base}/v1/deployments/modules", params={"vos": VO},
                              headers=headers).json()
        assert [d["job_ID"] for d in listed] == [uuid]
        assert listed[0]["active_endpoints"] is None and "templates" not in listed[0]

        # stats
        clock.advance(30)  # the cluster stats refresh every 30 s
        cluster = requests.get(f"{base}/v1/deployments/stats/cluster").json()
        assert cluster["cluster"]["jobs_num"] == 1 and cluster["cluster"]["cpu_used"] == 2
        user = requests.get(f"{base}/v1/deployments/stats/user", params={"vo": VO},
                            headers=headers).json()
        assert user["users-agg"]["owner"] == net.papi.users["alice"].sub

        # delete
        deleted = requests.delete(f"{base}/v1/deployments/modules/{uuid}", params={"vo": VO},
                                  headers=headers)
        assert deleted.status_code == 200 and deleted.json() == {"status": "success"}
        clock.advance(3)
        assert requests.get(f"{base}/v1/deployments/modules", params={"vos": VO},
                            headers=headers).json() == []


def test_seed_flow_with_httpx_sync_and_async(net, clock):
    token = net.papi.token_for("bob")
    with net.intercept():
        with httpx.Client(base_url=net.papi_url,
                          headers={"Authorization": f"Bearer {token}"}) as client:
            assert "ai4os-yolov8-torch" in client.get("/v1/catalog/modules").json()
            r = client.post("/v1/deployments/modules", params={"vo": VO},
                            json={"hardware": {"cpu_num": 4, "gpu_num": 1,
                                               "gpu_type": "Tesla T4"},
                                  "general": {"docker_image": "ai4oshub/ai4os-yolov8-torch"}})
            uuid = r.json()["job_ID"]
            clock.advance(5)
            info = client.get(f"/v1/deployments/modules/{uuid}", params={"vo": VO}).json()
            assert info["status"] == "running"
            assert info["resources"]["gpu_num"] == 1

        async def flow():
            async with httpx.AsyncClient(base_url=net.papi_url,
                                         headers={"Authorization": f"Bearer {token}"}) as client:
                listed = (await client.get("/v1/deployments/modules",
                                           params={"vos": VO})).json()
                stats = (await client.get("/v1/deployments/stats/cluster",
                                          params={"vo": VO})).json()
                gone = (await client.delete(f"/v1/deployments/modules/{uuid}",
                                            params={"vo": VO})).json()
                return listed, stats, gone

        listed, stats, gone = asyncio.run(flow())
    assert [d["job_ID"] for d in listed] == [uuid]
    assert "ifca-ai4eosc" in stats["datacenters"]
    assert gone == {"status": "success"}


def _curl(*args: str) -> tuple[int, str]:
    out = subprocess.run(["curl", "-s", "-w", "\n%{http_code}", *args], capture_output=True,
                         text=True, timeout=30, check=True).stdout
    body, _, code = out.rpartition("\n")
    return int(code), body


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_seed_flow_with_curl_in_server_mode(net, clock):
    server = net.serve(port=0)
    base = f"{server.url}/papi"
    auth = f"Authorization: Bearer {net.papi.token_for('alice')}"
    try:
        code, body = _curl(f"{base}/v1/catalog/modules")
        assert code == 200 and "ai4os-demo-app" in json.loads(body)
        code, body = _curl(f"{base}/v1/catalog/modules/ai4os-demo-app/config?vo={VO}")
        assert code == 200 and json.loads(body)["general"]["service"]["value"] == "deepaas"
        code, body = _curl("-X", "POST", f"{base}/v1/deployments/modules?vo={VO}", "-H", auth,
                           "-H", "Content-Type: application/json", "-d", json.dumps(CONF))
        assert code == 200, body
        uuid = json.loads(body)["job_ID"]
        clock.advance(4)
        code, body = _curl(f"{base}/v1/deployments/modules/{uuid}?vo={VO}", "-H", auth)
        info = json.loads(body)
        assert code == 200 and info["status"] == "running" and info["endpoints"]["api"]
        code, body = _curl(f"{base}/v1/deployments/modules?vos={VO}", "-H", auth)
        assert [d["job_ID"] for d in json.loads(body)] == [uuid]
        code, body = _curl(f"{base}/v1/deployments/stats/user?vo={VO}", "-H", auth)
        assert code == 200 and set(json.loads(body)) == {"full-agg", "timeseries", "users-agg"}
        code, body = _curl(f"{base}/v1/deployments/stats/cluster")
        assert code == 200 and "cluster" in json.loads(body)
        code, body = _curl("-X", "DELETE", f"{base}/v1/deployments/modules/{uuid}?vo={VO}",
                           "-H", auth)
        assert (code, json.loads(body)) == (200, {"status": "success"})
        # no token: FastAPI's HTTPBearer
        code, body = _curl(f"{base}/v1/deployments/modules?vos={VO}")
        assert (code, json.loads(body)) == (401, {"detail": "Not authenticated"})
        # the URLs the API gives point at the server the client reached
        code, body = _curl(f"{base}/")
        assert json.loads(body)["versions"][0]["links"][0]["href"] == f"{base}/v1/"
    finally:
        server.stop()


def test_token_from_the_cli_is_accepted_by_another_process():
    """`python -m simulator token` mints in its own process; this process's network of the same
    scenario accepts the token (same realm key, kid and subject)."""
    token = subprocess.run([sys.executable, "-m", "simulator", "token", "--scenario", "papi",
                            "--user", "alice"], capture_output=True, text=True, check=True,
                           timeout=60).stdout.strip()
    net = Network.from_scenario("papi")
    response = net.request("GET", "/papi/v1/deployments/modules", token=token,
                           params={"vos": VO})
    assert response.status == 200 and response.get_json() == []
    assert jwt.decode(token, options={"verify_signature": False})["sub"] == \
        net.papi.users["alice"].sub


def test_cli_token_for_unknown_user_fails_clearly():
    result = subprocess.run([sys.executable, "-m", "simulator", "token", "--scenario", "papi",
                             "--user", "nobody"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "no PAPI user 'nobody'" in result.stderr and "alice" in result.stderr

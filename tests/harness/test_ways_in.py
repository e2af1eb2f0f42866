"""Three ways in, one state: requests interception, httpx interception (respx), server mode.
Two networks never share state; concurrent clients lose and duplicate nothing."""
from __future__ import annotations

import threading

import httpx
import pytest
import requests

from simulator.network import Network
from tests.helpers import IMAGE, JOHN, b64json, make_client


def test_httpx_sync_and_async_through_respx(net):
    with net.intercept():
        token = httpx.post(f"{net.api_url}/token/user",
                           json={"username": "root", "password": "root"}).json()["access_token"]
        r = httpx.get(f"{net.api_url}/organization/2", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200 and r.json()["name"] == "example_org1"

        async def fetch():
            async with httpx.AsyncClient(base_url=net.api_url) as client:
                resp = await client.get("/collaboration",
                                        headers={"Authorization": f"Bearer {token}"})
                return resp.status_code, resp.headers["total-count"]

        import asyncio

        assert asyncio.run(fetch()) == (200, "1")


def test_all_ways_share_one_state(net):
    with net.intercept():
        client = make_client("root", "root")
        client.organization.create(name="made-by-requests", address1="", address2="", zipcode="",
                                   country="", domain="")
        token = httpx.post(f"{net.api_url}/token/user",
                           json={"username": "root", "password": "root"}).json()["access_token"]
    server = net.serve(port=0)
    try:
        orgs = requests.get(f"{server.url}/api/organization",
                            headers={"Authorization": f"Bearer {token}"}).json()["data"]
    finally:
        server.stop()
    assert "made-by-requests" in [o["name"] for o in orgs]


def test_two_networks_never_share_state():
    a, b = Network.from_scenario("demo"), Network.from_scenario("demo", url="http://other.test")
    with a.intercept(), b.intercept():
        make_client("root", "root").organization.create(
            name="only-in-a", address1="", address2="", zipcode="", country="", domain="")
        assert len(make_client("root", "root", url="http://other.test", port=80)
                   .organization.list(per_page=50)["data"]) == 4
    assert len(a.vantage6.state.organizations) == 5
    assert len(b.vantage6.state.organizations) == 4
    # a token of one network means nothing to the other
    assert b.request("GET", "/api/organization", token=a.login("root", "root")).status == 422


def test_other_hosts_pass_through_untouched(net):
    """Interception answers only the network's own origin; everything else goes out as usual."""
    with net.intercept():
        with pytest.raises(requests.ConnectionError):
            requests.get("http://127.0.0.1:9/nothing-listens-here", timeout=2)


def test_only_passed_through_requests_consult_the_proxy_environment(net, monkeypatch):
    """An intercepted call skips requests' per-call proxy lookup (it can reach no proxy); a
    passed-through call keeps it, so a proxy set in the environment is still used."""
    from requests import sessions

    looked_up = []
    real_lookup = sessions.get_environ_proxies

    def lookup(url, no_proxy=None):
        looked_up.append(url)
        return real_lookup(url, no_proxy=no_proxy)

    monkeypatch.setattr(sessions, "get_environ_proxies", lookup)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens: a ProxyError
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with net.intercept():
        assert requests.get(f"{net.api_url}/version").json() == {"version": "4.15.2"}
        assert looked_up == []
        with pytest.raises(requests.exceptions.ProxyError):
            requests.get("http://example.invalid/", timeout=2)
        assert looked_up == ["http://example.invalid/"]
    # interception over: the real method is back
    with pytest.raises(requests.exceptions.ProxyError):
        requests.get(f"{net.api_url}/version", timeout=2)
    assert looked_up[-1] == f"{net.api_url}/version"


def test_interception_stops_cleanly(net):
    with net.intercept():
        assert requests.get(f"{net.api_url}/version").json() == {"version": "4.15.2"}
    with pytest.raises(requests.ConnectionError):
        requests.get(f"{net.api_url}/version", timeout=2)


def test_server_mode_refuses_non_loopback_hosts(net):
    with pytest.raises(ValueError, match="loopback"):
        net.serve(host="0.0.0.0")


def test_concurrent_clients_in_server_mode_lose_and_duplicate_nothing(net):
    """8 threads x 25 task creations over loopback: exactly 200 tasks and 600 runs, unique ids."""
    server = net.serve(port=0)
    token = net.login(*JOHN)
    body = {"name": "t", "image": IMAGE, "collaboration_id": 1,
            "organizations": [{"id": o, "input": b64json({})} for o in (2, 3, 4)]}
    created, errors = [], []

    def work():
        session = requests.Session()
        for _ in range(25):
            r = session.post(f"{server.url}/api/task", json=body,
                             headers={"Authorization": f"Bearer {token}"})
            (created if r.status_code == 201 else errors).append(r.json())

    threads = [threading.Thread(target=work) for _ in range(8)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
    finally:
        server.stop()
    assert errors == []
    ids = [t["id"] for t in created]
    assert sorted(ids) == list(range(1, 201))
    assert len(net.vantage6.state.runs) == 600
    assert sorted(t["job_id"] for t in created) == list(range(1, 201))

"""Median latency of ``client.organization.get(2)`` through the real vantage6 UserClient.

usage:  python benchmarks/bench_client_latency.py [--calls 2000] [--oracle http://127.0.0.1:7601]

Measured in one process, one after another, each as the median of N calls after a warm-up:
  simulator, in process   the real UserClient -> requests -> responses -> network.handle()
  simulator, server mode  the real UserClient -> requests -> loopback HTTP -> network.handle()
  client stack only       the real UserClient with requests' adapter answering a canned body:
                          what the client and requests cost with no server at all (the floor)
  simulator handler only  network.handle() called directly, no client and no transport
  real server (optional)  the real vantage6-server 4.15.2 on loopback (../shared/oracle)
Ratios are against the real server when it is given.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import platform
from unittest import mock

from requests.adapters import HTTPAdapter
from requests.models import Response

from simulator.core.http import Request
from timing import median_seconds  # benchmarks/timing.py
from simulator.network import Network

PW = "Password1!"


def _client(host: str, port: int, username: str, password: str):
    from vantage6.client import UserClient

    with contextlib.redirect_stdout(io.StringIO()):
        client = UserClient(host, port, "/api", log_level="critical")
        client.authenticate(username, password)
    client.setup_encryption(None)
    return client


def median_us(fn, calls: int) -> float:
    return median_seconds(fn, calls, warmup=min(200, calls)) * 1e6


def _prepare_oracle(url: str) -> tuple[str, int]:
    """Give the real server the demo's organization 2 and a researcher in it (idempotent)."""
    import requests

    token = requests.post(f"{url}/token/user", json={"username": "root", "password": "root"}
                          ).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    for name in ("bench_org1", "bench_org2"):
        requests.post(f"{url}/organization", json={"name": name}, headers=headers)
    requests.post(f"{url}/user", headers=headers, json={
        "username": "bench-user", "password": PW, "email": "bench@example.org",
        "firstname": "B", "lastname": "U", "organization_id": 2, "roles": [5]})
    host, port = url[: -len("/api")].rsplit(":", 1)
    return host, int(port)


def run(calls: int, oracle: str | None) -> dict[str, float]:
    results: dict[str, float] = {}
    net = Network.from_scenario("demo")
    with net.intercept():
        client = _client("http://vantage6.test", 7601, "john-doe", "super-secret-password!")
        results["simulator, in process"] = median_us(lambda: client.organization.get(2), calls)
        canned = json.dumps(client.organization.get(2)).encode()

    server = net.serve(port=0)
    try:
        host, port = server.url.rsplit(":", 1)
        client = _client(host, int(port), "john-doe", "super-secret-password!")
        results["simulator, server mode"] = median_us(lambda: client.organization.get(2), calls)
    finally:
        server.stop()

    def canned_send(adapter, request, **kwargs):
        response = Response()
        response.status_code, response._content, response.request = 200, canned, request
        response.headers["Content-Type"] = "application/json"
        response.url = request.url
        return response

    with net.intercept():
        client = _client("http://vantage6.test", 7601, "john-doe", "super-secret-password!")
    with mock.patch.object(HTTPAdapter, "send", canned_send):
        results["client stack only (no server)"] = median_us(
            lambda: client.organization.get(2), calls)

    token = net.login("john-doe", "super-secret-password!")
    headers = {"Authorization": f"Bearer {token}"}
    results["simulator handler only"] = median_us(
        lambda: net.handle(Request.build("GET", "/api/organization/2", "", headers)), calls)

    if oracle:
        host, port = _prepare_oracle(oracle)
        client = _client(host, port, "bench-user", PW)
        results["real vantage6-server 4.15.2"] = median_us(
            lambda: client.organization.get(2), max(50, calls // 10))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--oracle", help="base URL of a real server, e.g. http://127.0.0.1:7601/api")
    args = parser.parse_args()
    results = run(args.calls, args.oracle)
    real = results.get("real vantage6-server 4.15.2")
    print(f"machine: {platform.machine()}, Python {platform.python_version()}, "
          f"{args.calls} calls per row (real server: {max(50, args.calls // 10)})")
    print(f"| path | median latency | vs real server |\n|---|---:|---:|")
    for name, us in results.items():
        ratio = f"{real / us:.1f}x faster" if real and name != "real vantage6-server 4.15.2" else ""
        print(f"| {name} | {us / 1000:.3f} ms | {ratio} |")


if __name__ == "__main__":
    main()

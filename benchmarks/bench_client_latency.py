"""Median latency of ``client.organization.get(2)`` through the real vantage6 UserClient.

usage:  python benchmarks/bench_client_latency.py [--calls 2000] [--oracle http://127.0.0.1:7601]

Measured in one process, one after another, each as the median of N calls after a warm-up:
  simulator, in process   the real UserClient -> requests -> responses -> network.handle()
  simulator, server mode  the real UserClient -> requests -> loopback HTTP -> network.handle()
  client stack only       the real UserClient with requests' adapter answering a canned body:
                          what the client and requests cost with no server at all (the floor)
  server mode floor       the same loopback server (transports/server.py, werkzeug) answering
                          the canned body for every request: what server mode costs before
                          the simulator does anything; "simulator's own cost in server mode"
                          is server mode minus this floor
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
import statistics
import time
from unittest import mock

from requests.adapters import HTTPAdapter
from requests.models import Response

from simulator.core.http import Request, Response as SimResponse
from simulator.transports.server import ServerMode
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


def interleaved(first, second, calls: int) -> tuple[float, float]:
    """Median latency (us) of two calls timed in turns, after a warm-up of each."""
    for _ in range(min(200, calls)):
        first()
        second()
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(calls):
        for fn, out in ((first, samples[0]), (second, samples[1])):
            start = time.perf_counter()
            fn()
            out.append(time.perf_counter() - start)
    return statistics.median(samples[0]) * 1e6, statistics.median(samples[1]) * 1e6


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

    # Server mode and its floor are timed interleaved, call by call, so that the machine's
    # drift (it moves by more than the simulator's own cost) falls on both alike.
    signed_in = []  # the floor's client signs in through the network; then every answer is canned

    def floor_answer(request: Request) -> SimResponse:
        if not signed_in:
            return net.handle(request)
        return SimResponse(200, canned, [("Content-Type", "application/json")])

    server = net.serve(port=0)
    floor = ServerMode(floor_answer, "127.0.0.1", 0).start()
    try:
        host, port = server.url.rsplit(":", 1)
        simulated = _client(host, int(port), "john-doe", "super-secret-password!")
        host, port = floor.url.rsplit(":", 1)
        canned_client = _client(host, int(port), "john-doe", "super-secret-password!")
        signed_in.append(True)
        sim, flo = interleaved(lambda: simulated.organization.get(2),
                               lambda: canned_client.organization.get(2), calls)
    finally:
        floor.stop()
        server.stop()
    results["simulator, server mode"] = sim
    results["server mode floor (canned body, same server)"] = flo
    results["simulator's own cost in server mode"] = sim - flo

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
        ratio = (f"{real / us:.1f}x faster" if real and name != "real vantage6-server 4.15.2"
                 and not name.startswith("simulator's own") else "")
        print(f"| {name} | {us / 1000:.3f} ms | {ratio} |")


if __name__ == "__main__":
    main()

"""The 3.x profile against the 4.x profile: one federated round trip of raw requests in process
(create a partial task on the three demo organizations, poll it once, read its results), each
profile on a fresh demo network in the same process; and a Socket.IO client's wait for the
task's ``status_update`` events in server mode.

usage:  python benchmarks/bench_profiles.py [--repeat 21]
"""
from __future__ import annotations

import argparse
import base64
import json
import threading

import requests
import socketio

from simulator import Network
from timing import median_seconds

JOHN = {"username": "john-doe", "password": "super-secret-password!"}
PARTIAL = {"method": "partial_average", "kwargs": {"column_name": "age"}}
V3_PARTIAL = {"method": "average_partial", "kwargs": {"column_name": "age"}}
IMAGE = "harbor2.vantage6.ai/demo/average"


def _round_trip(net: Network, base: str, profile: str):
    headers = {"Authorization": "Bearer " + requests.post(f"{base}/token/user",
                                                           json=JOHN).json()["access_token"]}
    if profile == "3.x":
        body = {"name": "b", "image": IMAGE, "collaboration_id": 1, "input": V3_PARTIAL}
        status, results = "complete", "/task/{}/result"
    else:
        encoded = base64.b64encode(json.dumps(PARTIAL).encode()).decode()
        body = {"name": "b", "image": IMAGE, "collaboration_id": 1,
                "databases": [{"label": "default"}],
                "organizations": [{"id": o, "input": encoded} for o in (2, 3, 4)]}
        status, results = "status", "/result?task_id={}"

    def once():
        task_id = requests.post(f"{base}/task", json=body, headers=headers).json()["id"]
        assert requests.get(f"{base}/task/{task_id}", headers=headers).json()[status]
        assert len(_items(requests.get(base + results.format(task_id), headers=headers).json()))
    return once


def _items(body):
    return body["data"] if isinstance(body, dict) else body


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    seconds = {}
    for profile in ("4.x", "3.x"):
        with Network.from_scenario("demo", profile=profile) as net, net.intercept():
            seconds[profile] = median_seconds(_round_trip(net, net.api_url, profile),
                                              args.repeat)
    print(f"in-process round trip, 3 organizations: 4.x {seconds['4.x'] * 1000:.1f} ms, "
          f"3.x {seconds['3.x'] * 1000:.1f} ms (ratio {seconds['3.x'] / seconds['4.x']:.2f})")

    with Network.from_scenario("demo", profile="3.x") as net:
        server = net.serve()
        base = server.url + "/api"
        token = requests.post(f"{base}/token/user", json=JOHN).json()["access_token"]
        client = socketio.Client()
        heard = threading.Event()
        client.on("status_update", lambda data: heard.set(), namespace="/tasks")
        client.connect(server.url, headers={"Authorization": f"Bearer {token}"},
                       namespaces=["/tasks"])
        headers = {"Authorization": f"Bearer {token}"}

        def until_heard():
            heard.clear()
            requests.post(f"{base}/task", headers=headers, json={
                "name": "b", "image": IMAGE, "collaboration_id": 1, "input": V3_PARTIAL,
                "organization_ids": [2]})
            assert heard.wait(10)
        socket_seconds = median_seconds(until_heard, args.repeat)
        client.disconnect()
        server.stop()
    print(f"server mode, POST /task until the first status_update reaches a websocket client: "
          f"{socket_seconds * 1000:.1f} ms")


if __name__ == "__main__":
    main()

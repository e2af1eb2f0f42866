"""Seed 000, the raw-HTTP flow: log in, subscribe to the server's Socket.IO channel, create a task
with plain requests, wait for ``status_update`` events and poll ``complete``, then fetch the
results. Only the server URL and the credentials differ from the seed document.

    python seed_000_raw_http.py SERVER_URL USERNAME PASSWORD    -> prints a JSON summary
"""
import base64
import json
import pickle
import sys
import threading
import time

import requests
import socketio

server_url, username, password = sys.argv[1:4]
api = server_url + "/api"

# authenticate
tokens = requests.post(f"{api}/token/user",
                       json={"username": username, "password": password}).json()
access_token, refresh_token = tokens["access_token"], tokens["refresh_token"]
headers = {"Authorization": f"Bearer {access_token}"}

# listen to the tasks channel of collaboration 1
updates, messages = [], []
sio = socketio.Client()


@sio.on("message", namespace="/tasks")
def on_message(data):
    messages.append(data)


@sio.on("status_update", namespace="/tasks")
def on_status_update(data):
    updates.append(data)


sio.connect(server_url, headers=headers, namespaces=["/tasks"])
sio.emit("join_room", "collaboration_1", namespace="/tasks")


def run_task(input_, organization_ids=None):
    task = {"description": "seed 000", "image": "harbor2.vantage6.ai/demo/average",
            "input": input_, "name": "average", "collaboration_id": 1}
    if organization_ids is not None:
        task["organization_ids"] = organization_ids
    task_id = requests.post(f"{api}/task", json=task, headers=headers).json()["id"]
    while not requests.get(f"{api}/task/{task_id}", headers=headers).json()["complete"]:
        time.sleep(1)
    results = requests.get(f"{api}/task/{task_id}/result", headers=headers).json()
    result_ids.update(r["id"] for r in results)
    return task_id, {str(r["organization"]): pickle.loads(base64.b64decode(r["result"]))
                     for r in results}


result_ids = set()


partial_id, partials = run_task({"method": "average_partial",
                                 "kwargs": {"column_name": "age"}})
master_id, averages = run_task({"method": "master", "master": True,
                                "kwargs": {"column_name": "age"}}, organization_ids=[2])
deadline = time.time() + 10  # the last updates may still be on their way
while time.time() < deadline and not result_ids <= {u["result_id"] for u in updates}:
    time.sleep(0.05)
sio.disconnect()
print(json.dumps({
    "partials": {org: {"sum": float(r["sum"]), "count": int(r["count"])}
                 for org, r in partials.items()},
    "average": float(averages["2"]["average"]),
    "status_update_result_ids": sorted({u["result_id"] for u in updates}),
    "messages": messages,
}))

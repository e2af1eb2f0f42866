"""Seed 001, the vantage6-client 3.x flow (run with vantage6-client 3.11.1): a master task and a
partial task to organizations 2 and 3 with JSON input, polled with ``task.get(id,
include_results=True)`` until complete, results from ``result.list(task=id)``. Only the server
URL and the credentials differ from the seed document.

    python seed_001_client_v3.py HOST PORT USERNAME PASSWORD    -> prints a JSON summary
"""
import json
import sys
import time

from vantage6.client import Client

host, port, username, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
client = Client(host, port, "/api", log_level="warn")
client.authenticate(username, password)
client.setup_encryption(None)


def run(input_):
    task = client.task.create(collaboration=1, organizations=[2, 3], name="average",
                              image="harbor2.vantage6.ai/demo/average", description="",
                              input=input_, data_format="json")
    task_info = client.task.get(task["id"], include_results=True)
    while not task_info.get("complete"):
        time.sleep(1)
        task_info = client.task.get(task["id"], include_results=True)
    results = client.result.list(task=task["id"])["data"]
    return task_info, results


master_task, master_results = run({"method": "master", "kwargs": {"column_name": "age"},
                                   "master": True})
partial_task, partial_results = run({"method": "average_partial",
                                     "kwargs": {"column_name": "age"}, "master": False})
print(json.dumps({
    "version": client.util.get_server_version(),
    "master_status": master_task["status"],
    "master_results_included": len(master_task["results"]),
    "averages": {str(r["organization"]["id"]): float(r["result"]["average"])
                 for r in master_results},
    "partials": {str(r["organization"]["id"]): {"sum": float(r["result"]["sum"]),
                                                "count": int(r["result"]["count"])}
                 for r in partial_results},
    "whoami": client.whoami.name,
}))

"""The vantage6 4.x (and 3.x) build of the demo algorithm behind image
``harbor2.vantage6.ai/demo/average``: a federated mean. ``simulator.algorithms.average`` exposes
it when vantage6-algorithm-tools 4.x is installed (see its docstring; the 5.x build is ``_v5``).

Written in the shape of the public vantage6 4.x algorithm template (and of the published
v6-average-py): a central function that sends the partial function to every organization of the
collaboration and combines what comes back, and a partial function that sees one node's data.

    partial_average(column_name)  -> {"sum": float, "count": int}     (count = rows, as published)
    central_average(column_name)  -> {"average": float}

In a 3.x network the same image offers the 3.x methods, ``master`` and ``RPC_average_partial``.
"""
from __future__ import annotations

import time

import pandas as pd
from vantage6.algorithm.client import AlgorithmClient
from vantage6.algorithm.tools.decorators import algorithm_client, data
from vantage6.algorithm.tools.util import info


@algorithm_client
def central_average(client: AlgorithmClient, column_name: str) -> dict:
    """Ask every organization for its partial sum and count, then combine them."""
    info("Collecting participating organizations")
    organization_ids = [org["id"] for org in client.organization.list()]

    info("Creating subtask for all organizations in the collaboration")
    task = client.task.create(
        input_={"method": "partial_average", "kwargs": {"column_name": column_name}},
        organizations=organization_ids,
        name="Subtask average",
        description="Compute the sum and count of a column per organization",
    )

    info("Waiting for results")
    partials = client.wait_for_results(task_id=task["id"])
    info("Results obtained!")

    total = sum(partial["sum"] for partial in partials)
    count = sum(partial["count"] for partial in partials)
    return {"average": total / count}


@data(1)
def partial_average(df: pd.DataFrame, column_name: str) -> dict:
    """The sum and row count of one column of this organization's data."""
    info(f"Computing the sum and count of column '{column_name}'")
    numbers = df[column_name]
    return {"sum": float(numbers.sum()), "count": len(numbers)}


# ---------------------------------------------------------------------- vantage6 3.x conventions
# The same algorithm as the 3.x image harbor2.vantage6.ai/demo/average served it (a network in
# the "3.x" profile dispatches these): {"master": true, "method": "master"} calls master(client,
# data, ...) with a ContainerClient; {"method": "average_partial"} calls RPC_average_partial(data).

def master(client, data: pd.DataFrame, column_name: str) -> dict:
    """Send the partial to every organization of the collaboration and poll until it is done."""
    info("Collecting participating organizations")
    organizations = client.get_organizations_in_my_collaboration()
    ids = [organization.get("id") for organization in organizations]

    info("Requesting partial computation")
    task = client.create_new_task(
        input_={"method": "average_partial", "kwargs": {"column_name": column_name}},
        organization_ids=ids,
    )

    info("Waiting for results")
    task_id = task.get("id")
    task = client.get_task(task_id)
    while not task.get("complete"):
        time.sleep(1)  # never reached in the simulator: subtasks finish within create_new_task
        task = client.get_task(task_id)

    info("Obtaining results")
    results = client.get_results(task_id=task.get("id"))
    global_sum = sum(output["sum"] for output in results)
    global_count = sum(output["count"] for output in results)
    return {"average": global_sum / global_count}


def RPC_average_partial(data: pd.DataFrame, column_name: str) -> dict:
    """The sum and row count of one column of this organization's data (3.x partial)."""
    info(f"Extracting column {column_name}")
    numbers = data[column_name]
    info("Computing partials")
    return {"sum": numbers.sum(), "count": len(numbers)}

"""The demo algorithm behind image ``harbor2.vantage6.ai/demo/average``: a federated mean.

Written in the shape of the public vantage6 4.x algorithm template (and of the published
v6-average-py): a central function that sends the partial function to every organization of the
collaboration and combines what comes back, and a partial function that sees one node's data.

    partial_average(column_name)  -> {"sum": float, "count": int}     (count = rows, as published)
    central_average(column_name)  -> {"average": float}
"""
from __future__ import annotations

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

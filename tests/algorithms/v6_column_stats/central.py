"""Runs centrally: sends partial_stats to the organizations and combines what comes back."""
import math

from vantage6.algorithm.client import AlgorithmClient
from vantage6.algorithm.tools.decorators import algorithm_client
from vantage6.algorithm.tools.exceptions import InputError
from vantage6.algorithm.tools.util import info


@algorithm_client
def central_stats(client: AlgorithmClient, columns: list, organizations: list = None) -> dict:
    if not columns:
        raise InputError("Give at least one column")
    if organizations is None:
        organizations = [org["id"] for org in client.organization.list()]
    info(f"Sending partial_stats to organizations {organizations}")
    task = client.task.create(
        input_={"method": "partial_stats", "kwargs": {"columns": columns}},
        organizations=organizations, name="partial column stats",
        description="aggregates per organization")
    partials = client.wait_for_results(task_id=task["id"])
    info(f"Combining {len(partials)} partial results")
    out = {}
    for column in columns:
        count = sum(p[column]["count"] for p in partials)
        total = sum(p[column]["sum"] for p in partials)
        total_sq = sum(p[column]["sum_sq"] for p in partials)
        mean = total / count
        variance = (total_sq - count * mean ** 2) / (count - 1) if count > 1 else 0.0
        out[column] = {"count": count, "mean": mean, "std": math.sqrt(max(variance, 0.0)),
                       "min": min(p[column]["min"] for p in partials),
                       "max": max(p[column]["max"] for p in partials)}
    return out


@algorithm_client
def central_counts(client: AlgorithmClient, organizations_to_include: list, column: str) -> dict:
    """Counts of ``column`` over exactly the organizations the task's input names: the ids a
    test took from ``organization.list()``, used here for ``organization.get`` and subtasks."""
    names = sorted(client.organization.get(org_id)["name"] for org_id in organizations_to_include)
    task = client.task.create(
        input_={"method": "partial_stats", "kwargs": {"columns": [column]}},
        organizations=organizations_to_include, name="partial counts",
        description="counts per organization")
    partials = client.wait_for_results(task_id=task["id"])
    return {"organizations": names, "partials": len(partials),
            "count": sum(p[column]["count"] for p in partials)}

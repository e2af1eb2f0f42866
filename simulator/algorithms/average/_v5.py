"""The vantage6 5.x build of the demo algorithm behind image ``harbor2.vantage6.ai/demo/average``:
a federated mean, in the shape of the 5.x algorithm template (decorators from
``vantage6.algorithm.decorator``, one function per step). ``simulator.algorithms.average``
exposes it when vantage6-algorithm-tools 5.x is installed.

    read_csv()                    data extraction: the node's CSV -> the session dataframe
    partial_average(column_name)  -> {"sum": float, "count": int}   (count = rows, as in 4.x)
    central_average(column_name)  -> {"average": float}

``read_csv`` is vantage6's own extraction step (``vantage6.algorithm.data_extraction.read_csv``),
re-exported rather than written again: it is what the tools ship for a CSV database (it reads
``connection_details["uri"]`` with pandas, raises ``DataReadError`` for an unreadable file and,
through ``handle_data_errors``, hides the details of any other error), so the demo behaves as an
algorithm built on the tools would, and a node's extraction of a ``csv`` database needs nothing
from this package but the name.

Notes that hold on a real 5.x node and in vantage6's MockNetwork alike:
* every step is a top-level name of the package (the node calls ``getattr(module, method)``);
* ``client.task.create`` is called with keywords only: the AlgorithmClient's positional order is
  ``(method, arguments, organizations, ...)`` and the mock's ``(organizations, method, ...)``;
* results are plain JSON (``float``/``int``, not numpy scalars), which ``wrap_algorithm`` and the
  mock both ``json.dumps``;
* the subtask gets no ``databases``: the node (the container token) and the mock both hand the
  subtask the central task's dataframes.
"""
from __future__ import annotations

import pandas as pd
from vantage6.algorithm.client import AlgorithmClient
from vantage6.algorithm.data_extraction import read_csv
from vantage6.algorithm.decorator import algorithm_client, central, dataframe, federated
from vantage6.algorithm.tools.util import info

__all__ = ["read_csv", "partial_average", "central_average"]


@central
@algorithm_client
def central_average(client: AlgorithmClient, column_name: str) -> dict:
    """Ask every organization for its partial sum and count, then combine them."""
    info("Collecting participating organizations")
    organization_ids = [org["id"] for org in client.organization.list()]

    info("Creating subtask for all organizations in the collaboration")
    task = client.task.create(
        method="partial_average",
        arguments={"column_name": column_name},
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


@federated
@dataframe(1)
def partial_average(df: pd.DataFrame, column_name: str) -> dict:
    """The sum and row count of one column of this organization's dataframe."""
    info(f"Computing the sum and count of column '{column_name}'")
    numbers = df[column_name]
    return {"sum": float(numbers.sum()), "count": len(numbers)}

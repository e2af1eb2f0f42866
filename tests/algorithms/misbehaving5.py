"""5.x algorithm steps that fail, or report what a 5.x node gives them, for the runtime's tests."""
import os

import numpy as np
import pandas as pd
from vantage6.algorithm.decorator import (
    algorithm_client,
    central,
    data_extraction,
    dataframe,
    federated,
    preprocessing,
)
from vantage6.algorithm.tools.util import get_env_var, info


@federated
@dataframe(1)
def boom(df: pd.DataFrame, message: str = "boom"):
    info("about to fail")
    raise ValueError(message)


@federated
def numpy_result():
    return {"n": np.int64(3)}


def undecorated():
    return {"ran": True}


@central
def environment(names: list):
    """What the algorithm reads with get_env_var (decoded), and what is raw in os.environ."""
    return {"decoded": {name: get_env_var(name) for name in names},
            "raw": {name: os.environ.get(name) for name in names}}


@data_extraction
def not_a_table(connection_details: dict):
    return "not a table"


@data_extraction
def read_with_details(connection_details: dict):
    frame = pd.read_csv(connection_details["uri"])
    frame["uri_seen"] = connection_details["uri"]
    return frame


@preprocessing
def add_column(df: pd.DataFrame, name: str, value: float):
    df[name] = value
    return df


@federated
@dataframe(1)
def column_sum(df: pd.DataFrame, column: str):
    return {"sum": float(df[column].sum()), "rows": len(df)}


@federated
@algorithm_client
def client_in_federated(client):
    return {"never": True}


@central
@algorithm_client
def central_of(client, method: str, arguments: dict):
    task = client.task.create(method=method, arguments=arguments,
                              organizations=[o["id"] for o in client.organization.list()])
    return client.wait_for_results(task_id=task["id"])


@federated
def read_files(paths: list):
    """What opening each path gives this run (a 5.x node's container has only its own)."""
    seen = {}
    for path in paths:
        try:
            with open(path, "rb") as handle:
                seen[path] = len(handle.read())
        except OSError as exc:
            seen[path] = type(exc).__name__
    return seen

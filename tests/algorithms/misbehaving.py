"""Algorithm functions that fail, or check what a node gives them, for the runtime's tests."""
import os
import time

import numpy as np
import pandas as pd
from vantage6.algorithm.client import AlgorithmClient
from vantage6.algorithm.tools.decorators import algorithm_client, data, metadata, RunMetaData
from vantage6.algorithm.tools.util import get_env_var, info


def boom(message: str = "boom"):
    info("about to fail")
    raise ValueError(message)


def numpy_result():
    return {"n": np.int64(3)}


def exits(code: int):
    exit(code)


def environment(*names):
    return {name: os.environ.get(name) for name in names}


def decoded(*names):
    return {name: get_env_var(name) for name in names}


@data(2)
def two_frames(first: pd.DataFrame, second: pd.DataFrame) -> dict:
    return {"first": list(first.columns), "second": list(second.columns),
            "rows": [len(first), len(second)]}


@data(1)
def rows_and_columns(df: pd.DataFrame) -> dict:
    df["mutated"] = 1  # a container's frame is its own: this must not leak into the next run
    return {"rows": len(df), "columns": [c for c in df.columns if c != "mutated"]}


@metadata
def whoami(meta: RunMetaData) -> dict:
    return {"task_id": meta.task_id, "node_id": meta.node_id,
            "organization_id": meta.organization_id,
            "collaboration_id": meta.collaboration_id,
            "temporary_directory_exists": meta.temporary_directory.is_dir()}


def sleep(seconds: float):
    time.sleep(seconds)
    return {"slept": seconds}


@algorithm_client
def read_result_by_id(client: AlgorithmClient):
    """The real node proxy answers GET /result/<id> with a 500 HTML page (a bug in 4.15.2)."""
    task = client.task.create(input_={"method": "environment", "args": []},
                              organizations=[client.organization_id], name="sub")
    client.wait_for_results(task["id"])
    run = client.run.from_task(task["id"])[0]
    return {"result": client.result.get(run["id"])}


@algorithm_client
def subtask_error(client: AlgorithmClient):
    """A subtask for an organization outside the collaboration: what does the algorithm see?"""
    return client.task.create(input_={"method": "environment"}, organizations=[999])


@data(1)
def leak_records(df: pd.DataFrame) -> list:
    return df.head(3).to_dict("records")


@data(1)
def leak_column(df: pd.DataFrame, column: str) -> list:
    return df[column].tolist()


@data(1)
def small_counts(df: pd.DataFrame, column: str) -> dict:
    return {"value_counts": df[column].value_counts().to_dict(), "n": len(df)}


@data(1)
def weight_of_first(df: pd.DataFrame, weights: dict) -> dict:
    """Organization weights keyed by index: fine as a Python dict, but JSON keys are strings."""
    return {"weighted_rows": len(df) * weights[0]}


@algorithm_client
def central_on(client: AlgorithmClient, organizations: list):
    """A central function that sends its subtask to the organizations the input names."""
    task = client.task.create(input_={"method": "rows_and_columns"}, organizations=organizations,
                              name="sub", description="")
    return client.wait_for_results(task_id=task["id"])


@algorithm_client
def central_boom(client: AlgorithmClient):
    """A central function whose subtask raises."""
    task = client.task.create(input_={"method": "boom", "args": ["sub-boom"]},
                              organizations=[org["id"] for org in client.organization.list()],
                              name="sub", description="")
    return client.wait_for_results(task_id=task["id"])


@algorithm_client
def central_pairs_by_position(client: AlgorithmClient, rows_of_first: int):
    """Pairs results[i] with organizations[i]: right with vantage6's mock only."""
    organizations = [org["id"] for org in client.organization.list()]
    task = client.task.create(input_={"method": "rows_and_columns"}, organizations=organizations,
                              name="sub", description="")
    results = client.wait_for_results(task_id=task["id"])
    if results[0]["rows"] != rows_of_first:
        raise ValueError(f"organization {organizations[0]} has {results[0]['rows']} rows")
    return results

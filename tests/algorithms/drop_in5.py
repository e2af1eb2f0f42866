"""5.x algorithm steps for the tests of the MockNetwork drop-in (simulator.mock_network): what a
node tells a run, the order a central function gets its results in, and ways to fail."""
import numpy as np
import pandas as pd
from vantage6.algorithm.data_extraction import read_csv  # noqa: F401  (the extraction step)
from vantage6.algorithm.decorator import (
    algorithm_client,
    central,
    dataframe,
    federated,
    metadata,
    preprocessing,
)
from vantage6.algorithm.tools.util import info


@federated
@metadata
@dataframe(1)
def whoami(df: pd.DataFrame, meta) -> dict:
    """The ids the node gives this run (strings in the environment), and the rows it sees."""
    return {"organization_id": int(meta.organization_id), "node_id": int(meta.node_id),
            "rows": len(df)}


@central
@algorithm_client
def pair_by_position(client, organizations: list = None) -> dict:
    """Sends ``whoami`` to ``organizations`` (ids from the task arguments, or all) and pairs
    the results with them by position, as a central function that trusts the order does."""
    ids = organizations or [o["id"] for o in client.organization.list()]
    names = {i: client.organization.get(i)["name"] for i in ids}
    task = client.task.create(method="whoami", arguments={}, organizations=ids, name="whoami")
    results = client.wait_for_results(task_id=task["id"])
    return {"asked": ids, "names": [names[i] for i in ids],
            "answered": [r["organization_id"] for r in results]}


@central
@algorithm_client
def rows_per_organization(client) -> dict:
    """Pairs results[i] with organizations[i] (what vantage6's mock lets pass) and checks it."""
    ids = [o["id"] for o in client.organization.list()]
    task = client.task.create(method="whoami", arguments={}, organizations=ids, name="whoami")
    results = client.wait_for_results(task_id=task["id"])
    for id_, result in zip(ids, results):
        if result["organization_id"] != id_:
            raise ValueError(f"the result paired with organization {id_} is organization "
                             f"{result['organization_id']}'s")
    return {str(id_): result["rows"] for id_, result in zip(ids, results)}


@central
@algorithm_client
def subtask_elsewhere(client, organization: int) -> list:
    """A subtask for an organization outside the collaboration: HQ refuses it, the node proxy
    turns that into a 500 and the client hands the error body back as the 'task'."""
    info(f"Sending whoami to organization {organization}")
    task = client.task.create(method="whoami", arguments={}, organizations=[organization])
    return client.wait_for_results(task_id=task["id"])


@federated
@dataframe(1)
def boom(df: pd.DataFrame, message: str = "boom") -> dict:
    info("about to fail")
    raise ValueError(message)


@federated
@dataframe(1)
def column_sum(df: pd.DataFrame, column: str) -> dict:
    return {"sum": float(df[column].sum())}


@federated
@dataframe(1)
def numpy_result(df: pd.DataFrame) -> dict:
    return {"rows": np.int64(len(df))}


@federated
@dataframe(1)
def arguments_seen(df: pd.DataFrame, **arguments) -> dict:
    return {"arguments": arguments}


@federated
@dataframe(1)
def frame_seen(df: pd.DataFrame) -> dict:
    return {"columns": list(df.columns), "dtypes": [str(t) for t in df.dtypes],
            "index": [int(i) for i in df.index],
            "first": [v.item() if hasattr(v, "item") else v for v in df.iloc[0]]}


@preprocessing
def add_to(df: pd.DataFrame, column: str, value: float) -> pd.DataFrame:
    df[column] = df[column] + value
    return df


def undecorated() -> dict:
    return {"ran": True}

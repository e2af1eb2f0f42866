"""From MockNetwork's ``datasets`` to the scenario of a 5.x network whose ids are the mock's.

vantage6's mock numbers organizations and nodes 1..n. A real HQ starts with its root organization
and root user at id 1, so here they come after the network's: organization n+1, user n+1 (users
and nodes share one id sequence in HQ), and the mock's user n+2 in organization 1. Nothing is
mapped: the ids a test reads are the ids HQ, the nodes and the algorithms use.

A dataset given as a DataFrame becomes a parquet file in the network's folder, the node's
database of type ``parquet``; the network extracts it with vantage6's own ``read_parquet`` step.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from vantage6.algorithm.mock.globals import MockDatabase

IMAGE = "mock_image"  # the image the mock's task records name; the module under test
DATAFRAMES_IMAGE = "mock_image-dataframes"  # the extraction of datasets given as DataFrames
DATAFRAMES_MODULE = "vantage6.algorithm.data_extraction"
DATAFRAMES_METHOD = "read_parquet"
USER = ("mock-user", "Mock-user-pass1")
STUDY_ID = 1  # MockHQ.study_id
STUDY_NAME = "Mock Study"


@dataclass
class Datasets:
    mock_databases: list[list[MockDatabase]]  # per node, as vantage6's MockNode holds them
    node_databases: list[list[dict]]  # per node, as a node's configuration lists them
    given_frames: dict[str, list[int]] = field(default_factory=dict)  # label -> organizations


def read_datasets(datasets: list[dict[str, dict[str, Any]]], folder: Path) -> Datasets:
    """Each node's databases. Labels given as DataFrames by every organization that has the
    label are what the mock registers as dataframes at once (``given_frames``, in the order
    the labels first appear)."""
    out = Datasets([], [])
    frame_owners: dict[str, list[int]] = {}
    paths: dict[str, list[int]] = {}
    for organization_id, dataset in enumerate(datasets, start=1):
        mock_databases, databases = [], []
        for label, db in dataset.items():
            database, db_type = db["database"], db.get("db_type")  # the mock's KeyError
            mock_databases.append(MockDatabase(label=label, database=database, db_type=db_type))
            if isinstance(database, pd.DataFrame):
                path = folder / f"organization{organization_id}-{len(databases)}.parquet"
                _write_frame(database, path, label, organization_id)
                databases.append({"label": label, "uri": str(path), "type": "parquet"})
                frame_owners.setdefault(label, []).append(organization_id)
            else:
                if not db_type:
                    raise ValueError(
                        f"dataset {label!r} of organization {organization_id} has no db_type: "
                        "a node's database has a type, and @data_extraction needs it (vantage6's "
                        "mock accepts the dataset and exits in the extraction instead)")
                databases.append({"label": label, "uri": _uri(database), "type": db_type})
                paths.setdefault(label, []).append(organization_id)
        out.mock_databases.append(mock_databases)
        out.node_databases.append(databases)
    out.given_frames = {label: owners for label, owners in frame_owners.items()
                        if label not in paths}
    return out


def _write_frame(frame: pd.DataFrame, path: Path, label: str, organization_id: int) -> None:
    try:
        frame.to_parquet(path)
    except (ValueError, TypeError) as exc:  # e.g. column names that are not strings
        raise ValueError(
            f"the DataFrame of dataset {label!r} of organization {organization_id} cannot be a "
            f"session dataframe: a node stores dataframes as parquet, and parquet says: {exc}"
        ) from exc


def _uri(database: Any) -> str:
    """A file path as a node's configuration holds it (absolute); anything else (a connection
    string) as given."""
    text = str(database)
    return os.path.abspath(text) if os.path.exists(text) else text


def scenario(module_name: str, collaboration_id: int, node_databases: list[list[dict]]) -> dict:
    n = len(node_databases)
    ids = list(range(1, n + 1))
    return {
        "root": {"organization_id": n + 1, "user_id": n + 1},
        "organizations": [{"id": i, "name": f"mock-{i}", "domain": f"mock-{i}.org",
                           "address1": "mock", "address2": "mock", "zipcode": "mock",
                           "country": "mock"} for i in ids],
        "collaborations": [{"id": collaboration_id, "name": "mock-collaboration",
                            "organizations": ids, "encrypted": False}],
        "studies": [{"id": STUDY_ID, "name": STUDY_NAME, "collaboration": collaboration_id,
                     "organizations": ids}],
        "nodes": [{"id": i, "organization": i, "collaboration": collaboration_id,
                   "name": f"mock-node-{i}", "databases": databases}
                  for i, databases in zip(ids, node_databases)],
        "users": [{"id": n + 2, "username": USER[0], "password": USER[1], "organization": 1,
                   "roles": ["Researcher"]}],
        "algorithms": {IMAGE: module_name, DATAFRAMES_IMAGE: DATAFRAMES_MODULE},
    }

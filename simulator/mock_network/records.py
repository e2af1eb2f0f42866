"""``network.hq`` and ``network.nodes`` of the drop-in: what vantage6's MockHQ and MockNode hold,
read from the simulated HQ (its REST answers) and the simulated nodes (their session folders)."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import pandas as pd
from vantage6.algorithm.mock.globals import MockDatabase

from simulator.mock_network.datasets import STUDY_ID
from simulator.vantage6.v5.runtime import SessionFolder

if TYPE_CHECKING:
    from simulator.mock_network.network import MockNetwork
    from simulator.vantage6.v5.node import SimulatedNode5


class MockHQ:
    """MockHQ's lists, as HQ answers them: every task, run, result and dataframe of the
    network, oldest first (the mock's lists are in the order it made the records)."""

    def __init__(self, network: "MockNetwork") -> None:
        self.network = network
        self.session_id = network.session_id
        self.study_id = STUDY_ID

    @property
    def study(self) -> dict:
        return self.network.user_client.study.get(self.study_id)

    @property
    def tasks(self) -> list[dict]:
        return _oldest_first(self.network._pages(
            "/task", collaboration_id=self.network.collaboration_id))

    @property
    def runs(self) -> list[dict]:
        return [self.network._readable_run(r) for r in _oldest_first(self.network._pages("/run"))]

    @property
    def results(self) -> list[dict]:
        return [self.network._readable_result(r)
                for r in _oldest_first(self.network._pages("/result"))]

    @property
    def dataframes(self) -> list[dict]:
        return _oldest_first(self.network._pages(f"/session/{self.session_id}/dataframe"))

    def get_dataframe(self, id_: int) -> dict:
        return self.network.user_client.dataframe.get(id_)

    def get_label_for_df_id(self, id_: int) -> Any:
        return self.get_dataframe(id_).get("db_label")


class MockNode:
    """One node as MockNode shows it: ``id_``, ``organization_id``, ``collaboration_id``,
    ``datasets``, ``env`` and ``dataframes`` (name -> DataFrame, read from the node's session
    folder as an algorithm reads it). ``simulated`` is the simulated 5.x node itself."""

    def __init__(self, network: "MockNetwork", simulated: "SimulatedNode5",
                 datasets: list[MockDatabase]) -> None:
        self.network = network
        self.simulated = simulated
        self.id_ = simulated.id
        self.organization_id = simulated.organization_id
        self.collaboration_id = simulated.collaboration_id
        self.datasets = datasets
        self.env = {"NODE_ID": self.id_, "ORGANIZATION_ID": self.organization_id,
                    "COLLABORATION_ID": self.collaboration_id}

    @property
    def dataframes(self) -> "SessionDataframes":
        folder = SessionFolder.path_of(self.simulated.data_dir(), self.network.session_id)
        return SessionDataframes(SessionFolder(folder))

    def __repr__(self) -> str:
        return f"<MockNode id_={self.id_} organization_id={self.organization_id}>"


class SessionDataframes(Mapping):
    """The dataframes of a node's session folder; each read is a fresh frame."""

    def __init__(self, folder: SessionFolder) -> None:
        self._folder = folder

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._folder.dataframes():
            raise KeyError(name)
        return pd.read_parquet(self._folder.dataframe(name))

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._folder.dataframes()))

    def __len__(self) -> int:
        return len(self._folder.dataframes())


def _oldest_first(records: list[dict]) -> list[dict]:
    return sorted(records, key=lambda record: record["id"])

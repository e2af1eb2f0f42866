"""Opt-in privacy checks on what runs return: results that carry row-level data, or counts below a
minimum cell size. A check never changes a run; it records a violation naming the run, and a test
(or the pytest plugin) fails on them.

    net.privacy.enable(min_cell_size=5)          # or scenario: privacy: {min_cell_size: 5}
    ... run tasks ...
    net.privacy.assert_clean()                   # AssertionError listing every violation

What is flagged (heuristics, documented in the README):
  - small counts: an integer 0 < n < min_cell_size under a key that names a count (``count``,
    ``n``, ``size``, ``total``, ``freq``..., ``*_count``, ``n_*``), or any integer inside a mapping
    under such a key (``counts``, ``value_counts``, ``frequencies``);
  - row-level data, compared with the data of the node that produced the result: a list of
    records (mappings) whose keys are columns of that data; a list holding a whole column (in any
    order), or at least half a column's rows taken from its values; a mapping of columns to
    per-row mappings (``DataFrame.to_dict()``).
"""
from __future__ import annotations

import base64
import json
import re
import threading
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Iterator, Optional

from simulator.core.events import Event

if TYPE_CHECKING:
    import pandas as pd

    from simulator.core.events import EventTrace
    from simulator.vantage6.node.fleet import NodeFleet
    from simulator.vantage6.server import Vantage6Server

_COUNT_KEY = re.compile(r"^(n|count|counts|size|total|freq|frequency|frequencies|num|number"
                        r"|value_counts|.*_count|.*_counts|n_.*|num_.*|count_.*)$", re.I)
_MAPPING_OF_COUNTS = re.compile(r"^(counts|value_counts|frequencies|freq|histogram|.*_counts)$",
                                re.I)


@dataclass(frozen=True)
class Violation:
    run_id: int
    task_id: int
    organization_id: int
    kind: str  # "small_count" or "row_level"
    detail: str

    def __str__(self) -> str:
        return (f"run {self.run_id} (task {self.task_id}, organization {self.organization_id}): "
                f"{self.detail}")


class PrivacyChecks:
    def __init__(self, server: "Vantage6Server", fleet: "NodeFleet", events: "EventTrace") -> None:
        self.server, self.fleet = server, fleet
        self.enabled = False
        self.min_cell_size = 5
        self.row_level = True
        self._violations: list[Violation] = []
        self._lock = threading.Lock()
        events.subscribe(self._on_event)

    def enable(self, min_cell_size: int = 5, row_level: bool = True) -> "PrivacyChecks":
        self.enabled, self.min_cell_size, self.row_level = True, int(min_cell_size), row_level
        return self

    def disable(self) -> None:
        self.enabled = False

    @property
    def violations(self) -> list[Violation]:
        with self._lock:
            return list(self._violations)

    def clear(self) -> None:
        with self._lock:
            self._violations.clear()

    def assert_clean(self) -> None:
        found = self.violations
        if found:
            lines = "\n  ".join(str(v) for v in found)
            raise AssertionError(f"{len(found)} privacy violation(s) in run results:\n  {lines}")

    # ------------------------------------------------------------------ checking
    def _on_event(self, event: Event) -> None:
        if not self.enabled or event.name != "run_finished" or event.data.get("status") != \
                "completed":
            return
        run = self.server.state.runs.get(event.data["run_id"])
        if run is None or not run.result or run.task is None:
            return
        try:
            result = json.loads(base64.b64decode(run.result))
        except ValueError:
            return
        found = self.check(result, self._frames_of(run))
        with self._lock:
            self._violations += [Violation(run.id, run.task.id, run.organization.id, kind, detail)
                                 for kind, detail in found]

    def check(self, result: Any, frames: list["pd.DataFrame"]) -> list[tuple[str, str]]:
        """(kind, detail) for every problem in one result, given the producing node's data."""
        found = []
        for path, key, value in _walk(result):
            if isinstance(value, bool) or not isinstance(value, int):
                continue
            if 0 < value < self.min_cell_size and key is not None and (
                    _COUNT_KEY.match(key) or _under_counts(path)):
                found.append(("small_count", f"{path} = {value} is below the minimum cell size "
                                             f"of {self.min_cell_size}"))
        if self.row_level:
            found += [("row_level", detail) for detail in _row_level(result, frames)]
        return found

    def _frames_of(self, run) -> list["pd.DataFrame"]:
        node = self.server.state.collaborations[run.task.collaboration.id].node_of(
            run.organization.id)
        simulated = self.fleet[node.id] if node is not None and node.id in \
            self.fleet else None
        if simulated is None:
            return []
        from vantage6.algorithm.tools.wrappers import load_data

        frames = []
        for db in simulated.setup.databases:
            if db["type"] in ("csv", "parquet", "excel"):
                try:
                    frames.append(simulated.cache.load(load_data, db["uri"], db["type"]))
                except Exception:  # an unreadable database is the algorithm's problem
                    continue
        return frames


def _walk(value: Any, path: str = "result", key: Optional[str] = None
          ) -> Iterator[tuple[str, Optional[str], Any]]:
    yield path, key, value
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}[{k!r}]", str(k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}[{i}]", key)


def _under_counts(path: str) -> bool:
    keys = re.findall(r"\['([^']*)'\]", path)
    return len(keys) >= 2 and bool(_MAPPING_OF_COUNTS.match(keys[-2]))


def _row_level(result: Any, frames: list["pd.DataFrame"]) -> list[str]:
    columns = {str(c) for frame in frames for c in frame.columns}
    found = []
    for path, key, value in _walk(result):
        if isinstance(value, list) and len(value) >= 2:
            records = [v for v in value if isinstance(v, dict)]
            if len(records) == len(value) and all(set(map(str, r)) & columns for r in records):
                found.append(f"{path} holds {len(records)} records with columns of the data")
                continue
            for frame in frames:
                hit = _column_values(value, frame)
                if hit:
                    found.append(f"{path} holds {hit}")
                    break
        elif isinstance(value, dict) and columns and set(map(str, value)) <= columns and value:
            per_row = [v for v in value.values() if isinstance(v, dict) and len(v) >= 2]
            if per_row and len(per_row) == len(value):
                found.append(f"{path} maps columns to their rows (a data frame)")
    return found


def _column_values(values: list, frame: "pd.DataFrame") -> Optional[str]:
    if not all(isinstance(v, (int, float, str)) and not isinstance(v, bool) for v in values):
        return None
    wanted = Counter(values)
    for column in frame.columns:
        present = Counter(_plain(v) for v in frame[column].dropna().tolist())
        if not present:
            continue
        if wanted == present:
            return f"the whole column {column!r}"
        if len(values) >= max(10, len(frame) // 2) and not (wanted - present):
            return f"{len(values)} values of column {column!r}"
    return None


def _plain(value: Any) -> Any:
    return value.item() if hasattr(value, "item") else value

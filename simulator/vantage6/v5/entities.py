"""The records vantage6 5.x adds: sessions, their dataframes and the columns nodes report.

A session groups a user's dataframes and the tasks that build and use them; a dataframe is made on
every node by its data-extraction task and changed by preprocessing tasks, each becoming its
``last_session_task``. Readiness is computed, as the real models compute it (hq/model/dataframe.py,
session.py), never stored.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

from simulator.vantage6.entities import Collaboration, Node, Study, Task, User
from simulator.vantage6.v5.status import COMPLETED

# session scopes, lowest first (hq/model/rule.py Scope values; "global" is not a session scope)
SESSION_SCOPES = ("own", "organization", "collaboration")


@dataclass(eq=False)
class Column:
    node: Node
    name: str
    dtype: str


@dataclass(eq=False)
class Session:
    id: int
    name: str
    owner: Optional[User]
    collaboration: Collaboration
    scope: str
    created_at: dt.datetime
    last_used_at: dt.datetime
    study: Optional[Study] = None
    image: Optional[str] = None  # set by the first dataframe when the collaboration restricts it
    dataframes: list["Dataframe"] = field(default_factory=list, repr=False)
    tasks: list[Task] = field(default_factory=list, repr=False)

    @property
    def ready(self) -> bool:
        return any(df.ready for df in self.dataframes)


@dataclass(eq=False)
class Dataframe:
    id: int
    name: str
    session: Session
    db_label: str
    last_session_task: Optional[Task] = None
    columns: list[Column] = field(default_factory=list, repr=False)
    tasks: list[Task] = field(default_factory=list, repr=False)  # its extraction/preprocessing

    @property
    def ready(self) -> bool:
        """Its last session task has runs and all of them completed."""
        task = self.last_session_task
        return bool(task and task.runs and all(r.status == COMPLETED for r in task.runs))

    def organizations_ready(self) -> list[int]:
        """Organizations whose run of the last session task completed (the real method raises
        when there is no last task: callers check first)."""
        task = self.last_session_task
        return [r.organization.id for r in task.runs if r.status == COMPLETED] if task else []


@dataclass(eq=False)
class TaskDatabase:
    """A 5.x task database: a source database (by label) or a session dataframe, at a position
    (the inner list of ``databases`` it came in)."""

    label: Optional[str]
    type: str  # "source" or "dataframe"
    dataframe: Optional[Dataframe]
    position: int

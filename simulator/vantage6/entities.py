"""The vantage6 server's records as plain objects. Relations are kept on both sides, as the real
server's SQLAlchemy relationships are, so that answering for one record never scans a whole table."""
from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from simulator.vantage6.status import TaskStatus, derive_task_status, has_task_failed


@dataclass(eq=False)
class Rule:
    id: int
    name: str
    operation: str  # enum value: v e c d s r
    scope: str  # enum value: own org col glo
    description: str
    roles: list["Role"] = field(default_factory=list, repr=False)
    users: list["User"] = field(default_factory=list, repr=False)

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.name, self.operation, self.scope)


@dataclass(eq=False)
class Role:
    id: int
    name: str
    description: Optional[str]
    organization: Optional["Organization"] = None
    is_default_role: bool = False
    rules: list[Rule] = field(default_factory=list, repr=False)
    users: list["User"] = field(default_factory=list, repr=False)


@dataclass(eq=False)
class Organization:
    id: int
    name: str
    domain: Optional[str] = None
    address1: Optional[str] = None
    address2: Optional[str] = None
    zipcode: Optional[str] = None
    country: Optional[str] = None
    public_key: Optional[bytes] = None  # stored decoded, as the real model does
    collaborations: list["Collaboration"] = field(default_factory=list, repr=False)
    studies: list["Study"] = field(default_factory=list, repr=False)
    users: list["User"] = field(default_factory=list, repr=False)
    nodes: list["Node"] = field(default_factory=list, repr=False)
    roles: list[Role] = field(default_factory=list, repr=False)
    tasks: list["Task"] = field(default_factory=list, repr=False)  # tasks it initiated
    runs: list["Run"] = field(default_factory=list, repr=False)  # runs assigned to it


class NodeList(list):
    """A collaboration's nodes, indexed by organization (a collaboration has one node per
    organization), so that finding a run's node does not scan every node of the collaboration.
    The index is rebuilt lazily whenever it cannot be kept up to date (a copy being made)."""

    def __init__(self, nodes=()) -> None:
        super().__init__(nodes)
        self._by_org: Optional[dict] = None

    def _reindex(self) -> None:
        self._by_org = None

    def append(self, node: "Node") -> None:
        super().append(node)
        index = getattr(self, "_by_org", None)
        organization_id = getattr(getattr(node, "organization", None), "id", None)
        if index is not None and organization_id is not None:
            index[organization_id] = node
        else:
            self._by_org = None

    def remove(self, node: "Node") -> None:
        super().remove(node)
        self._by_org = None

    def of(self, organization_id: int) -> Optional["Node"]:
        if getattr(self, "_by_org", None) is None:
            self._by_org = {node.organization.id: node for node in self}
        return self._by_org.get(organization_id)


def _reindexing(name: str):
    def method(self, *args, **kwargs):
        result = getattr(list, name)(self, *args, **kwargs)
        self._reindex()
        return result
    return method


for _name in ("extend", "insert", "pop", "clear", "__setitem__", "__delitem__", "__iadd__",
              "sort", "reverse"):
    setattr(NodeList, _name, _reindexing(_name))


@dataclass(eq=False)
class Collaboration:
    id: int
    name: str
    encrypted: bool = False
    session_restrict_to_same_image: bool = False  # 5.x
    organizations: list[Organization] = field(default_factory=list, repr=False)
    nodes: NodeList = field(default_factory=NodeList, repr=False)
    tasks: list["Task"] = field(default_factory=list, repr=False)
    studies: list["Study"] = field(default_factory=list, repr=False)

    def node_of(self, organization_id: int) -> Optional["Node"]:
        return self.nodes.of(organization_id)


@dataclass(eq=False)
class Study:
    id: int
    name: str
    collaboration: Collaboration
    organizations: list[Organization] = field(default_factory=list, repr=False)
    tasks: list["Task"] = field(default_factory=list, repr=False)


@dataclass(eq=False)
class Authenticatable:
    """Users and nodes share one id sequence, as in the real server's joined-table inheritance."""

    id: int
    ip: Optional[str] = None
    last_seen: Optional[dt.datetime] = None
    status: Optional[str] = None
    # 5.x: the account in Keycloak (its user id; for nodes and service accounts also the
    # client's internal id)
    keycloak_id: Optional[str] = None
    keycloak_client_id: Optional[str] = None


@dataclass(eq=False)
class User(Authenticatable):
    username: str = ""
    password_hash: str = ""
    firstname: Optional[str] = None
    lastname: Optional[str] = None
    email: Optional[str] = None
    organization: Optional[Organization] = None
    roles: list[Role] = field(default_factory=list, repr=False)
    rules: list[Rule] = field(default_factory=list, repr=False)
    created_tasks: list["Task"] = field(default_factory=list, repr=False)
    failed_login_attempts: int = 0
    last_login_attempt: Optional[dt.datetime] = None
    otp_secret: Optional[str] = None
    last_email_failed_login_sent: Optional[dt.datetime] = None
    last_email_recover_password_sent: Optional[dt.datetime] = None
    is_service_account: bool = False  # 5.x

    type = "user"


@dataclass(eq=False)
class Node(Authenticatable):
    name: str = ""
    api_key_hash: str = ""
    organization: Optional[Organization] = None
    collaboration: Optional[Collaboration] = None
    config: list[tuple[str, str]] = field(default_factory=list)

    type = "node"


@dataclass(eq=False)
class TaskDatabase:
    label: str
    parameters: str  # JSON string of the database dict without its label


@dataclass(eq=False)
class Task:
    id: int
    name: str
    description: str
    image: str
    collaboration: Collaboration
    init_org: Organization
    created_at: dt.datetime
    job_id: Optional[int] = None
    init_user: Optional[User] = None
    parent: Optional["Task"] = None
    study: Optional[Study] = None
    databases: list[TaskDatabase] = field(default_factory=list)
    runs: list["Run"] = field(default_factory=list, repr=False)
    children: list["Task"] = field(default_factory=list, repr=False)
    # organization id -> its runs of this task (a task may name an organization twice)
    runs_by_org: dict[int, list["Run"]] = field(default_factory=dict, repr=False)
    # how many of its runs have each status, kept by Run (so status does not scan the runs)
    status_counts: Counter = field(default_factory=Counter, repr=False)
    # 5.x: what the task runs and where (session steps also name their dataframe)
    method: Optional[str] = None
    action: Optional[str] = None
    session: Optional[object] = None
    dataframe: Optional[object] = None
    depends_on: list["Task"] = field(default_factory=list, repr=False)
    required_by: list["Task"] = field(default_factory=list, repr=False)

    @property
    def status(self) -> str:
        return derive_task_status(s for s, n in self.status_counts.items() if n > 0)

    @property
    def finished_at(self) -> Optional[dt.datetime]:
        if self.runs and self.status == TaskStatus.COMPLETED:
            stamps = [r.finished_at for r in self.runs]
            return None if None in stamps else max(stamps)
        return None


_UNSET = object()


@dataclass(eq=False)
class Run:
    id: int
    task: Optional[Task]  # None once the task is deleted and the run left behind
    organization: Organization
    input: Optional[str]
    assigned_at: dt.datetime
    status: str = TaskStatus.PENDING
    result: Optional[str] = None
    started_at: Optional[dt.datetime] = None
    finished_at: Optional[dt.datetime] = None
    log: Optional[str] = None
    cleanup_at: Optional[dt.datetime] = None
    blob_storage_used: bool = False
    action: Optional[str] = None  # 5.x: the step type (data_extraction, federated_compute...)

    def __setattr__(self, name: str, value) -> None:
        # a run counts in its task's status_counts while it belongs to that task
        if name in ("status", "task"):
            state = self.__dict__
            task, status = state.get("task"), state.get("status", _UNSET)
            if task is not None and status is not _UNSET:
                task.status_counts[status] -= 1
            if name == "status":
                status = value
            else:
                task = value
            if task is not None and status is not _UNSET:
                task.status_counts[status] += 1
        object.__setattr__(self, name, value)

    @property
    def node(self) -> Optional[Node]:
        if self.task is None:  # an orphan: its task was deleted
            return None
        return self.task.collaboration.node_of(self.organization.id)

    @property
    def failed(self) -> bool:
        return has_task_failed(self.status)

"""The records of a vantage6 5.x HQ: the 4.x records (organizations, collaborations, users,
nodes, roles, rules, studies, tasks, runs) with the 5.0.3 rules and default roles, plus sessions
and dataframes, and the lookup of users and nodes by their Keycloak id.

Nothing here knows HTTP or Keycloak: callers create the Keycloak accounts and pass their ids in.
"""
from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Optional

from simulator.vantage6.entities import (
    Collaboration,
    Node,
    Organization,
    Run,
    Study,
    Task,
    User,
)
from simulator.vantage6.state import State
from simulator.vantage6.v5 import status as st
from simulator.vantage6.v5.entities import Column, Dataframe, Session, TaskDatabase
from simulator.vantage6.v5.rows import (
    MEMBER,
    STUDY_MEMBER,
    NotNullFailure,
    RepeatedLinks,
    RowidSequence,
)

# 5.x rule values -> the short codes the shared permission model uses
_OPERATIONS = {"view": "v", "edit": "e", "create": "c", "delete": "d", "send": "s",
               "receive": "r"}
_SCOPES = {"own": "own", "organization": "org", "collaboration": "col", "global": "glo"}


@lru_cache(maxsize=1)
def load_permission_data() -> dict:
    """The 5.0.3 rules and default roles (tools/oracle_v5/capture_permissions.py), their
    operation and scope values in the shared short codes."""
    text = resources.files("simulator.vantage6.v5").joinpath("data/permissions.json").read_text()
    data = json.loads(text)
    for rule in data["rules"]:
        rule["operation"] = _OPERATIONS[rule["operation"]]
        rule["scope"] = _SCOPES[rule["scope"]]
    return data


class V5State(State):
    def __init__(self, clock) -> None:
        self.sessions: dict[int, Session] = {}
        self.dataframes: dict[int, Dataframe] = {}
        self._by_keycloak_id: dict[str, object] = {}
        super().__init__(clock)
        self.seq.update(session=self.seq["task"].__class__(),
                        dataframe=self.seq["task"].__class__())
        for table, rows in [("organization", (self.organizations,)),
                            ("collaboration", (self.collaborations,)),
                            ("study", (self.studies,)), ("role", (self.roles,)),
                            ("authenticatable", (self.users, self.nodes))]:
            self.seq[table] = RowidSequence(*rows)
        self.repeated = RepeatedLinks()
        # Session.created_at / last_used_at default to datetime.now() evaluated once, when the
        # real HQ imports its models: every session shows the process's start
        self.sessions_created_at = self.started_at

    def permission_data(self) -> dict:
        return load_permission_data()

    # ------------------------------------------------------------------ accounts
    def bootstrap_admin(self, username: str, keycloak_id: Optional[str],
                        organization_id: Optional[int] = None,
                        user_id: Optional[int] = None) -> User:
        """What HQ creates on an empty database: organization 'root' and the root user named
        as Keycloak's admin user, with the Root role and no password (ids 1 unless given)."""
        org = self.add_organization(name="root", id=organization_id)
        return self.add_user(username=username, password="", organization=org,
                             roles=[self.role_by_name("Root")], keycloak_id=keycloak_id,
                             id=user_id)

    def add_user(self, username: str, password: str, organization: Organization,
                 keycloak_id: Optional[str] = None, keycloak_client_id: Optional[str] = None,
                 is_service_account: bool = False, **fields) -> User:
        user = super().add_user(username, password, organization, **fields)
        user.is_service_account = is_service_account
        self.link_account(user, keycloak_id, keycloak_client_id)
        return user

    def add_node(self, name: str, organization: Organization, collaboration: Collaboration,
                 api_key: str = "", id: Optional[int] = None, keycloak_id: Optional[str] = None,
                 keycloak_client_id: Optional[str] = None) -> Node:
        node = super().add_node(name, organization, collaboration, api_key, id=id)
        self.link_account(node, keycloak_id, keycloak_client_id)
        return node

    def link_account(self, auth, keycloak_id: Optional[str],
                     keycloak_client_id: Optional[str] = None) -> None:
        if auth.keycloak_id is not None:
            self._by_keycloak_id.pop(auth.keycloak_id, None)
        auth.keycloak_id, auth.keycloak_client_id = keycloak_id, keycloak_client_id
        if keycloak_id is not None:
            self._by_keycloak_id[keycloak_id] = auth

    def by_keycloak_id(self, keycloak_id) -> Optional[object]:
        """``Authenticatable.get_by_keycloak_id``: the user or node with that Keycloak id."""
        return self._by_keycloak_id.get(keycloak_id) if isinstance(keycloak_id, str) else None

    def delete_user(self, user: User) -> None:
        """Refused (nothing changes) while the user owns sessions."""
        owned = [x.id for x in self.sessions.values() if x.owner is user]
        if owned:
            raise NotNullFailure("session", "user_id", owned)
        super().delete_user(user)
        self._by_keycloak_id.pop(user.keycloak_id, None)

    def node_columns(self, node: Node) -> int:
        """How many dataframe columns a node reported (``node.columns``)."""
        return sum(c.node is node for df in self.dataframes.values() for c in df.columns)

    def delete_node(self, node: Node) -> None:
        for df in self.dataframes.values():
            df.columns = [c for c in df.columns if c.node is not node]
        super().delete_node(node)
        self._by_keycloak_id.pop(node.keycloak_id, None)

    def delete_collaboration_dependents(self, col: Collaboration) -> None:
        """HQ's order: tasks (their runs stay, without a task), nodes, studies, sessions."""
        super().delete_collaboration_dependents(col)
        for session in [x for x in self.sessions.values() if x.collaboration is col]:
            self.delete_session(session)

    # ------------------------------------------------------------------ membership rows
    def add_member(self, col: Collaboration, org: Organization) -> None:
        if org in col.organizations:  # a second Member row (no unique key)
            self.repeated.add(MEMBER, org.id, col.id)
            return
        super().add_member(col, org)

    def add_study_member(self, study: Study, org: Organization) -> None:
        if org in study.organizations:
            self.repeated.add(STUDY_MEMBER, org.id, study.id)
            return
        self.set_study_organizations(study, study.organizations + [org])

    def remove_member(self, col: Collaboration, org: Organization) -> None:
        self.repeated.refuse(MEMBER, [(org.id, col.id)])
        super().remove_member(col, org)

    def set_collaboration_organizations(self, col: Collaboration,
                                        orgs: list[Organization]) -> None:
        self.repeated.refuse(MEMBER, [(o.id, col.id) for o in col.organizations
                                      if o not in orgs])
        super().set_collaboration_organizations(col, orgs)

    def set_study_organizations(self, study: Study, orgs: list[Organization]) -> None:
        self.repeated.refuse(STUDY_MEMBER, [(o.id, study.id) for o in study.organizations
                                            if o not in orgs])
        super().set_study_organizations(study, orgs)

    # each row and its links go in one flush: a repeated link fails all of it
    def unlink_organization(self, org: Organization) -> None:
        self.repeated.refuse(MEMBER, [(org.id, c.id) for c in org.collaborations])
        self.repeated.refuse(STUDY_MEMBER, [(org.id, s.id) for s in org.studies])
        super().unlink_organization(org)

    def unlink_collaboration(self, col: Collaboration) -> None:
        self.repeated.refuse(MEMBER, [(o.id, col.id) for o in col.organizations])
        sessions = [x.id for x in self.sessions.values() if x.collaboration is col]
        if sessions:
            raise NotNullFailure("session", "collaboration_id", sessions)
        super().unlink_collaboration(col)

    def unlink_study(self, study: Study) -> None:
        """Its sessions stay, without a study (a nullable key)."""
        self.repeated.refuse(STUDY_MEMBER, [(o.id, study.id) for o in study.organizations])
        for session in self.sessions.values():
            if session.study is study:
                session.study = None
        super().unlink_study(study)

    # ------------------------------------------------------------------ sessions
    def add_session(self, name: str, owner: User, collaboration: Collaboration, scope: str,
                    study: Optional[Study] = None) -> Session:
        session = Session(self.seq["session"].take(), name, owner, collaboration, scope,
                          created_at=self.sessions_created_at,
                          last_used_at=self.sessions_created_at, study=study)
        self.sessions[session.id] = session
        return session

    def session_name_taken(self, collaboration: Collaboration, name: str) -> bool:
        return any(s.name == name and s.collaboration is collaboration
                   for s in self.sessions.values())

    def delete_session(self, session: Session) -> None:
        """``Session.delete``: its dataframes, then its tasks with their runs."""
        for df in list(session.dataframes):
            self.delete_dataframe(df)
        for task in list(session.tasks):
            for run in list(task.runs):
                self.delete_run(run)
            self.delete_task(task)
        self.sessions.pop(session.id, None)

    # ------------------------------------------------------------------ dataframes
    def add_dataframe(self, session: Session, name: str, db_label: str) -> Dataframe:
        df = Dataframe(self.seq["dataframe"].take(), name, session, db_label)
        self.dataframes[df.id] = df
        session.dataframes.append(df)
        return df

    def dataframe_name_taken(self, name: str) -> bool:
        """Dataframe names are unique over every session: nodes store them by name."""
        return any(df.name == name for df in self.dataframes.values())

    def delete_dataframe(self, df: Dataframe) -> None:
        """The dataframe goes; the tasks that built it stay, without it."""
        for task in df.tasks:
            task.dataframe = None
        for task in self.tasks.values():  # the foreign key of its task databases goes null
            for db in task.databases:
                if getattr(db, "dataframe", None) is df:
                    db.dataframe = None
        df.columns = []
        if df in df.session.dataframes:
            df.session.dataframes.remove(df)
        self.dataframes.pop(df.id, None)

    def set_columns(self, df: Dataframe, node: Node, columns: list[tuple[str, str]]) -> None:
        """A node's columns of a dataframe replace what it reported before."""
        df.columns = [c for c in df.columns if c.node is not node]
        df.columns += [Column(node, name, dtype) for name, dtype in columns]

    # ------------------------------------------------------------------ tasks
    def add_task5(self, *, name: str, description: str, image: str, method: str, action: str,
                  collaboration: Collaboration, init_org: Organization, job_id: int,
                  init_user: Optional[User], parent: Optional[Task], study: Optional[Study],
                  session: Session, dataframe: Optional[Dataframe],
                  databases: list[TaskDatabase], depends_on: list[Task]) -> Task:
        task = self.add_task(name=name, description=description, image=image,
                             collaboration=collaboration, init_org=init_org, job_id=job_id,
                             init_user=init_user, parent=parent, study=study,
                             databases=databases)
        task.method, task.action, task.session, task.dataframe = method, action, session, dataframe
        session.tasks.append(task)
        if dataframe is not None:
            dataframe.tasks.append(task)
        for dependency in depends_on:
            task.depends_on.append(dependency)
            dependency.required_by.append(task)
        return task

    def add_run5(self, task: Task, organization: Organization, arguments: Optional[str],
                 action: str) -> Run:
        run = self.add_run(task, organization, arguments)
        run.action = action
        return run

    def delete_task(self, task: Task) -> None:
        if task.id not in self.tasks:
            return
        for dependency in task.depends_on:
            if task in dependency.required_by:
                dependency.required_by.remove(task)
        for dependent in task.required_by:
            if task in dependent.depends_on:
                dependent.depends_on.remove(task)
        session = task.session
        if session is not None and task in session.tasks:
            session.tasks.remove(task)
        df = task.dataframe
        if df is not None and task in df.tasks:
            df.tasks.remove(task)
        super().delete_task(task)

    # ------------------------------------------------------------------ run updates
    def fail_dependents(self, run: Run) -> None:
        """A failed run fails the tasks that depend on its task (and, further down, their
        session steps): their runs become 'depended on failed task' with its finished_at."""
        seen: set[int] = set()
        todo = list(run.task.required_by)
        while todo:
            task = todo.pop(0)
            if task.id in seen:
                continue
            seen.add(task.id)
            for dependent_run in task.runs:
                dependent_run.status = st.DEPENDED_ON_FAILED
                dependent_run.finished_at = run.finished_at
            todo += [t for t in task.required_by if t.action not in st.COMPUTE_ACTIONS]

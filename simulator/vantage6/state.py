"""All records of one simulated vantage6 server, with the indexes the API needs and the rules for
creating and deleting records that keep both sides of every relation in step.

Nothing here knows HTTP or permissions. Callers hold the network lock (see ``Vantage6Server``)."""
from __future__ import annotations

import datetime as dt
import json
from typing import Callable, Iterable, Optional, TypeVar

from simulator.core.clock import Clock
from simulator.vantage6.entities import (
    Collaboration,
    Node,
    Organization,
    Role,
    Rule,
    Run,
    Study,
    Task,
    User,
)
from simulator.vantage6.permissions import load_permission_data
from simulator.vantage6.secrets import api_key_digest, hash_secret
from simulator.vantage6.tables import Links, Sequence, replace_in_place
from simulator.vantage6.task_records import TaskRecords

T = TypeVar("T")


class State(TaskRecords):
    """The records of one server and the operations that keep them consistent."""

    def __init__(self, clock: Clock) -> None:
        self.clock = clock
        self.organizations: dict[int, Organization] = {}
        self.collaborations: dict[int, Collaboration] = {}
        self.studies: dict[int, Study] = {}
        self.users: dict[int, User] = {}
        self.nodes: dict[int, Node] = {}
        self.roles: dict[int, Role] = {}
        self.rules: dict[int, Rule] = {}
        self.tasks: dict[int, Task] = {}
        self.runs: dict[int, Run] = {}
        # runs whose task was deleted without them (task_id NULL in the real database): kept
        # apart from ``runs`` but still rows of their organization
        self.orphan_runs: dict[int, Run] = {}
        self._rule_by_key: dict[tuple[str, str, str], Rule] = {}
        self._user_by_name: dict[str, User] = {}
        self._node_by_key: dict[str, Node] = {}
        self._job_tasks: dict[int, int] = {}  # job_id -> number of tasks in it
        # (left id, right id) rows of the real association tables, in insertion order
        self.member = Links()  # (organization, collaboration)
        self.study_member = Links()  # (organization, study)
        self.permission = Links()  # (role, user)
        self.user_permission = Links()  # (rule, user)
        self.role_rule = Links()  # (role, rule)
        # rows left behind with a NULL foreign key when their task / node was deleted
        self.orphan_task_databases = 0
        self.orphan_node_configs = 0
        self.seq = {name: Sequence() for name in
                    ("organization", "collaboration", "study", "authenticatable", "role", "rule",
                     "task", "run")}
        # The real Run.assigned_at default is evaluated once, when the server module is imported.
        self.started_at = clock.now()
        self._bootstrap_permissions()

    # ------------------------------------------------------------------ bootstrap
    def permission_data(self) -> dict:
        """The rules and default roles of the server version this state is of."""
        return load_permission_data()

    def _bootstrap_permissions(self) -> None:
        data = self.permission_data()
        for r in data["rules"]:
            rule = Rule(self.seq["rule"].take(r["id"]), r["name"], r["operation"], r["scope"],
                        r["description"])
            self.rules[rule.id] = rule
            self._rule_by_key[rule.key] = rule
        for role_data in data["default_roles"]:
            role = Role(self.seq["role"].take(role_data["id"]), role_data["name"],
                        role_data["description"], is_default_role=True)
            self.roles[role.id] = role
        # The real start-up links rules to Root, container and node as each resource registers
        # its rules (container and node before Root), then creates the other default roles: the
        # rows' order shows in /role?rule_id=. A repeated row changes nothing a query shows.
        for role_id, rule_id in data["role_rule_links"]:
            role, rule = self.roles[role_id], self.rules[rule_id]
            if rule not in role.rules:
                self.add_role_rule(role, rule)

    def bootstrap_root(self, password: str = "root", organization_id: Optional[int] = None,
                       user_id: Optional[int] = None) -> User:
        """What a fresh real server creates on start: organization 'root' and user root/root
        (ids 1 and 1 on an empty database, unless given)."""
        org = self.add_organization(name="root", id=organization_id)
        return self.add_user(username="root", password=password, organization=org,
                             email="root@domain.ext", roles=[self.role_by_name("Root")],
                             id=user_id)

    # ------------------------------------------------------------------ lookups
    def rule(self, name: str, operation: str, scope: str) -> Optional[Rule]:
        return self._rule_by_key.get((name, operation, scope))

    def role_by_name(self, name: str) -> Optional[Role]:
        return next((r for r in self.roles.values() if r.name == name), None)

    def user_by_username(self, username: str) -> Optional[User]:
        return self._user_by_name.get(username)

    def node_by_api_key(self, api_key: str) -> Optional[Node]:
        return self._node_by_key.get(api_key_digest(api_key))

    def authenticatable(self, id_: int):
        return self.users.get(id_) or self.nodes.get(id_)

    @staticmethod
    def find(records: Iterable[T], pred: Callable[[T], bool]) -> Optional[T]:
        return next((r for r in records if pred(r)), None)

    def name_taken(self, table: dict, name: str, attr: str = "name") -> bool:
        return any(getattr(r, attr) == name for r in table.values())

    # ------------------------------------------------------------------ organizations
    def add_organization(self, name: str, id: Optional[int] = None, **fields) -> Organization:
        org = Organization(self.seq["organization"].take(id), name, **fields)
        self.organizations[org.id] = org
        return org

    def delete_organization(self, org: Organization) -> None:
        for run in list(org.runs):
            self.delete_run(run)
        for task in list(org.tasks):
            self.delete_task(task)
        for node in list(org.nodes):
            self.delete_node(node)
        for user in list(org.users):
            self.delete_user(user)
        for role in list(org.roles):
            self.delete_role(role)
        self.unlink_organization(org)

    def unlink_organization(self, org: Organization) -> None:
        """The organization's own row and its memberships, once its dependents are gone."""
        for study in list(org.studies):
            self.set_study_organizations(study, [o for o in study.organizations if o is not org])
        for col in list(org.collaborations):
            self.remove_member(col, org)
        del self.organizations[org.id]

    # ------------------------------------------------------------------ collaborations
    def add_collaboration(self, name: str, organizations: list[Organization], encrypted: bool,
                          id: Optional[int] = None) -> Collaboration:
        col = Collaboration(self.seq["collaboration"].take(id), name, bool(encrypted))
        self.collaborations[col.id] = col
        self.set_collaboration_organizations(col, organizations)
        return col

    def set_collaboration_organizations(self, col: Collaboration, orgs: list[Organization]) -> None:
        removed, added = replace_in_place(col.organizations, orgs)
        for org in removed:
            self.remove_member(col, org)
        for org in added:
            self.add_member(col, org)

    def add_member(self, col: Collaboration, org: Organization) -> None:
        if org in col.organizations:  # appending a member again changes nothing (oracle)
            return
        col.organizations.append(org)
        org.collaborations.append(col)
        self.member.add(org.id, col.id)

    def remove_member(self, col: Collaboration, org: Organization) -> None:
        col.organizations.remove(org)
        org.collaborations.remove(col)
        self.member.remove(org.id, col.id)

    def delete_collaboration(self, col: Collaboration) -> None:
        self.delete_collaboration_dependents(col)
        self.unlink_collaboration(col)

    def delete_collaboration_dependents(self, col: Collaboration) -> None:
        for task in list(col.tasks):
            self.delete_task(task)
        for node in list(col.nodes):
            self.delete_node(node)
        for study in list(col.studies):
            self.delete_study(study)

    def unlink_collaboration(self, col: Collaboration) -> None:
        """The collaboration's own row and its members, once its dependents are gone."""
        for org in list(col.organizations):
            self.remove_member(col, org)
        del self.collaborations[col.id]

    # ------------------------------------------------------------------ studies
    def add_study(self, name: str, collaboration: Collaboration, organizations: list[Organization],
                  id: Optional[int] = None) -> Study:
        study = Study(self.seq["study"].take(id), name, collaboration)
        self.studies[study.id] = study
        collaboration.studies.append(study)
        self.set_study_organizations(study, organizations)
        return study

    def set_study_organizations(self, study: Study, orgs: list[Organization]) -> None:
        removed, added = replace_in_place(study.organizations, orgs)
        for org in removed:
            study.organizations.remove(org)
            org.studies.remove(study)
            self.study_member.remove(org.id, study.id)
        for org in added:
            study.organizations.append(org)
            org.studies.append(study)
            self.study_member.add(org.id, study.id)

    def add_study_member(self, study: Study, org: Organization) -> None:
        """POST /study/{id}/organization: a member already there stays once."""
        self.set_study_organizations(study, study.organizations + [org])

    def delete_study(self, study: Study) -> None:
        for task in list(study.tasks):
            self.delete_task(task)
        self.unlink_study(study)

    def unlink_study(self, study: Study) -> None:
        """The study's own row and its members, once its tasks are gone."""
        self.set_study_organizations(study, [])
        study.collaboration.studies.remove(study)
        del self.studies[study.id]

    # ------------------------------------------------------------------ users
    def add_user(self, username: str, password: str, organization: Organization,
                 email: Optional[str] = None, firstname: Optional[str] = None,
                 lastname: Optional[str] = None, roles: Iterable[Role] = (),
                 rules: Iterable[Rule] = (), id: Optional[int] = None) -> User:
        user = User(self.seq["authenticatable"].take(id), username=username,
                    password_hash=hash_secret(password), firstname=firstname, lastname=lastname,
                    email=email, organization=organization)
        self.users[user.id] = user
        self._user_by_name[username] = user
        organization.users.append(user)
        self.set_user_roles(user, list(roles))
        self.set_user_rules(user, list(rules))
        return user

    def rename_user(self, user: User, username: str) -> None:
        self._user_by_name.pop(user.username, None)
        user.username = username
        self._user_by_name[username] = user

    def set_user_roles(self, user: User, roles: list[Role]) -> None:
        removed, added = replace_in_place(user.roles, roles)
        for role in removed:
            user.roles.remove(role)
            role.users.remove(user)
            self.permission.remove(role.id, user.id)
        for role in added:
            user.roles.append(role)
            role.users.append(user)
            self.permission.add(role.id, user.id)

    def set_user_rules(self, user: User, rules: list[Rule]) -> None:
        removed, added = replace_in_place(user.rules, rules)
        for rule in removed:
            user.rules.remove(rule)
            rule.users.remove(user)
            self.user_permission.remove(rule.id, user.id)
        for rule in added:
            user.rules.append(rule)
            rule.users.append(user)
            self.user_permission.add(rule.id, user.id)

    def delete_user(self, user: User) -> None:
        for task in list(user.created_tasks):
            self.delete_task(task)
        self.set_user_roles(user, [])
        self.set_user_rules(user, [])
        if user.organization is not None:
            user.organization.users.remove(user)
        self._user_by_name.pop(user.username, None)
        del self.users[user.id]

    # ------------------------------------------------------------------ roles
    def add_role(self, name: str, description: Optional[str], rules: list[Rule],
                 organization: Optional[Organization], id: Optional[int] = None) -> Role:
        role = Role(self.seq["role"].take(id), name, description, organization=organization)
        self.roles[role.id] = role
        if organization is not None:
            organization.roles.append(role)
        self.set_role_rules(role, rules)
        return role

    def set_role_rules(self, role: Role, rules: list[Rule]) -> None:
        removed, added = replace_in_place(role.rules, rules)
        for rule in removed:
            self.remove_role_rule(role, rule)
        for rule in added:
            self.add_role_rule(role, rule)

    def add_role_rule(self, role: Role, rule: Rule) -> None:
        role.rules.append(rule)
        rule.roles.append(role)
        self.role_rule.add(role.id, rule.id)

    def remove_role_rule(self, role: Role, rule: Rule) -> None:
        role.rules.remove(rule)
        rule.roles.remove(role)
        self.role_rule.remove(role.id, rule.id)

    def delete_role(self, role: Role) -> None:
        self.set_role_rules(role, [])
        for user in list(role.users):
            user.roles.remove(role)
            self.permission.remove(role.id, user.id)
        role.users = []
        if role.organization is not None:
            role.organization.roles.remove(role)
        del self.roles[role.id]

    # ------------------------------------------------------------------ nodes
    def add_node(self, name: str, organization: Organization, collaboration: Collaboration,
                 api_key: str, id: Optional[int] = None) -> Node:
        node = Node(self.seq["authenticatable"].take(id), name=name, organization=organization,
                    collaboration=collaboration, api_key_hash=api_key_digest(api_key),
                    status="offline")
        self.nodes[node.id] = node
        self._node_by_key[node.api_key_hash] = node
        organization.nodes.append(node)
        collaboration.nodes.append(node)
        return node

    def set_node_api_key(self, node: Node, api_key: str) -> None:
        self._node_by_key.pop(node.api_key_hash, None)
        node.api_key_hash = api_key_digest(api_key)
        self._node_by_key[node.api_key_hash] = node

    def delete_node(self, node: Node) -> None:
        self.orphan_node_configs += len(node.config)
        node.organization.nodes.remove(node)
        if node.collaboration is not None and node in node.collaboration.nodes:
            node.collaboration.nodes.remove(node)
        self._node_by_key.pop(node.api_key_hash, None)
        del self.nodes[node.id]

    @staticmethod
    def database_parameters(database: dict) -> str:
        return json.dumps(database, separators=(",", ":"))

    def now(self) -> dt.datetime:
        return self.clock.now()

"""The real server's permission model: rules (resource, operation, scope), default roles, and the
checks its resources make (server/permission.py ``RuleCollection``), evaluated for one caller."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources
from typing import Optional

from simulator.vantage6.entities import Collaboration, Node, Organization, User

# operation values (model/rule.py Operation) and their names as the API shows them
VIEW, EDIT, CREATE, DELETE, SEND, RECEIVE = "v", "e", "c", "d", "s", "r"
OPERATION_NAMES = {VIEW: "VIEW", EDIT: "EDIT", CREATE: "CREATE", DELETE: "DELETE",
                   SEND: "SEND", RECEIVE: "RECEIVE"}
# scope values (model/rule.py Scope) and names
OWN, ORG, COL, GLO = "own", "org", "col", "glo"
SCOPE_NAMES = {GLO: "GLOBAL", COL: "COLLABORATION", ORG: "ORGANIZATION", OWN: "OWN"}
_SCOPES_FROM = {ORG: (ORG, COL, GLO), COL: (COL, GLO), GLO: (GLO,), OWN: (OWN, ORG, COL, GLO)}

ROOT_ROLE, CONTAINER_ROLE, NODE_ROLE = "Root", "container", "node"
DEFAULT_ROLE_NAMES = ["Root", "container", "node", "Viewer", "Researcher", "Organization Admin",
                      "Collaboration Admin"]


@lru_cache(maxsize=1)
def load_permission_data() -> dict:
    """Rules and default roles captured from the real server (tools/capture_permission_data.py)."""
    text = resources.files("simulator.vantage6").joinpath("data/permissions.json").read_text()
    return json.loads(text)


@dataclass
class Caller:
    """Who is calling: a user, a node, or an algorithm container (whose token ``sub`` is a dict)."""

    kind: str
    rule_keys: frozenset  # {(resource, operation, scope)}
    organization: Optional[Organization]
    collaborations: list
    user: Optional[User] = None
    node: Optional[Node] = None
    container: Optional[dict] = None
    _collections: dict = field(default_factory=dict, repr=False)

    @property
    def organization_id(self) -> Optional[int]:
        if self.container is not None:
            return self.container["organization_id"]
        return self.organization.id if self.organization else None

    @cached_property
    def collaboration_ids(self) -> set[int]:
        return {c.id for c in self.collaborations if c is not None}

    def rules(self, resource: str) -> "RuleCollection":
        coll = self._collections.get(resource)
        if coll is None:
            coll = self._collections[resource] = RuleCollection(resource, self)
        return coll


class RuleCollection:
    """Rules one caller has for one resource, with the real server's check helpers."""

    def __init__(self, resource: str, caller: Caller) -> None:
        self.resource = resource
        self.caller = caller
        self._have = {(op, sc) for (name, op, sc) in caller.rule_keys if name == resource}

    def can(self, operation: str, scope: str) -> bool:
        return (operation, scope) in self._have

    def allowed_for_org(self, operation: str, subject_org_id) -> bool:
        subject_org_id = _as_int(subject_org_id)
        if self.can(operation, GLO):
            return True
        if self.can(operation, ORG) and self.caller.organization_id == subject_org_id:
            return True
        if self.can(operation, COL):
            return any(subject_org_id in {o.id for o in col.organizations}
                       for col in _auth_org_collaborations(self.caller))
        return False

    def allowed_for_org_in_col(self, operation: str, subject_org_id, collaboration_id) -> bool:
        subject_org_id, collaboration_id = _as_int(subject_org_id), _as_int(collaboration_id)
        if self.can(operation, GLO):
            return True
        if self.can(operation, ORG) and self.caller.organization_id == subject_org_id:
            return True
        return self.can(operation, COL) and collaboration_id in self.caller.collaboration_ids

    def can_for_col(self, operation: str, collaboration_id) -> bool:
        collaboration_id = _as_int(collaboration_id)
        if self.can(operation, GLO):
            return True
        return self.can(operation, COL) and collaboration_id in self.caller.collaboration_ids

    def get_max_scope(self, operation: str) -> Optional[str]:
        for scope in (GLO, COL, ORG, OWN):
            if self.can(operation, scope):
                return scope
        return None

    def has_at_least_scope(self, scope: Optional[str], operation: str) -> bool:
        if scope is None:
            # The real server raises ValueError("Unknown scope 'None'") here: an HTTP 500.
            raise ValueError(f"Unknown scope '{scope}'")
        return any(self.can(operation, s) for s in _SCOPES_FROM[scope])


def _as_int(value):
    # the real helpers convert strings only (int('x') raises: a generic 500); None stays None
    return int(value) if isinstance(value, str) else value


def _auth_org_collaborations(caller: Caller) -> list[Collaboration]:
    # allowed_for_org looks at the collaborations of the caller's *organization*, even for containers
    org = caller.organization
    return list(org.collaborations) if org is not None else []


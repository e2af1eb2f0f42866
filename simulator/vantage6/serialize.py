"""The real server's output schemas (server/resource/common/output_schema.py), key order included.

To-one relations are HATEOAS links ``{"id", "link", "methods"}``; to-many relations are plain
links to a filtered list. The real server lists ``methods`` from a Python set (order varies per
process); the simulator lists them sorted.
"""
from __future__ import annotations

import base64
from typing import Any, Optional

from simulator.core.clock import iso_naive
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
from simulator.vantage6.permissions import OPERATION_NAMES, SCOPE_NAMES

_METHODS = {
    "organization": ["DELETE", "GET", "PATCH"],
    "collaboration": ["DELETE", "GET", "PATCH"],
    "node": ["DELETE", "GET", "PATCH"],
    "user": ["DELETE", "GET", "PATCH"],
    "role": ["DELETE", "GET", "PATCH"],
    "study": ["DELETE", "GET", "PATCH"],
    "task": ["DELETE", "GET"],
    "run": ["GET", "PATCH"],
}


class LinkSerializer:
    """HATEOAS to-one links: ``{"id", "link", "methods"}``, with the verbs of each resource."""

    methods: dict[str, list[str]] = _METHODS

    def __init__(self, api_path: str = "/api") -> None:
        self.api = api_path

    def link(self, resource: str, obj: Any) -> Optional[dict]:
        if obj is None:
            return None
        return {"id": obj.id, "link": f"{self.api}/{resource}/{obj.id}",
                "methods": list(self.methods[resource])}


class Serializer(LinkSerializer):
    # ------------------------------------------------------------------ links

    def many(self, resource: str, key: str, value: int) -> str:
        return f"{self.api}/{resource}?{key}={value}"

    # ------------------------------------------------------------------ records
    def organization(self, org: Organization) -> dict:
        m = self.many
        return {
            "collaborations": m("collaboration", "organization_id", org.id),
            "nodes": m("node", "organization_id", org.id),
            "users": m("user", "organization_id", org.id),
            "tasks": m("task", "init_org_id", org.id),
            "runs": m("run", "organization_id", org.id),
            "studies": m("study", "organization_id", org.id),
            "public_key": base64.b64encode(org.public_key).decode("utf-8") if org.public_key else "",
            "id": org.id, "name": org.name, "domain": org.domain, "address1": org.address1,
            "address2": org.address2, "zipcode": org.zipcode, "country": org.country,
        }

    def collaboration(self, col: Collaboration, with_organizations: bool = False) -> dict:
        m = self.many
        orgs = ([self.organization(o) for o in col.organizations] if with_organizations
                else m("organization", "collaboration_id", col.id))
        return {
            "organizations": orgs,
            "nodes": m("node", "collaboration_id", col.id),
            "tasks": m("task", "collaboration_id", col.id),
            "algorithm_stores": m("algorithmstore", "collaboration_id", col.id),
            "studies": m("study", "collaboration_id", col.id),
            "id": col.id, "name": col.name, "encrypted": col.encrypted,
        }

    def study(self, study: Study, with_organizations: bool = False) -> dict:
        orgs = ([self.organization(o) for o in study.organizations] if with_organizations
                else self.many("organization", "study_id", study.id))
        return {
            "collaboration": self.link("collaboration", study.collaboration),
            "organizations": orgs,
            "tasks": self.many("task", "study_id", study.id),
            "id": study.id, "name": study.name,
        }

    def node(self, node: Node) -> dict:
        return {
            "organization": self.link("organization", node.organization),
            "collaboration": self.link("collaboration", node.collaboration),
            "config": [{"key": k, "value": v} for k, v in node.config],
            "id": node.id, "type": "node", "ip": node.ip, "last_seen": iso_naive(node.last_seen),
            "status": node.status, "name": node.name,
        }

    def node_simple(self, node: Node) -> dict:
        """NodeSchemaSimple, used by POST /collaboration/{id}/node."""
        return {"organization": self.link("organization", node.organization), "id": node.id,
                "ip": node.ip, "last_seen": iso_naive(node.last_seen), "status": node.status,
                "name": node.name}

    def user(self, user: User, with_permissions: bool = False) -> dict:
        out = {
            "roles": self.many("role", "user_id", user.id),
            "rules": self.many("rule", "user_id", user.id),
            "organization": self.link("organization", user.organization),
            "id": user.id, "type": "user", "ip": user.ip, "last_seen": iso_naive(user.last_seen),
            "status": user.status, "username": user.username, "firstname": user.firstname,
            "lastname": user.lastname, "email": user.email, "otp_secret": user.otp_secret,
            "last_email_failed_login_sent": iso_naive(user.last_email_failed_login_sent),
            "last_email_recover_password_sent": iso_naive(user.last_email_recover_password_sent),
        }
        if with_permissions:
            # list(set(...)) exactly as the real schema builds them
            rule_ids = list(set([r.id for r in user.rules]
                                + [r.id for role in user.roles for r in role.rules]))
            orgs = list(set([o.id for col in user.organization.collaborations
                             for o in col.organizations]))
            out["permissions"] = {"roles": [r.id for r in user.roles], "rules": rule_ids,
                                  "orgs_in_collabs": orgs}
        return out

    def role(self, role: Role) -> dict:
        return {
            "rules": self.many("rule", "role_id", role.id),
            "users": self.many("user", "role_id", role.id),
            "organization": self.link("organization", role.organization),
            "id": role.id, "name": role.name, "description": role.description,
            "is_default_role": role.is_default_role,
        }

    def rule(self, rule: Rule) -> dict:
        return {"scope": SCOPE_NAMES[rule.scope], "operation": OPERATION_NAMES[rule.operation],
                "users": self.many("user", "rule_id", rule.id), "id": rule.id, "name": rule.name,
                "description": rule.description}

    def task(self, task: Task, runs: bool = False, results: bool = False,
             runs_key: bool = True) -> dict:
        out: dict[str, Any] = {
            "status": task.status,
            "finished_at": iso_naive(task.finished_at),
            "collaboration": self.link("collaboration", task.collaboration),
        }
        if runs_key:  # RunTaskIncludedSchema nests the task without its "runs"
            out["runs"] = ([self.run(r) for r in task.runs] if runs
                           else self.many("run", "task_id", task.id))
        out["results"] = ([self.result(r) for r in task.runs] if results
                          else self.many("result", "task_id", task.id))
        out.update({
            "parent": self.link("task", task.parent),
            "children": self.many("task", "parent_id", task.id),
            "init_org": self.link("organization", task.init_org),
            "init_user": self.link("user", task.init_user),
            "databases": [{"label": d.label, "parameters": d.parameters} for d in task.databases],
            "study": self.link("study", task.study),
            "algorithm_store": None,
            "id": task.id, "name": task.name, "description": task.description,
            "image": task.image, "job_id": task.job_id, "created_at": iso_naive(task.created_at),
        })
        return out

    def run(self, run: Run, include_task: bool = False) -> dict:
        node = run.node
        return {
            "organization": self.link("organization", run.organization),
            "task": (self.task(run.task, runs_key=False) if include_task
                     else self.link("task", run.task)),
            "results": {"id": run.id, "link": f"{self.api}/result/{run.id}",
                        "methods": ["GET", "PATCH"]},
            "node": ({"id": node.id, "ip": node.ip, "status": node.status, "name": node.name}
                     if node is not None else {}),
            "ports": [],
            "id": run.id, "input": run.input, "assigned_at": iso_naive(run.assigned_at),
            "started_at": iso_naive(run.started_at), "finished_at": iso_naive(run.finished_at),
            "status": run.status, "log": run.log, "cleanup_at": iso_naive(run.cleanup_at),
            "blob_storage_used": run.blob_storage_used,
        }

    def result(self, run: Run) -> dict:
        return {
            "run": {"id": run.id, "link": f"{self.api}/run/{run.id}", "methods": ["GET", "PATCH"]},
            "task": self.link("task", run.task),
            "id": run.id, "result": run.result, "cleanup_at": iso_naive(run.cleanup_at),
            "blob_storage_used": run.blob_storage_used,
        }

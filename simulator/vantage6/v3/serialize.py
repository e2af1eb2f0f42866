"""The 3.x output schemas (vantage6-server 3.11.1, server/resource/common/_schema.py).

3.x dumps models with marshmallow-sqlalchemy's ``ModelSchema``: to-one relations it overrides are
HATEOAS links, the others are bare ids (``initiator``, ``init_user``); to-many relations are lists
of HATEOAS links, or ``null`` when empty. A 4.x "run" is a 3.x "result"; a 4.x ``job_id`` is the
3.x ``run_id``; the 4.x task's databases are the 3.x task's one ``database`` label.
"""
from __future__ import annotations

import base64
from typing import Any, Iterable, Optional

from simulator.core.clock import iso_naive
from simulator.vantage6.entities import Collaboration, Node, Organization, Run, Task, User
from simulator.vantage6.serialize import LinkSerializer

# the verbs of each ``<resource>_with_id`` rule, as the 3.x schemas list them
_METHODS = {
    "organization": ["GET", "PATCH"],
    "collaboration": ["DELETE", "GET", "PATCH"],
    "node": ["DELETE", "GET", "PATCH"],
    "user": ["DELETE", "GET", "PATCH"],
    "role": ["DELETE", "GET", "PATCH"],
    "rule": ["GET"],
    "task": ["DELETE", "GET"],
    "result": ["GET", "PATCH"],
}


def iso(value) -> Optional[str]:
    """3.11.1's datetimes: ISO-8601 with microseconds and ``+00:00`` [oracle]."""
    text = iso_naive(value)
    if text is None:
        return None
    return (text if "." in text else text + ".000000") + "+00:00"


class V3Serializer(LinkSerializer):
    methods = _METHODS

    # ------------------------------------------------------------------ links
    def links(self, resource: str, objs: Iterable[Any]) -> Optional[list]:
        out = [self.link(resource, o) for o in objs]
        return out or None  # hateos_list: an empty relation is null

    # ------------------------------------------------------------------ records
    def organization(self, org: Organization) -> dict:
        return {
            "id": org.id, "name": org.name, "domain": org.domain, "address1": org.address1,
            "address2": org.address2, "zipcode": org.zipcode, "country": org.country,
            "collaborations": self.links("collaboration", org.collaborations),
            "nodes": self.links("node", org.nodes),
            "users": self.links("user", org.users),
            "roles": [r.id for r in org.roles],  # not overridden: bare ids
            "results": self.links("result", org.runs),
            "public_key": base64.b64encode(org.public_key).decode() if org.public_key else "",
        }

    def collaboration(self, col: Collaboration, **_: Any) -> dict:
        return {
            "id": col.id, "name": col.name, "encrypted": col.encrypted,
            "organizations": self.links("organization", col.organizations),
            "nodes": self.links("node", col.nodes),
            "tasks": self.links("task", col.tasks),
        }

    def node(self, node: Node) -> dict:
        return {
            "id": node.id, "type": "node", "name": node.name, "ip": node.ip,
            "status": node.status, "last_seen": iso(node.last_seen),
            "organization": self.link("organization", node.organization),
            "collaboration": self.link("collaboration", node.collaboration),
            "config": [{"key": k, "value": v} for k, v in node.config],
        }

    def user(self, user: User, **_: Any) -> dict:
        return {
            "id": user.id, "type": "user", "username": user.username,
            "firstname": user.firstname, "lastname": user.lastname, "email": user.email,
            "ip": user.ip, "status": user.status, "last_seen": iso(user.last_seen),
            "organization": self.link("organization", user.organization),
            "roles": self.links("role", user.roles),
            "rules": self.links("rule", user.rules),
            "created_tasks": [t.id for t in user.created_tasks],  # not overridden: bare ids
            "otp_secret": user.otp_secret,
        }

    def task(self, task: Task, include_results: bool = False) -> dict:
        out = {
            "id": task.id, "name": task.name, "description": task.description,
            "image": task.image, "collaboration": self.link("collaboration", task.collaboration),
            "run_id": task.job_id, "parent": self.link("task", task.parent),
            "database": task.databases[0].label if task.databases else "",
            "initiator": task.init_org.id if task.init_org else None,
            "init_user": task.init_user.id if task.init_user else None,
            "created_at": iso(task.created_at),
            "results": ([self.task_result(r) for r in task.runs] if include_results
                        else self.links("result", task.runs)),
            "children": self.links("task", task.children),
            "complete": complete(task),
            "finished_at": iso(finished_at(task)),
            "status": task.status,
        }
        return out

    def _result_columns(self, run: Run) -> dict:
        node = run.node
        return {
            "id": run.id, "input": run.input, "result": run.result,
            "assigned_at": iso(run.assigned_at), "started_at": iso(run.started_at),
            "finished_at": iso(run.finished_at), "status": run.status, "log": run.log,
            "node": ({"id": node.id, "name": node.name, "ip": node.ip, "status": node.status,
                      "config": [{"key": k, "value": v} for k, v in node.config]}
                     if node is not None else None),
            "ports": [],
        }

    def task_result(self, run: Run, with_task: bool = False) -> dict:
        """TaskResultSchema: relations it does not override are bare ids; nested in a task
        (``include=results``) it has no ``task`` key, at ``/task/<id>/result`` it does."""
        out = self._result_columns(run)
        out["organization"] = run.organization.id
        if with_task:
            out["task"] = run.task.id if run.task is not None else None
        return out

    def result(self, run: Run, include_task: bool = False) -> dict:
        out = self._result_columns(run)
        out["organization"] = self.link("organization", run.organization)
        if include_task and run.task is not None:
            task = self.task(run.task)
            del task["results"]  # ResultTaskIncludedSchema nests the task without its results
            out["task"] = task
        else:
            out["task"] = self.link("task", run.task)
        return out


def complete(task: Task) -> bool:
    """``Task.complete``: every result has a ``finished_at`` (a task without results is)."""
    return all(r.finished_at is not None for r in task.runs)


def finished_at(task: Task):
    """3.x: the last result's ``finished_at`` once the task is complete (whatever the status)."""
    if task.runs and complete(task):
        return max(r.finished_at for r in task.runs)
    return None

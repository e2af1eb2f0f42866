"""HQ 5.0.3's output schemas (hq/resource/common/output_schema.py), key order as observed.

What changed from 4.x: users and nodes show their Keycloak ids and lose ``ip`` (users also their
names, e-mail and login bookkeeping); rules show lowercase words; collaborations show
``session_restrict_to_same_image``; tasks show ``method``, ``action``, ``session``, ``dataframe``
and their dependencies, runs ``arguments`` and ``action`` (no ``input``, no ``ports``). Sessions
and dataframes are new. ``methods`` of a link are listed sorted (the real order varies per process).
"""
from __future__ import annotations

from typing import Any, Optional

from simulator.core.clock import iso_naive
from simulator.vantage6.entities import Collaboration, Node, Rule, Run, Task, User
from simulator.vantage6.serialize import Serializer
from simulator.vantage6.v5 import status as st
from simulator.vantage6.v5.entities import Dataframe, Session

OPERATION_WORDS = {"v": "view", "e": "edit", "c": "create", "d": "delete", "s": "send",
                   "r": "receive"}
SCOPE_WORDS = {"own": "own", "org": "organization", "col": "collaboration", "glo": "global"}


class V5Serializer(Serializer):
    methods = dict(Serializer.methods, session=["DELETE", "GET", "PATCH"],
                   algorithmstore=["DELETE", "GET", "PATCH"])

    # ------------------------------------------------------------------ administration
    @staticmethod
    def _id_last(out: dict) -> dict:
        out["id"] = out.pop("id")  # 5.x schemas emit the id after the declared fields
        return out

    def organization(self, org) -> dict:
        return self._id_last(super().organization(org))

    def role(self, role) -> dict:
        return self._id_last(super().role(role))

    def study(self, study, with_organizations: bool = False) -> dict:
        return self._id_last(super().study(study, with_organizations))

    def collaboration(self, col: Collaboration, with_organizations: bool = False) -> dict:
        out = super().collaboration(col, with_organizations)
        out["session_restrict_to_same_image"] = col.session_restrict_to_same_image
        return self._id_last(out)

    def node(self, node: Node) -> dict:
        return {
            "organization": self.link("organization", node.organization),
            "collaboration": self.link("collaboration", node.collaboration),
            "config": [{"key": k, "value": v} for k, v in node.config],
            "type": "node", "keycloak_id": node.keycloak_id,
            "last_seen": iso_naive(node.last_seen), "status": node.status,
            "keycloak_client_id": node.keycloak_client_id, "id": node.id, "name": node.name,
        }

    def node_simple(self, node: Node) -> dict:
        return {"organization": self.link("organization", node.organization),
                "keycloak_id": node.keycloak_id, "last_seen": iso_naive(node.last_seen),
                "status": node.status, "keycloak_client_id": node.keycloak_client_id,
                "id": node.id, "name": node.name}

    def user(self, user: User, with_permissions: bool = False) -> dict:
        out = {
            "roles": self.many("role", "user_id", user.id),
            "rules": self.many("rule", "user_id", user.id),
            "organization": self.link("organization", user.organization),
            "type": "user", "keycloak_id": user.keycloak_id,
            "last_seen": iso_naive(user.last_seen), "status": user.status,
            "keycloak_client_id": user.keycloak_client_id, "id": user.id,
            "username": user.username, "is_service_account": user.is_service_account,
        }
        if with_permissions:
            rule_ids = sorted(set([r.id for r in user.rules]
                                  + [r.id for role in user.roles for r in role.rules]))
            orgs = sorted(set([o.id for col in user.organization.collaborations
                               for o in col.organizations])) if user.organization else []
            out["permissions"] = {"roles": [r.id for r in user.roles], "rules": rule_ids,
                                  "orgs_in_collabs": orgs}
            self._id_last(out)  # that schema declares more fields: the id comes after them
        return out

    def rule(self, rule: Rule) -> dict:
        return {"scope": SCOPE_WORDS[rule.scope], "operation": OPERATION_WORDS[rule.operation],
                "users": self.many("user", "rule_id", rule.id), "name": rule.name,
                "description": rule.description, "id": rule.id}

    # ------------------------------------------------------------------ compute
    def session(self, session: Session) -> dict:
        return {
            "owner": self.link("user", session.owner),
            "collaboration": self.link("collaboration", session.collaboration),
            "tasks": self.many("task", "session_id", session.id),
            "study": self.link("study", session.study),
            "scope": session.scope,
            "dataframes": f"{self.api}/session/{session.id}/dataframe",
            "ready": session.ready, "name": session.name,
            "created_at": iso_naive(session.created_at),
            "last_used_at": iso_naive(session.last_used_at), "image": session.image,
            "id": session.id,
        }

    def dataframe(self, df: Dataframe) -> dict:
        task = df.last_session_task
        return {
            "session": self.link("session", df.session),
            "tasks": self.many("task", "dataframe_id", df.id),
            "last_session_task": self.task(task) if task is not None else None,
            "columns": [{"node_id": c.node.id, "name": c.name, "dtype": c.dtype}
                        for c in df.columns],
            "ready": df.ready,
            "organizations_ready": df.organizations_ready() if task is not None else [],
            "name": df.name, "db_label": df.db_label, "id": df.id,
        }

    def task(self, task: Task, runs: bool = False, results: bool = False,
             runs_key: bool = True) -> dict:
        status = st.task_status(s for s, n in task.status_counts.items() if n > 0)
        finished = None
        if status == st.TASK_COMPLETED and task.runs:
            stamps = [r.finished_at for r in task.runs if r.finished_at is not None]
            finished = max(stamps) if stamps else None
        out: dict[str, Any] = {
            "status": status,
            "finished_at": iso_naive(finished),
            "action": task.action,
            "collaboration": self.link("collaboration", task.collaboration),
        }
        if runs_key:  # RunTaskIncludedSchema nests the task without its "runs"
            out["runs"] = ([self.run(r) for r in sorted(task.runs, key=_id)] if runs
                           else self.many("run", "task_id", task.id))
        out["results"] = ([self.result(r) for r in sorted(task.runs, key=_id)] if results
                          else self.many("result", "task_id", task.id))
        df = task.dataframe
        out.update({
            "parent": self.link("task", task.parent),
            "depends_on": [t.id for t in task.depends_on],
            "required_by": [t.id for t in task.required_by],
            "children": self.many("task", "parent_id", task.id),
            "init_org": self.link("organization", task.init_org),
            "init_user": self.link("user", task.init_user),
            "databases": [self.task_database(d) for d in task.databases],
            "study": self.link("study", task.study),
            "algorithm_store": None,
            "session": self.link("session", task.session),
            "dataframe": ({"name": df.name, "db_label": df.db_label, "id": df.id}
                          if df is not None else None),
            "name": task.name, "description": task.description, "image": task.image,
            "method": task.method, "job_id": task.job_id,
            "created_at": iso_naive(task.created_at), "id": task.id,
        })
        return out

    @staticmethod
    def task_database(db) -> dict:
        df = db.dataframe
        return {"label": db.label, "type": db.type, "dataframe_id": df.id if df else None,
                "dataframe_name": df.name if df else None, "position": db.position}

    def run(self, run: Run, include_task: bool = False) -> dict:
        node = run.node
        return {
            "organization": self.link("organization", run.organization),
            "task": (self.task(run.task, runs_key=False) if include_task and run.task
                     else self.link("task", run.task)),
            "results": {"id": run.id, "link": f"{self.api}/result/{run.id}",
                        "methods": ["GET", "PATCH"]},
            "node": ({"keycloak_id": node.keycloak_id, "status": node.status,
                      "keycloak_client_id": node.keycloak_client_id, "id": node.id,
                      "name": node.name} if node is not None else None),
            "arguments": run.input, "assigned_at": iso_naive(run.assigned_at),
            "started_at": iso_naive(run.started_at), "finished_at": iso_naive(run.finished_at),
            "status": run.status, "log": run.log, "action": run.action,
            "cleanup_at": iso_naive(run.cleanup_at), "blob_storage_used": run.blob_storage_used,
            "id": run.id,
        }

    def result(self, run: Run) -> dict:
        return {
            "run": {"id": run.id, "link": f"{self.api}/run/{run.id}", "methods": ["GET", "PATCH"]},
            "task": self.link("task", run.task),
            "result": run.result, "action": run.action, "cleanup_at": iso_naive(run.cleanup_at),
            "blob_storage_used": run.blob_storage_used, "id": run.id,
        }


def _id(record: Any) -> Optional[int]:
    return record.id

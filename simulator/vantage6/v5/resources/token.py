"""``POST /token/container`` (hq/resource/token.py): the only token HQ 5.x still mints. Users and
nodes get theirs from Keycloak."""
from __future__ import annotations

from simulator.vantage6.errors import BadRequest, Unauthorized
from simulator.vantage6.routing import NODE, RouteTable
from simulator.vantage6.v5 import status as st
from simulator.vantage6.v5.context import V5Ctx

routes = RouteTable()


@routes.route("/token/container", "POST", who=NODE)
def container_token(ctx: V5Ctx):
    body = ctx.load("token_algorithm")
    node = ctx.caller.node
    task = ctx.state.tasks.get(body["task_id"])
    if task is None:
        raise BadRequest("Parent task does not exist!")
    if task.action != st.CENTRAL_COMPUTE:
        raise Unauthorized("Task is not a central compute task")
    if node.collaboration is not task.collaboration:
        raise Unauthorized("You are not within the collaboration")
    if task.collaboration.session_restrict_to_same_image and body["image"] != task.image:
        raise Unauthorized("This collaboration only allows a single image per session. You "
                           "cannot create a task with a different image.")
    status = st.task_status(r.status for r in task.runs)
    if st.task_has_finished(status):
        raise BadRequest("Task is already finished!")
    groups: dict[int, list] = {}
    for db in task.databases:
        groups.setdefault(db.position, []).append(
            {"label": db.label, "type": db.type,
             "dataframe_id": db.dataframe.id if db.dataframe else None})
    sub = {"vantage6_client_type": "container", "node_id": node.id,
           "organization_id": node.organization.id, "collaboration_id": task.collaboration.id,
           "study_id": task.study.id if task.study else None, "store_id": None,
           "session_id": task.session.id if task.session else None, "task_id": task.id,
           "image": body["image"], "databases": [groups[p] for p in sorted(groups)]}
    return {"container_token": ctx.server.identity.container_token(sub)}, 200

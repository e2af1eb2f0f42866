"""/kill/task and /kill/node/tasks of HQ 5.0.3 (hq/resource/event.py). Killing a node's tasks
works in 5.x (4.15.2 answered a 500), with the new organization scope of ``event.send``."""
from __future__ import annotations

from simulator.vantage6.errors import NO_PERMISSION, BadRequest, NotFound, Unauthorized
from simulator.vantage6.permissions import COL, GLO, ORG, SEND
from simulator.vantage6.routing import USER, RouteTable
from simulator.vantage6.v5 import status as st
from simulator.vantage6.v5.context import V5Ctx
from simulator.vantage6.v5.kill import kill_task as kill

routes = RouteTable()


@routes.route("/kill/task", "POST", who=USER)
def kill_task(ctx: V5Ctx):
    body = ctx.load("only_id")
    task = ctx.state.tasks.get(body["id"])
    if task is None:
        raise NotFound(f"Task id={body['id']} not found")
    status = st.task_status(r.status for r in task.runs)
    if st.task_has_finished(status):
        raise BadRequest(f"Task {body['id']} already finished with status '{status}', so "
                         "cannot kill it!")
    r = ctx.rules("event")
    if not r.can(SEND, GLO) and not (r.can(SEND, COL)
                                     and ctx.user.organization in task.collaboration.organizations):
        raise Unauthorized(NO_PERMISSION)
    kill(ctx, task)
    return {"msg": f"Nodes have been instructed to kill any containers running for task "
                   f"{body['id']}."}, 200


@routes.route("/kill/node/tasks", "POST", who=USER)
def kill_node_tasks(ctx: V5Ctx):
    body = ctx.load("only_id")
    node = ctx.state.nodes.get(body["id"])
    if node is None:
        raise NotFound(f"Node id={body['id']} not found")
    if node.status != "online":
        raise BadRequest(f"Node {node.id} is not online so cannot kill its tasks!")
    r, org = ctx.rules("event"), ctx.user.organization
    if not (r.can(SEND, GLO)
            or (r.can(SEND, COL) and org in node.collaboration.organizations)
            or (r.can(SEND, ORG) and node.organization is org)):
        raise Unauthorized(NO_PERMISSION)
    ctx.server.events.emit("kill_containers", {"node_id": node.id,
                                               "collaboration_id": node.collaboration.id},
                           room=f"collaboration_{node.collaboration.id}")
    return {"msg": f"Node {node.id} has been instructed to kill all containers running on "
                   "it."}, 200

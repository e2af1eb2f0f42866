"""/task, /task/{id}, /task/{id}/status of HQ 5.0.3 (hq/resource/task.py).

Listing and reading share 4.15.2's checks (the 4.x handlers' filters, plus ``session_id`` and
``dataframe_id``); creating goes through ``tasks_post.post_task`` as a compute task; deleting
keeps a dataframe's history (its last session task moves back one step, or cannot go).
"""
from __future__ import annotations

from simulator.vantage6.errors import NO_PERMISSION, BadRequest, Forbidden, Unauthorized
from simulator.vantage6.filters import int_eq
from simulator.vantage6.permissions import DELETE, OWN, VIEW
from simulator.vantage6.resources import task as task4
from simulator.vantage6.routing import USER, USER_CONTAINER, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.v5 import status as st
from simulator.vantage6.v5.context import V5Ctx
from simulator.vantage6.v5.errors import handle_exceptions
from simulator.vantage6.v5.kill import kill_task
from simulator.vantage6.v5.tasks_post import post_task

routes = RouteTable()


@routes.route("/task", "GET", who=USER_NODE_CONTAINER)
def list_tasks(ctx: V5Ctx):
    tasks = task4.filtered_tasks(ctx)
    args = ctx.args
    if "session_id" in args:
        tasks = [t for t in tasks if t.session is not None
                 and int_eq(t.session.id, args["session_id"])]
    if "dataframe_id" in args:
        tasks = [t for t in tasks if t.dataframe is not None
                 and int_eq(t.dataframe.id, args["dataframe_id"])]
    runs, results = ctx.included("runs"), ctx.included("results")
    return ctx.page(tasks, "Task", lambda t: ctx.ser.task(t, runs=runs, results=results),
                    sort_is_primary=False)


@routes.route("/task", "POST", who=USER_CONTAINER)
def create_task(ctx: V5Ctx):
    return post_task(ctx, ctx.body(), should_be_compute=True)


@routes.route("/task/<int:id>", "GET", who=USER_NODE_CONTAINER)
def get_task(ctx: V5Ctx, id: int):
    return task4.get_task(ctx, id)


@routes.route("/task/<int:task_id>/status", "GET", who=USER_CONTAINER)
def task_status(ctx: V5Ctx, task_id: int):
    task = ctx.get_or_404(ctx.state.tasks, task_id, f"Task id={task_id} not found")
    r = ctx.rules("task")
    if not r.allowed_for_org_in_col(VIEW, task.init_org.id, task.collaboration.id) and not (
            r.can(VIEW, OWN) and ctx.user is not None and task.init_user is ctx.user):
        raise Unauthorized(NO_PERMISSION)
    return {"status": st.task_status(r.status for r in task.runs)}, 200


@routes.route("/task/<int:id>", "DELETE", who=USER, handles_exceptions=True)
@handle_exceptions
def delete_task(ctx: V5Ctx, id: int):
    state = ctx.state
    task = ctx.get_or_404(state.tasks, id, f"Task id={id} not found")
    r = ctx.rules("task")
    if not r.allowed_for_org_in_col(DELETE, task.init_org.id, task.collaboration.id) and not (
            r.can(DELETE, OWN) and task.init_user is ctx.user):
        raise Unauthorized(NO_PERMISSION)
    df = task.dataframe
    if df is not None and df.last_session_task is task:
        if df.ready:
            raise Forbidden("You cannot delete the last session task for a dataframe that is "
                            "ready: by doing so, it would no longer be possible to see how the "
                            "dataframe was constructed.")
        steps = sorted(df.tasks, key=lambda t: t.id)
        if len(steps) < 2:
            raise BadRequest("Cannot delete the last session task for a dataframe that has less "
                             "than 2 session initialization tasks. Please delete the dataframe "
                             "instead.")
        df.last_session_task = steps[-2]
    if not st.task_has_finished(st.task_status(r.status for r in task.runs)):
        kill_task(ctx, task)
    state.delete_task_tree(task)
    return {"msg": f"task id={id} and its algorithm run data have been successfully "
                   "deleted"}, 200

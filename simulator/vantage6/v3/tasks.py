"""/task, /task/<id>, /task/<id>/result, /result, /result/<id> of vantage6-server 3.11.1
(server/resource/task.py, result.py), over the same records the 4.x routes use.

A 3.x task is created through the 4.x ``post_task`` (the checks are the same, in the same order),
after translating the body: ``organizations`` and ``database`` as the 3.x client sends them, or the
older raw shape of the seed documents (``input`` once for all, optional ``organization_ids``).
"""
from __future__ import annotations

import base64
import json
from typing import Any

from simulator.vantage6.errors import NO_PERMISSION, NotFound, Unauthorized, UnexpectedError
from simulator.vantage6.filters import by_id, int_arg, like
from simulator.vantage6.permissions import COL, GLO, ORG, OWN, VIEW
from simulator.vantage6.resources import run as run4, task as task4
from simulator.vantage6.routing import USER, USER_CONTAINER, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.v3.context import V3Ctx

routes = RouteTable()


def encode_input(value: Any) -> str:
    """What a 3.x node can read from a raw client's ``input``: a string is taken as already
    encoded (base64, as the 3.x client sends it); anything else is sent as JSON
    (``json.`` + the document, base64-encoded, as ``data_format="json"`` would)."""
    if isinstance(value, str):
        return value
    return base64.b64encode(b"json." + json.dumps(value).encode()).decode()


def as_4x_body(state, data: Any) -> dict:
    """The 3.x POST /task body as the 4.x ``post_task`` reads it."""
    if not isinstance(data, dict):
        raise UnexpectedError()  # data.get(...) on a list or string: the generic 500
    collaboration_id = data.get("collaboration_id")
    collaboration = by_id(state.collaborations, collaboration_id)
    if collaboration is None:
        raise NotFound(f"Collaboration id={collaboration_id} not found!")
    organizations = data.get("organizations")
    if organizations is None and ("input" in data or "organization_ids" in data):
        # the raw shape of the seed documents: one input for every organization named, or for
        # every organization of the collaboration when none is named
        ids = data.get("organization_ids") or [o.id for o in collaboration.organizations]
        organizations = [{"id": i, "input": encode_input(data.get("input", ""))} for i in ids]
    if organizations is None or not isinstance(organizations, list):
        raise UnexpectedError()  # iterating None in the real handler
    body = {"name": data.get("name", ""), "description": data.get("description", ""),
            "image": data.get("image", ""), "collaboration_id": collaboration_id,
            "organizations": [{"id": o.get("id"), "input": encode_input(o.get("input", ""))}
                              for o in organizations]}
    if data.get("database"):
        body["databases"] = [{"label": data["database"]}]
    return body


@routes.route("/task", "POST", who=USER_CONTAINER)
def create_task(ctx: V3Ctx):
    # a body that is not JSON: Flask's 400 {"message"} [oracle], as ctx.json() raises it
    return task4.post_task(ctx, as_4x_body(ctx.state, ctx.json()), check_input=False)


def _may_view(ctx: V3Ctx, task) -> bool:
    return task4.may_view(ctx, ctx.rules("task"), task)


@routes.route("/task/<int:id>", "GET", who=USER_NODE_CONTAINER)
def get_task(ctx: V3Ctx, id: int):
    task = ctx.get_or_404(ctx.state.tasks, id, f"task id={id} is not found")
    if not _may_view(ctx, task):
        raise Unauthorized(NO_PERMISSION)
    return ctx.ser.task(task, include_results=ctx.included("results")), 200


@routes.route("/task/<int:id>", "DELETE", who=USER)
def delete_task(ctx: V3Ctx, id: int):
    task4.delete_task(ctx, id)
    return {"msg": f"task id={id} and its result successfully deleted"}, 200


@routes.route("/task/<int:id>/result", "GET", who=USER_CONTAINER)
def task_results(ctx: V3Ctx, id: int):
    task = ctx.get_or_404(ctx.state.tasks, id, f"Task id={id} not found")
    if not run4.may_view_task(ctx, task):
        raise Unauthorized(NO_PERMISSION)
    return ctx.page(task.runs, "Run", lambda run: ctx.ser.task_result(run, with_task=True))


@routes.route("/task", "GET", who=USER_NODE_CONTAINER)
def list_tasks(ctx: V3Ctx):
    r, args, state = ctx.rules("task"), ctx.args, ctx.state
    org = ctx.caller.organization
    if r.can(VIEW, GLO):
        tasks = list(state.tasks.values())
    elif r.can(VIEW, COL) or r.can(VIEW, ORG):
        tasks = [t for col in org.collaborations for t in col.tasks] if org is not None else []
    elif r.can(VIEW, OWN) and ctx.user is not None:
        tasks = list(ctx.user.created_tasks)
    else:
        raise Unauthorized(NO_PERMISSION)
    tasks = [t for t in tasks if t.id in state.tasks]
    filters = {"initiator_id": lambda t, v: t.init_org.id == int_arg(v),
               "init_user_id": lambda t, v: t.init_user is not None
               and t.init_user.id == int_arg(v),
               "collaboration_id": lambda t, v: t.collaboration.id == int_arg(v),
               "parent_id": lambda t, v: t.parent is not None and t.parent.id == int_arg(v),
               "run_id": lambda t, v: t.job_id == int_arg(v),
               "result_id": lambda t, v: any(x.id == int_arg(v) for x in t.runs),
               "status": lambda t, v: t.status == v,
               "database": lambda t, v: any(like(d.label, v) for d in t.databases),
               "name": lambda t, v: like(t.name, v), "image": lambda t, v: like(t.image, v),
               "description": lambda t, v: like(t.description, v)}
    for param, keep in filters.items():
        if param in args:
            tasks = [t for t in tasks if keep(t, args[param])]
    tasks.sort(key=lambda t: t.id, reverse=True)  # newest first [oracle]
    results = ctx.included("results")
    return ctx.page(tasks, "Task", lambda t: ctx.ser.task(t, include_results=results))


@routes.route("/result", "GET", who=USER_NODE_CONTAINER)
def list_results(ctx: V3Ctx):
    runs = run4.filtered_runs(ctx)  # the 3.x filters, which 4.x kept; newest first as in 3.x
    include_task = ctx.included("task")
    return ctx.page(runs, "Run", lambda run: ctx.ser.result(run, include_task=include_task))


@routes.route("/result/<int:id>", "GET", who=USER_NODE_CONTAINER)
def get_result(ctx: V3Ctx, id: int):
    run = ctx.state.run_row(id)
    if run is None:
        raise NotFound(f"Result id={id} not found!")
    if run.task is None or not run4.may_view_task(ctx, run.task):
        raise Unauthorized(NO_PERMISSION)
    return ctx.ser.result(run, include_task=ctx.args.get("include") == "task"), 200

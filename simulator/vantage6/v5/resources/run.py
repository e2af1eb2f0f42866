"""/run, /run/{id}, /result, /result/{id} of HQ 5.0.3 (hq/resource/run.py).

The list query is 4.15.2's, with 5.x's ``state``: ``open`` and ``waiting`` describe the run's
*task* (an unfinished run in it, its dependencies finished or not), so a finished run of a task
with a sibling still pending is "open"; ``finished`` is the run's own. ``port`` fails (a 500:
runs have no ports any more). A node's PATCH resets what it leaves out, fails its unstarted
siblings and the tasks depending on its task when its status is a failure.
"""
from __future__ import annotations

import datetime as dt

from simulator.vantage6 import trace
from simulator.vantage6.errors import BadRequest, NotFound, UnexpectedError, Unauthorized
from simulator.vantage6.resources import run as run4
from simulator.vantage6.routing import NODE, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.v5 import status as st
from simulator.vantage6.v5.context import V5Ctx

routes = RouteTable()
_JOINED = ("task", "organization")


def _unfinished(task) -> bool:
    return any(r.finished_at is None for r in task.runs)


def _by_state(runs: list, value: str) -> list:
    if value == "open":  # Task.is_open
        return [x for x in runs if _unfinished(x.task)
                and not any(_unfinished(d) for d in x.task.depends_on)]
    if value == "waiting":  # Task.is_waiting
        return [x for x in runs if x.task.depends_on and _unfinished(x.task)
                and any(_unfinished(d) for d in x.task.depends_on)]
    if value == "finished":
        return [x for x in runs if x.finished_at is not None]
    return runs


def _ports(runs: list) -> list:
    raise UnexpectedError()  # filters on Run.port, which 5.x runs no longer have


def _filtered(ctx: V5Ctx) -> list:
    return run4.filtered_runs(ctx, by_state=_by_state, ports=_ports)


@routes.route("/run", "GET", who=USER_NODE_CONTAINER)
def list_runs(ctx: V5Ctx):
    include_task = ctx.included("task")
    return ctx.page(_filtered(ctx), "Run", lambda r: ctx.ser.run(r, include_task=include_task),
                    sort_is_primary=False, joined=_JOINED)


@routes.route("/result", "GET", who=USER_NODE_CONTAINER)
def list_results(ctx: V5Ctx):
    return ctx.page(_filtered(ctx), "Run", ctx.ser.result, sort_is_primary=False,
                    joined=_JOINED)


@routes.route("/run/<int:id>", "GET", who=USER_NODE_CONTAINER)
def get_run(ctx: V5Ctx, id: int):
    return run4.get_run(ctx, id)


@routes.route("/result/<int:id>", "GET", who=USER_NODE_CONTAINER)
def get_result(ctx: V5Ctx, id: int):
    return run4.get_result(ctx, id)


def _utc(value):
    """``parse_datetime`` of a loaded datetime: to UTC (naive values are taken as UTC, the
    nodes' clock), stored naive as the database keeps it."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc)
    return value.replace(tzinfo=None)


@routes.route("/run/<int:id>", "PATCH", who=NODE)
def patch_run(ctx: V5Ctx, id: int):
    state = ctx.state
    run = state.run_row(id)
    if run is None:
        raise NotFound(f"Run id={id} not found!")
    data = ctx.load("run", partial=True)
    if run.organization is not ctx.caller.node.organization:
        raise Unauthorized("This is not your algorithm run to PATCH!")
    if run.finished_at is not None:
        if run.status != st.KILLED:
            raise BadRequest("Cannot update an already finished algorithm run!")
        if len(data) > 1 or data.get("log") is None:
            raise BadRequest("Only the log can be updated for a killed run!")
        run.log = data["log"]
        return ctx.ser.run(run), 200
    was_started = run.started_at is not None
    run.started_at = _utc(data.get("started_at")) or run.started_at
    run.finished_at = _utc(data.get("finished_at"))
    # what the node leaves out is reset to null, as the real handler assigns every field
    run.result, run.log = data.get("result"), data.get("log")
    run.status = data.get("status", run.status)
    if run.started_at is not None and not was_started:
        trace.run_started(ctx.server.events, run)
    finished = [run] if run.finished_at is not None else []
    if run.status in st.FAILED_STATUSES:
        finished += state.fail_unstarted_siblings(run)
        state.fail_dependents(run)
    trace.runs_finished(ctx.server.events, finished)
    task, room = run.task, f"collaboration_{run.task.collaboration.id}"
    events = ctx.server.events
    events.emit("status_update", {"run_id": id}, room=room)
    node = run.node
    events.emit("algorithm_status_change", {
        "run_id": run.id, "status": run.status, "task_id": task.id, "job_id": task.job_id,
        "collaboration_id": task.collaboration.id, "node_id": node.id if node else None,
        "organization_id": run.organization.id,
        "parent_id": task.parent.id if task.parent else None}, room=room)
    return ctx.ser.run(run), 200

"""/run, /run/{id}, /result, /result/{id} (server/resource/run.py)."""
from __future__ import annotations

import datetime as dt

from simulator.vantage6 import schemas, trace
from simulator.vantage6.api_doc import DATE, ID, Doc, paging, q, ref
from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import NO_PERMISSION, BadRequest, NotFound, Unauthorized
from simulator.vantage6.filters import by_id, int_eq, sqlite_datetime
from simulator.vantage6.permissions import COL, GLO, ORG, OWN, VIEW
from simulator.vantage6.routing import NODE, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.status import has_task_failed

routes = RouteTable()


def may_view_task(ctx: Ctx, task) -> bool:
    r = ctx.rules("run")
    return (r.allowed_for_org_in_col(VIEW, task.init_org.id, task.collaboration.id)
            or (r.can(VIEW, OWN) and ctx.user is not None and task.init_user is ctx.user))


def _runs_in_scope(ctx: Ctx, r) -> list:
    """The runs a caller's widest view rule covers (the scope filter below still applies)."""
    if r.can(VIEW, GLO):
        return list(ctx.state.runs.values())
    org = ctx.caller.organization
    if r.can(VIEW, COL) and org is not None:
        return [run for col in org.collaborations for task in col.tasks for run in task.runs]
    if r.can(VIEW, ORG) and org is not None:
        return list(org.runs)
    if r.can(VIEW, OWN) and ctx.user is not None:
        return [run for task in ctx.user.created_tasks for run in task.runs]
    return []


def _open_runs(runs: list, value) -> list:
    """4.x ``state=open``: runs not finished (any other value filters nothing)."""
    return [x for x in runs if x.finished_at is None] if value == "open" else runs


def _no_ports(runs: list) -> list:
    return []  # the simulator has no VPN ports


def filtered_runs(ctx: Ctx, by_state=_open_runs, ports=_no_ports) -> list:
    """MultiRunBase.get_query_multiple_runs, shared by /run and /result (and by 5.x, which
    gives its own ``state`` and ``port`` filters)."""
    r, args, state = ctx.rules("run"), ctx.args, ctx.state
    runs = None
    if "organization_id" in args:
        if not r.allowed_for_org(VIEW, args["organization_id"]):
            raise Unauthorized("You lack the permission to view runs for organization "
                               f"id={args['organization_id']}!")
        org = by_id(state.organizations, args["organization_id"])
        runs = list(org.runs) if org else []
    if "task_id" in args:
        task = by_id(state.tasks, args["task_id"])
        if task is None:
            raise BadRequest(f"Task id={args['task_id']} does not exist!")
        if not may_view_task(ctx, task):
            raise Unauthorized(f"You lack the permission to view runs for task "
                               f"id={args['task_id']}!")
        if runs is not None:
            runs = [x for x in runs if x.task is task]
        elif not args.get("node_id"):  # with a node, its run is looked up below
            runs = list(task.runs)
    if args.get("node_id"):
        node = by_id(state.nodes, args["node_id"])
        if node is None:
            raise BadRequest(f"Node id={args['node_id']} does not exist!")
        if node.collaboration is None or not r.can_for_col(VIEW, node.collaboration.id):
            raise Unauthorized(f"You lack the permission to view runs for node "
                               f"id={args['node_id']}!")
        if "task_id" in args and "organization_id" not in args:  # what a node asks: O(1)
            runs = task.runs_by_org.get(node.organization.id, [])
        elif runs is None:
            runs = node.organization.runs
        runs = [x for x in runs if x.organization is node.organization
                and x.task is not None and x.task.collaboration is node.collaboration]
    if runs is None:  # start from what the caller may see, not from every run
        runs = _runs_in_scope(ctx, r)
    if "port" in args:
        runs = ports(runs)
    for param in ("assigned", "started", "finished"):
        if f"{param}_till" in args:
            limit = args[f"{param}_till"]
            runs = [x for x in runs if getattr(x, f"{param}_at") is not None
                    and sqlite_datetime(getattr(x, f"{param}_at")) <= limit]
        if f"{param}_from" in args:  # the real server compares every *_from with assigned_at
            limit = args[f"{param}_from"]
            runs = [x for x in runs if sqlite_datetime(x.assigned_at) >= limit]
    if "state" in args:
        runs = by_state(runs, args["state"])
    # the real query inner-joins the run's organization to its nodes, and its task (orphans
    # of a deleted task drop out)
    runs = [x for x in runs if x.organization.nodes and x.task is not None]
    if "collaboration_id" in args:
        if not r.can_for_col(VIEW, args["collaboration_id"]):
            raise Unauthorized("You lack the permission to view runs for collaboration "
                               f"id={args['collaboration_id']}!")
        runs = [x for x in runs if int_eq(x.task.collaboration.id, args["collaboration_id"])]
    if not r.can(VIEW, GLO):
        org = ctx.caller.organization
        if r.can(VIEW, COL):
            cols = {c.id for c in org.collaborations}
            runs = [x for x in runs if x.task.collaboration.id in cols]
        elif r.can(VIEW, ORG):
            runs = [x for x in runs if x.organization is org]
        elif r.can(VIEW, OWN):
            runs = [x for x in runs if x.task.init_user is ctx.user]
        else:
            raise Unauthorized(NO_PERMISSION)
    runs.sort(key=lambda x: x.id, reverse=True)
    return runs


@routes.route("/run", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    query=[q("task_id", ID), q("organization_id", ID), q("collaboration_id", ID), q("node_id", ID),
           q("state", {"type": "string", "enum": ["open"]}),
           q("include", {"type": "string", "enum": ["task"]}), q("assigned_from", DATE),
           q("assigned_till", DATE), q("started_from", DATE), q("started_till", DATE),
           q("finished_from", DATE), q("finished_till", DATE), *paging("id", "status")],
    ok=200, schema=ref("RunPage")))
def list_runs(ctx: Ctx):
    include_task = ctx.included("task")
    return ctx.page(filtered_runs(ctx), "Run",
                    lambda run: ctx.ser.run(run, include_task=include_task),
                    sort_is_primary=False, joined=_JOINED)


@routes.route("/result", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    query=[q("task_id", ID), q("organization_id", ID), *paging("id")], ok=200,
    schema=ref("ResultPage")))
def list_results(ctx: Ctx):
    return ctx.page(filtered_runs(ctx), "Run", ctx.ser.result, sort_is_primary=False,
                    joined=_JOINED)


# the run list query joins these (relationship sorts then compare with the joined row)
_JOINED = ("task", "organization")


def _run_or_404(ctx: Ctx, id: int):
    run = ctx.state.run_row(id)
    if run is None:
        raise NotFound(f"Run id={id} not found!")
    return run


def _single_run(ctx: Ctx, id: int):
    run = _run_or_404(ctx, id)  # an orphan's missing task makes the check below fail (500)
    if not may_view_task(ctx, run.task):
        raise Unauthorized(NO_PERMISSION)
    return run


@routes.route("/run/<int:id>", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    query=[q("include", {"type": "string", "enum": ["task"]})], ok=200, schema=ref("Run")))
def get_run(ctx: Ctx, id: int):
    run = _single_run(ctx, id)
    return ctx.ser.run(run, include_task=ctx.args.get("include") == "task"), 200


@routes.route("/result/<int:id>", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    ok=200, schema=ref("Result")))
def get_result(ctx: Ctx, id: int):
    return ctx.ser.result(_single_run(ctx, id)), 200


def parse_datetime(value, default=None):
    """server/utils.py parse_datetime: strict format; anything else raises ValueError (a 500)."""
    if not value:
        return default
    fmt = "%Y-%m-%dT%H:%M:%S.%f"
    if value.endswith("+00:00"):
        fmt += "%z"
    parsed = dt.datetime.strptime(value, fmt)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone.utc)


@routes.route("/run/<int:id>", "PATCH", who=NODE, doc=Doc(
    body=schemas.RunInputSchema, partial=True, ok=200, schema=ref("Run")))
def patch_run(ctx: Ctx, id: int):
    run = _run_or_404(ctx, id)
    data = ctx.validated("run", ctx.json(), partial=True)
    if run.organization is not ctx.caller.node.organization:
        raise Unauthorized("This is not your algorithm run to PATCH!")
    if run.finished_at is not None:
        raise BadRequest("Cannot update an already finished algorithm run!")
    # the real handler emits first and parses after (a bad datetime still sent the event)
    ctx.server.events.emit("status_update", {"run_id": id},
                           room=f"collaboration_{run.task.collaboration.id}")
    started_at = parse_datetime(data.get("started_at"), run.started_at)
    finished_at = parse_datetime(data.get("finished_at"))
    was_started = run.started_at is not None
    # omitted result/log/finished_at are reset to null on every PATCH, as the real server does
    run.started_at, run.finished_at = started_at, finished_at
    run.result, run.log = data.get("result"), data.get("log")
    run.status = data.get("status", run.status)
    if started_at is not None and not was_started:
        trace.run_started(ctx.server.events, run)
    finished = [run] if finished_at is not None else []
    if has_task_failed(run.status):
        finished += ctx.state.fail_unstarted_siblings(run)
    trace.runs_finished(ctx.server.events, finished)
    return ctx.ser.run(run), 200

"""/task, /task/{id}, /task/{id}/status (server/resource/task.py) and /kill/* (resource/event.py)."""
from __future__ import annotations

import base64
import binascii

from simulator.vantage6 import schemas, trace
from simulator.vantage6.api_doc import ID, LIKE, NAME, STR, Doc, obj, paging, q, ref
from simulator.vantage6.context import Ctx
from simulator.vantage6.entities import TaskDatabase
from simulator.vantage6.errors import (
    NO_PERMISSION,
    BadRequest,
    NotFound,
    Unauthorized,
    UnexpectedError,
)
from simulator.vantage6.filters import by_id, int_arg, like, sqlite_text
from simulator.vantage6.permissions import COL, CREATE, DELETE, GLO, ORG, OWN, SEND, VIEW
from simulator.vantage6.routing import USER, USER_CONTAINER, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.status import has_task_finished

routes = RouteTable()


def _dump(ctx: Ctx):
    runs, results = ctx.included("runs"), ctx.included("results")
    return lambda task: ctx.ser.task(task, runs=runs, results=results)


def _is_own(ctx: Ctx, rules, task) -> bool:
    return rules.can(VIEW, OWN) and ctx.user is not None and task.init_user is ctx.user


@routes.route("/task", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    query=[NAME, q("image", LIKE), q("description", LIKE), q("init_org_id", ID),
           q("init_user_id", ID), q("collaboration_id", ID), q("parent_id", ID), q("job_id", ID),
           q("database", LIKE), q("is_user_created", {"type": "integer", "enum": [0, 1]}),
           q("include", {"type": "string", "enum": ["results", "runs"]}), *paging("id", "name")],
    # (and study_id of /organization and /node: 500 for a missing study)
    description="The real filters `status` and `run_id` answer 500 in 4.15.2 (as the "
                "simulator does); they are left out here.",
    ok=200, schema=ref("TaskPage")))
def list_tasks(ctx: Ctx):
    return ctx.page(filtered_tasks(ctx), "Task", _dump(ctx), sort_is_primary=False)


def filtered_tasks(ctx: Ctx) -> list:
    """The tasks ``GET /task`` lists, newest first, with every filter's checks (5.x adds its
    own filters to these)."""
    r, r_run, args, state = ctx.rules("task"), ctx.rules("run"), ctx.args, ctx.state
    # start from what the caller's scope covers (indexes), not from every task
    org = ctx.caller.organization
    if r.can(VIEW, GLO):
        tasks = list(state.tasks.values())
    elif r.can(VIEW, COL):
        tasks = ([t for col in org.collaborations for t in col.tasks if t.id in state.tasks]
                 if org is not None else [])
    elif r.can(VIEW, ORG):
        tasks = [t for t in org.tasks if t.id in state.tasks] if org is not None else []
    elif r.can(VIEW, OWN):
        me = ctx.user
        if me is None:
            raise UnexpectedError()
        tasks = [t for t in me.created_tasks if t.id in state.tasks]
    else:
        raise Unauthorized(NO_PERMISSION)
    if ctx.included("results"):
        max_task = r.get_max_scope(VIEW)
        if not r_run.has_at_least_scope(max_task, VIEW):
            raise Unauthorized(
                "You cannot view the results of all tasks, as you are allowed to view tasks with "
                f"scope {max_task} but you can only view results with scope "
                f"{r_run.get_max_scope(VIEW)}")
    if "collaboration_id" in args:
        col_id = int_arg(args["collaboration_id"])
        if not r.can_for_col(VIEW, col_id):
            raise Unauthorized(f"You lack the permission to view tasks from collaboration "
                               f"{col_id}!")
        tasks = [t for t in tasks if t.collaboration.id == col_id]
    if "init_org_id" in args:
        org_id = int_arg(args["init_org_id"])
        if not r.allowed_for_org(VIEW, org_id):
            raise Unauthorized(f"You lack the permission to view tasks from organization "
                               f"id={org_id}!")
        tasks = [t for t in tasks if t.init_org.id == org_id]
    if "init_user_id" in args:
        user_id = int_arg(args["init_user_id"])
        init_user = state.users.get(user_id)
        if init_user is None:
            raise BadRequest(f"User id={user_id} does not exist!")
        if not r.allowed_for_org(VIEW, init_user.organization.id) and not (
                r.can(VIEW, OWN) and ctx.user is init_user):
            raise Unauthorized(f"You lack the permission to view tasks from user id={user_id}!")
        tasks = [t for t in tasks if t.init_user is init_user]
    if "study_id" in args:
        study_id = int_arg(args["study_id"])
        study = by_id(state.studies, study_id)
        if study is None:
            raise BadRequest(f"Study id={study_id} does not exist!")
        if not r.can_for_col(VIEW, study.collaboration.id):
            raise Unauthorized(
                "You lack the permission to view tasks from collaboration "
                f"id={study.collaboration.id} that the study with id={study.id} belongs to!")
        tasks = [t for t in tasks if t.study is study]
    if "parent_id" in args:
        parent = state.tasks.get(int_arg(args["parent_id"]))
        if parent is None:
            raise BadRequest(f"Parent task id={args['parent_id']} does not exist!")
        if not r.can_for_col(VIEW, parent.collaboration.id):
            raise Unauthorized(
                "You lack the permission to view tasks from the collaboration that the task with "
                f"parent_id={parent.collaboration.id} belongs to!")
        tasks = [t for t in tasks if t.parent is parent]
    if "job_id" in args:
        job_id = int_arg(args["job_id"])
        in_job = state.find(state.tasks.values(), lambda t: t.job_id == job_id)
        if in_job is None:
            raise BadRequest(f"Job id={args['job_id']} does not exist!")
        if not r.can_for_col(VIEW, in_job.collaboration.id):
            raise Unauthorized(
                "You lack the permission to view tasks from the collaboration that the task with "
                f"job_id={in_job.collaboration.id} belongs to!")
        tasks = [t for t in tasks if t.job_id == job_id]
    for param in ("name", "image", "description"):
        if param in args:
            tasks = [t for t in tasks if like(getattr(t, param), args[param])]
    if "status" in args:
        # Task.status is a Python-only hybrid property: filtering on it fails in SQL (500)
        raise UnexpectedError()
    if "run_id" in args:
        run = state.runs.get(int_arg(args["run_id"]))
        if run is None:
            raise BadRequest(f"Run id={args['run_id']} does not exist!")
        raise UnexpectedError()  # the real check reads run.collaboration_id, which Run lacks
    if "store_id" in args:
        raise BadRequest(f"Algorithm store id={int_arg(args['store_id'])} does not exist!")
    if "database" in args:
        tasks = [t for t in tasks if any(d.label == args["database"] for d in t.databases)]
    if "is_user_created" in args:
        try:
            user_created = int(args["is_user_created"])
        except ValueError:
            raise BadRequest(f"Invalid value for 'is_user_created' provided: "
                             f"'{args['is_user_created']}'. Should be an integer.")
        tasks = [t for t in tasks if (t.parent is not None) == (user_created == 0)]
    tasks.sort(key=lambda t: t.id, reverse=True)
    return tasks


@routes.route("/task", "POST", who=USER_CONTAINER, doc=Doc(
    body=schemas.TaskInputSchema, ok=201, schema=ref("Task")))
def create_task(ctx: Ctx):
    try:
        data = ctx.json()
    except Exception:
        raise BadRequest("Request body is incorrect")
    return post_task(ctx, data)


def post_task(ctx: Ctx, data, check_input: bool = True) -> tuple[dict, int]:
    """Tasks.post_task: every check in the real order, then the task and one run per org.
    ``check_input=False`` for the 3.x profile, whose server takes any input string (pickles
    included)."""
    state, r = ctx.state, ctx.rules("task")
    ctx.validated("task", data)
    collaboration = study = None
    collaboration_id, study_id = data.get("collaboration_id"), data.get("study_id")
    if collaboration_id:
        collaboration = by_id(state.collaborations, collaboration_id)
        if collaboration is None:
            raise NotFound(f"Collaboration id={collaboration_id} not found!")
    if study_id:
        study = by_id(state.studies, study_id)
        if study is None:
            raise NotFound(f"Study id={study_id} not found")
        if collaboration_id and study.collaboration.id != collaboration_id:
            raise BadRequest(f"The study_id '{study.id}' does not belong to the collaboration_id "
                             f"'{collaboration_id}' that is given.")
        collaboration = study.collaboration
    if collaboration is None:  # e.g. collaboration_id 0 is falsy: the real code then fails
        raise UnexpectedError()
    org_entries = data["organizations"]
    org_ids = [org.get("id") for org in org_entries]
    member_ids = {o.id for o in collaboration.organizations}
    if not set(org_ids).issubset(member_ids):
        raise BadRequest("At least one of the supplied organizations in not within the "
                         "collaboration.")
    if study is not None and not set(org_ids).issubset({o.id for o in study.organizations}):
        raise BadRequest("At least one of the supplied organizations in not within the specified "
                         "study.")
    nodes = [n for n in collaboration.nodes if n.organization.id in set(org_ids)]
    if len(nodes) < len(org_ids):
        present = {n.organization.id for n in nodes}
        missing = ", ".join(str(i) for i in org_ids if i not in present)
        raise BadRequest("Cannot create this task because there are no nodes registered for the "
                         f"following organization(s): {missing}.")
    if ctx.user is not None and any(_node_refuses_user(ctx, n) for n in nodes):
        raise BadRequest("Cannot create this task because one of the nodes that you are trying "
                         "to send this task to does not allow you to create tasks.")
    container = ctx.caller.container
    if ctx.user is not None:
        init_org = ctx.user.organization
    else:
        node = state.nodes.get(container["node_id"])
        if node is None:
            raise UnexpectedError()
        init_org = node.organization
    if init_org not in collaboration.organizations:
        raise Unauthorized("You can only create tasks for collaborations you are participating in!")
    image = data.get("image", "")
    parent = None
    if ctx.user is not None:
        if not r.can_for_col(CREATE, collaboration.id):
            raise Unauthorized(NO_PERMISSION)
        if data.get("store_id"):
            raise BadRequest(f"Algorithm store id={data['store_id']} not found!")
    else:
        parent = state.tasks.get(container["task_id"])
        if (parent is None or not image.endswith(container["image"])
                or has_task_finished(parent.status)
                or container["collaboration_id"] != collaboration.id):
            raise Unauthorized("Container-token is not valid")
        image = parent.image  # a subtask always runs its parent's image
    if check_input:
        _check_input(org_entries, collaboration.encrypted)
    databases = data.get("databases") or []
    task_dbs = []
    for database in databases:
        rest = {k: v for k, v in database.items() if k != "label"}
        task_dbs.append(TaskDatabase(sqlite_text(database["label"]),
                                     state.database_parameters(rest)))
    if ctx.user is not None:
        job_id, init_user = state.next_job_id(), ctx.user
    else:
        job_id, init_user = parent.job_id, parent.init_user
    task = state.add_task(name=data.get("name", ""), description=data.get("description", ""),
                          image=image, collaboration=collaboration, init_org=init_org,
                          job_id=job_id, init_user=init_user, parent=parent, study=study,
                          databases=task_dbs)
    for entry in org_entries:
        state.add_run(task, state.organizations[entry["id"]], entry.get("input"))
    trace.task_created(ctx.server.events, task)
    ctx.server.events.emit("new_task", {"id": task.id, "parent_id": parent.id if parent else None},
                           room=f"collaboration_{collaboration.id}")
    return ctx.ser.task(task), 201


def _node_refuses_user(ctx: Ctx, node) -> bool:
    """Node policies shared with the server (allowed_users / allowed_orgs config entries)."""
    me = ctx.user
    limited = False
    for key, value in node.config:
        if key == "allowed_users":
            limited = True
            if me.id == int(value):
                return False
        elif key == "allowed_orgs":
            limited = True
            if value.isdigit():
                if me.organization.id == int(value):
                    return False
            else:
                org = ctx.state.find(ctx.state.organizations.values(), lambda o: o.name == value)
                if org is not None and me.organization is org:
                    return False
    return limited


def _check_input(org_entries: list[dict], encrypted: bool) -> None:
    """``_check_input_encryption`` with DummyCryptor: base64-decode, then try UTF-8."""
    for entry in org_entries:
        value = entry.get("input")
        if not isinstance(value, str):
            raise UnexpectedError()  # DummyCryptor.decrypt raises ValueError
        try:
            decoded = base64.b64decode(value.encode("utf-8"))
        except (binascii.Error, ValueError):
            raise UnexpectedError()
        try:
            decoded.decode("utf-8")
            readable = True
        except UnicodeDecodeError:
            readable = False
        if encrypted and readable:
            raise BadRequest("Your collaboration requires encryption, but input is not "
                             "encrypted! Please encrypt your input before sending it.")
        if not encrypted and not readable:
            raise BadRequest(
                "Your task's input cannot be parsed. Your input should be a base64 encoded JSON "
                "string. Note that if you are using the user interface or Python client, this "
                "should be done for you. Also, make sure not to encrypt your input, as your "
                "collaboration is set to not use encryption.")


def may_view(ctx: Ctx, rules, task) -> bool:
    return (rules.allowed_for_org_in_col(VIEW, task.init_org.id, task.collaboration.id)
            or _is_own(ctx, ctx.rules("task"), task))


@routes.route("/task/<int:id>", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    query=[q("include", {"type": "string", "enum": ["results", "runs"]})], ok=200,
    schema=ref("Task")))
def get_task(ctx: Ctx, id: int):
    task = ctx.get_or_404(ctx.state.tasks, id, f"task id={id} is not found")
    if not may_view(ctx, ctx.rules("task"), task):
        raise Unauthorized(NO_PERMISSION)
    if ctx.included("results") and not may_view(ctx, ctx.rules("run"), task):
        raise Unauthorized("You lack the permission to view results for this task!")
    return _dump(ctx)(task), 200


@routes.route("/task/<int:id>", "DELETE", who=USER, doc=Doc(ok=200))
def delete_task(ctx: Ctx, id: int):
    task = ctx.get_or_404(ctx.state.tasks, id, f"Task id={id} not found")
    r = ctx.rules("task")
    if not r.allowed_for_org_in_col(DELETE, task.init_org.id, task.collaboration.id) and not (
            r.can(DELETE, OWN) and task.init_user is ctx.user):
        raise Unauthorized(NO_PERMISSION)
    if not has_task_finished(task.status):
        _kill(ctx, task)
    ctx.state.delete_task_tree(task)
    return {"msg": f"task id={id} and its algorithm run data have been successfully deleted"}, 200


@routes.route("/task/<int:task_id>/status", "GET", who=USER_CONTAINER, doc=Doc(
    ok=200, schema=obj({"status": STR})))
def task_status(ctx: Ctx, task_id: int):
    task = ctx.get_or_404(ctx.state.tasks, task_id, f"Task id={task_id} not found")
    if not may_view(ctx, ctx.rules("task"), task):
        raise Unauthorized(NO_PERMISSION)
    return {"status": task.status}, 200


# ------------------------------------------------------------------------------ /kill
def _kill(ctx: Ctx, task) -> None:
    kill_list = ctx.state.kill_task(task)
    trace.runs_finished(ctx.server.events, (ctx.state.runs[k["run_id"]] for k in kill_list))
    ctx.server.events.emit("kill_containers", {"kill_list": kill_list,
                                               "collaboration_id": task.collaboration.id},
                           room=f"collaboration_{task.collaboration.id}")


@routes.route("/kill/task", "POST", who=USER, doc=Doc(body=schemas.OnlyIdSchema, ok=200))
def kill_task(ctx: Ctx):
    body = ctx.validated("only_id", ctx.json())
    task = by_id(ctx.state.tasks, body["id"])
    if task is None:
        raise NotFound(f"Task id={body['id']} not found")
    if has_task_finished(task.status):
        raise BadRequest(f"Task {body['id']} already finished with status '{task.status}', so "
                         "cannot kill it!")
    r = ctx.rules("event")
    if not r.can(SEND, GLO) and not (r.can(SEND, COL)
                                     and ctx.user.organization in task.collaboration.organizations):
        raise Unauthorized(NO_PERMISSION)
    _kill(ctx, task)
    return {"msg": f"Nodes have been instructed to kill any containers running for task "
                   f"{body['id']}."}, 200


@routes.route("/kill/node/tasks", "POST", who=USER, doc=Doc(body=schemas.OnlyIdSchema, ok=200))
def kill_node_tasks(ctx: Ctx):
    body = ctx.validated("only_id", ctx.json())
    node = by_id(ctx.state.nodes, body["id"])
    if node is None:
        raise NotFound(f"Node id={body['id']} not found")
    if node.status != "online":
        raise BadRequest(f"Node {body['id']} is not online so cannot kill its tasks!")
    # 4.15.2 checks the *task* rules for a SEND operation they do not have: AttributeError, 500
    raise UnexpectedError()

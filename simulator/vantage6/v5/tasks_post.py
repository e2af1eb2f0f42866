"""``TaskPostBase.post_task`` of HQ 5.0.3 (hq/resource/common/task_post_base.py): every check of
a new task in the real order, then the task, its databases and one run per organization.

``POST /task`` and the dataframe endpoints (extraction, preprocessing) all come through here;
the dataframe endpoints impose their action and skip the task-create permission.

Kept as the real code has it (docs/v5/contract-hq-compute.md §5.3.1):
  - a compute task never depends on its dataframe (``if not df.ready`` tests a method);
    instead it is refused unless every organization's copy of the dataframe is ready;
  - a ``source`` database on a compute task, a ``databases: null`` body and arguments that are
    not base64 end in 500s whose message shows the Python error.
"""
from __future__ import annotations

import base64
import json
from typing import Any, Optional

from simulator.vantage6.errors import NO_PERMISSION, BadRequest, Forbidden, NotFound, Unauthorized
from simulator.vantage6.permissions import CREATE
from simulator.vantage6.v5 import status as st
from simulator.vantage6.v5.context import V5Ctx
from simulator.vantage6.v5.entities import TaskDatabase
from simulator.vantage6.v5.errors import handle_exceptions
from simulator.vantage6.v5.schemas import DATAFRAME, task_database, validate

SESSION_STATE = "session_state"


@handle_exceptions
def post_task(ctx: V5Ctx, data: Any, check_create: bool = True, action: Optional[str] = None,
              should_be_compute: bool = False) -> tuple[dict, int]:
    state = ctx.state
    errors, data = validate("task", data)
    if errors:
        raise BadRequest("Request body is incorrect: " + json.dumps(errors))
    collaboration, study = _collaboration_and_study(ctx, data)
    image = data.get("image", "")
    user, container = ctx.user, ctx.caller.container
    if user is not None and check_create and not ctx.rules("task").can_for_col(
            CREATE, collaboration.id):
        raise Unauthorized(NO_PERMISSION)
    if container is not None and not _container_may(ctx, container, collaboration.id):
        raise Unauthorized("Container-token is not valid")
    session = state.sessions.get(data["session_id"])
    if session is None:
        raise NotFound(f"Session id={data['session_id']} not found!")
    entries = data["organizations"]
    org_ids = [org.get("id") for org in entries]
    member_ids = {o.id for o in collaboration.organizations}
    if not set(org_ids).issubset(member_ids):
        raise BadRequest("At least one of the supplied organizations in not within the "
                         "collaboration.")
    if study is not None and not set(org_ids).issubset({o.id for o in study.organizations}):
        raise BadRequest("At least one of the supplied organizations in not within the "
                         "specified study.")
    nodes = [n for n in collaboration.nodes if n.organization.id in set(org_ids)]
    if len(nodes) < len(org_ids):
        present = {n.organization.id for n in nodes}
        missing = ", ".join(str(i) for i in org_ids if i not in present)
        raise BadRequest("Cannot create this task because there are no nodes registered for "
                         f"the following organization(s): {missing}.")
    if user is not None and any(_refuses_user(ctx, n) for n in nodes):
        raise BadRequest("Cannot create this task because one of the nodes that you are "
                         "trying to send this task to does not allow you to create tasks.")
    init_org = (user.organization if user is not None
                else state.nodes[container["node_id"]].organization)
    if init_org not in collaboration.organizations:
        raise Forbidden("You can only create tasks for collaborations you are participating in!")
    parent = state.tasks.get(container["task_id"]) if container is not None else None
    if data.get("store_id") and user is not None:
        raise BadRequest(f"Algorithm store id={data['store_id']} not found!")
    image = parent.image if parent is not None else image  # a subtask runs its parent's image
    if collaboration.session_restrict_to_same_image and session.image != image:
        raise BadRequest(f"The session is restricted to the single image '{session.image}'. "
                         f"You cannot create a task with image '{image}'.")
    action = _action(data, action, should_be_compute)
    depends_on = _dependencies(ctx, data, action, session, org_ids, collaboration)
    _check_arguments(entries, collaboration)
    if user is not None:
        job_id, init_user = state.next_job_id(), user
    else:
        job_id, init_user = parent.job_id, parent.init_user
    databases = [TaskDatabase(db["label"], db["type"],
                              state.dataframes.get(db["dataframe_id"]) if db["dataframe_id"]
                              else None, position)
                 for position, group in enumerate(data.get("databases", [[]]))
                 for db in map(task_database, group)]
    task = state.add_task5(
        name=data.get("name", ""), description=data.get("description", ""), image=image,
        method=data["method"], action=action, collaboration=collaboration, init_org=init_org,
        job_id=job_id, init_user=init_user, parent=parent, study=study, session=session,
        dataframe=state.dataframes.get(data.get("dataframe_id")), databases=databases,
        depends_on=depends_on)
    for entry in entries:
        state.add_run5(task, state.organizations[entry["id"]], entry.get("arguments"), action)
    ctx.server.events.emit("new_task", {"id": task.id, "parent_id": parent.id if parent else None},
                           room=f"collaboration_{collaboration.id}")
    return ctx.ser.task(task), 201


def _collaboration_and_study(ctx: V5Ctx, data: dict):
    state = ctx.state
    collaboration_id, study_id = data.get("collaboration_id"), data.get("study_id")
    if not collaboration_id and not study_id:
        raise BadRequest("Either a collaboration_id or a study_id should be provided!")
    collaboration = study = None
    if collaboration_id:
        collaboration = state.collaborations.get(collaboration_id)
        if collaboration is None:
            raise NotFound(f"Collaboration id={collaboration_id} not found!")
    if study_id:
        study = state.studies.get(study_id)
        if study is None:
            raise NotFound(f"Study id={study_id} not found")
        if collaboration_id and study.collaboration.id != collaboration_id:
            raise BadRequest(f"The study_id '{study.id}' does not belong to the "
                             f"collaboration_id '{collaboration_id}' that is given.")
        collaboration = study.collaboration
    return collaboration, study


def _container_may(ctx: V5Ctx, container: dict, collaboration_id: int) -> bool:
    if container["collaboration_id"] != collaboration_id:
        return False
    parent = ctx.state.tasks.get(container["task_id"])
    if parent is None:  # db.Task.get(...).status on None: an AttributeError
        raise AttributeError("'NoneType' object has no attribute 'status'")
    return not st.task_has_finished(st.task_status(r.status for r in parent.runs))


def _refuses_user(ctx: V5Ctx, node) -> bool:
    """``_node_doesnt_allow_user_task``: a node that shared allowed users or organizations
    refuses everyone else."""
    user = ctx.user
    limited = False
    for key, value in node.config:
        if key == "allowed_users":
            limited = True
            if user.id == int(value):
                return False
        elif key == "allowed_orgs":
            limited = True
            if value.isdigit():
                if user.organization.id == int(value):
                    return False
            else:
                org = ctx.state.find(ctx.state.organizations.values(), lambda o: o.name == value)
                if org is not None and user.organization is org:
                    return False
    return limited


def _action(data: dict, action: Optional[str], should_be_compute: bool) -> str:
    """``__check_action`` without an algorithm store: the endpoint's or the body's action."""
    if not action and data.get("action"):
        action = data["action"]
    if not action:
        raise BadRequest("No action type provided. Please provide an action that is one of: "
                         f"{list(st.ACTIONS)}")
    if should_be_compute and action not in st.COMPUTE_ACTIONS:
        msg = f"A {action} task cannot be created in this endpoint."
        if action == st.DATA_EXTRACTION:
            msg += " Please use the dataframe endpoint to create a dataframe extraction task."
        elif action == st.PREPROCESSING:
            msg += " Please use the dataframe endpoint to create a preprocessing task."
        raise BadRequest(msg)
    return action


def _dependencies(ctx: V5Ctx, data: dict, action: str, session, org_ids: list[int],
                  collaboration) -> list:
    state = ctx.state
    depends_on: list = []
    for db in [task_database(d) for group in data.get("databases", [[]]) for d in group]:
        if db["type"] == DATAFRAME:
            df = state.dataframes.get(db["dataframe_id"])
            if df is None:
                raise NotFound(f"Dataframe '{db['label']}' not found!")
            # the real code tests ``not df.ready``, a method, so nothing is ever added here
        else:
            df = None
        if action != st.DATA_EXTRACTION:
            if df is None:  # df of a source database is unbound in the real code
                raise UnboundLocalError("cannot access local variable 'df' where it is not "
                                        "associated with a value")
            ready = df.organizations_ready()
            missing = [i for i in set(org_ids) if i not in ready]
            if missing:
                raise BadRequest(
                    "The dataframe you selected is not present for the following "
                    f"organizations: {', '.join(str(i) for i in missing)}. Cannot create a "
                    "task if the dataframe is not present for all requested organizations.")
        else:
            _check_label(ctx, db["label"], org_ids, collaboration)
    for task_id in data.get("depends_on_ids", []):
        task = state.tasks.get(task_id)
        if task is None:
            raise NotFound(f"Task with id={task_id} not found!")
        if task.session is not session:
            raise BadRequest("The task you are trying to depend on is not part of the same "
                             "session.")
        depends_on.append(task)
    return list(dict.fromkeys(depends_on))


def _check_label(ctx: V5Ctx, label: Optional[str], org_ids: list[int], collaboration) -> None:
    """A node that shared its configuration must know the source database's label."""
    for org_id in org_ids:
        node = collaboration.node_of(org_id)
        if node is None or not node.config:
            continue
        labels = [v for k, v in node.config if k == "database_labels"]
        if label not in labels:
            raise BadRequest(f"The database label '{label}' does not exist for organization "
                             f"{org_id}.")


def _check_arguments(entries: list[dict], collaboration) -> None:
    """Arguments must be base64 of readable text in a collaboration without encryption (and
    not readable where encryption is required)."""
    for entry in entries:
        arguments = entry.get("arguments")
        if arguments is None:
            continue
        if isinstance(arguments, bytes):
            arguments = arguments.decode("utf-8")
        elif not isinstance(arguments, str):
            raise TypeError("Data passed for decryption must be either a string or bytes.")
        raw = base64.b64decode(arguments.encode("utf-8"))
        try:
            raw.decode("utf-8")
            readable = True
        except UnicodeDecodeError:
            readable = False
        if collaboration.encrypted and readable:
            raise BadRequest("Your collaboration requires encryption, but function arguments "
                             "are not encrypted! Please encrypt your function arguments before "
                             "sending them.")
        if not collaboration.encrypted and not readable:
            raise BadRequest(
                "Your task's function arguments cannot be parsed. Your function arguments "
                "should be a base64 encoded JSON string. Note that if you are using the user "
                "interface or Python client, this should be done for you. Also, make sure not "
                "to encrypt your function arguments, as your collaboration is set to not use "
                "encryption.as your collaboration is set to not use encryption.")

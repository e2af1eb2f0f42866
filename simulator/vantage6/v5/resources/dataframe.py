"""/session/{id}/dataframe, /session/dataframe/{id}[/preprocess|/column] of HQ 5.0.3
(hq/resource/dataframe.py).

Creating a dataframe creates its data-extraction task on the given organizations (through the
task pipeline, without the task-create permission: editing the session is what counts), and
preprocessing chains a task that depends on the dataframe's last session task. Nodes report the
columns of what their steps made. Names are unique across all sessions (nodes store dataframes
by name).
"""
from __future__ import annotations

from simulator.vantage6.errors import (
    NO_PERMISSION,
    BadRequest,
    NotFound,
    ServerError,
    Unauthorized,
)
from simulator.vantage6.permissions import EDIT
from simulator.vantage6.routing import NODE, USER, USER_NODE, RouteTable
from simulator.vantage6.v5 import status as st
from simulator.vantage6.v5.context import V5Ctx
from simulator.vantage6.v5.errors import handle_exceptions
from simulator.vantage6.v5.names import generate_name
from simulator.vantage6.v5.resources.session import can_change, can_view
from simulator.vantage6.v5.tasks_post import post_task

routes = RouteTable()


def _session_task(ctx: V5Ctx, session, task: dict, databases: list, action: str, dataframe,
                  description: str, depends_on: list[int] = ()) -> tuple[dict, int]:
    """``create_session_task``: a task of the session for its dataframe (nulls left out)."""
    body = {"collaboration_id": session.collaboration.id,
            "study_id": session.study.id if session.study else None,
            "session_id": session.id, "name": f"Session initialization ({session.name})",
            "description": description, "image": task["image"], "method": task["method"],
            "organizations": task["organizations"], "databases": databases,
            "depends_on_ids": list(depends_on), "dataframe_id": dataframe.id,
            "store_id": task.get("store_id")}
    return post_task(ctx, {k: v for k, v in body.items() if v is not None}, check_create=False,
                     action=action)


@routes.route("/session/<int:session_id>/dataframe", "GET", who=USER_NODE)
def list_dataframes(ctx: V5Ctx, session_id: int):
    session = ctx.get_or_404(ctx.state.sessions, session_id,
                             f"Session with id={session_id} not found")
    if not can_view(ctx, session):
        raise Unauthorized(NO_PERMISSION)
    paginate = ctx.args.get("no_pagination") != "1"
    try:
        return ctx.page(list(session.dataframes), "Dataframe", ctx.ser.dataframe,
                        paginate_=paginate)
    except ServerError as exc:  # pagination errors are 400s here
        raise BadRequest(exc.msg)


@routes.route("/session/<int:session_id>/dataframe", "POST", who=USER, handles_exceptions=True)
@handle_exceptions
def create_dataframe(ctx: V5Ctx, session_id: int):
    state = ctx.state
    session = ctx.get_or_404(state.sessions, session_id, f"Session with id={session_id} not found")
    if not can_change(ctx, session, EDIT):
        raise Unauthorized(NO_PERMISSION)
    data = ctx.load("dataframe_init")
    collaboration, task = session.collaboration, data["task"]
    if task.get("store_id"):
        raise BadRequest(f"Algorithm store id={task['store_id']} not found!")
    if collaboration.session_restrict_to_same_image and not session.image:
        session.image = task["image"]  # kept even if a later step fails, as in the real code
    label = data["label"]
    name = data.get("name")
    if name:
        if state.dataframe_name_taken(name):
            raise BadRequest(f"Dataframe with name {name} already exists. Duplicate names are "
                             "not allowed because they are stored on nodes by that name.")
    else:
        name = generate_name(ctx.server.rng)
        while state.dataframe_name_taken(name):
            name = generate_name(ctx.server.rng)
    df = state.add_dataframe(session, name, label)
    description = (f"Data extraction step for session {session.name} ({session.id}).This "
                   f"session is in the {collaboration.name} collaboration. Data extraction is "
                   f"done on the {label} database, and the dataframe name will be {name}.")
    try:
        body, status = _session_task(ctx, session, task,
                                     [[{"label": label, "type": "source", "dataframe_id": None}]],
                                     st.DATA_EXTRACTION, df, description)
    except Exception:
        state.delete_dataframe(df)
        raise
    df.last_session_task = state.tasks[body["id"]]
    return ctx.ser.dataframe(df), 201


@routes.route("/session/dataframe/<int:id>", "GET", who=USER)
def get_dataframe(ctx: V5Ctx, id: int):
    df = ctx.get_or_404(ctx.state.dataframes, id, f"Dataframe with id={id} not found")
    if not can_view(ctx, df.session):
        raise Unauthorized(NO_PERMISSION)
    return ctx.ser.dataframe(df), 200


@routes.route("/session/dataframe/<int:id>", "DELETE", who=USER)
def delete_dataframe(ctx: V5Ctx, id: int):
    df = ctx.get_or_404(ctx.state.dataframes, id, f"Dataframe with id={id} not found")
    if not can_change(ctx, df.session, EDIT):
        raise Unauthorized(NO_PERMISSION)
    collaboration = df.session.collaboration
    ctx.server.events.emit("delete_dataframe", {"df_name": df.name, "session_id": df.session.id},
                           room=f"collaboration_{collaboration.id}")
    ctx.state.delete_dataframe(df)
    return {"msg": f"Successfully deleted dataframe {df.name} from session {df.session.id}"}, 200


@routes.route("/session/dataframe/<int:id>/preprocess", "POST", who=USER,
              handles_exceptions=True)
@handle_exceptions
def preprocess_dataframe(ctx: V5Ctx, id: int):
    df = ctx.get_or_404(ctx.state.dataframes, id, f"Dataframe with id={id} not found")
    session = df.session
    if not can_change(ctx, session, EDIT):
        raise Unauthorized(NO_PERMISSION)
    data = ctx.load("dataframe_preprocess")
    if df.last_session_task is None:
        raise ServerError(f"Dataframe {df.name} (id={df.id}) in session={session.name} has no "
                          "last task! Session is not properly initialized!")
    # (compute tasks still running on the dataframe would come first, but the real query that
    # finds them never matches anything)
    description = (f"Preprocessing step for session {session.name} ({session.id}).This session "
                   f"is in the {session.collaboration.name} collaboration. This preprocessing "
                   f"step will modify dataframe {df.id} ")
    body, status = _session_task(ctx, session, data["task"],
                                 [[{"dataframe_id": df.id, "type": "dataframe"}]],
                                 st.PREPROCESSING, df, description,
                                 depends_on=[df.last_session_task.id])
    df.last_session_task = ctx.state.tasks[body["id"]]
    return ctx.ser.dataframe(df), 201


@routes.route("/session/dataframe/<int:id>/column", "POST", who=NODE, handles_exceptions=True)
@handle_exceptions
def report_columns(ctx: V5Ctx, id: int):
    columns = ctx.load("dataframe_column", many=True)
    df = ctx.state.dataframes.get(id)
    if df is None:
        raise NotFound(f"Dataframe with id={id} not found")
    node = ctx.caller.node
    if df.session.collaboration is not node.collaboration:
        raise Unauthorized(NO_PERMISSION)
    ctx.state.set_columns(df, node, [(c["name"], c["dtype"]) for c in columns])
    return {"msg": "Columns updated"}, 201

"""/node, /node/me and /recover/node of HQ 5.0.3 (hq/resource/node.py, recover.py).

A node's account is a Keycloak client ``<name>-node-client`` with a service account: POST
creates it and answers its secret as the ``api_key`` (once), /recover/node makes a new secret,
DELETE deletes the client, before HQ looks at the node's dataframe columns, so a refused
delete leaves the node without its client. Renaming a node leaves its client's name as it was.
"""
from __future__ import annotations

from simulator.vantage6.errors import (
    NO_PERMISSION,
    BadRequest,
    NotFound,
    Unauthorized,
    invalid_body,
)
from simulator.vantage6.filters import by_id
from simulator.vantage6.permissions import DELETE, EDIT, VIEW
from simulator.vantage6.resources import node as node4
from simulator.vantage6.routing import NODE, USER, USER_NODE, RouteTable
from simulator.vantage6.v5 import ordering as ordering5
from simulator.vantage6.v5.accounts import AccountError
from simulator.vantage6.v5.context import V5Ctx
from simulator.vantage6.v5.errors import handle_exceptions
from simulator.vantage6.v5.schemas import validate

routes = RouteTable()
routes.reuse([
    ("/node/<int:id>", "GET", node4.get_node, USER_NODE),
    # the name only (spaces allowed here); the node's Keycloak client keeps its name
    ("/node/<int:id>", "PATCH", node4.update_node, USER_NODE),
])


@routes.route("/node/me", "GET", who=NODE)
def current_node(ctx: V5Ctx):
    return ctx.ser.node(ctx.caller.node), 200


@routes.route("/node", "GET", who=USER_NODE)
def list_nodes(ctx: V5Ctx):
    """4.x's filters plus ``session_id`` (its study's or collaboration's nodes); ``ip`` is gone
    and ignored."""
    args, col_id, study_id = ctx.args, ctx.args.get("collaboration_id"), ctx.args.get("study_id")
    applied = {k for k in ("organization_id", "collaboration_id", "study_id", "status", "name",
                           "last_seen_till", "last_seen_from") if k in args}
    if "session_id" in args:
        session = by_id(ctx.state.sessions, args["session_id"])
        if session is None:
            raise NotFound(f"Session id={args['session_id']} does not exist")
        if not ctx.rules("node").can_for_col(VIEW, session.collaboration.id):
            raise Unauthorized("You lack the permission view nodes from collaboration with id "
                               f"{session.collaboration.id}!")
        if session.study is not None:
            study_id = study_id if study_id is not None else session.study.id
            applied.add("study_id")
        elif col_id is None:
            col_id = session.collaboration.id
            applied.add("collaboration_id")
    nodes = node4.filter_nodes(ctx, col_id, study_id, equal_filters=("status",))
    scope = node4.node_scope(ctx)
    nodes = ordering5.nodes(node4.scope_nodes(ctx, nodes, scope), applied, scope,
                            sorting=bool(args.get("sort")))
    return ctx.page(nodes, "Node", ctx.ser.node)


@routes.route("/node", "POST", who=USER)
@handle_exceptions
def create_node(ctx: V5Ctx):
    state = ctx.state
    data = ctx.load("node")
    col, org = node4.node_target(ctx, data)
    name = data.get("name", ctx.server.profile.default_node_name(org, col))
    if " " in name:
        raise BadRequest("Node name cannot contain spaces!")
    if state.name_taken(state.nodes, name):
        raise BadRequest(f"Node with name '{name}' already exists!")
    client_name = f"{name}-node-client"
    try:
        account = ctx.server.keycloak.create_service_account(client_name, "node")
    except AccountError:
        raise BadRequest(f"Could not create service account '{client_name}' in Keycloak")
    node = state.add_node(name, org, col, keycloak_id=account.user_id,
                          keycloak_client_id=account.client_uuid)
    out = ctx.ser.node(node)
    out["api_key"] = account.secret  # the only time HQ shows it
    return out, 201


# @handle_exceptions sits outside the identity check here (a node's token: 401 with the url)
@routes.route("/node/<int:id>", "DELETE", who=USER, handles_exceptions=True)
@handle_exceptions
def delete_node(ctx: V5Ctx, id: int):
    params = delete_dependents(ctx)
    node = ctx.get_or_404(ctx.state.nodes, id, f"Node id={id} not found")
    if not ctx.rules("node").allowed_for_org(DELETE, node.organization.id):
        raise Unauthorized(NO_PERMISSION)
    try:
        ctx.server.keycloak.delete_client(node.keycloak_client_id)
    except AccountError:
        raise BadRequest(f"Service account '{node.keycloak_client_id}' could not be deleted "
                         "from Keycloak")
    columns = ctx.state.node_columns(node)
    if columns and not params.get("delete_dependents", False):
        raise BadRequest(f"Node has {columns} columns. Please delete those first, or set the "
                         "`delete_dependents` parameter to true to delete them automatically "
                         "together with this node.")
    ctx.state.delete_node(node)
    return {"msg": f"Successfully deleted node id={id}"}, 200


def delete_dependents(ctx: V5Ctx) -> dict:
    """The query loaded by ``DeleteDependentsInputSchema``: ``delete_dependents`` a boolean
    ("False" and "0" are false), anything else in the query an unknown field."""
    errors, params = validate("delete_dependents", dict(ctx.args))
    if errors:
        raise invalid_body(errors)
    return params


@routes.route("/recover/node", "POST", who=USER)
def reset_api_key(ctx: V5Ctx):
    body = ctx.load("only_id")
    node = by_id(ctx.state.nodes, body["id"])
    if node is None:
        raise NotFound(f"Node id={body['id']} is not found!")
    if not ctx.rules("node").allowed_for_org(EDIT, node.organization.id):
        raise Unauthorized(NO_PERMISSION)
    # no @handle_exceptions here: a refusal by Keycloak is the generic 500
    return {"api_key": ctx.server.keycloak.regenerate_secret(node.keycloak_client_id)}, 200

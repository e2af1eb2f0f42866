"""/node (server/resource/node.py)."""
from __future__ import annotations

import uuid

from simulator.vantage6 import ordering, schemas
from simulator.vantage6.api_doc import DATE, ID, NAME, STR, Doc, obj, paging, q, ref
from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import (
    NO_PERMISSION,
    BadRequest,
    NotFound,
    Unauthorized,
    UnexpectedError,
)
from simulator.vantage6.filters import by_id, int_arg, int_eq, last_seen_filters, like
from simulator.vantage6.permissions import COL, CREATE, DELETE, EDIT, GLO, ORG, VIEW
from simulator.vantage6.routing import USER, USER_NODE, RouteTable

routes = RouteTable()


@routes.route("/node", "GET", who=USER_NODE, doc=Doc(
    query=[NAME, q("organization_id", ID), q("collaboration_id", ID),
           q("status", {"type": "string", "enum": ["online", "offline"]}),
           q("ip", {"type": "string", "maxLength": 40}), q("last_seen_from", DATE),
           q("last_seen_till", DATE), *paging("id", "name", "ip")],
    ok=200, schema=ref("NodePage")))
def list_nodes(ctx: Ctx):
    args = ctx.args
    nodes = filter_nodes(ctx, args.get("collaboration_id"), args.get("study_id"),
                         equal_filters=("status", "ip"))
    scope = node_scope(ctx)
    nodes = scope_nodes(ctx, nodes, scope)
    applied = {k for k in ("organization_id", "collaboration_id", "study_id", "status", "ip",
                           "name", "last_seen_till", "last_seen_from") if k in args}
    nodes = ordering.nodes(nodes, applied, scope, sorting=bool(args.get("sort")))
    return ctx.page(nodes, "Node", ctx.ser.node)


def filter_nodes(ctx: Ctx, collaboration_id, study_id, equal_filters: tuple) -> list:
    """The filters of GET /node in the real order (4.x and 5.x): organization, collaboration,
    study (ids as given or derived, each with its permission check), then plain matches."""
    r, args, state = ctx.rules("node"), ctx.args, ctx.state
    nodes = list(state.nodes.values())
    if "organization_id" in args:
        if not r.allowed_for_org(VIEW, int_arg(args["organization_id"])):
            raise Unauthorized("You lack the permission view nodes from the organization with id "
                               f"{args['organization_id']}!")
        nodes = [n for n in nodes if int_eq(n.organization.id, args["organization_id"])]
    if collaboration_id is not None:
        col_id = int_arg(collaboration_id)
        if not r.can_for_col(VIEW, col_id):
            raise Unauthorized("You lack the permission view nodes from the collaboration with "
                               f"id {col_id}!")
        nodes = [n for n in nodes if n.collaboration is not None and n.collaboration.id == col_id]
    if study_id is not None:
        study_id = int_arg(study_id)
        study = state.studies.get(study_id)
        if study is None:
            raise UnexpectedError()
        if not r.can_for_col(VIEW, study.collaboration.id):
            raise Unauthorized("You lack the permission view nodes from collaboration "
                               f"{study.collaboration.id} contains the study with id {study_id}!")
        members = {o.id for o in study.organizations}
        nodes = [n for n in nodes if n.organization.id in members
                 and n.collaboration is study.collaboration]
    for param in equal_filters:
        if param in args:
            nodes = [n for n in nodes if getattr(n, param) == args[param]]
    if "name" in args:
        nodes = [n for n in nodes if like(n.name, args["name"])]
    return last_seen_filters(args, nodes)


def node_scope(ctx: Ctx) -> str:
    """The widest view scope the caller has on nodes (401 without any)."""
    r = ctx.rules("node")
    for scope in (GLO, COL, ORG):
        if r.can(VIEW, scope):
            return scope
    raise Unauthorized(NO_PERMISSION)


def scope_nodes(ctx: Ctx, nodes: list, scope: str) -> list:
    if scope == COL:
        return [n for n in nodes if n.collaboration is not None
                and n.collaboration.id in ctx.caller.collaboration_ids]
    if scope == ORG:
        return [n for n in nodes if n.organization.id == ctx.caller.organization_id]
    return nodes


@routes.route("/node", "POST", who=USER, doc=Doc(
    body=schemas.NodeInputSchema, ok=201, schema={"allOf": [ref("Node"), obj({"api_key": STR})]}))
def create_node(ctx: Ctx):
    state = ctx.state
    data = ctx.validated("node", ctx.json())
    col, org = node_target(ctx, data)
    name = data["name"] if "name" in data else f"{org.name} - {col.name} Node"
    if state.name_taken(state.nodes, name):
        raise BadRequest(f"Node with name '{name}' already exists!")
    api_key = str(uuid.uuid4())
    node = state.add_node(name, org, col, api_key)
    out = ctx.ser.node(node)
    out["api_key"] = api_key  # the only time the key is shown
    return out, 201


def node_target(ctx: Ctx, data: dict) -> tuple:
    """POST /node's checks of where the node goes (4.x and 5.x alike): the collaboration, the
    organization (default: the caller's), the create rule, membership, one node each."""
    state = ctx.state
    col = by_id(state.collaborations, data["collaboration_id"])
    if col is None:
        raise NotFound(f"collaboration id={data['collaboration_id']} does not exist")
    org_id = (data["organization_id"] if data.get("organization_id") is not None
              else ctx.user.organization.id)
    org = by_id(state.organizations, org_id)
    if org is None:
        raise NotFound(f"organization id={org_id} does not exist")
    if not ctx.rules("node").allowed_for_org(CREATE, org_id):
        raise Unauthorized(NO_PERMISSION)
    if org not in col.organizations:
        raise BadRequest(f"The organization id={org_id} is not part of collabotation "
                         f"id={col.id}. Add it first!")
    if col.node_of(org.id) is not None:
        raise BadRequest(f"Organization id={org.id} already has a node for collaboration "
                         f"id={col.id}")
    return col, org


@routes.route("/node/<int:id>", "GET", who=USER_NODE, doc=Doc(ok=200, schema=ref("Node")))
def get_node(ctx: Ctx, id: int):
    node = ctx.get_or_404(ctx.state.nodes, id, f"Node id={id} is not found!")
    if not ctx.rules("node").allowed_for_org(VIEW, node.organization.id):
        raise Unauthorized(NO_PERMISSION)
    return ctx.ser.node(node), 200


@routes.route("/node/<int:id>", "DELETE", who=USER, doc=Doc(ok=200))
def delete_node(ctx: Ctx, id: int):
    node = ctx.get_or_404(ctx.state.nodes, id, f"Node id={id} not found")
    if not ctx.rules("node").allowed_for_org(DELETE, node.organization.id):
        raise Unauthorized(NO_PERMISSION)
    ctx.state.delete_node(node)
    return {"msg": f"Successfully deleted node id={id}"}, 200


@routes.route("/node/<int:id>", "PATCH", who=USER_NODE, doc=Doc(
    body=schemas.NodeInputSchema, partial=True, ok=200, schema=ref("Node")))
def update_node(ctx: Ctx, id: int):
    state = ctx.state
    data = ctx.input("node", partial=True)  # 5.x: ip and clear_ip are unknown fields
    if "organization_id" in data:
        raise BadRequest("Organization id cannot be updated!")
    if "collaboration_id" in data:
        raise BadRequest("Collaboration id cannot be updated!")
    node = ctx.get_or_404(state.nodes, id, f"Node id={id} not found!")
    if not ctx.rules("node").allowed_for_org(EDIT, node.organization.id):
        raise Unauthorized(NO_PERMISSION)
    if "name" in data and node.name != data["name"] and state.name_taken(state.nodes, data["name"]):
        raise BadRequest(f"Node name '{data['name']}' already exists!")
    if "name" in data:
        node.name = data["name"]
    if data.get("ip"):
        node.ip = data["ip"]
    elif data.get("clear_ip"):
        node.ip = None
    return ctx.ser.node(node), 200

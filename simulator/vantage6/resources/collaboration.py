"""/collaboration and its /organization and /node sub-routes (server/resource/collaboration.py)."""
from __future__ import annotations

from simulator.vantage6 import ordering, schemas
from simulator.vantage6.api_doc import BOOL, ID, NAME, Doc, paging, q, ref
from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import (
    NO_PERMISSION,
    BadRequest,
    NotFound,
    Unauthorized,
    UnexpectedError,
)
from simulator.vantage6.filters import bool_eq, by_id, int_eq, like
from simulator.vantage6.permissions import CREATE, DELETE, EDIT, GLO, ORG, VIEW
from simulator.vantage6.routing import USER, USER_NODE, USER_NODE_CONTAINER, RouteTable

routes = RouteTable()


def existing(table: dict, ids: list) -> list:
    """``[Organization.get(i) for i in ids if Organization.get(i)]``: '2' and 2.0 find 2 too."""
    found = (by_id(table, i) for i in ids)
    return [x for x in found if x is not None]


def _dump(ctx: Ctx):
    with_orgs = ctx.included("organizations")
    return lambda col: ctx.ser.collaboration(col, with_organizations=with_orgs)


@routes.route("/collaboration", "GET", who=USER_NODE, doc=Doc(
    query=[NAME, q("encrypted", {"type": "integer", "enum": [0, 1]}), q("organization_id", ID),
           q("include", {"type": "string", "enum": ["organizations"]}), *paging("id", "name")],
    ok=200, schema=ref("CollaborationPage")))
def list_collaborations(ctx: Ctx):
    r = ctx.rules("collaboration")
    args, own = ctx.args, ctx.caller.organization_id
    cols = list(ctx.state.collaborations.values())
    by_org = None
    if "encrypted" in args:
        cols = [c for c in cols if bool_eq(c.encrypted, args["encrypted"])]
    if "name" in args:
        cols = [c for c in cols if like(c.name, args["name"])]
    if "organization_id" in args:
        if not r.can(VIEW, GLO) and args["organization_id"] != str(own):
            raise Unauthorized("You lack the permission to request collaborations for this "
                               "organization!")
        if r.can(VIEW, GLO):
            wanted = args["organization_id"]
            cols = [c for c in cols if any(int_eq(o.id, wanted) for o in c.organizations)]
            by_org = by_id(ctx.state.organizations, wanted)
    if "algorithm_store_id" in args:
        # no algorithm stores exist in the simulator
        raise NotFound(f"Algorithm store with id={args['algorithm_store_id']} not found")
    scope = GLO
    if not r.can(VIEW, GLO):
        if r.can(VIEW, ORG):
            scope = ORG
            cols = [c for c in cols if any(o.id == own for o in c.organizations)]
        else:
            raise Unauthorized(NO_PERMISSION)
    cols = ordering.collaborations(cols, ctx.state, scope, organization=by_org)
    return ctx.page(cols, "Collaboration", _dump(ctx))


@routes.route("/collaboration", "POST", who=USER, doc=Doc(
    body=schemas.CollaborationInputSchema, ok=200, schema=ref("Collaboration")))
def create_collaboration(ctx: Ctx):
    data = ctx.validated("collaboration", ctx.json())
    state = ctx.state
    name = data["name"]
    if state.name_taken(state.collaborations, name):
        raise BadRequest(f"Collaboration name '{name}' already exists!")
    if not ctx.rules("collaboration").can(CREATE, GLO):
        raise Unauthorized(NO_PERMISSION)
    orgs = existing(state.organizations, data["organization_ids"])
    col = state.add_collaboration(name, orgs, encrypted=data["encrypted"] == 1)
    return ctx.ser.collaboration(col), 200  # the real server answers 200, not 201


@routes.route("/collaboration/<int:id>", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    query=[q("include", {"type": "string", "enum": ["organizations"]})], ok=200,
    schema=ref("Collaboration")))
def get_collaboration(ctx: Ctx, id: int):
    col = ctx.get_or_404(ctx.state.collaborations, id, f"collaboration having id={id} not found")
    return show_collaboration(ctx, col)


def show_collaboration(ctx: Ctx, col):
    """GET /collaboration/{id} once found (4.x and 5.x alike)."""
    r = ctx.rules("collaboration")
    if not r.can(VIEW, GLO):
        members = {o.id for o in col.organizations}
        if not (r.can(VIEW, ORG) and ctx.caller.organization_id in members):
            raise Unauthorized(NO_PERMISSION)
    return _dump(ctx)(col), 200


@routes.route("/collaboration/<int:id>", "PATCH", who=USER, doc=Doc(
    body=schemas.CollaborationInputSchema, partial=True, ok=200, schema=ref("Collaboration")))
def update_collaboration(ctx: Ctx, id: int):
    state = ctx.state
    col = ctx.get_or_404(state.collaborations, id,
                         f"collaboration having collaboration_id={id} can not be found")
    r = ctx.rules("collaboration")
    if not r.can_for_col(EDIT, col.id):
        raise Unauthorized(NO_PERMISSION)
    data = ctx.input("collaboration", partial=True)
    if "name" in data:
        if col.name != data["name"] and state.name_taken(state.collaborations, data["name"]):
            raise BadRequest(f"Collaboration name '{data['name']}' already exists!")
    if "organization_ids" in data and not r.can(EDIT, GLO):
        raise Unauthorized("You lack the permission to change the organizations of a "
                           "collaboration!")
    if "encrypted" in data and data["encrypted"] not in (None, True, False):
        # 4.x stores the raw JSON value (5.x loads it): SQLAlchemy's Boolean refuses "true",
        # "yes"... (which marshmallow accepted) when it saves, and nothing is changed
        raise UnexpectedError()
    if "name" in data:
        col.name = data["name"]
    if "organization_ids" in data:
        state.set_collaboration_organizations(
            col, existing(state.organizations, data["organization_ids"]))
    if "encrypted" in data:
        col.encrypted = bool(data["encrypted"])
    return ctx.ser.collaboration(col), 200


@routes.route("/collaboration/<int:id>", "DELETE", who=USER, doc=Doc(
    query=[q("delete_dependents", BOOL)], ok=200))
def delete_collaboration(ctx: Ctx, id: int):
    col = deletable_collaboration(ctx, id)
    if col.tasks or col.nodes or col.studies:
        # any value is truthy here, "False" and "0" included (contract quirk 14)
        if not ctx.args.get("delete_dependents", False):
            raise BadRequest(
                f"Collaboration id={id} has {len(col.tasks)} tasks, {len(col.nodes)} nodes and "
                f"{len(col.studies)} studies. Please delete them separately or set "
                "delete_dependents=True")
    ctx.state.delete_collaboration(col)
    return {"msg": f"Collaboration id={id} successfully deleted"}, 200


def deletable_collaboration(ctx: Ctx, id: int):
    """DELETE /collaboration/{id}'s first checks (4.x and 5.x): it exists, the delete rule."""
    col = ctx.get_or_404(ctx.state.collaborations, id, f"collaboration id={id} is not found")
    if not ctx.rules("collaboration").can_for_col(DELETE, col.id):
        raise Unauthorized(NO_PERMISSION)
    return col


# ---------------------------------------------------------------- /collaboration/<id>/organization
@routes.route("/collaboration/<int:id>/organization", "POST", who=USER, doc=Doc(
    body=schemas.OnlyIdSchema, ok=200, schema={"type": "array", "items": ref("Organization")}))
def add_organization(ctx: Ctx, id: int):
    state = ctx.state
    col = ctx.get_or_404(state.collaborations, id,
                         f"collaboration having collaboration_id={id} can not be found")
    if not ctx.rules("collaboration").can_for_col(EDIT, col.id):
        raise Unauthorized(NO_PERMISSION)
    data = ctx.input("only_id")
    org = by_id(state.organizations, data["id"])
    if org is None:
        raise NotFound(f"organization with id={id} is not found")
    state.add_member(col, org)
    return [ctx.ser.organization(o) for o in col.organizations], 200


@routes.route("/collaboration/<int:id>/organization", "DELETE", who=USER, doc=Doc(
    body=schemas.OnlyIdSchema, ok=200, schema={"type": "array", "items": ref("Organization")}))
def remove_organization(ctx: Ctx, id: int):
    state = ctx.state
    col = ctx.get_or_404(state.collaborations, id,
                         f"Collaboration with collaboration_id={id} can not be found")
    data = ctx.input("only_id")
    org = by_id(state.organizations, data["id"])
    if org is None:
        raise NotFound(f"Organization with id={data['id']} is not found")
    if not ctx.rules("collaboration").can_for_col(EDIT, col.id):
        raise Unauthorized(NO_PERMISSION)
    if org not in col.organizations:
        raise UnexpectedError()  # list.remove() of a non-member raises in the real server
    state.remove_member(col, org)
    return [ctx.ser.organization(o) for o in col.organizations], 200


# ---------------------------------------------------------------- /collaboration/<id>/node
@routes.route("/collaboration/<int:id>/node", "POST", who=USER, doc=Doc(
    body=schemas.OnlyIdSchema, ok=201, schema={"type": "array", "items": {"type": "object"}}))
def add_node(ctx: Ctx, id: int):
    state = ctx.state
    col = ctx.get_or_404(state.collaborations, id,
                         f"collaboration having collaboration_id={id} can not be found")
    if not ctx.rules("collaboration").can_for_col(EDIT, col.id):
        raise Unauthorized(NO_PERMISSION)
    data = ctx.input("only_id")
    node = by_id(state.nodes, data["id"])
    if node is None:
        raise NotFound(f"node id={data['id']} not found")
    if node in col.nodes:
        raise BadRequest(f"node id={data['id']} is already in collaboration id={id}")
    if node.organization not in col.organizations:
        raise BadRequest(f"Node id={data['id']} belongs to an organization that is not part of "
                         f"collaboration id={id}. Please add the organization to the "
                         "collaboration first")
    if node.collaboration is not None and node in node.collaboration.nodes:
        node.collaboration.nodes.remove(node)
    node.collaboration = col
    col.nodes.append(node)
    return [ctx.ser.node_simple(n) for n in col.nodes], 201


@routes.route("/collaboration/<int:id>/node", "DELETE", who=USER, doc=Doc(
    body=schemas.OnlyIdSchema, ok=200))
def remove_node(ctx: Ctx, id: int):
    state = ctx.state
    col = ctx.get_or_404(state.collaborations, id,
                         f"collaboration having collaboration_id={id} can not be found")
    if not ctx.rules("collaboration").can_for_col(EDIT, col.id):
        raise Unauthorized(NO_PERMISSION)
    data = ctx.json()
    if not isinstance(data, dict) or "id" not in data:
        raise UnexpectedError()  # the real handler indexes data['id'] without validation
    node = by_id(state.nodes, data["id"])
    if node is None:
        raise NotFound(f"node id={id} not found")
    if node not in col.nodes:
        raise BadRequest(f"node id={data['id']} is not part of collaboration id={id}")
    col.nodes.remove(node)
    node.collaboration = None
    return {"msg": f"node id={data['id']} removed from collaboration id={id}"}, 200

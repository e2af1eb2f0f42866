"""/organization (server/resource/organization.py)."""
from __future__ import annotations

import base64
import binascii

from simulator.vantage6 import ordering, schemas
from simulator.vantage6.api_doc import BOOL, ID, NAME, PUBLIC_KEY, Doc, paging, q, ref
from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import NO_PERMISSION, BadRequest, Unauthorized, UnexpectedError
from simulator.vantage6.permissions import COL, CREATE, DELETE, EDIT, GLO, ORG, VIEW
from simulator.vantage6.routing import USER, USER_NODE, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.filters import int_arg, like

routes = RouteTable()


@routes.route("/organization", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    query=[NAME, q("country", {"type": "string", "maxLength": 8}), q("collaboration_id", ID),
           q("ids", ID), *paging("id", "name", "country")],
    ok=200, schema=ref("OrganizationPage")))
def list_organizations(ctx: Ctx):
    r = ctx.rules("organization")
    state, args = ctx.state, ctx.args
    orgs = list(state.organizations.values())
    col = study = None
    if "name" in args:
        orgs = [o for o in orgs if like(o.name, args["name"])]
    if "country" in args:
        orgs = [o for o in orgs if o.country == args["country"]]
    if "collaboration_id" in args:
        col_id = int_arg(args["collaboration_id"])
        if not r.can_for_col(VIEW, col_id):
            raise Unauthorized("You lack the permission to get all organizations in your "
                               "collaboration!")
        col = state.collaborations.get(col_id)
        members = {o.id for o in col.organizations} if col else set()
        orgs = [o for o in orgs if o.id in members]
    if "study_id" in args:
        study = state.studies.get(int_arg(args["study_id"]))
        if study is None:  # the real server dereferences None here
            raise UnexpectedError()
        if not r.can_for_col(VIEW, study.collaboration.id):
            raise Unauthorized("You lack the permission to get all organizations in a study!")
        members = {o.id for o in study.organizations}
        orgs = [o for o in orgs if o.id in members]
    if "ids" in args:
        wanted = set(args.getlist("ids"))
        orgs = [o for o in orgs if str(o.id) in wanted]
    scope = GLO if r.can(VIEW, GLO) else None
    orgs = ordering.organizations(orgs, {k for k in ("ids",) if k in args}, scope,
                                  collaboration=col, study=study)
    if not r.can(VIEW, GLO):
        own = ctx.caller.organization_id
        if r.can(VIEW, COL):
            visible = {o.id for col in ctx.caller.organization.collaborations
                       for o in col.organizations} | {own}
            orgs = [o for o in orgs if o.id in visible]
        elif r.can(VIEW, ORG):
            orgs = [o for o in orgs if o.id == own]
        else:
            raise Unauthorized(NO_PERMISSION)
    return ctx.page(orgs, "Organization", ctx.ser.organization)


@routes.route("/organization", "POST", who=USER, doc=Doc(
    body=schemas.OrganizationInputSchema, ok=201, schema=ref("Organization"),
    body_overrides=PUBLIC_KEY))
def create_organization(ctx: Ctx):
    if not ctx.rules("organization").can(CREATE, GLO):
        raise Unauthorized("You lack the permissions to do that!")
    data = ctx.validated("organization", ctx.json())
    name = data.get("name")
    if ctx.state.name_taken(ctx.state.organizations, name):
        raise BadRequest(f"Organization with name '{name}' already exists!")
    public_key = decode_key(data.get("public_key", ""))
    org = ctx.state.add_organization(
        name=name, address1=data.get("address1", ""), address2=data.get("address2"),
        zipcode=data.get("zipcode", ""), country=data.get("country", ""),
        public_key=public_key, domain=data.get("domain", ""))
    return ctx.ser.organization(org), 201


def decode_key(value: str) -> bytes | None:
    # model/organization.py stores the key base64-decoded
    if not value:
        return None
    try:
        return base64.b64decode(value)
    except (binascii.Error, ValueError):
        raise UnexpectedError()


@routes.route("/organization/<int:id>", "GET", who=USER_NODE_CONTAINER, doc=Doc(
    ok=200, schema=ref("Organization")))
def get_organization(ctx: Ctx, id: int):
    org = ctx.get_or_404(ctx.state.organizations, id, f"Organization id={id} not found!")
    if not ctx.rules("organization").allowed_for_org(VIEW, id):
        raise Unauthorized("You do not have permission to do that!")
    return ctx.ser.organization(org), 200


@routes.route("/organization/<int:id>", "PATCH", who=USER_NODE, doc=Doc(
    body=schemas.OrganizationInputSchema, partial=True, ok=200, schema=ref("Organization"),
    body_overrides=PUBLIC_KEY))
def update_organization(ctx: Ctx, id: int):
    data = ctx.input("organization", partial=True)
    org = ctx.get_or_404(ctx.state.organizations, id, f"Organization with id={id} not found")
    if not ctx.rules("organization").allowed_for_org(EDIT, id):
        raise Unauthorized(NO_PERMISSION)
    name = data.get("name")
    if name and org.name != name and ctx.state.name_taken(ctx.state.organizations, name):
        raise BadRequest(f"Organization with name '{name}' already exists!")
    if data.get("public_key") is not None and ctx.caller.organization_id != id:
        raise Unauthorized("Only members of an organization can update its public key!")
    if name:
        org.name = name
    for field in ["address1", "address2", "zipcode", "country", "domain"]:
        if data.get(field) is not None:
            setattr(org, field, data[field])
    if data.get("public_key") is not None:
        org.public_key = decode_key(data["public_key"])
    return ctx.ser.organization(org), 200


@routes.route("/organization/<int:id>", "DELETE", who=USER, doc=Doc(
    query=[q("delete_dependents", BOOL)], ok=200))
def delete_organization(ctx: Ctx, id: int):
    if not ctx.rules("organization").can(DELETE, GLO):
        raise Unauthorized(NO_PERMISSION)
    org = ctx.get_or_404(ctx.state.organizations, id, f"Organization with id={id} not found")
    if ctx.caller.organization_id == id:
        raise BadRequest("You cannot delete your own organization!")
    if org.runs or org.tasks or org.nodes or org.users or org.roles:
        if not ctx.args.get("delete_dependents", False):
            raise BadRequest(
                f"Organization has dependents: {len(org.runs)} runs, {len(org.tasks)} tasks, "
                f"{len(org.nodes)} nodes, {len(org.users)} users, and {len(org.roles)} roles. "
                "Please specify 'delete_dependents=true' to delete them.")
    ctx.state.delete_organization(org)
    return {"msg": f"Organization id={id} was removed from the database"}, 200

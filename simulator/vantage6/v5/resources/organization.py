"""/organization of HQ 5.0.3 (hq/resource/organization.py).

Reads, PATCH and DELETE are 4.15.2's logic (the 4.x handlers, reading the body as 5.x does);
POST fills every omitted address field with "". Deleting an organization with its dependents
removes its users and nodes from HQ only: their Keycloak accounts stay (HQ makes no Keycloak
call there).
"""
from __future__ import annotations

from simulator.vantage6.errors import BadRequest, Unauthorized
from simulator.vantage6.permissions import CREATE, GLO
from simulator.vantage6.resources import organization as organization4
from simulator.vantage6.routing import USER, USER_NODE, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.v5.context import V5Ctx

routes = RouteTable()

routes.reuse([
    ("/organization", "GET", organization4.list_organizations, USER_NODE_CONTAINER),
    ("/organization/<int:id>", "GET", organization4.get_organization, USER_NODE_CONTAINER),
    ("/organization/<int:id>", "PATCH", organization4.update_organization, USER_NODE),
    ("/organization/<int:id>", "DELETE", organization4.delete_organization, USER),
])


@routes.route("/organization", "POST", who=USER)
def create_organization(ctx: V5Ctx):
    if not ctx.rules("organization").can(CREATE, GLO):
        raise Unauthorized("You lack the permissions to do that!")
    data = ctx.load("organization")
    name = data["name"]
    if ctx.state.name_taken(ctx.state.organizations, name):
        raise BadRequest(f"Organization with name '{name}' already exists!")
    fields = {f: data.get(f, "") for f in ("address1", "address2", "zipcode", "country",
                                           "domain")}
    org = ctx.state.add_organization(
        name=name, public_key=organization4.decode_key(data.get("public_key", "")), **fields)
    return ctx.ser.organization(org), 201

"""The 3.x routes other than tasks and results: tokens (unchanged since 3.x), version and health,
and the reads of organizations, collaborations, nodes and users, served by the 4.x handlers
through ``V3Ctx`` (3.x shapes, 3.x pages). Real 3.11.1 routes the profile does not serve answer
a JSON 501 that says so."""
from __future__ import annotations

from simulator.vantage6.errors import NO_PERMISSION, Unauthorized
from simulator.vantage6.permissions import VIEW
from simulator.vantage6.resources.misc import not_served
from simulator.vantage6.resources import (
    collaboration as collaboration4,
    node as node4,
    organization as organization4,
    task as task4,
    user as user4,
)
from simulator.vantage6.routing import (
    USER,
    USER_CONTAINER,
    USER_NODE,
    USER_NODE_CONTAINER,
    RouteTable,
)
from simulator.vantage6.v3.context import V3Ctx

VERSION = "3.11.1"
routes = RouteTable()


@routes.route("/version", "GET", who=None)
def version(ctx: V3Ctx):
    return {"version": VERSION}, 200


@routes.route("/health", "GET", who=None)
def health(ctx: V3Ctx):
    return {"database": True}, 200


@routes.route("/collaboration/<int:id>/organization", "GET", who=USER_NODE_CONTAINER)
def collaboration_organizations(ctx: V3Ctx, id: int):
    """A plain list of the collaboration's organizations (what ``ContainerClient`` asks)."""
    col = ctx.get_or_404(ctx.state.collaborations, id, f"collaboration having collaboration_id="
                                                       f"{id} can not be found")
    if not ctx.rules("organization").allowed_for_org_in_col(VIEW, ctx.caller.organization_id, id) \
            and ctx.caller.kind != "container":
        raise Unauthorized(NO_PERMISSION)
    return [ctx.ser.organization(o) for o in col.organizations], 200


@routes.route("/collaboration/<int:id>/node", "GET", who=USER_NODE)
def collaboration_nodes(ctx: V3Ctx, id: int):
    col = ctx.get_or_404(ctx.state.collaborations, id, f"collaboration having collaboration_id="
                                                       f"{id} can not be found")
    return [ctx.ser.node(n) for n in col.nodes], 200


# the 4.x handlers whose checks 3.x shares; V3Ctx gives them the 3.x shapes and pages
for _path, _method, _handler, _who in [
    ("/organization", "GET", organization4.list_organizations, USER_NODE_CONTAINER),
    ("/organization/<int:id>", "GET", organization4.get_organization, USER_NODE_CONTAINER),
    ("/collaboration", "GET", collaboration4.list_collaborations, USER_NODE_CONTAINER),
    ("/collaboration/<int:id>", "GET", collaboration4.get_collaboration, USER_NODE_CONTAINER),
    ("/node", "GET", node4.list_nodes, USER_NODE),
    ("/node/<int:id>", "GET", node4.get_node, USER_NODE),
    ("/user", "GET", user4.list_users, USER),
    ("/user/<int:id>", "GET", user4.get_user, USER),
    ("/kill/task", "POST", task4.kill_task, USER),
]:
    routes.route(_path, _method, who=_who)(_handler)


# Real 3.11.1 routes outside the profile so far (COVERAGE.md, "3.x profile")
for _path, _methods, _who in [
    ("/organization", ("POST",), USER),
    ("/organization/<int:id>", ("PATCH",), USER_NODE),
    ("/collaboration", ("POST",), USER),
    ("/collaboration/<int:id>", ("PATCH", "DELETE"), USER),
    ("/collaboration/<int:id>/organization", ("POST", "DELETE"), USER),
    ("/collaboration/<int:id>/node", ("POST", "DELETE"), USER),
    ("/node", ("POST",), USER),
    ("/node/<int:id>", ("PATCH", "DELETE"), USER),
    ("/user", ("POST",), USER),
    ("/user/<int:id>", ("PATCH", "DELETE"), USER),
    ("/result/<int:id>", ("PATCH",), USER_NODE_CONTAINER),
    ("/role", ("GET", "POST"), USER),
    ("/role/<int:id>", ("GET", "PATCH", "DELETE"), USER),
    ("/role/<int:id>/rule", ("GET",), USER),
    ("/role/<int:id>/rule/<int:rule_id>", ("POST", "DELETE"), USER),
    ("/rule", ("GET",), USER_NODE),
    ("/rule/<int:id>", ("GET",), USER_NODE),
    ("/user/<int:id>/rule", ("GET",), USER),
    ("/port", ("GET", "POST", "DELETE"), USER_NODE_CONTAINER),
    ("/port/<int:id>", ("GET",), USER_NODE_CONTAINER),
    ("/vpn", ("GET",), USER_NODE),
    ("/vpn/update", ("POST",), USER_NODE),
    ("/vpn/algorithm/addresses", ("GET",), USER_CONTAINER),
    ("/kill/node/tasks", ("POST",), USER),
    ("/password/change", ("PATCH",), USER),
    ("/recover/lost", ("POST",), None),
    ("/recover/reset", ("POST",), None),
    ("/recover/2fa/lost", ("POST",), None),
    ("/recover/2fa/reset", ("POST",), None),
    ("/recover/node", ("POST",), USER),
    ("/stats", ("GET",), USER),
    ("/event", ("GET",), USER),
]:
    for _m in _methods:
        not_served(routes, _path, _m, _who, note=" (vantage6 3.x profile)")

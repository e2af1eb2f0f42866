"""Organizations, collaborations, nodes, users, roles, rules and studies of HQ 5.0.3, and the new
``/user/me`` and ``/node/me``.

Reads go through the 4.x handlers, whose checks 5.0.3 shares (hq/resource/*.py differ from 4.15.2
only mechanically there), with ``V5Ctx`` giving them the 5.x shapes and 5.x's stricter id
handling. Writes are the 5.x ones (``admin_writes``)."""
from __future__ import annotations

from simulator.vantage6.resources import (
    collaboration as collaboration4,
    node as node4,
    organization as organization4,
    role as role4,
    study as study4,
    user as user4,
)
from simulator.vantage6.routing import NODE, USER, USER_NODE, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.v5.context import V5Ctx

routes = RouteTable()


@routes.route("/user/me", "GET", who=USER)
def current_user(ctx: V5Ctx):
    """Always allowed; any non-empty ``include_permissions`` adds the permissions."""
    return ctx.ser.user(ctx.user, with_permissions=bool(ctx.args.get("include_permissions"))), 200


@routes.route("/node/me", "GET", who=NODE)
def current_node(ctx: V5Ctx):
    return ctx.ser.node(ctx.caller.node), 200


for _path, _method, _handler, _who in [
    ("/organization", "GET", organization4.list_organizations, USER_NODE_CONTAINER),
    ("/organization/<int:id>", "GET", organization4.get_organization, USER_NODE_CONTAINER),
    ("/collaboration", "GET", collaboration4.list_collaborations, USER_NODE),
    ("/collaboration/<int:id>", "GET", collaboration4.get_collaboration, USER_NODE_CONTAINER),
    ("/node", "GET", node4.list_nodes, USER_NODE),
    ("/node/<int:id>", "GET", node4.get_node, USER_NODE),
    ("/user", "GET", user4.list_users, USER),
    ("/user/<int:id>", "GET", user4.get_user, USER),
    ("/role", "GET", role4.list_roles, USER),
    ("/role/<int:id>", "GET", role4.get_role, USER),
    ("/rule", "GET", role4.list_rules, USER),
    ("/rule/<int:id>", "GET", role4.get_rule, USER),
    ("/study", "GET", study4.list_studies, USER_NODE),
    ("/study/<int:id>", "GET", study4.get_study, USER_NODE_CONTAINER),
]:
    routes.route(_path, _method, who=_who)(_handler)

from simulator.vantage6.v5.resources import admin_writes  # noqa: E402,F401  (registers on routes)

"""/collaboration and its /organization and /node sub-routes of HQ 5.0.3
(hq/resource/collaboration.py).

What 5.0.3 changed from 4.15.2: ``session_restrict_to_same_image`` (set at creation only; PATCH
accepts it and ignores it), the capitalised 404 of GET by id, the sessions in the delete
message (and deleted with the collaboration), and bodies loaded by marshmallow (so ``encrypted``
is a real boolean). The sub-routes are 4.15.2's logic. Deleting a collaboration's nodes leaves
their Keycloak clients in the realm, as HQ does.
"""
from __future__ import annotations

from simulator.vantage6.errors import NO_PERMISSION, BadRequest, Unauthorized
from simulator.vantage6.permissions import CREATE, GLO
from simulator.vantage6.resources import collaboration as collaboration4
from simulator.vantage6.routing import USER, USER_NODE, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.v5.context import V5Ctx

routes = RouteTable()

routes.reuse([
    ("/collaboration/<int:id>/organization", "POST", collaboration4.add_organization, USER),
    ("/collaboration/<int:id>/organization", "DELETE", collaboration4.remove_organization, USER),
    ("/collaboration/<int:id>/node", "POST", collaboration4.add_node, USER),
    # a plain request.get_json() there: no JSON body is Flask's 415
    ("/collaboration/<int:id>/node", "DELETE", collaboration4.remove_node, USER),
    ("/collaboration", "GET", collaboration4.list_collaborations, USER_NODE),
    # session_restrict_to_same_image is accepted there and ignored, as on HQ
    ("/collaboration/<int:id>", "PATCH", collaboration4.update_collaboration, USER),
])


@routes.route("/collaboration/<int:id>", "GET", who=USER_NODE_CONTAINER)
def get_collaboration(ctx: V5Ctx, id: int):
    col = ctx.get_or_404(ctx.state.collaborations, id, f"Collaboration with id={id} not found")
    return collaboration4.show_collaboration(ctx, col)


@routes.route("/collaboration", "POST", who=USER)
def create_collaboration(ctx: V5Ctx):
    data = ctx.load("collaboration")
    state, name = ctx.state, data["name"]
    if state.name_taken(state.collaborations, name):  # before the permission check, as on HQ
        raise BadRequest(f"Collaboration name '{name}' already exists!")
    if not ctx.rules("collaboration").can(CREATE, GLO):
        raise Unauthorized(NO_PERMISSION)
    col = state.add_collaboration(name, collaboration4.existing(state.organizations,
                                                                 data["organization_ids"]),
                                  encrypted=data["encrypted"] == 1)
    col.session_restrict_to_same_image = data["session_restrict_to_same_image"] == 1
    return ctx.ser.collaboration(col), 200  # 200, not 201, as on HQ


@routes.route("/collaboration/<int:id>", "DELETE", who=USER)
def delete_collaboration(ctx: V5Ctx, id: int):
    col = collaboration4.deletable_collaboration(ctx, id)
    if col.tasks or col.nodes or col.studies:
        if not ctx.args.get("delete_dependents"):  # any value is truthy, "0" too
            sessions = sum(s.collaboration is col for s in ctx.state.sessions.values())
            raise BadRequest(
                f"Collaboration id={id} has {len(col.tasks)} tasks, {len(col.nodes)} nodes, "
                f"{sessions} sessions, and {len(col.studies)} studies. Please delete them "
                "separately or set delete_dependents=True")
        ctx.state.delete_collaboration(col)
    else:
        # sessions alone are no dependents: HQ then fails on their NOT NULL key (a 500)
        ctx.state.unlink_collaboration(col)
    return {"msg": f"Collaboration id={id} successfully deleted"}, 200

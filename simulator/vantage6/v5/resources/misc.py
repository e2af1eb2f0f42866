"""/version, /health, /blobstream/status and the HQ 5.0.3 routes the simulator does not serve."""
from __future__ import annotations

from simulator.vantage6.resources.misc import not_served
from simulator.vantage6.routing import USER, USER_NODE, USER_NODE_CONTAINER, RouteTable
from simulator.vantage6.v5.context import V5Ctx

routes = RouteTable()


@routes.route("/version", "GET", who=None)
def version(ctx: V5Ctx):
    return {"version": ctx.server.profile.version}, 200


@routes.route("/health", "GET", who=None)
def health(ctx: V5Ctx):
    return {"api": True, "database": True}, 200


@routes.route("/blobstream/status", "GET", who=USER_NODE_CONTAINER)
def blobstream_status(ctx: V5Ctx):
    return {"blob_store_enabled": False}, 200


# Real 5.0.3 routes outside the simulator's scope so far: a JSON 501 that says so (COVERAGE.md)
for _path, _methods, _who in [
    ("/blobstream", ("POST",), USER_NODE_CONTAINER),
    ("/blobstream/<string:id>", ("GET",), USER_NODE_CONTAINER),
    ("/algorithmstore", ("GET", "POST"), USER),
    ("/algorithmstore/<int:id>", ("GET", "PATCH", "DELETE"), USER_NODE),
]:
    for _method in _methods:
        not_served(routes, _path, _method, _who, note=" (vantage6 5.x profile)")

"""/version, /health, /blobstream/status and the real routes the simulator does not serve."""
from __future__ import annotations

from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import NotImplementedInSimulator
from simulator.vantage6.routing import USER, USER_NODE, USER_NODE_CONTAINER, RouteTable

routes = RouteTable()


@routes.route("/version", "GET", who=None)
def version(ctx: Ctx):
    from simulator.vantage6.server import VERSION

    return {"version": VERSION}, 200


@routes.route("/health", "GET", who=None)
def health(ctx: Ctx):
    return {"database": True}, 200


@routes.route("/blobstream/status", "GET", who=USER_NODE_CONTAINER)
def blobstream_status(ctx: Ctx):
    return {"blob_store_enabled": False}, 200


def _not_served(path: str, method: str, who) -> None:
    def handler(ctx: Ctx, **_):
        raise NotImplementedInSimulator(f"{method} /api{path}")

    routes.route(path, method, who=who)(handler)


# Real 4.15.2 routes outside the simulator's scope so far: they answer a JSON 501 that says so.
for _path, _methods, _who in [
    ("/blobstream", ("POST",), USER_NODE_CONTAINER),
    ("/blobstream/<string:id>", ("GET",), USER_NODE_CONTAINER),
    ("/algorithmstore", ("GET", "POST"), USER),
    ("/algorithmstore/<int:id>", ("GET", "PATCH", "DELETE"), USER_NODE),
    ("/vpn", ("GET",), ("node",)),
    ("/vpn/update", ("POST",), ("node",)),
    ("/vpn/algorithm/addresses", ("GET",), ("container",)),
    ("/port", ("POST", "DELETE"), ("node",)),
    ("/recover/lost", ("POST",), None),
    ("/recover/reset", ("POST",), None),
    ("/recover/2fa/lost", ("POST",), None),
    ("/recover/2fa/reset", ("POST",), None),
    ("/column", ("POST",), USER),
    ("/session", ("GET", "POST"), USER),
]:
    for _method in _methods:
        _not_served(_path, _method, _who)

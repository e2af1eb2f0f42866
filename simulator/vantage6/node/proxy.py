"""The node proxy algorithms talk to (vantage6-node 4.15.2, node/proxy_server.py), served by the
vantage6 platform at ``/_simulator/nodes/<node id>/proxy`` so that the real ``AlgorithmClient``
reaches it in process and in server mode alike.

What an algorithm sees differs from the server in ways that matter, and is reproduced:
  - every upstream answer above 210 is retried (3 attempts in all), then replaced by
    500 ``{"msg": "Request failed, see node logs"}``: algorithms never see the server's message;
  - ``POST /task`` without ``organizations`` is refused by the proxy itself (400);
  - ``GET /result`` needs ``task_id`` (400 otherwise) and answers without the list headers;
  - ``GET /result/<id>`` fails with Flask's HTML 500 page (its handler's parameter is misnamed).
What a real node writes in its own log when it gives up (the server's answer) goes to the event
trace as ``node_proxy_failed``, for tests to show next to the run's log.
Collaborations are not encrypted in the simulator, so inputs and results pass through unchanged.
"""
from __future__ import annotations

import functools
import json
import re
from typing import TYPE_CHECKING, Any, Container, Optional, Protocol

import jwt

from simulator.core.http import ConnectionDropped, Request, Response

if TYPE_CHECKING:
    from simulator.core.events import EventTrace
    from simulator.vantage6.server import Vantage6Server

PREFIX = "/_simulator/nodes"
RETRY = 3
_PATH = re.compile(r"^/_simulator/nodes/(\d+)/proxy(/.*)?$")
_FAILED = {"msg": "Request failed, see node logs"}
FLASK_500_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>500 Internal Server Error</title>\n"
    "<h1>Internal Server Error</h1>\n<p>The server encountered an internal error and was unable "
    "to complete your request. Either the server is overloaded or there is an error in the "
    "application.</p>\n")
FLASK_404_HTML = (
    "<!doctype html>\n<html lang=en>\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n"
    "<p>The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.</p>\n")


def proxy_path(node_id: int) -> str:
    return f"{PREFIX}/{node_id}/proxy"


class RequestFaults(Protocol):
    def before_request(self, request: Request) -> Optional[Response]: ...


class ProxyHost(Protocol):
    """What the proxy needs from its platform (``Vantage6Platform``)."""

    server: "Vantage6Server"
    fleet: Container[int]  # the ids of the simulated nodes
    faults: RequestFaults  # injected on the network: they reach the proxy's own calls too
    events: "EventTrace"


class NodeProxy:
    def __init__(self, host: ProxyHost) -> None:
        self.host = host

    def handle(self, request: Request) -> Response:
        match = _PATH.match(request.path)
        if match is None or int(match.group(1)) not in self.host.fleet:
            return Response(404, FLASK_404_HTML.encode(), [("Content-Type", "text/html; charset=utf-8")])
        node_id, path = int(match.group(1)), match.group(2) or "/"
        method = request.method
        foreign = _foreign_container(request, node_id)
        if foreign is not None:
            self.host.events.emit("node_proxy_refused", {
                "node_id": node_id, "method": method, "path": path,
                "reason": f"a container token of node {foreign} (its containers reach only "
                          "their own node's proxy)"})
            return Response.json(_FAILED, 500)
        if path == "/task" and method == "POST":
            return self._task(request, node_id)
        if path == "/result" and method == "GET":
            return self._results(request, node_id)
        if re.fullmatch(r"/result/\d+", path) and method == "GET":
            return Response(500, FLASK_500_HTML.encode(),
                            [("Content-Type", "text/html; charset=utf-8")])
        if path == "/" or method not in ("GET", "POST", "PATCH", "PUT", "DELETE"):
            return Response(404 if path == "/" else 405, FLASK_404_HTML.encode(),
                            [("Content-Type", "text/html; charset=utf-8")])
        upstream = self._forward(request, path, node_id)
        if upstream is None:
            return Response.json(_FAILED, 500)
        return upstream

    # ------------------------------------------------------------------ special routes
    def _task(self, request: Request, node_id: int) -> Response:
        data = request.json_or_none()
        if not isinstance(data, dict) or not data.get("organizations"):
            return Response.json({"msg": "Organizations missing from input"}, 400)
        upstream = self._forward(request, "/task", node_id)
        if upstream is None:
            return Response.json(_FAILED, 500)
        return Response(upstream.status, upstream.body, [("Content-Type", "application/json")])

    def _results(self, request: Request, node_id: int) -> Response:
        if "task_id" not in request.args:
            return Response.json({"msg": "No task id found in request from algorithm..."}, 400)
        upstream = self._forward(request, "/result", node_id)
        if upstream is None:
            return Response.json(_FAILED, 500)
        # re-serialized by Flask: the body only, without the list headers
        return Response.json(upstream.get_json(), upstream.status)

    # ------------------------------------------------------------------ forwarding
    def _forward(self, request: Request, path: str, node_id: int) -> Optional[Response]:
        """``make_request``: the same call up to RETRY times while the server answers > 210."""
        headers = {}
        if "Authorization" in request.headers:
            headers["Authorization"] = request.headers["Authorization"]
        body = b""
        payload = request.json_or_none()
        if payload is not None:  # requests sends json=None as no body at all
            headers["Content-Type"] = "application/json"
            body = json.dumps(payload).encode()
        upstream_request = Request.build(
            request.method, self.host.server.api_path + path, request.query_string,
            headers, body)
        response = None
        for _ in range(RETRY):
            try:  # faults injected on the network reach the proxy's own calls too
                response = (self.host.faults.before_request(upstream_request)
                            or self.host.server.handle(upstream_request))
            except ConnectionDropped:
                continue  # the real proxy waits a second here; the simulator does not
            if response.status <= 210:
                return response
        self.host.events.emit("node_proxy_failed", {
            "node_id": node_id, "task_id": _container(request).get("task_id"),
            "method": request.method, "path": path,
            "status": response.status if response is not None else None,
            "body": _json_or_text(response) if response is not None else "connection dropped"})
        return None


def _foreign_container(request: Request, node_id: int) -> Optional[int]:
    """The node whose container token this is, when it is not this proxy's node. A real
    container's network reaches its own node's proxy only; here every node's proxy shares one
    address, so a token taken from another node's run is refused by name."""
    owner = _container(request).get("node_id")
    return owner if isinstance(owner, int) and owner != node_id else None


def _container(request: Request) -> dict:
    """The container token's ``sub`` (node, organization, task...); {} for any other caller."""
    auth = request.headers.get("Authorization", "")
    return _container_identity(auth[7:]) if auth.startswith("Bearer ") else {}


@functools.lru_cache(maxsize=1024)  # a run presents its one token on every call
def _container_identity(token: str) -> dict:
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return {}  # the server will say what is wrong with it
    sub = claims.get("sub")
    return sub if isinstance(sub, dict) else {}


def _json_or_text(response: Response) -> Any:
    try:
        return response.get_json()
    except ValueError:
        return response.body.decode("utf-8", "replace")

"""The simulated vantage6 server: one State behind one lock, the real REST contract under ``/api``.

``handle(request)`` is the single entry point every transport calls. It reproduces the real stack's
layers in order: URL routing (werkzeug, as Flask), JWT checks (flask-jwt-extended's messages and
codes), the ``only_for`` client-type guard, then the resource handler; any unexpected exception
becomes the real server's generic 500.
"""
from __future__ import annotations

import logging
import threading
import uuid
from typing import Any, Optional

from werkzeug.exceptions import MethodNotAllowed, NotFound as RouteNotFound
from werkzeug.routing import Map, Rule as UrlRule

from simulator.core.clock import Clock
from simulator.core.events import EventTrace
from simulator.core.http import HttpError, Request, Response
from simulator.vantage6.context import Ctx
from simulator.vantage6.errors import UnexpectedError, V6Error
from simulator.vantage6.permissions import CONTAINER_ROLE, NODE_ROLE, Caller
from simulator.vantage6.routing import Endpoint
from simulator.vantage6.serialize import Serializer
from simulator.vantage6.state import State
from simulator.vantage6.tokens import TokenService

log = logging.getLogger(__name__)
VERSION = "4.15.2"


def _all_route_tables():
    from simulator.vantage6.resources import ROUTE_TABLES

    return ROUTE_TABLES


class Vantage6Server:
    def __init__(self, clock: Optional[Clock] = None, api_path: str = "/api",
                 jwt_secret: Optional[str] = None, root_password: Optional[str] = "root",
                 config: Optional[dict] = None, events: Optional[EventTrace] = None) -> None:
        self.clock = clock or Clock()
        self.events = events or EventTrace(self.clock)
        self.api_path = api_path.rstrip("/")
        self.config = dict(config or {})
        self.lock = threading.RLock()
        self.state = State(self.clock)
        self.tokens = TokenService(jwt_secret or str(uuid.uuid4()), self.clock)
        self.serializer = Serializer(self.api_path)
        self.node_setups: dict = {}  # node id -> NodeSetup (api key, databases) from a scenario
        self.algorithms: dict[str, str] = {}  # image -> importable module
        if root_password is not None:
            self.state.bootstrap_root(root_password)
        self._endpoints: dict[tuple[str, str], Endpoint] = {}
        rules = {}
        for table in _all_route_tables():
            for ep in table.endpoints:
                path = self.api_path + ep.path
                self._endpoints[(path, ep.method)] = ep
                rules.setdefault(path, set()).add(ep.method)
        self._url_map = Map([UrlRule(p, endpoint=p, methods=sorted(m)) for p, m in rules.items()],
                            strict_slashes=False)
        self._urls = self._url_map.bind("simulator")

    # ------------------------------------------------------------------ entry point
    def handle(self, request: Request) -> Response:
        try:
            with self.lock:
                return self._dispatch(request)
        except HttpError as exc:
            return Response.json(exc.body, exc.status, exc.headers)
        except V6Error as exc:
            return Response.json(exc.body(), exc.status)
        except Exception:  # the real server's errorhandler(Exception)
            log.exception("unexpected error answering %s %s", request.method, request.path)
            return Response.json(UnexpectedError().body(), 500)

    def _dispatch(self, request: Request) -> Response:
        try:
            path, params = self._urls.match(request.path, request.method)
        except RouteNotFound:
            # The real server answers Werkzeug's HTML page here; the simulator keeps every body JSON.
            raise HttpError(404, {"msg": f"The requested URL {request.path} was not found on the "
                                         "server (no such vantage6 endpoint)."})
        except MethodNotAllowed as exc:
            allow = ", ".join(sorted(set(exc.valid_methods or []) | {"HEAD", "OPTIONS"}))
            raise HttpError(405, {"message": "The method is not allowed for the requested URL."},
                            {"Allow": allow})
        method = "GET" if request.method == "HEAD" else request.method
        endpoint = self._endpoints[(path, method)]
        caller = self._authenticate(request, endpoint)
        result = endpoint.handler(Ctx(self, request, caller), **params)
        body, status, *headers = result
        return Response.json(body, status, headers[0] if headers else None)

    # ------------------------------------------------------------------ identity
    def _authenticate(self, request: Request, endpoint: Endpoint) -> Optional[Caller]:
        if endpoint.who is None:
            return None
        token = self.tokens.token_from_header(request.headers.get("Authorization"))
        claims = self.tokens.decode(token, refresh=endpoint.who == "refresh")
        caller = self.caller_from_claims(claims)
        if endpoint.who == "refresh":
            return caller
        if claims.get("client_type") not in endpoint.who:
            # only_for() raises a bare Exception: the client gets the generic 500
            raise UnexpectedError()
        seen = caller.user or caller.node
        if seen is not None:
            seen.last_seen = self.clock.now()
        return caller

    def caller_from_claims(self, claims: dict) -> Caller:
        sub = claims["sub"]
        state = self.state
        if isinstance(sub, dict):
            rules = frozenset(r.key for r in state.role_by_name(CONTAINER_ROLE).rules)
            return Caller("container", rules, state.organizations.get(sub.get("organization_id")),
                          [state.collaborations.get(sub.get("collaboration_id"))], container=sub)
        auth = state.authenticatable(sub) if isinstance(sub, int) else None
        if auth is None:
            raise HttpError(401, {"msg": f"Error loading the user {sub}"})
        if auth.type == "node":
            rules = frozenset(r.key for r in state.role_by_name(NODE_ROLE).rules)
            org = auth.organization
            return Caller("node", rules, org, list(org.collaborations), node=auth)
        rules = frozenset([r.key for role in auth.roles for r in role.rules]
                          + [r.key for r in auth.rules])
        org = auth.organization
        return Caller("user", rules, org, list(org.collaborations) if org else [], user=auth)

    # ------------------------------------------------------------------ helpers for harnesses
    def token_dict(self, auth: Any) -> dict[str, Any]:
        """``_get_token_dict``: access + refresh token and the urls the clients read."""
        client_type = auth.type
        roles = [r.name for r in auth.roles] if client_type == "user" else []
        out = {"access_token": self.tokens.access_token(auth.id, client_type, roles),
               "refresh_token": self.tokens.refresh_token(auth.id, client_type, roles),
               "refresh_url": f"{self.api_path}/token/refresh"}
        out["user_url" if client_type == "user" else "node_url"] = (
            f"{self.api_path}/{client_type}/{auth.id}")
        return out

"""The simulated vantage6 server: one State behind one lock, the real REST contract under ``/api``.

``handle(request)`` is the single entry point every transport calls. It reproduces the real stack's
layers in order: URL routing (werkzeug, as Flask), JWT checks (flask-jwt-extended's messages and
codes), the ``only_for`` client-type guard, then the resource handler; any unexpected exception
becomes the real server's generic 500.
"""
from __future__ import annotations

import functools
import logging
import random
import threading
import uuid
from urllib.parse import urlsplit
from typing import Any, NamedTuple, Optional

from werkzeug.exceptions import MethodNotAllowed, NotFound as RouteNotFound
from werkzeug.datastructures import Headers
from werkzeug.routing import Map, MapAdapter, RequestRedirect, Rule as UrlRule

from simulator.core.clock import Clock
from simulator.core.events import EventTrace
from simulator.core.http import JSON_TYPE, HttpError, Request, Response
from simulator.vantage6.errors import UnexpectedError, V6Error
from simulator.vantage6.permissions import Caller
from simulator.vantage6.profiles import V4, Profile, get_profile
from simulator.vantage6.routing import Endpoint
from simulator.vantage6.runtime.algorithms import AlgorithmRegistry
from simulator.vantage6.serialize import Serializer
from simulator.vantage6.tokens import TokenService

log = logging.getLogger(__name__)
VERSION = V4.version


def _location(new_url: str, request: Request) -> str:
    """Where werkzeug's redirect points, with the query string. Relative (the real one is
    absolute), so that it works on whatever host and scheme the client used."""
    path = urlsplit(new_url).path
    return path + (f"?{request.query_string}" if request.query_string else "")


def _allow(methods) -> str:
    # werkzeug lists a rule's methods from a set; HEAD comes with GET, OPTIONS with every route
    found = set(methods or []) - {"OPTIONS"}
    if "GET" in found:
        found.add("HEAD")
    return ", ".join(sorted(found) + ["OPTIONS"])


class _Answer(NamedTuple):
    payload: Any
    status: int
    headers: Optional[dict] = None


_MATCHES_KEPT = 4096


class CompiledRoutes(NamedTuple):
    """A profile's routes under an api path: ``endpoints[(path, method)]``, the URL matcher
    (``urls.match(path, method)`` gives the route's path), and the handlers' context type."""

    endpoints: dict[tuple[str, str], Endpoint]
    urls: MapAdapter
    context_type: type
    matched: dict  # (path, method) -> (route path, arguments): the same calls recur

    def match(self, path: str, method: str) -> tuple[str, dict]:
        """``urls.match``, remembered per (path, method); what fails (404, 405, a redirect) is
        worked out again each time."""
        key = (path, method)
        found = self.matched.get(key)
        if found is None:
            found = self.urls.match(path, method)
            if len(self.matched) >= _MATCHES_KEPT:
                self.matched.clear()
            self.matched[key] = found
        return found

    def served(self) -> set[tuple[str, str]]:
        """(path, method) of every route the simulator serves (not the 501s)."""
        return {key for key, endpoint in self.endpoints.items() if endpoint.served}


@functools.lru_cache(maxsize=None)
def compiled_routes(api_path: str = "/api", profile: str = "4.x") -> CompiledRoutes:
    """The endpoint table and URL matcher for an api path and profile. The routes never change,
    and compiling werkzeug's rules is most of what building a server would cost, so every server
    on the same api path shares them (matching is read-only)."""
    endpoints: dict[tuple[str, str], Endpoint] = {}
    rules: dict[str, set] = {}
    chosen = get_profile(profile)
    for table in chosen.route_tables():
        for ep in table.endpoints:
            path = api_path + ep.path
            endpoints[(path, ep.method)] = ep
            rules.setdefault(path, set()).add(ep.method)
    # Flask's defaults: "/organization/" is another URL (404); "//" is merged by a redirect
    url_map = Map([UrlRule(p, endpoint=p, methods=sorted(m)) for p, m in rules.items()])
    return CompiledRoutes(endpoints, url_map.bind("simulator"), chosen.context_type(), {})


class Vantage6Server:
    def __init__(self, clock: Optional[Clock] = None, api_path: str = "/api",
                 jwt_secret: Optional[str] = None, root_password: Optional[str] = "root",
                 config: Optional[dict] = None, events: Optional[EventTrace] = None,
                 profile: str | Profile = "4.x", keycloak: Any = None,
                 root_username: Optional[str] = None,
                 rng: Optional[random.Random] = None,
                 root_ids: tuple[Optional[int], Optional[int]] = (None, None)) -> None:
        """``keycloak`` is the realm a 5.x HQ trusts (its accounts and signing key).
        ``root_ids`` (organization id, user id) place the root organization and user elsewhere
        than at 1 (a scenario's ``root: {organization_id, user_id}``)."""
        self.profile: Profile = get_profile(profile)
        self.keycloak = keycloak
        self.rng = rng or random.Random()  # names HQ makes up (sessions, dataframes)
        self.clock = clock or Clock()
        self.events = events or EventTrace(self.clock)
        self.api_path = api_path.rstrip("/")
        self.config = dict(config or {})
        self.lock = threading.RLock()
        self.state = self.profile.make_state(self.clock)
        self.tokens = TokenService(jwt_secret or str(uuid.uuid4()), self.clock)
        self.identity = self.profile.make_identity(self)
        self.serializer = Serializer(self.api_path)  # the node API's shapes, in every profile
        # the shapes of the profile's client routes (the 4.x profile's are the same)
        self.client_serializer = (self.serializer if self.profile is V4
                                  else self.profile.client_serializer(self.api_path))
        self.scenario_passwords: dict[str, str] = {}  # username -> password (5.x: Keycloak's)
        self.node_setups: dict = {}  # node id -> NodeSetup (api key, databases) from a scenario
        self.algorithms = AlgorithmRegistry()  # image -> importable module (scenario "algorithms")
        self.root_ids = root_ids
        if root_password is not None:
            self.profile.bootstrap(self, root_username, root_password)
        self._routes = compiled_routes(self.api_path, self.profile.name)
        # the simulated nodes speak their own version's node API (3.x nodes: the 4.x one)
        self._node_routes = compiled_routes(self.api_path, self.profile.node_profile)

    # ------------------------------------------------------------------ entry point
    def handle(self, request: Request) -> Response:
        """A client's request, answered in the network's profile (4.x or 3.x)."""
        return self._handle(request, self._routes)

    def node_api(self, request: Request) -> Response:
        """A simulated node's own request (login, its runs, container tokens, PATCH /run): the
        4.x node API in every profile; clients never reach it this way."""
        return self._handle(request, self._node_routes)

    def node_call(self, method: str, path: str, body: Any = None, query: str = "",
                  token: Optional[str] = None) -> tuple[int, Any]:
        """``node_api`` without the wire: the same routing, token check and handler, but the
        body goes in and the answer comes out as Python values, since both sides are in this
        process and would only serialise what the other parses again. (status, body)."""
        headers = Headers()
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if body is not None:
            headers["Content-Type"] = JSON_TYPE
        answer = self._answer(Request(method, self.api_path + path, query, headers,
                                      parsed_json=body), self._node_routes)
        if isinstance(answer, Response):
            return answer.status, answer.get_json()
        return answer.status, answer.payload

    def _handle(self, request: Request, routes: CompiledRoutes) -> Response:
        answer = self._answer(request, routes)
        if isinstance(answer, Response):
            return answer
        return Response.json(answer.payload, answer.status, answer.headers)

    def _answer(self, request: Request, routes: CompiledRoutes) -> "_Answer | Response":
        try:
            with self.lock:
                return self._dispatch(request, routes)
        except HttpError as exc:
            return _Answer(exc.body, exc.status, exc.headers)
        except UnexpectedError:
            return _Answer({"msg": self.profile.unexpected_message}, 500)
        except V6Error as exc:
            return _Answer(exc.body(), exc.status)
        except Exception:  # the real server's errorhandler(Exception)
            log.exception("unexpected error answering %s %s", request.method, request.path)
            return _Answer({"msg": self.profile.unexpected_message}, 500)

    def _dispatch(self, request: Request, routes: CompiledRoutes) -> "_Answer | Response":
        try:
            path, params = routes.match(request.path, request.method)
        except RouteNotFound:
            # The real server answers Werkzeug's HTML page here; the simulator keeps every body JSON.
            raise HttpError(404, {"msg": f"The requested URL {request.path} was not found on the "
                                         "server (no such vantage6 endpoint)."})
        except RequestRedirect as exc:
            raise HttpError(308, {"message": "Redirecting to the canonical URL."},
                            {"Location": _location(exc.new_url, request)})
        except MethodNotAllowed as exc:
            allow = _allow(exc.valid_methods)
            if request.method == "OPTIONS":  # Flask's automatic answer: no handler, no token
                return Response(200, b"", [("Content-Type", "text/html; charset=utf-8"),
                                           ("Allow", allow)])
            raise HttpError(405, {"message": "The method is not allowed for the requested URL."},
                            {"Allow": allow})
        method = "GET" if request.method == "HEAD" else request.method
        endpoint = routes.endpoints[(path, method)]
        caller = self.identity.caller(request, endpoint)
        result = endpoint.handler(routes.context_type(self, request, caller), **params)
        body, status, *headers = result
        return _Answer(body, status, headers[0] if headers else None)

    # ------------------------------------------------------------------ identity
    def caller_from_claims(self, claims: dict) -> Caller:
        """The caller a decoded 4.x token stands for (used by harnesses and the socket layer)."""
        return self.identity.caller_from_claims(claims)

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

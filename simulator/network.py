"""A Network: one simulated world (a vantage6 server with its organizations and nodes, the AI4EOSC
Platform API under ``/papi``, later also ST4SD) with its own clock, event trace and state. Two
networks never share state.

Ways in, all ending in ``network.handle(request)``:
  - ``with network.intercept():`` answers ``requests`` and ``httpx`` calls to ``network.url``
    in process, without sockets;
  - ``network.serve()`` runs a threaded HTTP server on loopback over the same state.
"""
from __future__ import annotations

import random
from pathlib import Path
from typing import Any, Optional

from simulator.core.clock import Clock
from simulator.core.events import EventTrace
from simulator.core.http import Handler, HttpError, Request, Response
from simulator.papi import PREFIX as PAPI_PREFIX, PapiPlatform
from simulator.scenario import Scenario
from simulator.transports.interception import Interception
from simulator.transports.server import ServerMode
from simulator.vantage6 import scenario as v6_scenario
from simulator.vantage6.server import Vantage6Server

# A reserved testing name (RFC 6761) on vantage6's usual port: nothing real ever answers here, so a
# client that forgot to activate interception fails instead of reaching a real server.
DEFAULT_URL = "http://vantage6.test:7601"


class Network:
    def __init__(self, scenario: Scenario | dict | str | Path | None = None, *,
                 url: str = DEFAULT_URL, api_path: str = "/api", clock: Optional[Clock] = None,
                 seed: Optional[int] = None, jwt_secret: Optional[str] = None,
                 server_config: Optional[dict] = None) -> None:
        self.url = url.rstrip("/")
        self.clock = clock or Clock()
        self.events = EventTrace(self.clock)
        self.rng = random.Random(seed)
        self.scenario = _as_scenario(scenario)
        config = dict(self.scenario.data.get("server") or {}) if self.scenario else {}
        config.update(server_config or {})
        root = (self.scenario.data.get("root") or {}) if self.scenario else {}
        self.vantage6 = Vantage6Server(
            clock=self.clock, api_path=api_path, events=self.events, config=config,
            jwt_secret=jwt_secret or "%032x" % self.rng.getrandbits(128),
            root_password=root.get("password", "root"))
        if self.scenario is not None:
            v6_scenario.build(self.vantage6, self.scenario, self.rng)
        # path prefix -> the platform that serves it; each platform sees the request's full path
        self._mounts: list[tuple[str, Handler]] = []
        self.mount(self.vantage6.api_path, self.vantage6.handle)
        self.papi = PapiPlatform(clock=self.clock, url=self.url, events=self.events,
                                 scenario=self.scenario,
                                 rng=random.Random(self.rng.getrandbits(64)))
        self.mount(PAPI_PREFIX, self.papi.handle)

    @classmethod
    def from_scenario(cls, path: str | Path, **kwargs: Any) -> "Network":
        return cls(Scenario.load(path), **kwargs)

    # ------------------------------------------------------------------ ways in
    @property
    def api_url(self) -> str:
        return self.url + self.vantage6.api_path

    @property
    def papi_url(self) -> str:
        """The AI4EOSC Platform API's base URL in process: ``http://vantage6.test:7601/papi``."""
        return self.url + PAPI_PREFIX

    def mount(self, prefix: str, handler: Handler) -> None:
        """Serve every path under ``prefix`` (e.g. ``/rs``, ``/papi``) with a platform's handler."""
        self._mounts.append((prefix.rstrip("/"), handler))
        self._mounts.sort(key=lambda m: len(m[0]), reverse=True)  # the longest prefix wins

    def handle(self, request: Request) -> Response:
        path = request.path
        for prefix, handler in self._mounts:
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                return handler(request)
        return Response.json({"msg": f"The requested URL {path} was not found on the "
                                     "server (no simulated platform serves it)."}, 404)

    def intercept(self) -> Interception:
        """Context manager / decorator: answer requests and httpx calls to ``self.url``."""
        return Interception(self)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> ServerMode:
        """Start server mode on loopback; the returned handle has ``.url`` and ``.stop()``."""
        return ServerMode(self.handle, host, port).start()

    # ------------------------------------------------------------------ conveniences
    def request(self, method: str, path: str, *, json: Any = None, token: Optional[str] = None,
                params: Optional[dict] = None) -> Response:
        """Call the API directly (no transport), e.g. ``net.request("GET", "/api/version")``."""
        import json as _json
        from urllib.parse import urlencode

        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = b""
        if json is not None:
            headers["Content-Type"] = "application/json"
            body = _json.dumps(json).encode()
        return self.handle(Request.build(method, path, urlencode(params or {}, doseq=True),
                                         headers, body))

    def login(self, username: str, password: str) -> str:
        """An access token for a user, as POST /token/user gives it."""
        response = self.request("POST", f"{self.vantage6.api_path}/token/user",
                                json={"username": username, "password": password})
        if response.status != 200:
            raise HttpError(response.status, response.get_json())
        return response.get_json()["access_token"]

    def node_api_key(self, node: int | str | None = None, *,
                     organization: int | str | None = None) -> str:
        """The api key of a scenario node: by node id or name, or by its organization's id/name."""
        state = self.vantage6.state
        for setup in self.vantage6.node_setups.values():
            n = state.nodes.get(setup.node_id)
            if n is None:
                continue
            if node is not None and node in (n.id, n.name):
                return setup.api_key
            if organization is not None and organization in (n.organization.id,
                                                             n.organization.name):
                return setup.api_key
        raise KeyError(f"no scenario node for node={node!r} organization={organization!r}")


def _as_scenario(value) -> Optional[Scenario]:
    if value is None or isinstance(value, Scenario):
        return value
    if isinstance(value, dict):
        return Scenario.from_dict(value)
    return Scenario.load(value)

"""The simulated vantage6 platform of a network: its server (HQ) under ``/api``, its node fleet,
the node proxy the algorithms talk to (``/_simulator/nodes/<id>/proxy``), its Socket.IO server
and its privacy checks — shaped like ``ST4SDPlatform`` and ``PapiPlatform``: one object, mounted
on a network, answering ``handle(request)``.

Work a request gives the nodes (a new task) is done inside this platform's own ``handle``, once
the answer exists and before the client gets it: ``POST /task`` answers ``pending`` and the next
poll finds the runs done, as if real nodes had been quick.
"""
from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Iterator, Optional

from simulator.core.http import HttpError, Request, Response
from simulator.vantage6 import inspection, scenario as v6_scenario
from simulator.vantage6.node.fleet import NodeFleet
from simulator.vantage6.node.lifecycle import Lifecycle
from simulator.vantage6.node.proxy import PREFIX as PROXY_PREFIX, NodeProxy
from simulator.vantage6.privacy import PrivacyChecks
from simulator.vantage6.profiles import Profile, get_profile
from simulator.vantage6.runtime.executors import MODES
from simulator.vantage6.server import Vantage6Server

if TYPE_CHECKING:
    from simulator.core.clock import Clock
    from simulator.core.events import EventTrace
    from simulator.faults import Faults
    from simulator.keycloak import Keycloak
    from simulator.scenario import Scenario
    from simulator.transports.server import ServerMode
    from simulator.vantage6.websockets import TaskSockets


@dataclass
class Vantage6Options:
    """What a ``Network`` passes on about vantage6 (see ``Network.__init__`` for each)."""

    api_path: str = "/api"
    seed: Optional[int] = None
    jwt_secret: Optional[str] = None
    server_config: Optional[dict] = None
    nodes: str = "simulated"
    execution: Optional[str] = None
    lifecycle: Optional[str] = None
    executor: Optional[str] = None
    workers: Optional[int] = None
    profile: Optional[str] = None
    device_user: Any = ...


def runtime_config(scenario: Optional["Scenario"]) -> dict:
    """The scenario's ``runtime:`` section (lifecycle, executor, timeout...)."""
    return (scenario.data.get("runtime") or {}) if scenario is not None else {}


def lifecycle_of(scenario: Optional["Scenario"], lifecycle: Optional[str]) -> Lifecycle:
    """When runs happen (``instant`` or ``realistic``); the network needs a simulated clock for
    a realistic one, so it asks before it builds the platform."""
    return Lifecycle.from_config(lifecycle, runtime_config(scenario))


class Vantage6Platform:
    def __init__(self, *, clock: "Clock", events: "EventTrace", url: str,
                 scenario: Optional["Scenario"], options: Vantage6Options, rng: random.Random,
                 faults: "Faults", keycloak: Callable[[], "Keycloak"],
                 intercept: Callable[[], ContextManager[Any]],
                 serve: Callable[..., "ServerMode"],
                 sockets: Optional["TaskSockets"] = None) -> None:
        """``keycloak()`` gives the network's Keycloak (a 5.x HQ signs users in there);
        ``intercept()`` and ``serve(port=0)`` are the network's ways in, which in-process and
        isolated runs use to reach the node proxy; ``sockets``, from the platform this one
        replaces (``Network.reset()``), keep serving the clients connected to them."""
        if options.nodes not in ("simulated", "manual"):
            raise ValueError(f"nodes must be 'simulated' or 'manual', not {options.nodes!r}")
        self.clock, self.events, self.url = clock, events, url.rstrip("/")
        self.faults = faults
        self._keycloak, self._intercept, self._serve = keycloak, intercept, serve
        self.scenario = scenario
        data = scenario.data if scenario is not None else {}
        runtime = runtime_config(scenario)
        config = dict(data.get("server") or {})
        config.update(options.server_config or {})
        root = data.get("root") or {}
        self.profile: Profile = get_profile(options.profile or data.get("profile"))
        accounts = None
        if self.profile.name == "5.x":
            from simulator.vantage6.v5.accounts import KeycloakAccounts

            accounts = KeycloakAccounts(keycloak().realm("vantage6"))
        seed = options.seed
        self.server = Vantage6Server(
            clock=clock, api_path=options.api_path, events=events, config=config,
            jwt_secret=options.jwt_secret or "%032x" % rng.getrandbits(128),
            root_password=root.get("password", "admin" if accounts else "root"),
            root_username=root.get("username"), profile=self.profile, keycloak=accounts,
            root_ids=(root.get("organization_id"), root.get("user_id")),
            rng=random.Random(f"hq-{seed}") if seed is not None else None)
        if scenario is not None:
            v6_scenario.build(self.server, scenario, rng,
                              check_files=options.nodes == "simulated")
        if accounts is not None:
            self._sign_in_as(options.device_user)
        if options.execution is not None:
            if options.execution not in MODES:
                raise ValueError(f"execution must be one of {MODES}, not {options.execution!r}")
            self.server.algorithms.default_mode = options.execution
        self.fleet = NodeFleet(self, simulate=options.nodes == "simulated",
                               timeout=runtime.get("timeout"),
                               lifecycle=lifecycle_of(scenario, options.lifecycle),
                               executor=options.executor or runtime.get("executor", "inline"),
                               workers=options.workers or runtime.get("workers"),
                               ray_address=runtime.get("ray_address"))
        self.privacy = PrivacyChecks(self.server, self.fleet, events)
        if data.get("privacy"):
            self.privacy.enable(**data["privacy"])
        self.proxy = NodeProxy(self)
        self._sockets = sockets
        if sockets is not None:
            sockets.attach(self)

    def _sign_in_as(self, device_user: Any) -> None:
        """Who device logins sign in as (5.x): given, or the scenario's first user."""
        if device_user is ...:
            users = self.scenario.list("users") if self.scenario is not None else []
            device_user = users[0]["username"] if users else None
        self._keycloak().realm("vantage6").device_user = device_user

    # ------------------------------------------------------------------ mounts
    @property
    def api_path(self) -> str:
        return self.server.api_path

    def mounts(self) -> list[tuple[str, Callable[[Request], Response], bool]]:
        """(prefix, handler, faulted?) for the network: the API, and the node proxy (whose own
        upstream calls meet the network's faults instead)."""
        return [(self.server.api_path, self.handle, True),
                (PROXY_PREFIX, self.handle_proxy, False)]

    def handle(self, request: Request) -> Response:
        """A client's request to the server (``/api``)."""
        with self.working():
            return self.server.handle(request)

    def handle_proxy(self, request: Request) -> Response:
        """An algorithm's request to its node's proxy."""
        with self.working():
            return self.proxy.handle(request)

    @contextlib.contextmanager
    def working(self) -> Iterator[None]:
        """Collect the node work scheduled inside the block (and any scheduled outside a
        request), and do it when the block ends: the block's answer already exists."""
        fleet = self.fleet
        work, token = fleet.collect()
        try:
            yield
        finally:
            fleet.stop_collecting(token)
        if work or fleet.has_later():
            fleet.run(work)

    def error_response(self, status: int) -> Response:
        """The generic error this server answers (an injected ``server_error``)."""
        return Response.json({"msg": self.profile.unexpected_message}, status)

    # ------------------------------------------------------------------ the network's ways in
    def intercept(self) -> ContextManager[Any]:
        return self._intercept()

    def serve(self, port: int = 0) -> "ServerMode":
        return self._serve(port=port)

    @property
    def sockets(self) -> "TaskSockets":
        """The Socket.IO server of this platform (made on first use)."""
        if self._sockets is None:
            from simulator.vantage6.websockets import TaskSockets

            self._sockets = TaskSockets(self)
        return self._sockets

    # ------------------------------------------------------------------ the server's records
    @property
    def state(self):
        return self.server.state

    @property
    def config(self) -> dict:
        return self.server.config

    @property
    def lock(self):
        return self.server.lock

    @property
    def node_setups(self) -> dict:
        return self.server.node_setups

    @property
    def algorithms(self):
        return self.server.algorithms

    @property
    def keycloak(self):
        """The realm accounts a 5.x HQ trusts (None in 4.x and 3.x)."""
        return self.server.keycloak

    # ------------------------------------------------------------------ conveniences
    def request(self, method: str, path: str, *, json: Any = None, token: Optional[str] = None,
                params: Optional[dict] = None) -> Response:
        """Call the server directly (no transport, no faults)."""
        return self.handle(Request.from_client(method, path, json=json, token=token,
                                                  params=params))

    def login(self, username: str, password: str) -> str:
        """An access token for a user, as POST /token/user gives it."""
        response = self.request("POST", f"{self.api_path}/token/user",
                                json={"username": username, "password": password})
        if response.status != 200:
            raise HttpError(response.status, response.get_json())
        return response.get_json()["access_token"]

    def node_api_key(self, node: int | str | None = None, *,
                     organization: int | str | None = None) -> str:
        """The api key of a scenario node: by node id or name, or by its organization's id/name."""
        state = self.server.state
        for setup in self.server.node_setups.values():
            n = state.nodes.get(setup.node_id)
            if n is None:
                continue
            if node is not None and node in (n.id, n.name):
                return setup.api_key
            if organization is not None and organization in (n.organization.id,
                                                             n.organization.name):
                return setup.api_key
        raise KeyError(f"no scenario node for node={node!r} organization={organization!r}")

    def tasks(self) -> list[dict]:
        return inspection.tasks(self.server)

    def runs(self, task_id: Optional[int] = None) -> list[dict]:
        return inspection.runs(self.server, task_id)

    def results(self, task_id: int, strict: bool = False) -> dict[int, Any]:
        return inspection.results(self.server, task_id, strict)

    def failed_runs(self) -> list[dict]:
        return inspection.failed_runs(self.server)

    def summary(self) -> dict:
        return inspection.summary(self.server, self.fleet, self.clock)

    def close(self) -> None:
        """Release the nodes' data folders and the loopback server of isolated runs."""
        self.fleet.close()

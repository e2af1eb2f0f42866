"""A Network: one simulated world (a vantage6 server with its organizations and nodes under /api,
ST4SD under /st4sd, the AI4EOSC Platform API under /papi, a Keycloak under /realms and /admin)
with its own clock, event trace and state. Two networks never share state; ``close()`` stops ST4SD runs and deletes their directories.

Ways in, all ending in ``network.handle(request)``:
  - ``with network.intercept():`` answers ``requests`` and ``httpx`` calls to ``network.url``
    in process, without sockets;
  - ``network.serve()`` runs a threaded HTTP server on loopback over the same state.
"""
from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any, Optional

from simulator.core.clock import Clock
from simulator.core.events import EventTrace
from simulator.core.http import Handler, HttpError, Request, Response
from simulator.keycloak import Keycloak, vantage6_realm
from simulator.papi import PREFIX as PAPI_PREFIX, PapiPlatform
from simulator.scenario import Scenario
from simulator.st4sd import scenario as st4sd_scenario
from simulator.st4sd.platform import ST4SDPlatform
from simulator.transports.interception import Interception
from simulator.transports.server import ServerMode
from simulator.vantage6 import scenario as v6_scenario
from simulator import inspection
from simulator.control import PREFIX as CONTROL_PREFIX, ControlPlane
from simulator.faults import Faults
from simulator.privacy import PrivacyChecks
from simulator.vantage6.node.fleet import NodeFleet
from simulator.vantage6.node.lifecycle import Lifecycle
from simulator.vantage6.runtime.executors import MODES
from simulator.vantage6.profiles import get_profile
from simulator.vantage6.server import Vantage6Server

# A reserved testing name (RFC 6761) on vantage6's usual port: nothing real ever answers here, so a
# client that forgot to activate interception fails instead of reaching a real server.
DEFAULT_URL = "http://vantage6.test:7601"


class Network:
    def __init__(self, scenario: Scenario | dict | str | Path | None = None, *,
                 url: str = DEFAULT_URL, api_path: str = "/api", clock: Optional[Clock] = None,
                 seed: Optional[int] = None, jwt_secret: Optional[str] = None,
                 server_config: Optional[dict] = None, nodes: str = "simulated",
                 execution: Optional[str] = None, lifecycle: Optional[str] = None,
                 executor: Optional[str] = None, workers: Optional[int] = None,
                 profile: Optional[str] = None, device_user: Any = ...,
                 st4sd_runtime: Optional[str] = None) -> None:
        """``nodes="simulated"`` runs the scenario's nodes (they pick up and run their runs);
        ``nodes="manual"`` registers them but leaves the node API to the test (as a real server
        with its nodes switched off). ``execution`` ("in-process" or "isolated") overrides the
        scenario's default way of running algorithms. ``lifecycle="realistic"`` makes runs take
        simulated time on the network's clock (a simulated clock is made if none was given);
        the default ``"instant"`` completes them within the request that created them.
        ``executor`` says where node work runs: ``"inline"`` (default: one run after the other,
        deterministic), ``"threads"``, ``"processes"`` or ``"ray"`` (``workers`` of them).
        ``profile`` is the vantage6 dialect: ``"4.x"`` (default) or ``"3.x"`` (the 3.11 REST
        shapes and algorithm conventions) or ``"5.x"`` (HQ 5.0.3 with Keycloak sign-in, sessions
        and dataframes); a scenario may set it with ``profile:``. In the 5.x profile
        ``device_user`` is who a device login (``UserClient.authenticate()``) signs in as, at
        once: by default the scenario's first user; None leaves logins to be approved.
        ``st4sd_runtime`` is who runs ST4SD experiments: ``"elaunch"`` (the real
        st4sd-runtime-core, from the virtualenv tools/st4sd_runtime/install.sh builds),
        ``"interpreter"`` (the in-process fast mode) or ``"auto"`` (elaunch where that
        virtualenv is installed; the default, or the scenario's ``st4sd.settings.runtime``)."""
        if nodes not in ("simulated", "manual"):
            raise ValueError(f"nodes must be 'simulated' or 'manual', not {nodes!r}")
        self.url = url.rstrip("/")
        self._arguments = dict(url=url, api_path=api_path, seed=seed, jwt_secret=jwt_secret,
                               server_config=server_config, nodes=nodes, execution=execution,
                               lifecycle=lifecycle, executor=executor,
                               workers=workers, profile=profile,
                               device_user=device_user,
                               st4sd_runtime=st4sd_runtime)  # what reset() builds again
        self.scenario = _as_scenario(scenario)
        runtime = (self.scenario.data.get("runtime") or {}) if self.scenario else {}
        node_lifecycle = Lifecycle.from_config(lifecycle, runtime)
        if clock is None or (node_lifecycle.realistic and not clock.simulated):
            clock = Clock(start=_now_to_the_second()) if node_lifecycle.realistic else Clock()
        self.clock = clock
        self.events = EventTrace(self.clock)
        sockets = getattr(self, "_sockets", None)  # kept by reset(): its servers keep running
        self._sockets = sockets
        if sockets is not None:
            sockets.attach()
        self.rng = random.Random(seed)
        config = dict(self.scenario.data.get("server") or {}) if self.scenario else {}
        config.update(server_config or {})
        root = (self.scenario.data.get("root") or {}) if self.scenario else {}
        v6_profile = get_profile(profile or (self.scenario.data.get("profile")
                                             if self.scenario else None))
        # Keycloak at the root of the origin (python-keycloak drops a path prefix), made on
        # first use (a 5.x server needs it at once); seeded apart from the network's generator
        self._keycloak: Optional[Keycloak] = None
        self._keycloak_lock = threading.Lock()
        self._keycloak_rng = random.Random(f"keycloak-{seed}") if seed is not None else None
        accounts = None
        if v6_profile.name == "5.x":
            from simulator.vantage6.v5.accounts import KeycloakAccounts

            accounts = KeycloakAccounts(self.keycloak.realm("vantage6"))
        self.vantage6 = Vantage6Server(
            clock=self.clock, api_path=api_path, events=self.events, config=config,
            jwt_secret=jwt_secret or "%032x" % self.rng.getrandbits(128),
            root_password=root.get("password", "admin" if accounts else "root"),
            root_username=root.get("username"), profile=v6_profile, keycloak=accounts,
            root_ids=(root.get("organization_id"), root.get("user_id")),
            rng=random.Random(f"hq-{seed}") if seed is not None else None)
        if self.scenario is not None:
            v6_scenario.build(self.vantage6, self.scenario, self.rng)
        if accounts is not None:
            self._sign_in_as(device_user)
        if execution is not None:
            if execution not in MODES:
                raise ValueError(f"execution must be one of {MODES}, not {execution!r}")
            self.vantage6.algorithms.default_mode = execution
        self.faults = Faults(self)
        self.privacy = PrivacyChecks(self)
        privacy = (self.scenario.data.get("privacy") or {}) if self.scenario else {}
        if privacy:
            self.privacy.enable(**privacy)
        self.nodes = NodeFleet(self, simulate=nodes == "simulated",
                               timeout=runtime.get("timeout"), lifecycle=node_lifecycle,
                               executor=executor or runtime.get("executor", "inline"),
                               workers=workers or runtime.get("workers"),
                               ray_address=runtime.get("ray_address"))
        # path prefix -> the platform that serves it; each platform sees the request's full path
        self._mounts: list[tuple[str, Handler]] = []
        self.mount(self.vantage6.api_path, self.vantage6.handle)
        self.mount(CONTROL_PREFIX, ControlPlane(self).handle)  # also the node proxy
        # ST4SD (runtime service + datastore) under /st4sd; its heavy parts are built on first use
        self.st4sd = ST4SDPlatform(self.clock, prefix="/st4sd", url=self.url, runtime=st4sd_runtime,
                                   rng=random.Random(self.rng.getrandbits(64)) if seed is not None
                                   else None)
        if self.scenario is not None:
            st4sd_scenario.build(self.st4sd, self.scenario)
        self.mount("/st4sd", self.st4sd.handle)
        # PAPI (catalog, deployments on a simulated Nomad, stats, OIDC realm) under /papi; its
        # catalog, signing key and routes are loaded on first use
        self.papi = PapiPlatform(clock=self.clock, url=self.url, events=self.events,
                                 scenario=self.scenario,
                                 rng=random.Random(self.rng.getrandbits(64)) if seed is not None
                                 else None)
        self.mount(PAPI_PREFIX, self.papi.handle)
        if self._keycloak is not None:
            self._keycloak.adopt(self.papi.realm)
        self.mount("/realms", self._serve_keycloak)
        self.mount("/admin", self._serve_keycloak)

    @property
    def keycloak(self) -> Keycloak:
        """The simulated Keycloak: realm ``vantage6`` (the 5.x templates' clients and ``admin``
        user) and PAPI's realm ``ai4eosc``, e.g. ``net.keycloak.realm("vantage6")``."""
        with self._keycloak_lock:
            if self._keycloak is None:
                keycloak = Keycloak(self.clock, self.url, self._keycloak_rng)
                vantage6_realm(keycloak)
                if getattr(self, "papi", None) is not None:  # else adopted once it exists
                    keycloak.adopt(self.papi.realm)
                self._keycloak = keycloak
            return self._keycloak

    def _sign_in_as(self, device_user: Any) -> None:
        """Who device logins sign in as (5.x): given, or the scenario's first user."""
        if device_user is ...:
            users = (self.scenario.list("users") if self.scenario is not None else [])
            device_user = users[0]["username"] if users else None
        self.keycloak.realm("vantage6").device_user = device_user

    def _serve_keycloak(self, request: Request) -> Response:
        return self.keycloak.handle(request)

    @classmethod
    def from_scenario(cls, path: str | Path, **kwargs: Any) -> "Network":
        return cls(Scenario.load(path), **kwargs)

    # ------------------------------------------------------------------ ways in
    @property
    def api_url(self) -> str:
        return self.url + self.vantage6.api_path

    @property
    def st4sd_url(self) -> str:
        """What ``ExperimentRestAPI`` is given in process (server mode: ``server.url + "/st4sd"``)."""
        return self.url + self.st4sd.prefix

    @property
    def papi_url(self) -> str:
        """The AI4EOSC Platform API's base URL in process: ``http://vantage6.test:7601/papi``
        (server mode: ``server.url + "/papi"``)."""
        return self.url + PAPI_PREFIX

    def mount(self, prefix: str, handler: Handler) -> None:
        """Serve every path under ``prefix`` (e.g. ``/rs``, ``/papi``) with a platform's handler."""
        self._mounts.append((prefix.rstrip("/"), handler))
        self._mounts.sort(key=lambda m: len(m[0]), reverse=True)  # the longest prefix wins

    def handle(self, request: Request) -> Response:
        path = request.path
        for prefix, handler in self._mounts:
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                break
        else:
            return Response.json({"msg": f"The requested URL {path} was not found on the "
                                         "server (no simulated platform serves it)."}, 404)
        if not path.startswith(CONTROL_PREFIX):  # the control plane is never faulted
            injected = self.faults.before_request(request)  # may raise ConnectionDropped
            if injected is not None:
                return injected
        # Work the request gives the nodes (a new task) is done once its answer exists, before
        # the client gets it: POST /task answers "pending" and the next poll finds the runs done.
        fleet = self.nodes  # the one this request started with (reset() makes a new one)
        work, token = fleet.collect()
        try:
            response = handler(request)
        finally:
            fleet.stop_collecting(token)
        if work or fleet.has_later():
            fleet.run(work)
        return response

    def intercept(self) -> Interception:
        """Context manager / decorator: answer requests and httpx calls to ``self.url``."""
        return Interception(self)

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> ServerMode:
        """Start server mode on loopback; the returned handle has ``.url`` and ``.stop()``.
        It also serves vantage6's Socket.IO namespace ``/tasks`` at ``/socket.io``."""
        return ServerMode(self.handle, host, port, middleware=self.sockets.wsgi).start()

    @property
    def sockets(self):
        """The vantage6 Socket.IO server of this network (made on first use)."""
        if self._sockets is None:
            from simulator.vantage6.websockets import TaskSockets

            self._sockets = TaskSockets(self)
        return self._sockets

    def reset(self) -> None:
        """Back to the scenario's first state: every record, node, instance and deployment made
        since is gone, tokens issued before no longer work (unless a ``seed`` fixed the secret),
        the trace starts empty. The clock is kept (its pending timers are dropped), and so are
        active interceptions and servers: they answer from the new state."""
        self.close()
        if self.clock.simulated:
            self.clock.clear_timers()
        self.__init__(self.scenario, clock=self.clock, **self._arguments)

    def close(self) -> None:
        """Release what the platforms hold: the nodes' data folders and the loopback server of
        isolated runs; running ST4SD instances and their directories. Also done when the
        network is garbage-collected (and, for ST4SD, at exit)."""
        self.nodes.close()
        self.st4sd.close()

    def __enter__(self) -> "Network":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ inspection
    def tasks(self) -> list[dict]:
        """Every vantage6 task as plain data (id, name, image, status, parent, job...)."""
        return inspection.tasks(self)

    def runs(self, task_id: Optional[int] = None) -> list[dict]:
        """Runs (of one task) as plain data, with their logs."""
        return inspection.runs(self, task_id)

    def results(self, task_id: int) -> dict[int, Any]:
        """{organization id: the decoded result} of a task's finished runs."""
        return inspection.results(self, task_id)

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


def _now_to_the_second():
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _as_scenario(value) -> Optional[Scenario]:
    if value is None or isinstance(value, Scenario):
        return value
    if isinstance(value, dict):
        return Scenario.from_dict(value)
    return Scenario.load(value)

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
from typing import Any, Callable, Optional

from simulator.core.clock import Clock
from simulator.core.events import EventTrace
from simulator.core.http import Handler, Request, Response
from simulator.control import PREFIX as CONTROL_PREFIX, ControlPlane
from simulator.faults import Faults
from simulator.keycloak import Keycloak, vantage6_realm
from simulator.papi import PREFIX as PAPI_PREFIX, PapiPlatform
from simulator.scenario import Scenario
from simulator.st4sd import scenario as st4sd_scenario
from simulator.st4sd.platform import ST4SDPlatform
from simulator.transports.interception import Interception
from simulator.transports.server import ServerMode
from simulator.vantage6.platform import Vantage6Options, Vantage6Platform, lifecycle_of

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
        self.url = url.rstrip("/")
        self.scenario = _as_scenario(scenario)
        self._options = Vantage6Options(
            api_path=api_path, seed=seed, jwt_secret=jwt_secret, server_config=server_config,
            nodes=nodes, execution=execution, lifecycle=lifecycle, executor=executor,
            workers=workers, profile=profile, device_user=device_user)
        self._st4sd_runtime = st4sd_runtime
        realistic = lifecycle_of(self.scenario, lifecycle).realistic
        if clock is None or (realistic and not clock.simulated):
            clock = Clock(start=_now_to_the_second()) if realistic else Clock()
        self.clock = clock
        self._keycloak_lock = threading.Lock()
        self._build(sockets=None)

    def _build(self, sockets) -> None:
        """Every platform in its scenario's first state, on a fresh event trace."""
        seed = self._options.seed
        self.events = EventTrace(self.clock)
        self.rng = random.Random(seed)
        # Keycloak at the root of the origin (python-keycloak drops a path prefix), made on
        # first use (a 5.x server needs it at once); seeded apart from the network's generator
        self._keycloak: Optional[Keycloak] = None
        self._keycloak_rng = random.Random(f"keycloak-{seed}") if seed is not None else None
        # path prefix -> (handler, faulted?, the platform's generic error); the longest wins
        self._mounts: list[tuple[str, Handler, bool, Callable[[int], Response]]] = []
        self.faults = Faults(node_of=lambda org: self.vantage6.fleet.of(org),
                             error_response=self._error_response)
        self.vantage6 = Vantage6Platform(
            clock=self.clock, events=self.events, url=self.url, scenario=self.scenario,
            options=self._options, rng=self.rng, faults=self.faults,
            keycloak=lambda: self.keycloak, intercept=self.intercept, serve=self.serve,
            sockets=sockets)
        for prefix, handler, faulted in self.vantage6.mounts():
            self.mount(prefix, handler, faulted=faulted,
                       error_response=self.vantage6.error_response)
        self.mount(CONTROL_PREFIX, ControlPlane(self).handle, faulted=False)
        # ST4SD (runtime service + datastore) under /st4sd; its heavy parts are built on first use
        self.st4sd = ST4SDPlatform(self.clock, prefix="/st4sd", url=self.url,
                                   runtime=self._st4sd_runtime,
                                   rng=random.Random(self.rng.getrandbits(64)) if seed is not None
                                   else None)
        if self.scenario is not None:
            st4sd_scenario.build(self.st4sd, self.scenario)
        self.mount("/st4sd", self.st4sd.handle, error_response=self.st4sd.error_response)
        # PAPI (catalog, deployments on a simulated Nomad, stats, OIDC realm) under /papi; its
        # catalog, signing key and routes are loaded on first use
        self.papi = PapiPlatform(clock=self.clock, url=self.url, events=self.events,
                                 scenario=self.scenario,
                                 rng=random.Random(self.rng.getrandbits(64)) if seed is not None
                                 else None)
        self.mount(PAPI_PREFIX, self.papi.handle, error_response=self.papi.error_response)
        if self._keycloak is not None:
            self._keycloak.adopt(self.papi.realm)
        self.mount("/realms", self._serve_keycloak, error_response=Keycloak.error_response)
        self.mount("/admin", self._serve_keycloak, error_response=Keycloak.error_response)

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

    def mount(self, prefix: str, handler: Handler, *, faulted: bool = True,
              error_response: Optional[Callable[[int], Response]] = None) -> None:
        """Serve every path under ``prefix`` (e.g. ``/rs``, ``/papi``) with a platform's handler;
        ``faulted``: injected request faults apply; ``error_response(status)``: the platform's
        generic error, what an injected ``server_error`` answers."""
        self._mounts.append((prefix.rstrip("/"), handler, faulted,
                             error_response or _plain_error))
        self._mounts.sort(key=lambda m: len(m[0]), reverse=True)  # the longest prefix wins

    def _mount_of(self, path: str):
        for mount in self._mounts:
            prefix = mount[0]
            if path.startswith(prefix) and (len(path) == len(prefix) or path[len(prefix)] == "/"):
                return mount
        return None

    def _error_response(self, path: str, status: int) -> Response:
        mount = self._mount_of(path)
        return (mount[3] if mount is not None else _plain_error)(status)

    def handle(self, request: Request) -> Response:
        mount = self._mount_of(request.path)
        if mount is None:
            return Response.json({"msg": f"The requested URL {request.path} was not found on "
                                         "the server (no simulated platform serves it)."}, 404)
        _, handler, faulted, _ = mount
        if faulted:
            injected = self.faults.before_request(request)  # may raise ConnectionDropped
            if injected is not None:
                return injected
        return handler(request)

    def intercept(self) -> Interception:
        """Context manager / decorator: answer requests and httpx calls to ``self.url``."""
        return Interception(self.url, self.handle, value=self,
                            sleep_clock=self._polling_clock)

    def _polling_clock(self) -> Optional[Clock]:
        # a realistic lifecycle: a client polling in this thread moves the simulated clock
        return self.clock if self.vantage6.fleet.lifecycle.realistic else None

    def serve(self, host: str = "127.0.0.1", port: int = 0) -> ServerMode:
        """Start server mode on loopback; the returned handle has ``.url`` and ``.stop()``.
        It also serves vantage6's Socket.IO namespace ``/tasks`` at ``/socket.io``."""
        return ServerMode(self.handle, host, port, middleware=self.sockets.wsgi).start()

    @property
    def sockets(self):
        """The vantage6 Socket.IO server of this network (made on first use)."""
        return self.vantage6.sockets

    @property
    def nodes(self):
        """The simulated vantage6 nodes (``net.nodes.of("org 2")``)."""
        return self.vantage6.fleet

    @property
    def privacy(self):
        """vantage6's opt-in privacy checks on results."""
        return self.vantage6.privacy

    def reset(self) -> None:
        """Back to the scenario's first state: every record, node, instance and deployment made
        since is gone, tokens issued before no longer work (unless a ``seed`` fixed the secret),
        the trace starts empty. The clock is kept (its pending timers are dropped), and so are
        active interceptions and servers: they answer from the new state."""
        self.close()
        if self.clock.simulated:
            self.clock.clear_timers()
        self._build(sockets=self.vantage6._sockets)  # running servers keep their sockets

    def close(self) -> None:
        """Release what the platforms hold: the nodes' data folders and the loopback server of
        isolated runs; running ST4SD instances and their directories. Also done when the
        network is garbage-collected (and, for ST4SD, at exit)."""
        self.vantage6.close()
        self.st4sd.close()

    def __enter__(self) -> "Network":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # ------------------------------------------------------------------ vantage6 conveniences
    def tasks(self) -> list[dict]:
        """Every vantage6 task as plain data (id, name, image, status, parent, job...)."""
        return self.vantage6.tasks()

    def runs(self, task_id: Optional[int] = None) -> list[dict]:
        """Runs (of one task) as plain data, with their logs."""
        return self.vantage6.runs(task_id)

    def results(self, task_id: int, strict: bool = False) -> dict[int, Any]:
        """{organization id: the decoded result} of a task's finished runs. A run that crashed
        (or failed, or never ran) has no result; with ``strict=True`` such a run raises
        ``RunFailed``, naming it and showing the end of its log."""
        return self.vantage6.results(task_id, strict)

    def failed_runs(self) -> list[dict]:
        """The runs that ended in a failure status (crashed, failed...), with their logs."""
        return self.vantage6.failed_runs()

    def request(self, method: str, path: str, *, json: Any = None, token: Optional[str] = None,
                params: Optional[dict] = None) -> Response:
        """Call the network directly (no transport), e.g. ``net.request("GET", "/api/version")``."""
        return self.handle(Request.from_client(method, path, json=json, token=token,
                                              params=params))

    def login(self, username: str, password: str) -> str:
        """An access token for a vantage6 user, as POST /token/user gives it."""
        return self.vantage6.login(username, password)

    def node_api_key(self, node: int | str | None = None, *,
                     organization: int | str | None = None) -> str:
        """The api key of a scenario node: by node id or name, or by its organization's id/name."""
        return self.vantage6.node_api_key(node, organization=organization)


def _plain_error(status: int) -> Response:
    return Response.json({"msg": "Internal Server Error"}, status)


def _now_to_the_second():
    import datetime as dt

    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0)


def _as_scenario(value) -> Optional[Scenario]:
    if value is None or isinstance(value, Scenario):
        return value
    if isinstance(value, dict):
        return Scenario.from_dict(value)
    return Scenario.load(value)

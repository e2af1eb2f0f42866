"""The simulator's own control plane under ``/_simulator`` (every way in; meant for server mode,
where a test in another process or language drives the network):

    GET    /_simulator                       this list
    POST   /_simulator/reset                 back to the scenario's first state
    GET    /_simulator/state                 clock, lifecycle, nodes, tasks, runs
    GET    /_simulator/events?name=&since=   the event trace (``since``: an index into it)
    GET    /_simulator/clock                 now, simulated?, pending timers
    POST   /_simulator/clock/advance         {"seconds": n}: move a simulated clock
    GET    /_simulator/faults                faults set so far
    POST   /_simulator/faults                {"kind": "crash" | "server_error" | "drop_connection"
                                             | "node_offline" | "node_online" | "slow", ...}
    DELETE /_simulator/faults                forget them
    GET    /_simulator/privacy               privacy violations found so far
    GET    /_simulator/keycloak/<realm>/device   device logins waiting, and the device_user
    POST   /_simulator/keycloak/<realm>/device   {"username", "user_code"?}: approve (no code:
                                             the next login); {"user_code", "deny": true}
    PUT    /_simulator/keycloak/<realm>/device_user  {"username": u | null}: approve new logins

Errors answer ``{"msg": ...}`` with 400 or 404. The control plane itself is never subject to
injected faults. (``/_simulator/nodes/<id>/proxy/...``, the node proxy algorithms talk to, is the
vantage6 platform's own mount.)
"""
from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Callable, ContextManager, Protocol

from simulator.core.clock import iso_naive
from simulator.core.http import HttpError, Request, Response
from simulator.faults import FaultError
from simulator.keycloak import control as keycloak_control

if TYPE_CHECKING:
    from simulator.core.clock import Clock
    from simulator.core.events import EventTrace
    from simulator.faults import Faults
    from simulator.keycloak import Keycloak
    from simulator.vantage6.privacy import PrivacyChecks


class Vantage6Controls(Protocol):
    privacy: "PrivacyChecks"

    def summary(self) -> dict: ...

    def working(self) -> ContextManager[None]: ...


class Controlled(Protocol):
    """What the control plane drives: the network (its clock, trace, faults, platforms)."""

    clock: "Clock"
    events: "EventTrace"
    faults: "Faults"
    vantage6: Vantage6Controls
    keycloak: "Keycloak"

    def reset(self) -> None: ...

PREFIX = "/_simulator"


def _json(payload: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(payload, default=str).encode(),
                    [("Content-Type", "application/json")])


class ControlPlane:
    def __init__(self, network: Controlled) -> None:
        self.network = network
        self._routes: dict[tuple[str, str], Callable[[Request], Response]] = {
            ("GET", ""): self._index,
            ("POST", "/reset"): self._reset,
            ("GET", "/state"): lambda r: _json(self.network.vantage6.summary()),
            ("GET", "/events"): self._events,
            ("GET", "/clock"): lambda r: _json(self.network.vantage6.summary()["clock"]),
            ("POST", "/clock/advance"): self._advance,
            ("GET", "/faults"): lambda r: _json([f.public() for f in self.network.faults.list()]),
            ("POST", "/faults"): self._add_fault,
            ("DELETE", "/faults"): self._clear_faults,
            ("GET", "/privacy"): self._privacy,
        }

    def handle(self, request: Request) -> Response:
        sub = request.path[len(PREFIX):].rstrip("/")
        route = self._routes.get((request.method, sub))
        if route is None and sub.startswith("/keycloak/"):
            route = self._keycloak
        if route is None:
            known = {path for _, path in self._routes}
            status = 405 if sub in known else 404
            return _json({"msg": f"{request.method} {request.path} is not a control-plane route; "
                                 f"GET {PREFIX} lists them"}, status)
        try:
            if route == self._reset:  # the platform it would work in is about to go
                return route(request)
            with self.network.vantage6.working():  # what a node does because of it (online)
                return route(request)
        except HttpError as exc:
            return _json(exc.body, exc.status)
        except (FaultError, KeyError, ValueError, RuntimeError) as exc:
            return _json({"msg": str(exc.args[0] if exc.args else exc)}, 400)

    # ------------------------------------------------------------------ routes
    def _index(self, request: Request) -> Response:
        doc = (__doc__ or "").split("\n\n")[1]
        return _json({"routes": [line.strip() for line in doc.splitlines() if line.strip()]})

    def _reset(self, request: Request) -> Response:
        self.network.reset()
        return _json({"msg": "the network is back to its scenario's first state"})

    def _events(self, request: Request) -> Response:
        name = request.args.get("name")
        since = int(request.args.get("since", 0))
        events = self.network.events.events()
        return _json({"next": len(events), "events": [
            {"index": i, "at": iso_naive(e.at), "name": e.name, "data": e.data, "room": e.room}
            for i, e in enumerate(events) if i >= since and (name is None or e.name == name)]})

    def _advance(self, request: Request) -> Response:
        body = request.json() or {}
        seconds = body.get("seconds") if isinstance(body, dict) else None
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool):
            raise ValueError('give {"seconds": <number>}')
        if not self.network.clock.simulated:
            raise ValueError("this network runs on the wall clock; start it with a simulated "
                             "clock (a realistic lifecycle makes one)")
        now = self.network.clock.advance(float(seconds))
        return _json({"now": iso_naive(now), "pending_timers": self.network.clock.pending()})

    def _add_fault(self, request: Request) -> Response:
        spec = request.json()
        if not isinstance(spec, dict):
            raise ValueError('give a fault as {"kind": ..., ...}')
        return _json(self.network.faults.add(spec).public(), 201)

    def _clear_faults(self, request: Request) -> Response:
        self.network.faults.clear()
        return _json({"msg": "no faults are set"})

    def _keycloak(self, request: Request) -> Response:
        sub = request.path[len(PREFIX):].rstrip("/")
        body = request.json() if request.body else None
        answer = keycloak_control.route(self.network.keycloak, request.method, sub, body)
        if answer is None:
            return _json({"msg": f"{request.method} {request.path} is not a control-plane "
                                 f"route; GET {PREFIX} lists them"}, 404)
        return _json(answer)

    def _privacy(self, request: Request) -> Response:
        checks = self.network.vantage6.privacy
        return _json({"enabled": checks.enabled, "min_cell_size": checks.min_cell_size,
                      "violations": [v.__dict__ for v in checks.violations]})

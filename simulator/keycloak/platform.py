"""The simulated Keycloak server of one network: realms by name, served at the root of the
network's origin (``/realms/...`` and ``/admin/...``, no path prefix: python-keycloak joins
``realms/...`` onto a path-less ``server_url``).

Building one is cheap; realms are plain objects (``realm.py``). A network makes its Keycloak on
first use, with the ``vantage6`` realm of the 5.x templates (``presets.py``) and PAPI's realm.
"""
from __future__ import annotations

import random
import threading
from typing import Any, Optional
from urllib.parse import urlsplit

from simulator.core.clock import Clock
from simulator.core.http import Request, Response
from simulator.keycloak import admin, routes
from simulator.keycloak.realm import Realm


class Keycloak:
    def __init__(self, clock: Clock, url: str, rng: Optional[random.Random] = None) -> None:
        self.clock = clock
        self.url = url.rstrip("/")
        self.rng = rng or random.Random()
        self.realms: dict[str, Realm] = {}
        self._lock = threading.Lock()

    def add_realm(self, name: str, **settings: Any) -> Realm:
        """A new realm, e.g. ``add_realm("demo", token_seconds=60, device_interval=0)``; the
        keywords are :class:`Realm`'s settings."""
        settings.setdefault("rng", random.Random(self.rng.getrandbits(64)))
        settings.setdefault("home_url", self.url)
        return self.adopt(Realm(name, self.clock, **settings))

    def adopt(self, realm: Realm) -> Realm:
        """Serve an existing realm object (PAPI's) under its name."""
        with self._lock:
            if realm.name in self.realms:
                raise ValueError(f"realm {realm.name!r} already exists")
            self.realms[realm.name] = realm
        return realm

    def realm(self, name: str) -> Realm:
        try:
            return self.realms[name]
        except KeyError:
            known = ", ".join(sorted(self.realms)) or "none"
            raise KeyError(f"no realm {name!r} (known: {known})") from None

    # ------------------------------------------------------------------ HTTP
    @staticmethod
    def error_response(status: int) -> Response:
        """``KeycloakErrorHandler``'s answer to an unexpected exception."""
        return Response.json({"error": "unknown_error"}, status)

    def handle(self, request: Request) -> Response:
        base = self.base_url(request)
        if request.path == "/admin" or request.path.startswith("/admin/"):
            return admin.serve(self, request, base)
        return routes.serve(self.realms.get, request, request.path, base)

    def base_url(self, request: Request) -> str:
        """The origin the client used (``Host``), which Keycloak builds every URL from; the
        network's URL when the request came in process."""
        host = request.headers.get("Host")
        if not host or host == urlsplit(self.url).netloc:
            return self.url
        return f"http://{host}"

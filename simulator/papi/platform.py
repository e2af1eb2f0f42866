"""The simulated AI4EOSC Platform API of one network, mounted under ``/papi``.

Building one is cheap (a demo network must build in well under 5 ms): catalog files, the realm's
signing key and the route table are loaded on first need.
"""
from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any, Iterable, Optional
from urllib.parse import urlsplit

from simulator.core.clock import Clock
from simulator.core.events import EventTrace
from simulator.core.http import Request, Response
from simulator.papi import scenario as papi_scenario
from simulator.papi.catalog import Catalog, read_entries
from simulator.papi.deployments import Deployments, gpu_models
from simulator.papi.nomad import NomadCluster
from simulator.keycloak import Realm, User
from simulator.papi import oidc
from simulator.papi.stats import ClusterStats
from simulator.papi.userconf import TOOLS
from simulator.papi.vault import Vault
from simulator.papi.web import App, text_response
from simulator.scenario import SCENARIO_DIR, Scenario

PREFIX = "/papi"
REALM = "ai4eosc"
# the bundled catalog: <package>/bundled/fixtures/papi/catalog (a symlink to the repository's)
CATALOG_DIR = SCENARIO_DIR.parent / "fixtures" / "papi" / "catalog"


class PapiPlatform:
    prefix = PREFIX
    realm_name = REALM

    def __init__(self, *, clock: Clock, url: str, events: Optional[EventTrace] = None,
                 scenario: Optional[Scenario] = None,
                 rng: Optional[random.Random] = None) -> None:
        self.clock = clock
        self.events = events or EventTrace(clock)
        self.url = url.rstrip("/") + PREFIX
        self.rng = rng or random.Random()
        self.lock = threading.RLock()
        setup = papi_scenario.read(scenario)
        self.config = setup.config
        self._catalog_sources = setup.catalog
        self._catalog_folder = setup.folder
        self._catalogs: dict[str, Catalog] = {}
        # PAPI's realm, also one of the network's Keycloak realms (network.keycloak)
        self.realm: Realm = oidc.papi_realm(
            clock, self.config.issuer or f"{self.url}/oidc/realms/{REALM}",
            self.config.audience, self.config.client_id, self.config.token_seconds, self.rng)
        for user in setup.users:
            oidc.add_user(self.realm, **user)
        self.nomad = NomadCluster(clock, self.config.timing, self.rng)
        self.nomad.failing_images = self.config.failing_images
        for node in setup.nodes:
            self.nomad.add_node(**node)
        self.vault = Vault()
        self.cluster_stats = ClusterStats(self.nomad, self.config, clock)
        self.deployments = Deployments(self.config, self.nomad, lambda: self.catalog("tool"),
                                       self.vault, self.cluster_stats, clock, self.rng,
                                       self.events)
        self._app: Optional[App] = None

    # ------------------------------------------------------------------ HTTP
    @staticmethod
    def error_response(status: int) -> Response:
        """Starlette's answer to an unhandled exception: plain text (as ``App`` answers one)."""
        return text_response("Internal Server Error", status)

    def handle(self, request: Request) -> Response:
        with self.lock:
            if self._app is None:
                from simulator.papi.routes import build_routes

                self._app = App(build_routes(self),
                                bearer_status=lambda: self.config.bearer_error_status,
                                cors_origins=lambda: self.config.cors_origins)
            return self._app.handle(request, PREFIX, self._root(request))

    def _root(self, request: Request) -> str:
        """The app's root URL as the client reached it (FastAPI's ``url_for``)."""
        host = request.headers.get("Host")
        own = urlsplit(self.url)
        if not host or host == own.netloc:
            return self.url
        return f"http://{host}{PREFIX}"

    # ------------------------------------------------------------------ people and tokens
    @property
    def users(self) -> dict[str, User]:
        return self.realm.users

    def add_user(self, name: str, *, vos: Optional[dict[str, str]] = None,
                 roles: Iterable[str] = (), **fields: Any) -> User:
        """Add someone to the realm, e.g. ``add_user("eve", vos={"vo.ai4eosc.eu": "ap-u"})``."""
        roles = list(roles) + [f"access:{vo}:{level}" for vo, level in (vos or {}).items()]
        return oidc.add_user(self.realm, name, roles=roles, **fields)

    def token_for(self, user: str, **overrides: Any) -> str:
        """An access token for a user of the realm, signed as Keycloak would sign it. Keywords
        make the tokens error paths need: ``expires_in=-1``, ``audience="other"``,
        ``roles=[...]``, ``drop=["email"]``, ``claims={...}``."""
        found = self.realm.find_user(user)
        if found is None:
            known = ", ".join(sorted(self.realm.users)) or "none"
            raise KeyError(f"no PAPI user {user!r} (known: {known})")
        with self.lock:
            return self.realm.mint(found, **overrides)

    @property
    def issuer(self) -> str:
        return self.realm.issuer

    # ------------------------------------------------------------------ catalog
    def catalog(self, kind: str) -> Catalog:
        """The modules (``"module"``) or tools (``"tool"``) catalog, read on first need."""
        if kind not in self._catalogs:
            plural = f"{kind}s"
            source = self._catalog_sources.get(plural)
            entries = read_entries(CATALOG_DIR / f"{plural}.yaml")
            if isinstance(source, (str, Path)):
                path = Path(source)
                entries = read_entries(path if path.is_absolute()
                                       else self._catalog_folder / path)
            elif isinstance(source, list):  # entries added to (or replacing) the bundled ones
                by_name = {e["name"]: e for e in entries}
                by_name.update({e["name"]: e for e in source})
                entries = list(by_name.values())
            if kind == "tool":  # PAPI serves only the tools it has a configuration for
                entries = [e for e in entries if e["name"] in TOOLS]
            self._catalogs[kind] = Catalog(kind, entries)
        return self._catalogs[kind]

    def reload_catalog(self) -> None:
        self._catalogs.clear()

    def gpu_models(self, vo: str) -> list[str]:
        return gpu_models(self.nomad, self.config.namespace(vo))

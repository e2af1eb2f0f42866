"""The simulated ST4SD platform: runtime service and datastore behind one oauth-proxy, mounted on
a network under ``/st4sd`` (``/st4sd/rs``, ``/st4sd/ds-mongodb-proxy``, ``/st4sd/ds-registry``,
``/st4sd/ds-gateway``; any other path goes to the runtime service, as the real nginx does).

``handle(request)`` is the single entry point the transports call. Construction is cheap: the
route map, registry, datastore and runtime are built on first use.
"""
from __future__ import annotations

import logging
import random
import threading
import weakref
from pathlib import Path
from typing import Any, Optional

from werkzeug.exceptions import MethodNotAllowed, NotFound as RouteNotFound
from werkzeug.routing import Map, RequestRedirect, Rule

from simulator.core.clock import Clock
from simulator.core.http import HttpError, Request, Response
from simulator.st4sd.auth import DEFAULT_USER, Auth, User
from simulator.st4sd.errors import ST4SDError
from simulator.st4sd.sources import PackageSources

log = logging.getLogger(__name__)
SERVICES = ("rs", "ds-mongodb-proxy", "ds-registry", "ds-gateway")
NOT_FOUND = ("The requested URL was not found on the server. If you entered the URL manually please "
             "check your spelling and try again.")


class ST4SDPlatform:
    def __init__(self, clock: Optional[Clock] = None, *, prefix: str = "/st4sd",
                 url: str = "http://st4sd.test", rng: Optional[random.Random] = None,
                 runtime: Optional[str] = None) -> None:
        """``runtime``: who runs started instances, ``"elaunch"`` (the real st4sd-runtime-core),
        ``"interpreter"`` (in process) or ``"auto"`` (elaunch where its virtualenv is installed;
        the default, which a scenario's ``st4sd.settings.runtime`` may set)."""
        self.clock = clock or Clock()
        self.prefix = prefix.rstrip("/")
        self.url = url.rstrip("/")  # what in-process callers reach the platform as
        self.rng = rng
        self.auth = Auth()
        self.sources = PackageSources()
        self.settings: dict[str, Any] = {}
        self._runtime_choice = runtime  # wins over the scenario's settings.runtime
        self._internal = None  # the datastore's loopback server for elaunch (memoization)
        self._lock = threading.RLock()
        self._built: Optional[dict[str, Any]] = None
        self._users_declared = False

    # ------------------------------------------------------------------ configuration
    def add_user(self, name: str, token: Optional[str] = None,
                 api_key: Optional[str] = None) -> User:
        """A user the oauth-proxy accepts (cookie token and/or bearer key)."""
        self._users_declared = True
        return self.auth.add(name, token, api_key)

    def users(self) -> list[User]:
        """The users the oauth-proxy accepts (the default user when the scenario declares none)."""
        self._parts()
        return list(self.auth.users)

    def add_package(self, folder: str | Path, *, git: Optional[str] = None,
                    dataset: Optional[str] = None, ref: Optional[str] = None) -> None:
        """Map a base package's git URL (optionally branch/tag/commit) or dataset to a folder."""
        self.sources.add(folder, git=git, dataset=dataset, ref=ref)

    # ------------------------------------------------------------------ lazily built parts
    def _parts(self) -> dict[str, Any]:
        with self._lock:
            if self._built is None:
                self._built = self._build()
            return self._built

    def _build(self) -> dict[str, Any]:
        from simulator.st4sd.datastore import Datastore
        from simulator.st4sd.registry import Registry
        from simulator.st4sd.routes import datastore as ds_routes, runtime_service
        from simulator.st4sd.runtime import Runtime, RuntimeSettings

        if not self._users_declared and not self.auth.users:
            self.auth.add(**DEFAULT_USER)
        settings = RuntimeSettings(**{k: v for k, v in self.settings.items()
                                      if k in RuntimeSettings.__dataclass_fields__})
        if self._runtime_choice is not None:
            settings.runtime = self._runtime_choice
        datastore = Datastore()
        datastore.register_gateway(settings.gateway_id, None, settings.gateway_id)
        internal = weakref.WeakMethod(self.internal_urls)  # the finalizer below holds runtime
        runtime = Runtime(self.clock, datastore, settings, rng=self.rng,
                          internal_urls=lambda: internal()())
        # clean the instance directories when the platform is garbage-collected or at exit
        weakref.finalize(self, runtime.close)
        endpoints, rules = {}, []
        for table in runtime_service.TABLES + ds_routes.TABLES:
            for route in table.routes:
                path = f"/{route.service}{route.path}"
                for method in route.methods:
                    endpoints[(path, method)] = route.handler
                rules.append(Rule(path, endpoint=path, methods=list(route.methods)))
        merged: dict[str, set] = {}
        for rule in rules:
            merged.setdefault(rule.rule, set()).update(rule.methods or ())
        url_map = Map([Rule(p, endpoint=p, methods=sorted(m)) for p, m in merged.items()])
        return {"registry": Registry(self.sources, self.clock.now, runtime.venv),
                "datastore": datastore,
                "runtime": runtime, "urls": url_map.bind("st4sd"), "endpoints": endpoints}

    @property
    def registry(self):
        return self._parts()["registry"]

    @property
    def datastore(self):
        return self._parts()["datastore"]

    @property
    def runtime(self):
        return self._parts()["runtime"]

    def runtime_owns(self, path: str) -> bool:
        root = self.runtime._root
        return root is not None and str(path).startswith(str(root))

    def close(self) -> None:
        """Stop running instances and delete their directories (idempotent)."""
        with self._lock:
            built = self._built
            internal, self._internal = self._internal, None
        if built is not None:
            built["runtime"].close()
        if internal is not None:
            internal.stop()

    def internal_urls(self) -> tuple[str, str]:
        """(mongo-proxy, gateway registry) as elaunch.py reaches them from inside the cluster,
        without the oauth-proxy: a loopback server of this platform's datastore, started on first
        use (``--useMemoization=yes`` runs query it for cached components)."""
        from simulator.transports.server import ServerMode

        with self._lock:
            if self._internal is None:
                self._internal = ServerMode(self._handle_internal, "127.0.0.1", 0).start()
            base = self._internal.url + self.prefix
        return f"{base}/ds-mongodb-proxy", f"{base}/ds-registry"

    def _handle_internal(self, request: Request) -> Response:
        path = request.path[len(self.prefix):] if request.path.startswith(self.prefix) else "/"
        if path.strip("/").split("/", 1)[0] not in SERVICES[1:]:
            from simulator.st4sd.routes import jsonify
            return jsonify({"message": NOT_FOUND}, 404)
        return self.handle(request, internal=True)

    # ------------------------------------------------------------------ entry point
    @staticmethod
    def error_response(status: int) -> Response:
        """What the services answer for an unhandled error (flask-restx behind the proxy)."""
        return Response.json({"message": "Internal Server Error"}, status)

    def handle(self, request: Request, internal: bool = False) -> Response:
        """``internal``: from inside the cluster (the datastore's services only, no proxy)."""
        from simulator.st4sd.routes import Ctx, jsonify

        try:
            parts = self._parts()
            if not internal:
                self.auth.identify(request)
            path = request.path[len(self.prefix):] or "/"
            service = path.strip("/").split("/", 1)[0]
            if service not in SERVICES:
                path = "/rs" + path  # nginx: everything else goes to the runtime service
            ctx = Ctx(self, request, self._origin(request))
            return self._dispatch(parts, ctx, path)
        except ST4SDError as exc:
            return jsonify(exc.body(), exc.status)
        except HttpError as exc:
            body = exc.body if isinstance(exc.body, dict) else {"message": str(exc.body)}
            return jsonify(body, exc.status)
        except Exception:  # flask-restx's answer to anything unhandled
            log.exception("unexpected error answering %s %s", request.method, request.path)
            return jsonify({"message": "Internal Server Error"}, 500)

    def _origin(self, request: Request) -> str:
        host = request.headers.get("Host")
        if host:
            scheme = request.headers.get("X-Forwarded-Proto", "http")
            return f"{scheme}://{host}{self.prefix}"
        return self.url + self.prefix

    def _dispatch(self, parts: dict, ctx, path: str) -> Response:
        from simulator.st4sd.routes import jsonify

        method = "GET" if ctx.request.method == "HEAD" else ctx.request.method
        try:
            endpoint, params = parts["urls"].match(path, method)
        except RouteNotFound:
            return jsonify({"message": NOT_FOUND}, 404)
        except RequestRedirect as exc:
            from urllib.parse import urlsplit
            location = self.prefix + urlsplit(exc.new_url).path
            if ctx.request.query_string:
                location += "?" + ctx.request.query_string
            return Response(308, b"", [("Location", location)])
        except MethodNotAllowed as exc:
            allowed = ", ".join(sorted(set(exc.valid_methods or []) | {"OPTIONS"}))
            if method == "OPTIONS":
                return Response(200, b"", [("Allow", allowed)])
            response = jsonify({"message": "The method is not allowed for the requested URL."}, 405)
            response.headers.append(("Allow", allowed))
            return response
        result = parts["endpoints"][(endpoint, method)](ctx, **params)
        if isinstance(result, Response):
            return result
        body, status = result
        return jsonify(body, status)

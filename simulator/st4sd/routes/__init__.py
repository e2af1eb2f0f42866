"""The HTTP layer of the simulated ST4SD services: thin handlers over the models.

Each module declares routes on a :class:`RouteTable` for one service; a handler receives a
:class:`Ctx` and the URL parameters and returns ``(body, status)`` or a ready
:class:`~simulator.core.http.Response`.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional

from simulator.core.http import Request, Response

if TYPE_CHECKING:
    from simulator.st4sd.platform import ST4SDPlatform


@dataclass
class Route:
    service: str      # "rs", "ds-mongodb-proxy", "ds-registry", "ds-gateway"
    path: str         # werkzeug rule, relative to the service
    methods: tuple[str, ...]
    handler: Callable[..., Any]


@dataclass
class RouteTable:
    service: str
    routes: list[Route] = field(default_factory=list)

    def route(self, path: str, *methods: str):
        def register(fn):
            self.routes.append(Route(self.service, path, tuple(m.upper() for m in methods), fn))
            return fn

        return register


@dataclass
class Ctx:
    platform: "ST4SDPlatform"
    request: Request
    origin: str  # e.g. http://127.0.0.1:7601/st4sd: what this caller reaches the platform as

    def url(self, service: str) -> str:
        return f"{self.origin}/{service}"

    def arg(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.request.args.get(name, default)

    def json(self, force: bool = False) -> Any:
        """Flask's get_json(); ``force`` ignores the content type (the datastore services do)."""
        if force:
            try:
                return json.loads(self.request.body or b"null")
            except ValueError:
                from simulator.st4sd.errors import BadRequest
                raise BadRequest("Failed to decode JSON object: the request body is not valid JSON")
        return self.request.json()


def text(body: str, status: int = 200, content_type: str = "text/html; charset=utf-8") -> Response:
    return Response(status, body.encode("utf-8"), [("Content-Type", content_type)])


def jsonify(payload: Any, status: int = 200) -> Response:
    """flask-restx's JSON: compact keys as given, a trailing newline."""
    return Response(status, (json.dumps(payload) + "\n").encode("utf-8"),
                    [("Content-Type", "application/json")])

"""Route tables: each resource module declares its endpoints with who may call them; the app
collects the tables into one werkzeug URL map."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable, Optional

if TYPE_CHECKING:
    from simulator.vantage6.api_doc import Doc

# Who may call: None = no token needed; "refresh" = a refresh token; else a tuple of client types.
Who = Optional[tuple[str, ...] | str]
USER_NODE_CONTAINER = ("user", "node", "container")
USER_NODE = ("user", "node")
USER = ("user",)
NODE = ("node",)
USER_CONTAINER = ("user", "container")


@dataclass
class Endpoint:
    path: str
    method: str
    handler: Callable[..., Any]
    who: Who
    # the real resource wraps its identity check in @handle_exceptions (5.x: DELETE /node/<id>)
    handles_exceptions: bool = False
    doc: Optional["Doc"] = None  # its OpenAPI part (query, bodies, success status)
    served: bool = True  # False: a real route the simulator answers with a 501


@dataclass
class RouteTable:
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(self, path: str, method: str, who: Who = USER_NODE_CONTAINER,
              handles_exceptions: bool = False, doc: Optional["Doc"] = None,
              served: bool = True):
        def register(fn):
            self.endpoints.append(Endpoint(path, method.upper(), fn, who, handles_exceptions,
                                           doc, served))
            return fn

        return register

    def reuse(self, entries: Iterable[tuple[str, str, Callable[..., Any], Who]]) -> None:
        """Serve handlers written for another table: (path, method, handler, who) each, e.g.
        the 4.x handlers whose checks a later version shares."""
        for path, method, handler, who in entries:
            self.route(path, method, who=who)(handler)

"""Route tables: each resource module declares its endpoints with who may call them; the app
collects the tables into one werkzeug URL map."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

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


@dataclass
class RouteTable:
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(self, path: str, method: str, who: Who = USER_NODE_CONTAINER):
        def register(fn):
            self.endpoints.append(Endpoint(path, method.upper(), fn, who))
            return fn

        return register

"""The vantage6 dialects a network can speak, each one object chosen once when the server is built.

A profile says what differs between vantage6 major versions: its REST route tables and the context
their handlers get, the serializer of its shapes, what its nodes put in an algorithm's environment,
how its algorithm containers are entered, and how its Socket.IO server words events and bad
tokens. Everything else reads the profile instead of testing a version string.

    profile = get_profile("3.x")          # "4.x" (default), "3.x", "5.x"

Each profile lives in its own package (4.x here and in ``resources/``, 3.x in ``v3/``, 5.x in
``v5/``) and is imported on first use, so a process that never speaks 3.x never imports it.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Callable, Optional

if TYPE_CHECKING:
    from simulator.core.events import Event
    from simulator.vantage6.routing import RouteTable

# profile name -> "module:attribute" of its Profile object
_REGISTRY = {
    "4.x": "simulator.vantage6.profiles:V4",
    "3.x": "simulator.vantage6.v3.profile:V3",
    "5.x": "simulator.vantage6.v5.profile:V5",
}
NAMES = tuple(_REGISTRY)
# the variable a node sets in an algorithm's environment so that an isolated run's entrypoint
# enters the container the way the profile's images do
RUNTIME_VARIABLE = "SIMULATOR_V6_PROFILE"


class Profile:
    """The 4.x dialect (vantage6-server 4.15.2); other profiles override what differs."""

    name = "4.x"
    version = "4.15.2"  # what GET /version answers
    default_api_path = "/api"
    encodes_environment = True  # a 4.x node base64-encodes the container's variables
    refuses_bad_socket_token = False  # 4.x keeps the socket and emits expired_token
    node_profile = "4.x"  # the dialect of the node API its simulated nodes speak
    unexpected_message = "An unexpected error occurred on the server!"  # the generic 500

    # ------------------------------------------------------------------ the server
    def make_state(self, clock) -> Any:
        from simulator.vantage6.state import State

        return State(clock)

    def make_identity(self, server) -> Any:
        """Who calls: the server's own HS256 tokens (flask-jwt-extended)."""
        from simulator.vantage6.identity import TokenIdentity

        return TokenIdentity(server)

    def default_node_name(self, organization, collaboration) -> str:
        """The name a scenario node gets when it has none."""
        return f"{organization.name} - {collaboration.name} Node"

    def after_scenario(self, server) -> None:
        """What a deployment adds once a scenario's records exist (5.x: Keycloak accounts)."""
        return None

    def bootstrap(self, server, username: Optional[str], password: str) -> None:
        """What a fresh server creates: organization 'root' and user root/root."""
        server.state.bootstrap_root(password, *server.root_ids)

    def user_client(self, network, username: str, password: Optional[str]) -> Any:
        """The real UserClient of this version, signed in to ``network`` (in process)."""
        from urllib.parse import urlsplit

        from vantage6.client import UserClient

        parts = urlsplit(network.url)
        client = UserClient(f"{parts.scheme}://{parts.hostname}", parts.port or 80,
                            network.vantage6.api_path, log_level="warn")
        client.authenticate(username, password)
        client.setup_encryption(None)
        return client

    def route_tables(self) -> list["RouteTable"]:
        from simulator.vantage6.resources import ROUTE_TABLES

        return ROUTE_TABLES

    def context_type(self) -> type:
        from simulator.vantage6.context import Ctx

        return Ctx

    def client_serializer(self, api_path: str) -> Any:
        """The serializer of the shapes clients see (the node API keeps the 4.x ones)."""
        from simulator.vantage6.serialize import Serializer

        return Serializer(api_path)

    # ------------------------------------------------------------------ nodes and algorithms
    def node_class(self) -> type:
        """The simulated node of this profile's networks."""
        from simulator.vantage6.node.simulated_node import SimulatedNode

        return SimulatedNode

    def node_environment(self, env: dict[str, str], task: dict) -> dict[str, str]:
        """The container's variables as this profile's node hands them over."""
        from simulator.vantage6.runtime.environment import encode_environment

        env = encode_environment(env)
        env[RUNTIME_VARIABLE] = self.name
        return env

    def algorithm_entry(self, module: str) -> Callable[[], None]:
        """What the profile's algorithm image runs, made fit to run in this process:
        ``wrap_algorithm()`` of the 4.x tools."""
        from simulator.vantage6.runtime.executors import wrap_algorithm_v4

        return wrap_algorithm_v4()

    def run_container(self, module: str) -> None:
        """An isolated run's process (``runtime/entrypoint.py``): ``wrap_algorithm()`` with the
        node's on-disk cache of parsed databases in front of ``load_data``."""
        from vantage6.algorithm.tools.util import get_env_var
        from vantage6.algorithm.tools.wrap import wrap_algorithm

        from simulator.vantage6.runtime import data_cache
        from simulator.vantage6.runtime.executors import CACHE_VARIABLE

        folder = get_env_var(CACHE_VARIABLE)
        if folder:
            data_cache.install()
            data_cache._current.set(data_cache.DiskCache(folder))
        wrap_algorithm()

    def socket_caller(self, server, authorization: Optional[str]) -> Any:
        """Who connects to the socket, by the ``Authorization`` header of the handshake."""
        token = server.tokens.token_from_header(authorization)
        return server.caller_from_claims(server.tokens.decode(token))

    def socket_token_event(self, problem: Exception) -> Optional[str]:
        """What the socket tells a client whose token was refused (server/websockets.py
        on_connect, 4.x and 5.x alike): ``expired_token`` for an expired token,
        ``invalid_token`` for a bad signature; any other bad token leaves a connected socket
        that hears nothing."""
        message = getattr(problem, "body", None) or {}
        message = message.get("msg") if isinstance(message, dict) else None
        return {"Token has expired": "expired_token",
                "Signature verification failed": "invalid_token"}.get(message)

    def socket_greeting(self, kind: str) -> list[str]:
        """Events a client hears as it connects, before its rooms' messages."""
        return []

    def socket_events(self, event: "Event", state: Any) -> list[tuple[str, Any]]:
        """A trace event as this profile's Socket.IO server emits it."""
        return [(event.name, dict(event.data))]

    def __repr__(self) -> str:
        return f"<vantage6 profile {self.name}>"


V4 = Profile()
_loaded: dict[str, Profile] = {}


def get_profile(name: str | Profile | None) -> Profile:
    """The profile of a name (None: 4.x); a Profile is returned as it is."""
    if isinstance(name, Profile):
        return name
    name = name or "4.x"
    profile = _loaded.get(name)
    if profile is None:
        if name not in _REGISTRY:
            raise ValueError(f"profile must be one of {NAMES}, not {name!r}")
        module, attribute = _REGISTRY[name].split(":")
        profile = _loaded[name] = getattr(importlib.import_module(module), attribute)
    return profile


def profile_of_environment(environment: dict[str, str]) -> Profile:
    """The profile whose node prepared a container environment (an isolated run's entrypoint)."""
    return get_profile(environment.get(RUNTIME_VARIABLE) or "4.x")

"""The 5.x profile object: HQ 5.0.3's REST contract over 5.x records, Keycloak sign-in (the
network's simulated realm), 5.x simulated nodes with sessions and dataframes, the 5.x
algorithm tools' ``wrap_algorithm``, and 5.x socket events."""
from __future__ import annotations

from typing import Any, Callable, Optional

from simulator.vantage6.profiles import Profile

# the realm and clients a 5.x deployment uses (vantage6 cli templates)
REALM = "vantage6"
USER_CLIENT = "public_client"
ADMIN_CLIENT, ADMIN_SECRET = "backend-admin-client", "myadminclientsecret"
ADMIN_USERNAME, ADMIN_PASSWORD = "admin", "admin"


class V5Profile(Profile):
    name = "5.x"
    version = "5.0.3"
    node_profile = "5.x"  # 5.x nodes use the same routes as everyone else
    unexpected_message = "An unexpected error occurred!"
    refuses_bad_socket_token = False

    # ------------------------------------------------------------------ the server
    def make_state(self, clock) -> Any:
        from simulator.vantage6.v5.state import V5State

        return V5State(clock)

    def make_identity(self, server) -> Any:
        from simulator.vantage6.v5.identity import KeycloakIdentity

        if server.keycloak is None:
            raise ValueError("a 5.x server needs the Keycloak realm it trusts (keycloak=...)")
        return KeycloakIdentity(server, server.keycloak.public_key, server.tokens.secret,
                                server.clock)

    def bootstrap(self, server, username: Optional[str], password: Optional[str]) -> None:
        """HQ's start-up: organization 'root' and the root user named as Keycloak's admin user,
        linked to that Keycloak account (made here, as a deployment's realm import makes it),
        whose ``organization_id`` attribute HQ then sets."""
        username = username or ADMIN_USERNAME
        accounts = server.keycloak
        keycloak_id = accounts.ensure_user(username, password or ADMIN_PASSWORD)
        user = server.state.bootstrap_admin(username, keycloak_id, *server.root_ids)
        accounts.set_organization(keycloak_id, user.organization.id)

    def default_node_name(self, organization, collaboration) -> str:
        return f"{organization.name}-{collaboration.name}-node"  # as POST /node names it

    def after_scenario(self, server) -> None:
        """The scenario's users and nodes get their Keycloak accounts, as HQ makes them: a user
        with its ``organization_id`` attribute (its scenario password, not temporary), a node
        the client ``<name>-node-client`` whose secret is the node's api key."""
        accounts, state = server.keycloak, server.state
        for user in state.users.values():
            if user.keycloak_id is None:
                password = server.scenario_passwords.get(user.username)
                state.link_account(user, accounts.create_user(
                    user.username, password, user.organization.id, temporary=False))
        for node_id, setup in server.node_setups.items():
            node = state.nodes.get(node_id)
            if node is not None and node.keycloak_id is None:
                account = accounts.create_service_account(f"{node.name}-node-client", "node",
                                                          secret=setup.api_key)
                state.link_account(node, account.user_id, account.client_uuid)

    def user_client(self, network, username: str, password: Optional[str]) -> Any:
        """The real 5.x UserClient after ``authenticate()``: the device flow, approved as
        ``username`` by the realm (the password is the realm's business)."""
        from vantage6.client import UserClient

        network.keycloak.realm(REALM).device_user = username
        client = UserClient(network.url + network.vantage6.api_path, network.url,
                            log_level="warn")
        client.authenticate()
        return client

    def route_tables(self):
        from simulator.vantage6.v5.resources import ROUTE_TABLES

        return ROUTE_TABLES

    def context_type(self) -> type:
        from simulator.vantage6.v5.context import V5Ctx

        return V5Ctx

    def client_serializer(self, api_path: str) -> Any:
        from simulator.vantage6.v5.serialize import V5Serializer

        return V5Serializer(api_path)

    # ------------------------------------------------------------------ nodes and algorithms
    def node_class(self) -> type:
        from simulator.vantage6.v5.node import SimulatedNode5

        return SimulatedNode5

    def node_environment(self, env: dict[str, str], task: dict) -> dict[str, str]:
        raise NotImplementedError("5.x nodes build their containers' environment themselves")

    def algorithm_entry(self, module: str) -> Callable[[], None]:
        from simulator.vantage6.v5.runtime import wrap_algorithm_v5

        return wrap_algorithm_v5()

    def run_container(self, module: str) -> None:
        from simulator.vantage6.v5.runtime import run_container

        run_container()

    def socket_caller(self, server, authorization: Optional[str]) -> Any:
        parts = (authorization or "").split()
        token = parts[1] if len(parts) == 2 and parts[0] == "Bearer" else ""
        return server.identity.caller_from_token(token)

    def socket_greeting(self, kind: str) -> list[str]:
        return ["sync"] if kind == "node" else []  # a node syncs its queue on every connect

    def socket_events(self, event, state) -> list[tuple[str, Any]]:
        if event.name == "new_task":
            return [("new_task_update", dict(event.data))]
        return [(event.name, dict(event.data))]


V5 = V5Profile()

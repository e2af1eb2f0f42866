"""What HQ 5.x asks of Keycloak: the realm's public key, and the accounts of its users and nodes
(backend/common/auth.py). A real HQ goes through Keycloak's admin REST API; the simulated HQ
calls the network's realm directly, with the same effects (contract: docs/v5/contract-auth.md §6).

    user        -> a Keycloak user (temporary password, ``organization_id`` attribute)
    node        -> client ``<name>-node-client`` with a service account; its secret is the api key
    service account user -> client ``<username>-user-client``; its secret is shown once
Both clients carry the hardcoded ``vantage6_client_type`` claim HQ reads from their tokens.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from cryptography.hazmat.primitives.serialization import load_pem_public_key

from simulator.keycloak.errors import KeycloakError as RealmError

CLIENT_TYPE_CLAIM = "vantage6_client_type"


class AccountError(Exception):
    """Keycloak refused an admin call (python-keycloak raises ``KeycloakError``); HQ answers
    with its own message for each call."""


@dataclass(frozen=True)
class ServiceAccount:
    client_uuid: str  # Keycloak's internal id of the client (``keycloak_client_id``)
    secret: str
    user_id: str  # the service-account user (``keycloak_id``)


class KeycloakAccounts:
    def __init__(self, realm: Any) -> None:
        self.realm = realm
        self._key: Any = None

    def public_key(self) -> Any:
        """The realm's key as HQ loads it at start-up (rotating it needs a restart there)."""
        if self._key is None:
            self._key = load_pem_public_key(self.realm.public_key_pem.encode())
        return self._key

    # ------------------------------------------------------------------ users
    def ensure_user(self, username: str, password: Optional[str]) -> str:
        user = self.realm.find_user(username) or self.realm.add_user(username, password=password)
        return user.id

    def set_organization(self, keycloak_id: str, organization_id: int) -> None:
        user = self.realm.user_by_id(keycloak_id)
        if user is not None:
            user.attributes["organization_id"] = [str(organization_id)]

    def create_user(self, username: str, password: str, organization_id: int,
                    temporary: bool = True) -> str:
        """``create_user`` with HQ's payload; an existing username is Keycloak's 409."""
        try:
            user = self.realm.add_user(username, password=password,
                                       temporary_password=temporary,
                                       attributes={"organization_id": [str(organization_id)]})
        except RealmError as exc:
            raise AccountError(str(exc)) from exc
        return user.id

    def user_exists(self, username: str) -> bool:
        return self.realm.find_user(username) is not None

    def delete_user(self, keycloak_id: Optional[str]) -> None:
        """``DELETE users/{id}``: 404 (an error) for an id the realm does not know."""
        if not keycloak_id or self.realm.user_by_id(keycloak_id) is None:
            raise AccountError(f"no user {keycloak_id!r} in the realm")
        self.realm.remove_user(keycloak_id)

    # ------------------------------------------------------------------ service accounts
    def create_service_account(self, client_name: str, client_type: str,
                               secret: Optional[str] = None) -> ServiceAccount:
        """A confidential client with a service account and the ``vantage6_client_type``
        claim; a clientId already taken is Keycloak's 409."""
        try:
            client = self.realm.add_client(client_name, secret=secret, service_accounts=True,
                                           standard_flow=False,
                                           claims={CLIENT_TYPE_CLAIM: client_type})
        except RealmError as exc:
            raise AccountError(str(exc)) from exc
        account = self.realm.service_account(client)
        return ServiceAccount(client.id, client.secret, account.id)

    def client_exists(self, client_name: str) -> bool:
        return self.realm.find_client(client_name) is not None

    def delete_client(self, client_uuid: Optional[str]) -> None:
        """``DELETE clients/{uuid}`` (its service-account user goes with it): 404 for a client
        the realm does not know, e.g. one deleted before."""
        client = self.realm.client_by_uuid(client_uuid) if client_uuid else None
        if client is None:
            raise AccountError(f"no client {client_uuid!r} in the realm")
        self.realm.remove_client(client.client_id)

    def regenerate_secret(self, client_uuid: Optional[str]) -> str:
        client = self.realm.client_by_uuid(client_uuid) if client_uuid else None
        if client is None:
            raise AccountError(f"no client {client_uuid!r} in the realm")
        return self.realm.regenerate_secret(client.client_id)

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

CLIENT_TYPE_CLAIM = "vantage6_client_type"


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
        user = self.realm.add_user(username, password=password, temporary_password=temporary,
                                   attributes={"organization_id": [str(organization_id)]})
        return user.id

    def user_exists(self, username: str) -> bool:
        return self.realm.find_user(username) is not None

    def delete_user(self, keycloak_id: Optional[str]) -> None:
        if keycloak_id and self.realm.user_by_id(keycloak_id) is not None:
            self.realm.remove_user(keycloak_id)

    # ------------------------------------------------------------------ service accounts
    def create_service_account(self, client_name: str, client_type: str,
                               secret: Optional[str] = None) -> ServiceAccount:
        client = self.realm.add_client(client_name, secret=secret, service_accounts=True,
                                       standard_flow=False,
                                       claims={CLIENT_TYPE_CLAIM: client_type})
        account = self.realm.service_account(client)
        return ServiceAccount(client.id, client.secret, account.id)

    def client_exists(self, client_name: str) -> bool:
        return self.realm.find_client(client_name) is not None

    def delete_client(self, client_uuid: Optional[str]) -> None:
        client = self.realm.client_by_uuid(client_uuid) if client_uuid else None
        if client is not None:
            self.realm.remove_client(client.client_id)

    def regenerate_secret(self, client_uuid: str) -> str:
        client = self.realm.client_by_uuid(client_uuid)
        return self.realm.regenerate_secret(client.client_id)

"""Realms as the platforms deploy them.

``vantage6_realm``: what the vantage6 5.x templates and the auth chart's realm import set up
(``docs/v5/contract-auth.md`` §8): realm ``vantage6``; ``public_client`` (public, device grant,
the ``vantage6_client_type: user`` mapper); the HQ admin client ``backend-admin-client`` /
``myadminclientsecret`` with a service account; the root user ``admin`` / ``admin``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.keycloak.entities import mapper
from simulator.keycloak.realm import Realm

if TYPE_CHECKING:
    from simulator.keycloak.platform import Keycloak

CLIENT_TYPE = "vantage6_client_type"


def vantage6_realm(keycloak: "Keycloak", name: str = "vantage6", *,
                   admin_username: str = "admin", admin_password: str = "admin",
                   admin_client: str = "backend-admin-client",
                   admin_secret: str = "myadminclientsecret",
                   user_client: str = "public_client") -> Realm:
    realm = keycloak.add_realm(name, default_roles=[f"default-roles-{name}", "offline_access",
                                                    "uma_authorization"],
                               default_client=user_client, admin_clients=[admin_client])
    # the chart's public_client; direct access grants on as a convenience for tests
    realm.add_client(user_client, public=True, device_grant=True, direct_access=True,
                     mappers=[mapper(CLIENT_TYPE, CLIENT_TYPE, "user")])
    realm.add_client(admin_client, secret=admin_secret, service_accounts=True,
                     standard_flow=False)
    realm.add_user(admin_username, password=admin_password, email=f"{admin_username}@vantage6.org",
                   first_name="Admin", last_name="Admin")
    return realm

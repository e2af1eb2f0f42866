"""A simulated Keycloak for every network: realms with users, clients (service accounts, secrets,
hardcoded-claim mappers), RS256 access tokens and HS512 refresh tokens on the network's clock,
the OIDC endpoints (password, refresh, client credentials and device grants), a device
verification page and the admin REST API vantage6 HQ 5.x calls. See ``platform.py``."""
from simulator.keycloak.entities import Client, DeviceCode, User, mapper
from simulator.keycloak.errors import TokenError
from simulator.keycloak.platform import Keycloak
from simulator.keycloak.presets import vantage6_realm
from simulator.keycloak.realm import Realm

__all__ = ["Client", "DeviceCode", "Keycloak", "Realm", "TokenError", "User", "mapper",
           "vantage6_realm"]

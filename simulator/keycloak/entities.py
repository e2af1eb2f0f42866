"""The records a realm holds (users, clients, device codes, sessions) and their admin-API
representations, shaped as Keycloak's ``UserRepresentation`` / ``ClientRepresentation``.

No HTTP here and no rules beyond a record's own: the realm (``realm.py``) decides who may do what.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

DEVICE_GRANT = "oauth2.device.authorization.grant.enabled"
HARDCODED = "oidc-hardcoded-claim-mapper"
USER_ATTRIBUTE = "oidc-usermodel-attribute-mapper"
SERVICE_ACCOUNT_PREFIX = "service-account-"


def truthy(value: Any) -> bool:
    """Java's ``Boolean.parseBoolean``: only "true", in any case (``exact=True`` from python)."""
    return str(value).strip().lower() == "true"


@dataclass
class User:
    id: str
    username: str                       # lowercase, as Keycloak stores it
    created: int                        # createdTimestamp, ms on the network's clock
    email: Optional[str] = None
    first_name: Optional[str] = None
    last_name: Optional[str] = None
    enabled: bool = True
    email_verified: bool = False
    attributes: dict[str, list[str]] = field(default_factory=dict)
    roles: list[str] = field(default_factory=list)      # realm roles, as in realm_access
    password: Optional[str] = None
    required_actions: list[str] = field(default_factory=list)
    service_account_client_id: Optional[str] = None     # the clientId it is the account of

    @property
    def sub(self) -> str:
        return self.id

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def representation(self) -> dict:
        rep: dict[str, Any] = {"id": self.id, "username": self.username}
        for key, value in (("firstName", self.first_name), ("lastName", self.last_name),
                           ("email", self.email)):
            if value is not None:
                rep[key] = value
        rep["emailVerified"] = self.email_verified
        if self.attributes:
            rep["attributes"] = {k: list(v) for k, v in self.attributes.items()}
        rep.update({"createdTimestamp": self.created, "enabled": self.enabled, "totp": False,
                    "disableableCredentialTypes": [],
                    "requiredActions": list(self.required_actions), "notBefore": 0,
                    "access": {"manageGroupMembership": True, "view": True, "mapRoles": True,
                               "impersonate": True, "manage": True}})
        if self.service_account_client_id:
            rep["serviceAccountClientId"] = self.service_account_client_id
        return rep


def mapper(name: str, claim: str, value: Any, *, access: bool = True, id_token: bool = False,
           userinfo: bool = False, json_type: str = "String") -> dict:
    """An ``oidc-hardcoded-claim-mapper``, as vantage6's realm import and HQ write them."""
    return {"name": name, "protocol": "openid-connect", "protocolMapper": HARDCODED,
            "config": {"claim.name": claim, "claim.value": str(value),
                       "access.token.claim": str(access).lower(),
                       "id.token.claim": str(id_token).lower(),
                       "userinfo.token.claim": str(userinfo).lower(),
                       "jsonType.label": json_type}}


@dataclass
class Client:
    id: str                             # the internal uuid (admin URLs, HQ's keycloak_client_id)
    client_id: str
    secret: Optional[str] = None        # None for public clients
    public: bool = False
    enabled: bool = True
    service_accounts: bool = False
    standard_flow: bool = True
    direct_access: bool = False
    name: Optional[str] = None
    attributes: dict[str, str] = field(default_factory=dict)
    mappers: list[dict] = field(default_factory=list)
    service_account_user_id: Optional[str] = None

    @property
    def device_grant(self) -> bool:
        return truthy(self.attributes.get(DEVICE_GRANT, "false"))

    def representation(self) -> dict:
        rep: dict[str, Any] = {"id": self.id, "clientId": self.client_id}
        if self.name is not None:
            rep["name"] = self.name
        rep.update({"surrogateAuthRequired": False, "enabled": self.enabled,
                    "clientAuthenticatorType": "client-secret"})
        if not self.public and self.secret is not None:
            rep["secret"] = self.secret
        rep.update({"redirectUris": [], "webOrigins": [], "notBefore": 0, "bearerOnly": False,
                    "consentRequired": False, "standardFlowEnabled": self.standard_flow,
                    "implicitFlowEnabled": False, "directAccessGrantsEnabled": self.direct_access,
                    "serviceAccountsEnabled": self.service_accounts,
                    "publicClient": self.public, "frontchannelLogout": True,
                    "protocol": "openid-connect",
                    "attributes": {DEVICE_GRANT: "false", **self.attributes},
                    "fullScopeAllowed": True, "protocolMappers": [dict(m) for m in self.mappers],
                    "defaultClientScopes": ["web-origins", "acr", "profile", "roles", "basic",
                                            "email"],
                    "optionalClientScopes": ["address", "phone", "offline_access",
                                             "organization", "microprofile-jwt"],
                    "access": {"view": True, "configure": True, "manage": True}})
        return rep


# ---------------------------------------------------------------------- protocol mappers
_UNESCAPED_DOT = re.compile(r"(?<!\\)\.")


def _typed(value: Any, label: Optional[str]) -> Any:
    """``OIDCAttributeMapperHelper.mapAttributeValue`` for the common ``jsonType.label``s."""
    label = (label or "String").lower()
    try:
        if label == "boolean":
            return truthy(value)
        if label in ("int", "long"):
            return int(value)
        if label == "json":
            return json.loads(value) if isinstance(value, str) else value
    except (TypeError, ValueError):
        return None
    return value


def _put(claims: dict, name: str, value: Any) -> None:
    """A claim name with dots makes nested objects (``a.b``); ``\\.`` is a literal dot."""
    parts = [p.replace("\\.", ".") for p in _UNESCAPED_DOT.split(name)]
    for part in parts[:-1]:
        claims = claims.setdefault(part, {})
    claims[parts[-1]] = value


_TARGETS = {"access": ("access.token.claim", True), "id": ("id.token.claim", False),
            "userinfo": ("userinfo.token.claim", False)}


def mapped_claims(mappers: list[dict], user: User, target: str) -> dict:
    """The claims a client's protocol mappers add to one kind of token. A mapper without the
    access-token flag still maps into access tokens (Keycloak's backwards compatibility)."""
    claims: dict = {}
    flag, default = _TARGETS[target]
    for m in mappers:
        config = m.get("config") or {}
        if not (truthy(config[flag]) if flag in config else default):
            continue
        name = config.get("claim.name")
        if not name:
            continue
        kind = m.get("protocolMapper")
        if kind == HARDCODED:
            value = _typed(config.get("claim.value"), config.get("jsonType.label"))
        elif kind == USER_ATTRIBUTE:
            values = user.attributes.get(config.get("user.attribute", ""), [])
            if not values:
                continue
            if truthy(config.get("multivalued", "false")):
                value = [_typed(v, config.get("jsonType.label")) for v in values]
            else:
                value = _typed(values[0], config.get("jsonType.label"))
        else:
            continue  # other mapper types are kept but map nothing (COVERAGE.md)
        _put(claims, name, value)
    return claims


# ---------------------------------------------------------------------- device codes, sessions
@dataclass
class DeviceCode:
    device_code: str
    user_code: str          # as shown: XXXX-XXXX
    client_id: str
    scope: str
    created: float
    expires_at: float
    interval: int
    status: str = "pending"             # approved | denied
    user_id: Optional[str] = None
    last_poll: Optional[float] = None

    def public(self) -> dict:
        return {"user_code": self.user_code, "client_id": self.client_id,
                "status": self.status, "expires_at": self.expires_at}


@dataclass
class Session:
    id: str
    user_id: str
    client_id: str
    started: float
    last_refresh: float
    scope: str

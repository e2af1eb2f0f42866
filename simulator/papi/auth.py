"""``ai4papi/auth.py`` at HEAD: who the token belongs to, and the level check per VO."""
from __future__ import annotations

import re
from typing import Optional

from simulator.papi.config import LEVELS
from simulator.papi.errors import Crash, Unauthorized
from simulator.keycloak import Realm, TokenError
from simulator.papi.oidc import verify

_ROLE = re.compile(r"^access:(.+):([^:]+)$")


def get_user_info(realm: Realm, token: str) -> dict:
    """``{"id", "issuer", "name", "email", "groups": {level: [vo, ...]}}``; any token problem is
    401 with PyJWT's message."""
    try:
        claims = verify(realm, token)
    except TokenError as exc:
        raise Unauthorized(str(exc))
    groups: dict[str, list[str]] = {}
    for role in (claims.get("realm_access") or {}).get("roles", []) or []:
        match = _ROLE.match(role) if isinstance(role, str) else None
        if match and match.group(2) in LEVELS:
            groups.setdefault(match.group(2), []).append(match.group(1))
    return {"id": claims["sub"], "issuer": claims["iss"], "name": claims["name"],
            "email": claims["email"],
            "groups": {level: groups[level] for level in LEVELS if level in groups}}


def highest_level(auth_info: dict, vo: Optional[str] = None) -> Optional[str]:
    held = [level for level, vos in auth_info["groups"].items() if vo is None or vo in vos]
    return max(held, key=LEVELS.index) if held else None


def check_authorization(auth_info: dict, requested_vo: Optional[str] = None,
                        access_level: str = "ap-u") -> None:
    current = highest_level(auth_info, requested_vo)
    if current is None:
        # AI4OS_LEVELS.index(None): a user without any level in that VO (or an unknown VO)
        # crashes the real PAPI instead of getting a 401
        raise Crash("ValueError: None is not in list")
    if LEVELS.index(current) < LEVELS.index(access_level):
        raise Unauthorized("Your user has not the required access level to use this resource:"
                           f"\n* Current level: {current}\n* Required level: {access_level}")

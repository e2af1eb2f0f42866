"""Device logins over the control plane (``/_simulator/keycloak/<realm>/...``), for tests in
another process: see who is waiting, approve or deny a code, or approve every new one at once.
Errors are ``ValueError``/``KeyError``, which the control plane answers with 400 ``{"msg"}``.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, Optional

if TYPE_CHECKING:
    from simulator.keycloak.platform import Keycloak

_PATH = re.compile(r"^/keycloak/(?P<realm>[^/]+)/(?P<what>device|device_user)$")


def route(keycloak: "Keycloak", method: str, sub: str, body: Any) -> Optional[dict]:
    """The answer to ``method sub`` (``sub`` below ``/_simulator``), or None if no such route."""
    match = _PATH.match(sub)
    if match is None:
        return None
    realm = keycloak.realm(match["realm"])
    body = body if isinstance(body, dict) else {}
    if (match["what"], method) == ("device", "GET"):
        return {"device_user": realm.device_user,
                "codes": [c.public() for c in realm.device_codes.values()]}
    if (match["what"], method) == ("device", "POST"):
        code, username = body.get("user_code"), body.get("username")
        if body.get("deny"):
            if not code:
                raise ValueError('give {"user_code": ..., "deny": true}')
            return {"denied": realm.deny_device(code).public()}
        if not isinstance(username, str):
            raise ValueError('give {"username": ...} (and "user_code", or the next device '
                             'login is approved)')
        if code:
            return {"approved": realm.approve_device(code, username).public()}
        approved = realm.approve_next_device(username)
        return ({"approved": approved.public()} if approved else
                {"msg": f"the next device login is approved as {username}"})
    if (match["what"], method) == ("device_user", "PUT"):
        username = body.get("username")
        if username is not None:
            realm.user(username)
        realm.device_user = username
        return {"device_user": username}
    raise ValueError(f"{method} /_simulator{sub} is not a control-plane route")

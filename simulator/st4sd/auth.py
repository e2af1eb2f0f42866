"""Who may call: the OpenShift oauth-proxy in front of every ST4SD service accepts the
``oauth-proxy`` cookie (an auth token) or an ``Authorization: Bearer`` key."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional

from werkzeug.http import parse_cookie

from simulator.core.http import Request
from simulator.st4sd.errors import Forbidden, Unauthorized

COOKIE = "oauth-proxy"
DEFAULT_USER = {"name": "st4sd", "token": "st4sd-token", "api_key": "st4sd-api-key"}


@dataclass(frozen=True)
class User:
    name: str
    token: Optional[str] = None     # value of the oauth-proxy cookie (ExperimentRestAPI cc_auth_token)
    api_key: Optional[str] = None   # Authorization: Bearer <key> (ExperimentRestAPI cc_bearer_key)


class Auth:
    def __init__(self, enabled: bool = True) -> None:
        self.enabled = enabled
        self._lock = threading.Lock()
        self._by_token: dict[str, User] = {}
        self._by_key: dict[str, User] = {}
        self.users: list[User] = []

    def add(self, name: str, token: Optional[str] = None, api_key: Optional[str] = None) -> User:
        if not token and not api_key:
            raise ValueError(f"ST4SD user {name!r} needs a token or an api_key")
        user = User(name, token, api_key)
        with self._lock:
            if token:
                self._by_token[token] = user
            if api_key:
                self._by_key[api_key] = user
            self.users.append(user)
        return user

    def identify(self, request: Request) -> Optional[User]:
        """The caller, or a 401 (wrong credentials) / 403 (none) as the proxy answers."""
        if not self.enabled:
            return None
        header = request.headers.get("Authorization", "")
        if header:
            scheme, _, key = header.partition(" ")
            if scheme.lower() != "bearer" or key.strip() not in self._by_key:
                raise Unauthorized("Unauthorized: the oauth-proxy rejected the bearer token")
            return self._by_key[key.strip()]
        cookies = parse_cookie(request.headers.get("Cookie", ""))
        token = cookies.get(COOKIE)
        if token is not None:
            if token not in self._by_token:
                raise Unauthorized("Unauthorized: the oauth-proxy rejected the oauth-proxy cookie")
            return self._by_token[token]
        raise Forbidden("Forbidden: sign in through the oauth-proxy (send the oauth-proxy cookie or "
                        "an Authorization: Bearer key)")

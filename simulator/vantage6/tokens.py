"""JWTs as the real server (flask-jwt-extended 4.x over PyJWT) makes and checks them.

Claims, in the real order: fresh, iat, jti, type, sub, nbf, csrf, exp, client_type, roles.
``sub`` is the user/node id (an int) or, for algorithm containers, a dict; container tokens have no exp.
Expiry is checked against the network's clock, so a simulated clock can expire tokens.
"""
from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any, Optional

import jwt

from simulator.core.clock import Clock
from simulator.core.http import HttpError

ALGORITHM = "HS256"
ACCESS_TOKEN_EXPIRES_HOURS = 6
REFRESH_TOKENS_EXPIRE_HOURS = 48
_CACHE_SIZE = 4096


def _unauthorized(msg: str) -> HttpError:
    return HttpError(401, {"msg": msg})


def _invalid(msg: str) -> HttpError:
    return HttpError(422, {"msg": msg})


class TokenService:
    def __init__(self, secret: str, clock: Clock,
                 access_seconds: int = ACCESS_TOKEN_EXPIRES_HOURS * 3600,
                 refresh_seconds: int = REFRESH_TOKENS_EXPIRE_HOURS * 3600) -> None:
        self.secret = secret
        self.clock = clock
        self.access_seconds = access_seconds
        self.refresh_seconds = refresh_seconds
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self._cache_lock = threading.Lock()

    # ------------------------------------------------------------------ issuing
    def _encode(self, sub: Any, token_type: str, client_type: str, roles: list[str],
                expires: Optional[int]) -> str:
        now = int(self.clock.timestamp())
        claims: dict[str, Any] = {"fresh": False, "iat": now, "jti": str(uuid.uuid4()),
                                  "type": token_type, "sub": sub, "nbf": now,
                                  "csrf": str(uuid.uuid4())}
        if expires:
            claims["exp"] = now + expires
        claims["client_type"] = client_type
        claims["roles"] = roles
        return jwt.encode(claims, self.secret, algorithm=ALGORITHM)

    def access_token(self, sub: Any, client_type: str, roles: list[str]) -> str:
        return self._encode(sub, "access", client_type, roles, self.access_seconds)

    def refresh_token(self, sub: Any, client_type: str, roles: list[str]) -> str:
        return self._encode(sub, "refresh", client_type, roles, self.refresh_seconds)

    def container_token(self, sub: dict) -> str:
        return self._encode(sub, "access", "container", [], None)

    # ------------------------------------------------------------------ checking
    @staticmethod
    def token_from_header(authorization: Optional[str]) -> str:
        """flask-jwt-extended's ``_decode_jwt_from_headers`` with its exact messages."""
        header = (authorization or "").strip().strip(",")
        if not header:
            raise _unauthorized("Missing Authorization Header")
        candidates = [s for s in (p.strip() for p in header.split(",")) if s.split()[:1] == ["Bearer"]]
        if len(candidates) != 1:
            raise _unauthorized("Missing 'Bearer' type in 'Authorization' header. "
                                "Expected 'Authorization: Bearer <JWT>'")
        parts = candidates[0].split()
        if len(parts) != 2:
            raise _invalid("Bad Authorization header. Expected 'Authorization: Bearer <JWT>'")
        return parts[1]

    def decode(self, token: str, refresh: bool = False) -> dict:
        claims = self._verified_claims(token)
        if "exp" in claims and claims["exp"] <= self.clock.timestamp():
            raise _unauthorized("Token has expired")
        if not refresh and claims.get("type", "access") == "refresh":
            raise _invalid("Only non-refresh tokens are allowed")
        if refresh and claims.get("type", "access") != "refresh":
            raise _invalid("Only refresh tokens are allowed")
        return claims

    def _verified_claims(self, token: str) -> dict:
        with self._cache_lock:
            claims = self._cache.get(token)
            if claims is not None:
                self._cache.move_to_end(token)
                return claims
        try:
            # Time claims are checked against the network clock (above), not the wall clock.
            claims = jwt.decode(token, self.secret, algorithms=[ALGORITHM],
                                options={"verify_exp": False, "verify_nbf": False,
                                         "verify_iat": False, "verify_aud": False,
                                         "verify_sub": False})
        except jwt.InvalidTokenError as exc:
            raise _invalid(str(exc))
        if "sub" not in claims:
            raise _invalid("Missing claim: sub")
        if claims.get("nbf", 0) > self.clock.timestamp():
            raise _invalid("The token is not yet valid (nbf)")
        with self._cache_lock:
            self._cache[token] = claims
            if len(self._cache) > _CACHE_SIZE:
                self._cache.popitem(last=False)
        return claims

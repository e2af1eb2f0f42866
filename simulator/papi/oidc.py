"""The simulated Keycloak realm PAPI trusts: RS256 tokens for scenario users, their JWKS and an
OIDC discovery document, and a token endpoint (password and refresh grants).

Tokens carry what a real AI4OS Keycloak token carries (``realm_access.roles`` entries
``access:<vo>:<level>``, ``aud`` ``account``, ``sub``, ``name``, ``email`` ...). Verification
follows ``ai4papi/auth.py``: the signing key is looked up by ``kid`` through PyJWT's own
``PyJWKClient``, then ``jwt.decode`` with ``require=[sub, iss, name, email]``; every time claim
is checked against the network's clock, so a simulated clock expires tokens.

The realm signs with one well-known key (``data/realm-key.json``, as moto ships one for Cognito),
loaded once per process on first need, so that ``python -m simulator token`` in one process mints
tokens a ``serve`` in another accepts. The ``kid`` and the users' ``sub`` derive from the issuer,
so a network at another URL refuses the tokens of this one ("Unable to find a signing key that
matches").
"""
from __future__ import annotations

import base64
import hashlib
import json
import random
import threading
import uuid
from pathlib import Path
from dataclasses import dataclass, field
from typing import Any, Iterable, Optional

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from simulator.core.clock import Clock

_KEY_LOCK = threading.Lock()
_PROCESS_KEY: Optional[rsa.RSAPrivateKey] = None


KEY_FILE = Path(__file__).parent / "data" / "realm-key.json"


def process_key() -> rsa.RSAPrivateKey:
    global _PROCESS_KEY
    with _KEY_LOCK:
        if _PROCESS_KEY is None:
            jwk = {k: v for k, v in json.loads(KEY_FILE.read_text()).items()
                   if not k.startswith("_")}
            _PROCESS_KEY = RSAAlgorithm.from_jwk(jwk)
        return _PROCESS_KEY


# PyJWT's time checks, in its order and with its messages, made against the network's clock:
# (claim, error and message when not an integer, the failing test, error and message)
_TIME_CHECKS = (
    ("iat", jwt.InvalidIssuedAtError, "Issued At claim (iat) must be an integer.",
     lambda t, now: t > now, jwt.ImmatureSignatureError, "The token is not yet valid (iat)"),
    ("nbf", jwt.DecodeError, "Not Before claim (nbf) must be an integer.",
     lambda t, now: t > now, jwt.ImmatureSignatureError, "The token is not yet valid (nbf)"),
    ("exp", jwt.DecodeError, "Expiration Time claim (exp) must be an integer.",
     lambda t, now: t <= now, jwt.ExpiredSignatureError, "Signature has expired"),
)


class TokenError(Exception):
    """Any failure to accept a token; ``str()`` is what PyJWT (and so PAPI's 401) says."""


@dataclass
class PapiUser:
    """A person in the realm. ``name`` is the handle tests and the CLI use (``token_for``)."""

    name: str
    sub: str
    full_name: str
    email: str
    roles: list[str] = field(default_factory=list)
    password: Optional[str] = None

    @property
    def given_name(self) -> str:
        return self.full_name.split(" ")[0]

    @property
    def family_name(self) -> str:
        return " ".join(self.full_name.split(" ")[1:])


class _LocalJWKClient(jwt.PyJWKClient):
    """PyJWT's JWKS client, fed from the realm in memory instead of over HTTP."""

    def __init__(self, source) -> None:
        super().__init__("http://simulated-keycloak.invalid/certs", cache_jwk_set=False)
        self._source = source

    def fetch_data(self) -> Any:
        return self._source()


def _b64url_uint(value: int) -> str:
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class Realm:
    def __init__(self, clock: Clock, issuer: str, audience: str = "account",
                 client_id: str = "ai4eosc-dashboard", token_seconds: int = 3600,
                 rng: Optional[random.Random] = None) -> None:
        self.clock = clock
        self.issuer = issuer
        self.audience = audience
        self.client_id = client_id
        self.token_seconds = token_seconds
        self._rng = rng or random.Random()
        digest = hashlib.sha256(issuer.encode()).digest()
        self.kid = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        self.users: dict[str, PapiUser] = {}
        self._jwk_client = _LocalJWKClient(self.jwks)

    # ------------------------------------------------------------------ people
    def add_user(self, name: str, *, roles: Iterable[str] = (), sub: Optional[str] = None,
                 full_name: Optional[str] = None, email: Optional[str] = None,
                 password: Optional[str] = None) -> PapiUser:
        if name in self.users:
            raise ValueError(f"user {name!r} already exists")
        # a stable default sub: the same user of the same realm in every process
        user = PapiUser(name=name, sub=sub or str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                             f"{self.issuer}#{name}")),
                        full_name=full_name or name.replace("-", " ").replace("_", " ").title(),
                        email=email or f"{name}@example.org", roles=list(roles), password=password)
        self.users[name] = user
        return user

    def user(self, name: str) -> PapiUser:
        try:
            return self.users[name]
        except KeyError:
            known = ", ".join(sorted(self.users)) or "none"
            raise KeyError(f"no PAPI user {name!r} (known: {known})") from None

    # ------------------------------------------------------------------ keys
    @property
    def key(self) -> rsa.RSAPrivateKey:
        return process_key()

    def jwks(self) -> dict:
        numbers = self.key.public_key().public_numbers()
        return {"keys": [{"kid": self.kid, "kty": "RSA", "alg": "RS256", "use": "sig",
                          "n": _b64url_uint(numbers.n), "e": _b64url_uint(numbers.e)}]}

    def discovery(self, base: str) -> dict:
        """The ``.well-known/openid-configuration`` of the realm, with endpoints under ``base``
        (the URL the client used, so it works in process and in server mode alike)."""
        oidc = f"{base}/protocol/openid-connect"
        return {"issuer": self.issuer, "token_endpoint": f"{oidc}/token",
                "jwks_uri": f"{oidc}/certs", "userinfo_endpoint": f"{oidc}/userinfo",
                "grant_types_supported": ["password", "refresh_token"],
                "response_types_supported": ["token"], "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "token_endpoint_auth_methods_supported": ["none", "client_secret_post"],
                "scopes_supported": ["openid", "profile", "email"],
                "claims_supported": ["sub", "iss", "aud", "name", "email", "preferred_username",
                                     "given_name", "family_name", "realm_access"]}

    # ------------------------------------------------------------------ minting
    def mint(self, user: PapiUser | str, *, expires_in: Optional[float] = None,
             audience: Optional[str | list] = None, issuer: Optional[str] = None,
             roles: Optional[Iterable[str]] = None, drop: Iterable[str] = (),
             claims: Optional[dict] = None, typ: str = "Bearer") -> str:
        """An access token for ``user``, as Keycloak issues it. The keyword arguments make the
        tokens tests need: expired (``expires_in=-1``), for another audience or issuer, with
        other roles, without some claims (``drop=["email"]``) or with extra ones."""
        user = self.user(user) if isinstance(user, str) else user
        now = int(self.clock.timestamp())
        lifetime = self.token_seconds if expires_in is None else expires_in
        payload: dict[str, Any] = {
            "exp": int(now + lifetime), "iat": now,
            "jti": str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
            "iss": issuer or self.issuer, "aud": audience or self.audience, "sub": user.sub,
            "typ": typ, "azp": self.client_id, "acr": "1",
            "realm_access": {"roles": list(user.roles if roles is None else roles)},
            "scope": "openid profile email", "email_verified": True, "name": user.full_name,
            "preferred_username": user.name, "given_name": user.given_name,
            "family_name": user.family_name, "email": user.email}
        for key in drop:
            payload.pop(key, None)
        payload.update(claims or {})
        return jwt.encode(payload, self.key, algorithm="RS256", headers={"kid": self.kid})

    # ------------------------------------------------------------------ checking
    def verify(self, token: str) -> dict:
        """``auth.get_user_info``'s checks, in PyJWT's order; raises :class:`TokenError`."""
        try:
            signing_key = self._jwk_client.get_signing_key_from_jwt(token)
            # signature and required claims here; time claims against the network's clock
            # below (PyJWT would read the wall clock); then issuer and audience.
            claims = jwt.decode(token, signing_key.key, algorithms=["RS256"],
                                options={"require": ["sub", "iss", "name", "email"],
                                         "verify_exp": False, "verify_iat": False,
                                         "verify_nbf": False, "verify_aud": False,
                                         "verify_iss": False})
            self._check_times(claims)
            jwt.decode(token, algorithms=["RS256"], audience=self.audience, issuer=self.issuer,
                       options={"verify_signature": False, "verify_aud": True,
                                "verify_iss": True})
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise TokenError(str(exc)) from None
        return claims

    def _check_times(self, claims: dict) -> None:
        now = self.clock.timestamp()
        for claim, not_int, not_int_msg, fails, error, msg in _TIME_CHECKS:
            if claim in claims:
                try:
                    value = int(claims[claim])
                except ValueError:
                    raise not_int(not_int_msg)
                if fails(value, now):
                    raise error(msg)

    # ------------------------------------------------------------------ token endpoint
    def grant(self, form: dict[str, str]) -> tuple[int, dict]:
        """Keycloak's token endpoint for the password and refresh_token grants."""
        grant_type = form.get("grant_type")
        if grant_type == "password":
            user = self.users.get(form.get("username", ""))
            if user is None or user.password is None or user.password != form.get("password"):
                return 401, {"error": "invalid_grant",
                             "error_description": "Invalid user credentials"}
        elif grant_type == "refresh_token":
            try:
                claims = self.verify_refresh(form.get("refresh_token", ""))
            except TokenError:
                return 400, {"error": "invalid_grant", "error_description": "Invalid refresh token"}
            user = next((u for u in self.users.values() if u.sub == claims["sub"]), None)
            if user is None:
                return 400, {"error": "invalid_grant", "error_description": "User not found"}
        elif not grant_type:
            return 400, {"error": "invalid_request",
                         "error_description": "Missing form parameter: grant_type"}
        else:
            return 400, {"error": "unsupported_grant_type",
                         "error_description": "Unsupported grant_type"}
        refresh_seconds = 1800
        refresh = self.mint(user, expires_in=refresh_seconds, typ="Refresh", audience=self.issuer)
        return 200, {"access_token": self.mint(user), "expires_in": self.token_seconds,
                     "refresh_expires_in": refresh_seconds, "refresh_token": refresh,
                     "token_type": "Bearer", "not-before-policy": 0,
                     "session_state": str(uuid.UUID(int=self._rng.getrandbits(128), version=4)),
                     "scope": "openid profile email"}

    def verify_refresh(self, token: str) -> dict:
        try:
            key = self._jwk_client.get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=["RS256"], audience=self.issuer,
                                issuer=self.issuer, options={"verify_exp": False})
            self._check_times(claims)
        except (jwt.PyJWTError, ValueError, TypeError) as exc:
            raise TokenError(str(exc)) from None
        if claims.get("typ") != "Refresh":
            raise TokenError("not a refresh token")
        return claims

    def userinfo(self, token: str) -> dict:
        claims = self.verify(token)
        keys = ("sub", "email_verified", "name", "preferred_username", "given_name",
                "family_name", "email")
        return {k: claims[k] for k in keys if k in claims}

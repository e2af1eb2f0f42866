"""PAPI's realm on the simulated Keycloak (``simulator/keycloak``), and the token checks of
``ai4papi/auth.py``.

The realm (``ai4eosc``) is one of the network's Keycloak realms, served both at
``/realms/ai4eosc`` and, as before, under ``/papi/oidc/realms/ai4eosc``. It keeps what PAPI's
tests and tokens always had: a fixed issuer (``<network url>/papi/oidc/realms/ai4eosc`` by
default), users' ``sub`` derived from the issuer (the same in every process), the public
client ``ai4eosc-dashboard`` used when a form names none, only the password and refresh grants,
and RS256 refresh tokens carrying the access token's claims. Tokens carry what a real AI4OS
Keycloak token carries (``realm_access.roles`` entries ``access:<vo>:<level>``, ``aud``
``account``, ``sub``, ``name``, ``email`` ...).

Verification follows ``ai4papi/auth.py``: the signing key is looked up by ``kid`` through
PyJWT's own ``PyJWKClient``, then ``jwt.decode`` with ``require=[sub, iss, name, email]``; every
time claim is checked against the network's clock, so a simulated clock expires tokens.
"""
from __future__ import annotations

import random
import uuid
from typing import Any, Callable, Iterable, Optional

import jwt

from simulator.core.clock import Clock
from simulator.keycloak import Realm, TokenError, User
from simulator.keycloak.tokens import check_times

REALM = "ai4eosc"


def papi_realm(clock: Clock, issuer: str, audience: str = "account",
               client_id: str = "ai4eosc-dashboard", token_seconds: int = 3600,
               rng: Optional[random.Random] = None) -> Realm:
    realm = Realm(REALM, clock, issuer=issuer, rng=rng, audience=audience,
                  token_seconds=token_seconds, default_client=client_id,
                  client_id_optional=True, grant_types={"password", "refresh_token"},
                  refresh_signing="RS256")
    realm.add_client(client_id, public=True, direct_access=True)
    return realm


def add_user(realm: Realm, name: str, *, roles: Iterable[str] = (), sub: Optional[str] = None,
             full_name: Optional[str] = None, email: Optional[str] = None,
             password: Optional[str] = None) -> User:
    """A person of the scenario's ``papi.users``; ``name`` is the handle tests and the CLI use."""
    full = full_name or name.replace("-", " ").replace("_", " ").title()
    first, _, last = full.partition(" ")
    # a stable default sub: the same user of the same realm in every process
    return realm.add_user(name, id=sub or str(uuid.uuid5(uuid.NAMESPACE_URL,
                                                         f"{realm.home_issuer}#{name}")),
                          first_name=first, last_name=last, email=email or f"{name}@example.org",
                          email_verified=True, roles=list(roles), password=password)


class _LocalJWKClient(jwt.PyJWKClient):
    """PyJWT's JWKS client, fed from the realm in memory instead of over HTTP."""

    def __init__(self, source: Callable[[], dict]) -> None:
        super().__init__("http://simulated-keycloak.invalid/certs", cache_jwk_set=False)
        self._source = source

    def fetch_data(self) -> Any:
        return self._source()


def verify(realm: Realm, token: str) -> dict:
    """``auth.get_user_info``'s checks, in PyJWT's order; raises :class:`TokenError`."""
    try:
        signing_key = _LocalJWKClient(realm.jwks).get_signing_key_from_jwt(token)
        # signature and required claims here; time claims against the network's clock
        # below (PyJWT would read the wall clock); then issuer and audience.
        claims = jwt.decode(token, signing_key.key, algorithms=["RS256"],
                            options={"require": ["sub", "iss", "name", "email"],
                                     "verify_exp": False, "verify_iat": False,
                                     "verify_nbf": False, "verify_aud": False,
                                     "verify_iss": False})
        check_times(claims, realm.now())
        jwt.decode(token, algorithms=["RS256"], audience=realm.audience, issuer=realm.issuer,
                   options={"verify_signature": False, "verify_aud": True, "verify_iss": True})
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise TokenError(str(exc), exc) from None
    return claims

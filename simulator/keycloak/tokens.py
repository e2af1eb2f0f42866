"""Token payloads, signing and checking, as Keycloak's ``TokenManager`` shapes them.

Access and ID tokens are RS256 with the realm's signing key; refresh tokens HS512 with its HMAC
key (``typ: Refresh``), so a resource server that only allows RS* refuses them as the real stack
does. Every time claim is written and checked against the network's clock (PyJWT would read the
wall clock), in PyJWT's order and with its messages.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable, Optional

import jwt

from simulator.keycloak.entities import Client, User, mapped_claims
from simulator.keycloak.errors import OAuthError, TokenError
from simulator.keycloak.keys import RealmKeys

if TYPE_CHECKING:
    from simulator.keycloak.realm import Realm

RS_ALGORITHMS = ("RS256", "RS384", "RS512")

# PyJWT's time checks, in its order and with its messages, made against the network's clock:
# (claim, error and message when not an integer, the failing test, error and message)
_TIME_CHECKS = (
    ("iat", jwt.InvalidIssuedAtError, "Issued At claim (iat) must be an integer.",
     lambda t, now, leeway: t > now + leeway, jwt.ImmatureSignatureError,
     "The token is not yet valid (iat)"),
    ("nbf", jwt.DecodeError, "Not Before claim (nbf) must be an integer.",
     lambda t, now, leeway: t > now + leeway, jwt.ImmatureSignatureError,
     "The token is not yet valid (nbf)"),
    ("exp", jwt.DecodeError, "Expiration Time claim (exp) must be an integer.",
     lambda t, now, leeway: t <= now - leeway, jwt.ExpiredSignatureError,
     "Signature has expired"),
)


def check_times(claims: dict, now: float, leeway: float = 0.0) -> None:
    for claim, not_int, not_int_msg, fails, error, msg in _TIME_CHECKS:
        if claim in claims:
            try:
                value = int(claims[claim])
            except (TypeError, ValueError):
                raise not_int(not_int_msg)
            if fails(value, now, leeway):
                raise error(msg)


def sign(payload: dict, keys: RealmKeys, algorithm: str = "RS256") -> str:
    if algorithm.startswith("HS"):
        return jwt.encode(payload, keys.hmac_secret, algorithm=algorithm,
                          headers={"kid": keys.hmac_kid})
    return jwt.encode(payload, keys.private, algorithm=algorithm, headers={"kid": keys.kid})


def decode(token: str, keys: RealmKeys, now: float, *,
           algorithms: Iterable[str] = RS_ALGORITHMS, leeway: float = 0.0,
           kid: Optional[str] = None) -> dict:
    """Signature (realm public key, ``algorithms``) then time claims on the network's clock;
    no audience or issuer check. ``kid``: the key id the header must name (Keycloak finds its
    key by it). Raises :class:`TokenError` with PyJWT's message."""
    try:
        if kid is not None and jwt.get_unverified_header(token).get("kid") != kid:
            raise jwt.InvalidKeyError("Unable to find a signing key that matches the kid")
        claims = jwt.decode(token, keys.public, algorithms=list(algorithms),
                            options={"verify_exp": False, "verify_iat": False,
                                     "verify_nbf": False, "verify_aud": False,
                                     "verify_iss": False})
        check_times(claims, now, leeway)
    except (jwt.PyJWTError, ValueError, TypeError) as exc:
        raise TokenError(str(exc), exc) from None
    return claims


def decode_refresh(token: str, keys: RealmKeys, now: float) -> dict:
    """``TokenManager.verifyRefreshToken``: any undecodable or wrongly signed token is
    ``Invalid refresh token``; an expired one fails ``TokenVerifier.IS_ACTIVE``."""
    invalid = OAuthError("invalid_grant", "Invalid refresh token")
    try:
        alg = jwt.get_unverified_header(token).get("alg")
        key = keys.hmac_secret if str(alg).startswith("HS") else keys.public
        claims = jwt.decode(token, key, algorithms=["HS512", "RS256"],
                            options={"verify_exp": False, "verify_iat": False,
                                     "verify_nbf": False, "verify_aud": False,
                                     "verify_iss": False})
    except (jwt.PyJWTError, ValueError, TypeError):
        raise invalid from None
    if claims.get("typ") not in ("Refresh", "Offline"):
        raise invalid
    if int(claims.get("exp", 0)) <= now:
        raise OAuthError("invalid_grant", "Token is not active")
    return claims


# ---------------------------------------------------------------------- payloads
def profile_claims(user: User) -> dict:
    """The ``profile`` and ``email`` scopes' mappers: only the attributes the user has."""
    out: dict[str, Any] = {"email_verified": user.email_verified}
    if user.first_name is not None or user.last_name is not None:
        out["name"] = user.full_name
    out["preferred_username"] = user.username
    if user.first_name is not None:
        out["given_name"] = user.first_name
    if user.last_name is not None:
        out["family_name"] = user.last_name
    if user.email is not None:
        out["email"] = user.email
    return out


def _base(realm: "Realm", user: User, azp: str, *, now: int, lifetime: float, issuer: str,
          typ: str, audience: Any, sid: Optional[str]) -> dict:
    payload: dict[str, Any] = {"exp": int(now + lifetime), "iat": now, "jti": realm.new_uuid(),
                               "iss": issuer, "aud": audience, "sub": user.id, "typ": typ,
                               "azp": azp}
    if sid is not None:
        payload["sid"] = sid
    return payload


def access_payload(realm: "Realm", user: User, client: Optional[Client], *, now: int,
                   lifetime: float, issuer: str, scope: str, sid: Optional[str] = None,
                   audience: Any = None, roles: Optional[Iterable[str]] = None,
                   typ: str = "Bearer") -> dict:
    azp = client.client_id if client else (realm.default_client or "account")
    payload = _base(realm, user, azp, now=now, lifetime=lifetime, issuer=issuer, typ=typ,
                    audience=audience or realm.audience, sid=sid)
    payload["acr"] = "1"
    payload["realm_access"] = {"roles": list(user.roles if roles is None else roles)}
    payload["scope"] = scope
    payload.update(profile_claims(user))
    if client is not None:
        payload.update(mapped_claims(client.mappers, user, "access"))
    return payload


def id_payload(realm: "Realm", user: User, client: Client, *, now: int, lifetime: float,
               issuer: str, sid: Optional[str]) -> dict:
    payload = _base(realm, user, client.client_id, now=now, lifetime=lifetime, issuer=issuer,
                    typ="ID", audience=client.client_id, sid=sid)
    payload["acr"] = "1"
    payload.update(profile_claims(user))
    payload.update(mapped_claims(client.mappers, user, "id"))
    return payload


def refresh_payload(realm: "Realm", user: User, client: Client, *, now: int, lifetime: float,
                    issuer: str, scope: str, sid: str) -> dict:
    if realm.refresh_signing.startswith("RS"):
        # a realm that signs refresh tokens RS256 (PAPI's, as before) keeps the access claims
        payload = access_payload(realm, user, client, now=now, lifetime=lifetime,
                                 issuer=issuer, scope=scope, sid=sid, audience=issuer,
                                 typ="Refresh")
        return payload
    payload = _base(realm, user, client.client_id, now=now, lifetime=lifetime, issuer=issuer,
                    typ="Refresh", audience=issuer, sid=sid)
    payload["scope"] = scope
    return payload

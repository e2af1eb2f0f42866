"""The OIDC side of a Keycloak server: ``/realms/{realm}/...``, thin handlers over the realm.

``serve(find, request, path, base)`` answers one request; ``path`` starts at ``/realms`` and
``base`` is the server URL the client used (an origin, or PAPI's ``.../papi/oidc``), which every
absolute URL in an answer is built from. Bodies are compact JSON as Jackson writes them. Paths
Keycloak has but the simulator does not serve answer a JSON 501 that says so.
"""
from __future__ import annotations

import json
import re
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl

from simulator.core.http import Request, Response
from simulator.keycloak import grants, pages
from simulator.keycloak.entities import mapped_claims
from simulator.keycloak.errors import KeycloakError, OAuthError, TokenError
from simulator.keycloak.realm import Realm
from simulator.keycloak.tokens import profile_claims

Finder = Callable[[str], Optional[Realm]]
_REALM = re.compile(r"^/realms/(?P<realm>[^/]+)(?P<rest>/.*)?$")
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def json_response(payload: Any, status: int = 200,
                  headers: Optional[dict[str, str]] = None) -> Response:
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    return Response(status, body, [("Content-Type", "application/json"),
                                   *(headers or {}).items()])


def not_served(what: str) -> Response:
    return json_response({"error": "not_implemented",
                          "error_description": f"{what} is not served by the simulated "
                                               "Keycloak (see COVERAGE.md)"}, 501)


def form_of(request: Request) -> dict[str, str]:
    """Form fields, first value of each (JAX-RS ``getFirst``); empty values are kept."""
    form: dict[str, str] = {}
    for key, value in parse_qsl(request.body.decode("utf-8", "replace"),
                                keep_blank_values=True):
        form.setdefault(key, value)
    return form


def bearer(request: Request) -> Optional[str]:
    scheme, _, token = (request.headers.get("Authorization") or "").partition(" ")
    return (token.strip() or None) if scheme.lower() == "bearer" else None


def serve(find: Finder, request: Request, path: str, base: str) -> Response:
    match = _REALM.match(path)
    if match is None:
        return json_response({"error": "HTTP 404 Not Found"}, 404)
    realm = find(match["realm"])
    if realm is None:
        return json_response({"error": "Realm does not exist"}, 404)
    rest = (match["rest"] or "").rstrip("/")
    route = ROUTES.get(rest)
    if route is None:
        return not_served(f"{request.method} /realms/{{realm}}{rest}")
    handler = route.get(request.method)
    if handler is None:
        return json_response({"error": "HTTP 405 Method Not Allowed"}, 405)
    try:
        with realm.lock:
            return handler(realm, request, base.rstrip("/"))
    except KeycloakError as exc:
        return json_response(exc.body(), exc.status)


# ---------------------------------------------------------------------- handlers
def realm_info(realm: Realm, request: Request, base: str) -> Response:
    """``PublicRealmResource``: what HQ 5.x reads its ``public_key`` from at start-up."""
    root = f"{base}/realms/{realm.name}"
    return json_response({"realm": realm.name, "public_key": realm.public_key,
                          "token-service": f"{root}/protocol/openid-connect",
                          "account-service": f"{root}/account", "tokens-not-before": 0})


def discovery(realm: Realm, request: Request, base: str) -> Response:
    oidc = f"{base}/realms/{realm.name}/protocol/openid-connect"
    grant_types = ["authorization_code", "implicit", *sorted(realm.grant_types)]
    return json_response({
        "issuer": realm.issuer_for(base), "authorization_endpoint": f"{oidc}/auth",
        "token_endpoint": f"{oidc}/token", "introspection_endpoint": f"{oidc}/token/introspect",
        "userinfo_endpoint": f"{oidc}/userinfo", "end_session_endpoint": f"{oidc}/logout",
        "jwks_uri": f"{oidc}/certs", "check_session_iframe": f"{oidc}/login-status-iframe.html",
        "grant_types_supported": grant_types,
        "response_types_supported": ["code", "none", "id_token", "token", "id_token token",
                                     "code id_token", "code token", "code id_token token"],
        "subject_types_supported": ["public", "pairwise"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "userinfo_signing_alg_values_supported": ["RS256", "none"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": ["openid", "profile", "email", "offline_access"],
        "claims_supported": ["aud", "sub", "iss", "auth_time", "name", "given_name",
                             "family_name", "preferred_username", "email", "acr"],
        "device_authorization_endpoint": f"{oidc}/auth/device",
        "revocation_endpoint": f"{oidc}/revoke"})


def certs(realm: Realm, request: Request, base: str) -> Response:
    return json_response(realm.jwks())


def token(realm: Realm, request: Request, base: str) -> Response:
    try:
        body = grants.token(realm, form_of(request), request.headers, base)
    except OAuthError as exc:
        return json_response(exc.body(), exc.status, _NO_STORE)
    return json_response(body, 200, _NO_STORE)


def device(realm: Realm, request: Request, base: str) -> Response:
    return json_response(grants.device_authorization(realm, form_of(request), request.headers,
                                                     base))


def userinfo(realm: Realm, request: Request, base: str) -> Response:
    """``UserInfoEndpoint``: header (or, on POST, form ``access_token``) token; its user."""
    token_ = bearer(request) or (form_of(request).get("access_token")
                                 if request.method == "POST" else None)
    if token_ is None:
        raise OAuthError("invalid_request", "Token not provided")
    try:
        claims = realm.verify(token_)
    except TokenError as exc:
        raise OAuthError("invalid_token", f"Token invalid: {exc}", 401)
    user = realm.user_by_id(claims.get("sub", ""))
    if user is None:
        raise OAuthError("invalid_request", "User not found")
    client = realm.find_client(claims.get("azp", ""))
    return json_response({"sub": user.id, **profile_claims(user),
                          **(mapped_claims(client.mappers, user, "userinfo") if client else {})})


def verification_page(realm: Realm, request: Request, base: str) -> Response:
    return pages.handle(realm, request, f"{base}/realms/{realm.name}/device")


ROUTES: dict[str, dict[str, Callable[[Realm, Request, str], Response]]] = {
    "": {"GET": realm_info},
    "/.well-known/openid-configuration": {"GET": discovery},
    "/protocol/openid-connect/certs": {"GET": certs},
    "/protocol/openid-connect/token": {"POST": token},
    "/protocol/openid-connect/auth/device": {"POST": device},
    "/protocol/openid-connect/userinfo": {"GET": userinfo, "POST": userinfo},
    "/device": {"GET": verification_page, "POST": verification_page},
}

"""The token endpoint and the device authorization endpoint: Keycloak's rules in its order,
with its error bodies. Wording read in keycloak/keycloak ``services/src/main/java/org/keycloak/``:
``protocol/oidc/endpoints/TokenEndpoint.java`` (grant type), ``authentication/authenticators/
client/ClientIdAndSecretAuthenticator.java`` and ``authentication/AuthenticationProcessor.java``
(client authentication), ``protocol/oidc/grants/ResourceOwnerPasswordCredentialsGrantType.java``,
``.../ClientCredentialsGrantType.java``, ``protocol/oidc/TokenManager.java`` (refresh),
``.../grants/device/DeviceGrantType.java`` and ``.../device/endpoints/DeviceEndpoint.java``.
"""
from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING, Any, Mapping, Optional
from urllib.parse import unquote

from simulator.keycloak import tokens
from simulator.keycloak.entities import Client, DeviceCode, Session, User
from simulator.keycloak.errors import OAuthError
from simulator.keycloak.keys import b64url

if TYPE_CHECKING:
    from simulator.keycloak.realm import Realm

DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
_BAD_CLIENT = "Invalid client or Invalid client credentials"
_USER_CODE_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"   # SecretGenerator.UPPER


def _scope(requested: Optional[str]) -> str:
    """The scopes Keycloak's default client scopes put in ``scope``: openid only if asked."""
    asked = (requested or "").split()
    return " ".join((["openid"] if "openid" in asked else []) + ["profile", "email"])


def authenticate_client(realm: "Realm", form: Mapping[str, str],
                        headers: Mapping[str, str]) -> Client:
    """``ClientIdAndSecretAuthenticator``: Basic header or form; a public client needs no
    secret. An unknown client is ``invalid_client`` (``AuthenticationProcessor``), a bad or
    missing secret the authenticator's own ``unauthorized_client`` challenge, both 401."""
    client_id, secret = None, None
    auth = headers.get("Authorization") or ""
    if auth[:6].lower() == "basic ":
        try:
            raw = base64.b64decode(auth[6:]).decode()
            client_id, _, secret = (unquote(p) for p in raw.partition(":"))
        except (binascii.Error, UnicodeDecodeError):
            pass
    if "client_id" in form:
        client_id = form["client_id"]
    if "client_secret" in form:
        secret = form["client_secret"]
    if client_id is None and realm.client_id_optional:
        client_id = realm.default_client
    if client_id is None:
        raise OAuthError("invalid_client", "Missing client_id parameter", 400)
    client = realm.find_client(client_id)
    if client is None or not client.enabled:
        raise OAuthError("invalid_client", _BAD_CLIENT, 401)
    if client.public:
        return client
    if secret is None or secret != client.secret:
        raise OAuthError("unauthorized_client", _BAD_CLIENT, 401)
    return client


# ---------------------------------------------------------------------- the token endpoint
def token(realm: "Realm", form: Mapping[str, str], headers: Mapping[str, str],
          base: Optional[str]) -> dict:
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise OAuthError("invalid_request", "Missing form parameter: grant_type")
    if grant_type not in realm.grant_types:
        raise OAuthError("unsupported_grant_type", "Unsupported grant_type")
    client = authenticate_client(realm, form, headers)
    issuer = realm.issuer_for(base)
    if grant_type == "password":
        return _password(realm, client, form, issuer)
    if grant_type == "refresh_token":
        return _refresh(realm, client, form, issuer)
    if grant_type == "client_credentials":
        return _client_credentials(realm, client, form, issuer)
    return _device_code(realm, client, form, issuer)


def _password(realm: "Realm", client: Client, form: Mapping[str, str], issuer: str) -> dict:
    if not client.direct_access:
        raise OAuthError("unauthorized_client", "Client not allowed for direct access grants")
    user = realm.check_login(form.get("username") or "", form.get("password"))
    if user is None:
        raise OAuthError("invalid_grant", "Invalid user credentials", 401)
    if not user.enabled:
        raise OAuthError("invalid_grant", "Account disabled")
    if user.required_actions:
        raise OAuthError("invalid_grant", "Account is not fully set up")
    scope = _scope(form.get("scope"))
    return respond(realm, user, client, issuer, scope, realm.new_session(user, client, scope))


def _refresh(realm: "Realm", client: Client, form: Mapping[str, str], issuer: str) -> dict:
    claims = tokens.decode_refresh(form.get("refresh_token") or "", realm.keys, realm.now())
    if claims.get("azp") != client.client_id:
        raise OAuthError("invalid_grant", "Invalid refresh token. Token client and authorized "
                                          "client don't match")
    session = realm.live_session(claims.get("sid", ""))
    if session is None:
        raise OAuthError("invalid_grant", "Session not active")
    user = realm.user_by_id(claims.get("sub", ""))
    if user is None:
        raise OAuthError("invalid_grant", "Invalid refresh token")
    if not user.enabled:
        raise OAuthError("invalid_grant", "User disabled")
    session.last_refresh = realm.now()
    return respond(realm, user, client, issuer, claims.get("scope") or session.scope, session)


def _client_credentials(realm: "Realm", client: Client, form: Mapping[str, str],
                        issuer: str) -> dict:
    if client.public:
        raise OAuthError("unauthorized_client",
                         "Public client not allowed to retrieve service account", 401)
    if not client.service_accounts:
        raise OAuthError("unauthorized_client",
                         "Client not enabled to retrieve service account", 401)
    account = realm.service_account(client)
    if account is None:
        raise OAuthError("invalid_request",
                         "The associated service account for the client does not exist", 401)
    if not account.enabled:
        raise OAuthError("invalid_request", f"User '{account.username}' disabled", 401)
    return respond(realm, account, client, issuer, _scope(form.get("scope")), None)


def _device_code(realm: "Realm", client: Client, form: Mapping[str, str], issuer: str) -> dict:
    if not client.device_grant:
        raise OAuthError("invalid_grant", "Client not allowed OAuth 2.0 Device Authorization "
                                          "Grant")
    if "device_code" not in form:
        raise OAuthError("invalid_request", "Missing parameter: device_code")
    code = realm.device_codes.get(form["device_code"])
    now = realm.now()
    if code is not None and code.expires_at + code.interval + 10 <= now:
        del realm.device_codes[code.device_code]   # gone from the store, as in Keycloak
        code = None
    if code is None:
        raise OAuthError("invalid_grant", "Device code not valid")
    if code.expires_at <= now:
        raise OAuthError("expired_token", "Device code is expired")
    # the store's polling key lives `interval` seconds: a sooner poll is told to slow down
    polled, code.last_poll = code.last_poll, now
    if polled is not None and code.interval > 0 and now - polled < code.interval:
        raise OAuthError("slow_down", "Slow down")
    if code.status == "denied":
        raise OAuthError("access_denied", "The end user denied the authorization request")
    if code.status == "pending":
        raise OAuthError("authorization_pending", "The authorization request is still pending")
    del realm.device_codes[code.device_code]
    user = realm.user_by_id(code.user_id or "")
    if user is None:
        raise OAuthError("invalid_grant", "User not found")
    if not user.enabled:
        raise OAuthError("invalid_grant", "User disabled")
    if code.client_id != client.client_id:
        raise OAuthError("invalid_grant", "Auth error")
    return respond(realm, user, client, issuer, code.scope,
                   realm.new_session(user, client, code.scope))


def respond(realm: "Realm", user: User, client: Client, issuer: str, scope: str,
            session: Optional[Session]) -> dict:
    """``AccessTokenResponse``, in Keycloak's field order. Without a session (client
    credentials) there is no refresh token and no ``session_state``."""
    now = int(realm.now())
    sid = session.id if session else None
    access = tokens.access_payload(realm, user, client, now=now, lifetime=realm.token_seconds,
                                   issuer=issuer, scope=scope, sid=sid)
    body: dict[str, Any] = {"access_token": tokens.sign(access, realm.keys),
                            "expires_in": realm.token_seconds}
    if session is not None:
        ends = min(now + realm.sso_idle, int(session.started + realm.sso_max))
        refresh = tokens.refresh_payload(realm, user, client, now=now, lifetime=ends - now,
                                         issuer=issuer, scope=scope, sid=session.id)
        body["refresh_expires_in"] = ends - now
        body["refresh_token"] = tokens.sign(refresh, realm.keys, realm.refresh_signing)
    else:
        body["refresh_expires_in"] = 0
    body["token_type"] = "Bearer"
    if "openid" in scope.split():
        body["id_token"] = tokens.sign(tokens.id_payload(
            realm, user, client, now=now, lifetime=realm.token_seconds, issuer=issuer,
            sid=sid), realm.keys)
    body["not-before-policy"] = 0
    if session is not None:
        body["session_state"] = session.id
    body["scope"] = scope
    return body


# ---------------------------------------------------------------------- device authorization
def device_authorization(realm: "Realm", form: Mapping[str, str], headers: Mapping[str, str],
                         base: Optional[str]) -> dict:
    """``DeviceEndpoint.handleDeviceRequest``: a new device code (approved at once when the
    realm has a ``device_user`` or an approval of the next device login is waiting)."""
    client = authenticate_client(realm, form, headers)
    if not client.device_grant:
        raise OAuthError("invalid_grant",
                         "Client not allowed for OAuth 2.0 Device Authorization Grant")
    now = realm.now()
    for old in [c for c in realm.device_codes.values()
                if c.expires_at + c.interval + 10 <= now]:
        del realm.device_codes[old.device_code]    # the store's lifespan: expiry + interval + 10
    raw = "".join(realm.rng.choice(_USER_CODE_CHARS) for _ in range(8))
    code = DeviceCode(device_code=b64url(realm.rng.getrandbits(256).to_bytes(32, "big")),
                      user_code=f"{raw[:4]}-{raw[4:]}", client_id=client.client_id,
                      scope=_scope(form.get("scope")), created=now,
                      expires_at=now + realm.device_lifespan, interval=realm.device_interval)
    realm.device_codes[code.device_code] = code
    approver = realm.take_next_device_user()
    if approver is not None:
        code.status, code.user_id = "approved", realm.user(approver).id
    verification = f"{(base or realm.home_url).rstrip('/')}/realms/{realm.name}/device"
    return {"device_code": code.device_code, "user_code": code.user_code,
            "verification_uri": verification,
            "verification_uri_complete": f"{verification}?user_code={code.user_code}",
            "expires_in": realm.device_lifespan, "interval": realm.device_interval}

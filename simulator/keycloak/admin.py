"""Keycloak's admin REST API, the part vantage6 HQ 5.x calls (``docs/v5/oracle-hq.md`` §4,
``docs/v5/contract-auth.md`` §6): users, clients and client secrets under
``/admin/realms/{realm}/``. Everything else under ``/admin`` answers a JSON 501.

Every call needs ``Authorization: Bearer <access token>`` from a client the realm lists in
``admin_clients`` (its client_credentials token): no or a bad token is 401, another client's 403.
Bodies as Keycloak writes them: 201 with ``Location`` and no body for creations, 204 for updates
and deletes, ``{"error": "User not found"}`` / ``{"error": "Could not find client"}`` 404s
(``NotFoundException`` in ``UsersResource``/``ClientsResource``), ``{"errorMessage": ...}`` 409s.
"""
from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any, Callable, Optional

import jwt

from simulator.core.http import Request, Response
from simulator.keycloak.entities import Client, User, truthy
from simulator.keycloak.errors import (Conflict, FieldError, JaxRsError, KeycloakError,
                                       NotFound, TokenError)
from simulator.keycloak.realm import Realm
from simulator.keycloak.routes import bearer, json_response, not_served

if TYPE_CHECKING:
    from simulator.keycloak.platform import Keycloak

_PATH = re.compile(r"^/admin/realms/(?P<realm>[^/]+)/(?P<kind>users|clients)"
                   r"(?:/(?P<id>[^/]+))?(?P<secret>/client-secret)?/?$")
_ISSUER_REALM = re.compile(r"/realms/([^/]+)$")
UNAUTHORIZED = JaxRsError(401, "HTTP 401 Unauthorized")
FORBIDDEN = JaxRsError(403, "HTTP 403 Forbidden")


def serve(keycloak: "Keycloak", request: Request, base: str) -> Response:
    try:
        admin_realm, claims = _authenticate(keycloak, request)
        match = _PATH.match(request.path)
        name = match["realm"] if match else _realm_in(request.path)
        realm = keycloak.realms.get(name) if name else None
        if name and realm is None:
            raise JaxRsError(404, "Realm not found.")
        if realm is not None and (realm is not admin_realm or not _is_admin(realm, claims)):
            raise FORBIDDEN
        handler = _HANDLERS.get((match["kind"], bool(match["id"]), bool(match["secret"]),
                                 request.method)) if match else None
        if handler is None:
            return not_served(f"{request.method} {request.path}")
        with realm.lock:
            return handler(realm, request, match["id"], f"{base}{request.path.rstrip('/')}")
    except KeycloakError as exc:
        headers = {"WWW-Authenticate": "Bearer"} if exc is UNAUTHORIZED else None
        return json_response(exc.body(), exc.status, headers)


def _realm_in(path: str) -> Optional[str]:
    parts = path.split("/")
    return parts[3] if len(parts) > 3 and parts[2] == "realms" and parts[3] else None


def _authenticate(keycloak: "Keycloak", request: Request) -> tuple[Realm, dict]:
    """The realm whose access token the request carries (``AdminRoot``: the realm is read from
    the token's issuer, then the token is verified with that realm's key)."""
    token = bearer(request)
    if token is None:
        raise UNAUTHORIZED
    try:
        issuer = jwt.decode(token, options={"verify_signature": False}).get("iss", "")
        found = _ISSUER_REALM.search(issuer) if isinstance(issuer, str) else None
        realm = keycloak.realms.get(found.group(1)) if found else None
        if realm is None:
            realm = next((r for r in keycloak.realms.values() if r.issuer == issuer), None)
        if realm is None:
            raise UNAUTHORIZED
        return realm, realm.verify(token)
    except (jwt.PyJWTError, TokenError):
        raise UNAUTHORIZED from None


def _is_admin(realm: Realm, claims: dict) -> bool:
    user = realm.user_by_id(claims.get("sub", ""))
    return user is not None and (claims.get("azp") in realm.admin_clients
                                 or "realm-admin" in user.roles)


def _body(request: Request) -> dict:
    try:
        body = json.loads(request.body or b"null")
    except ValueError:
        raise JaxRsError(400, "unknown_error") from None
    if not isinstance(body, dict):
        raise JaxRsError(400, "unknown_error")
    return body


def _created(location: str) -> Response:
    return Response(201, b"", [("Location", location)])


def _no_content() -> Response:
    return Response(204, b"", [])


def _page(items: list, request: Request, default_max: Optional[int]) -> list:
    first = int(request.args.get("first") or 0)
    most = request.args.get("max")
    limit = int(most) if most not in (None, "") else default_max
    return items[first:first + limit] if limit is not None and limit >= 0 else items[first:]


def _found(record: Any, message: str) -> Any:
    if record is None:
        raise NotFound(message)
    return record


# ---------------------------------------------------------------------- users
def _user(realm: Realm, user_id: str) -> User:
    return _found(realm.user_by_id(user_id), "User not found")


def list_users(realm: Realm, request: Request, _id: None, url: str) -> Response:
    args = request.args
    exact = truthy(args.get("exact", "false"))

    def like(value: Optional[str], wanted: Optional[str]) -> bool:
        if wanted is None:
            return True
        value, wanted = (value or "").lower(), wanted.lower()
        return value == wanted if exact else wanted in value

    search = args.get("search")
    users = sorted(realm.users.values(), key=lambda u: u.username)
    if search is not None and search.strip() not in ("", "*"):
        term = search.strip().lower()
        users = [u for u in users if any(term in (v or "").lower() for v in (
            u.username, u.email, u.first_name, u.last_name))]
    else:
        users = [u for u in users if like(u.username, args.get("username"))
                 and like(u.email, args.get("email"))
                 and like(u.first_name, args.get("firstName"))
                 and like(u.last_name, args.get("lastName"))]
    return json_response([u.representation() for u in _page(users, request, 100)])


def get_user(realm: Realm, request: Request, user_id: str, url: str) -> Response:
    return json_response(_user(realm, user_id).representation())


def _passwords(rep: dict) -> list[tuple[str, bool]]:
    return [(str(c.get("value")), bool(c.get("temporary")))
            for c in rep.get("credentials") or [] if isinstance(c, dict)
            and c.get("type", "password") == "password" and c.get("value") is not None]


def create_user(realm: Realm, request: Request, _id: None, url: str) -> Response:
    rep = _body(request)
    passwords = _passwords(rep)
    user = realm.add_user(str(rep.get("username") or ""), email=rep.get("email"),
                          first_name=rep.get("firstName"), last_name=rep.get("lastName"),
                          enabled=bool(rep.get("enabled", False)),
                          email_verified=bool(rep.get("emailVerified", False)),
                          attributes=rep.get("attributes") or {},
                          password=passwords[-1][0] if passwords else None,
                          temporary_password=bool(passwords and passwords[-1][1]),
                          required_actions=rep.get("requiredActions") or ())
    return _created(f"{url}/{user.id}")


def update_user(realm: Realm, request: Request, user_id: str, url: str) -> Response:
    """``UserResource.updateUser``: fields given replace the stored ones; ``attributes``, when
    given, is the whole set (absent keys are removed)."""
    user, rep = _user(realm, user_id), _body(request)
    if rep.get("username") is not None and str(rep["username"]).lower() != user.username:
        raise FieldError("username", "error-user-attribute-read-only")
    email = rep.get("email")
    if email and any(u.email == email and u is not user for u in realm.users.values()):
        raise Conflict("User exists with same email")
    for key, attr in (("email", "email"), ("firstName", "first_name"),
                      ("lastName", "last_name")):
        if key in rep:
            setattr(user, attr, rep[key])
    for key, attr in (("enabled", "enabled"), ("emailVerified", "email_verified")):
        if rep.get(key) is not None:
            setattr(user, attr, bool(rep[key]))
    if isinstance(rep.get("attributes"), dict):
        user.attributes = {k: [str(x) for x in (v if isinstance(v, list) else [v])]
                           for k, v in rep["attributes"].items()}
    if isinstance(rep.get("requiredActions"), list):
        user.required_actions = [str(a) for a in rep["requiredActions"]]
    for password, temporary in _passwords(rep):
        user.password = password
        if temporary and "UPDATE_PASSWORD" not in user.required_actions:
            user.required_actions.append("UPDATE_PASSWORD")
    return _no_content()


def delete_user(realm: Realm, request: Request, user_id: str, url: str) -> Response:
    realm.remove_user(_user(realm, user_id).id)
    return _no_content()


# ---------------------------------------------------------------------- clients
def _client(realm: Realm, client_uuid: str) -> Client:
    return _found(realm.client_by_uuid(client_uuid), "Could not find client")


def list_clients(realm: Realm, request: Request, _id: None, url: str) -> Response:
    wanted = request.args.get("clientId")
    search = truthy(request.args.get("search", "false"))
    clients = sorted(realm.clients.values(), key=lambda c: c.client_id)
    if wanted is not None:
        clients = [c for c in clients if (wanted.lower() in c.client_id.lower() if search
                                          else c.client_id == wanted)]
    return json_response([c.representation() for c in _page(clients, request, None)])


def create_client(realm: Realm, request: Request, _id: None, url: str) -> Response:
    rep = _body(request)
    client = realm.add_client(
        str(rep.get("clientId") or ""), id=rep.get("id"), secret=rep.get("secret"),
        public=bool(rep.get("publicClient", False)), enabled=rep.get("enabled") is not False,
        service_accounts=bool(rep.get("serviceAccountsEnabled", False)),
        standard_flow=rep.get("standardFlowEnabled") is not False,
        direct_access=bool(rep.get("directAccessGrantsEnabled", False)), name=rep.get("name"),
        attributes=rep.get("attributes") or {}, mappers=rep.get("protocolMappers") or ())
    return _created(f"{url}/{client.id}")


def get_client(realm: Realm, request: Request, client_uuid: str, url: str) -> Response:
    return json_response(_client(realm, client_uuid).representation())


def delete_client(realm: Realm, request: Request, client_uuid: str, url: str) -> Response:
    realm.remove_client(_client(realm, client_uuid).client_id)
    return _no_content()


def _secret(client: Client) -> dict:
    out: dict[str, Any] = {"type": "secret"}
    if client.secret is not None:
        out["value"] = client.secret
    return out


def get_secret(realm: Realm, request: Request, client_uuid: str, url: str) -> Response:
    return json_response(_secret(_client(realm, client_uuid)))


def regenerate_secret(realm: Realm, request: Request, client_uuid: str, url: str) -> Response:
    client = _client(realm, client_uuid)
    realm.regenerate_secret(client.client_id)
    return json_response(_secret(client))


# (kind, has an id, client-secret, method) -> handler
_HANDLERS: dict[tuple[str, bool, bool, str], Callable[..., Response]] = {
    ("users", False, False, "GET"): list_users,
    ("users", False, False, "POST"): create_user,
    ("users", True, False, "GET"): get_user,
    ("users", True, False, "PUT"): update_user,
    ("users", True, False, "DELETE"): delete_user,
    ("clients", False, False, "GET"): list_clients,
    ("clients", False, False, "POST"): create_client,
    ("clients", True, False, "GET"): get_client,
    ("clients", True, False, "DELETE"): delete_client,
    ("clients", True, True, "GET"): get_secret,
    ("clients", True, True, "POST"): regenerate_secret,
}

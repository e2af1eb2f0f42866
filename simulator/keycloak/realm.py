"""One simulated Keycloak realm: its users, clients (with service accounts, secrets and protocol
mappers), keys, sessions and device codes, on the network's clock and under a seeded rng.

No HTTP here: ``routes.py`` and ``admin.py`` translate requests into these calls, and
``grants.py`` holds the token endpoint's rules. Every change happens under the realm's lock,
which the HTTP side also holds for a whole request.
"""
from __future__ import annotations

import functools
import random
import string
import threading
import uuid
from typing import Any, Iterable, Optional

from simulator.core.clock import Clock
from simulator.keycloak import grants, tokens
from simulator.keycloak.entities import (DEVICE_GRANT, SERVICE_ACCOUNT_PREFIX, Client,
                                         DeviceCode, Session, User, mapper)
from simulator.keycloak.errors import Conflict, FieldError, OAuthError, TokenError
from simulator.keycloak.keys import RealmKeys

GRANT_TYPES = frozenset({"password", "refresh_token", "client_credentials",
                         "urn:ietf:params:oauth:grant-type:device_code"})
_SECRET_CHARS = string.ascii_letters + string.digits


def _locked(method):
    @functools.wraps(method)
    def wrapper(self: "Realm", *args: Any, **kwargs: Any) -> Any:
        with self.lock:
            return method(self, *args, **kwargs)

    return wrapper


class Realm:
    """Settings mirror Keycloak's realm settings; the defaults are Keycloak's (token lifespan
    300 s, SSO idle 1800 s / max 10 h, device codes 600 s polled every 5 s). ``issuer`` fixes the
    tokens' ``iss`` (else it is built from the URL the client used, as Keycloak does without a
    hostname setting); ``home_url`` is that URL for tokens minted in Python."""

    def __init__(self, name: str, clock: Clock, *, home_url: str = "http://keycloak.test",
                 issuer: Optional[str] = None, rng: Optional[random.Random] = None,
                 audience: str = "account", token_seconds: int = 300, sso_idle: int = 1800,
                 sso_max: int = 36000, default_roles: Iterable[str] = (),
                 default_client: Optional[str] = None, client_id_optional: bool = False,
                 grant_types: Iterable[str] = GRANT_TYPES, refresh_signing: str = "HS512",
                 admin_clients: Iterable[str] = (), device_lifespan: int = 600,
                 device_interval: int = 5, key: Any = None) -> None:
        self.name = name
        self.clock = clock
        self.home_url = home_url.rstrip("/")
        self.issuer = issuer
        self.rng = rng or random.Random()
        self.audience = audience
        self.token_seconds = token_seconds
        self.sso_idle, self.sso_max = sso_idle, sso_max
        self.default_roles = list(default_roles)
        self.default_client = default_client        # azp of tokens minted without a client
        self.client_id_optional = client_id_optional  # PAPI's: a form without client_id
        self.grant_types = frozenset(grant_types)
        self.refresh_signing = refresh_signing
        self.admin_clients = set(admin_clients)     # their tokens may use the admin API
        self.device_lifespan, self.device_interval = device_lifespan, device_interval
        self.device_user: Optional[str] = None      # approve every new device code as them
        self.keys = RealmKeys(self.home_issuer, key)
        self.lock = threading.RLock()
        self._users: dict[str, User] = {}           # by id
        self._usernames: dict[str, str] = {}        # username -> id
        self._clients: dict[str, Client] = {}       # by internal uuid
        self._client_ids: dict[str, str] = {}       # clientId -> uuid
        self.sessions: dict[str, Session] = {}
        self.device_codes: dict[str, DeviceCode] = {}   # by device_code
        self._next_device_users: list[str] = []

    # ------------------------------------------------------------------ identity
    @property
    def home_issuer(self) -> str:
        return self.issuer or f"{self.home_url}/realms/{self.name}"

    def issuer_for(self, base: Optional[str]) -> str:
        """``Urls.realmIssuer``: the issuer of tokens asked for at ``base`` (the origin)."""
        return self.issuer or f"{(base or self.home_url).rstrip('/')}/realms/{self.name}"

    def owns_issuer(self, issuer: Any) -> bool:
        return isinstance(issuer, str) and (issuer == self.issuer or (
            self.issuer is None and issuer.endswith(f"/realms/{self.name}")))

    def now(self) -> float:
        return self.clock.timestamp()

    def new_uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def new_secret(self) -> str:
        return "".join(self.rng.choice(_SECRET_CHARS) for _ in range(32))

    # ------------------------------------------------------------------ users
    @_locked
    def add_user(self, username: str, *, password: Optional[str] = None,
                 email: Optional[str] = None, first_name: Optional[str] = None,
                 last_name: Optional[str] = None, enabled: bool = True,
                 email_verified: bool = False, attributes: Optional[dict] = None,
                 roles: Optional[Iterable[str]] = None, id: Optional[str] = None,
                 temporary_password: bool = False,
                 required_actions: Iterable[str] = ()) -> User:
        """A user, e.g. ``add_user("alice", password="pw", attributes={"organization_id":
        ["2"]})``. Usernames are stored lowercase, as Keycloak does; ``roles`` are realm roles
        (default: the realm's default roles); a temporary password asks for UPDATE_PASSWORD."""
        name = (username or "").strip().lower()
        if not name:
            raise FieldError("username", "error-user-attribute-required")
        if name in self._usernames:
            raise Conflict("User exists with same username")
        if email and any(u.email == email for u in self._users.values()):
            raise Conflict("User exists with same email")
        actions = list(required_actions)
        if temporary_password and password is not None and "UPDATE_PASSWORD" not in actions:
            actions.append("UPDATE_PASSWORD")
        user = User(id=id or self.new_uuid(), username=name, created=int(self.now() * 1000),
                    email=email, first_name=first_name, last_name=last_name, enabled=enabled,
                    email_verified=email_verified,
                    attributes={k: [str(x) for x in (v if isinstance(v, list) else [v])]
                                for k, v in (attributes or {}).items()},
                    roles=list(self.default_roles if roles is None else roles),
                    password=password, required_actions=actions)
        self._users[user.id] = user
        self._usernames[name] = user.id
        return user

    @property
    def users(self) -> dict[str, User]:
        """Every user by username (a copy)."""
        return {name: self._users[uid] for name, uid in self._usernames.items()}

    def user(self, username: str) -> User:
        return self._known(self.find_user(username), "user", username, self._usernames)

    def _known(self, found: Any, kind: str, name: str, known: Iterable[str]) -> Any:
        if found is None:
            listed = ", ".join(sorted(known)) or "none"
            raise KeyError(f"no {kind} {name!r} in realm {self.name!r} (known: {listed})")
        return found

    def find_user(self, username: str) -> Optional[User]:
        uid = self._usernames.get((username or "").lower())
        return self._users.get(uid) if uid else None

    def check_login(self, name: str, password: Optional[str]) -> Optional[User]:
        """The user a login form names (username or email, as Keycloak allows by default), if
        ``password`` is theirs."""
        user = self.find_user(name) or next(
            (u for u in self._users.values() if u.email and u.email.lower() == name.lower()),
            None)
        ok = user is not None and user.password is not None and user.password == password
        return user if ok else None

    def user_by_id(self, user_id: str) -> Optional[User]:
        return self._users.get(user_id)

    @_locked
    def rename_user(self, user: User, username: str) -> None:
        name = username.lower()
        if name != user.username:
            if name in self._usernames:
                raise Conflict("User exists with same username")
            del self._usernames[user.username]
            user.username, self._usernames[name] = name, user.id

    @_locked
    def remove_user(self, user_id: str) -> User:
        """Delete a user (by id) with their sessions; tokens already issued stay valid."""
        user = self._users.pop(user_id)
        del self._usernames[user.username]
        for sid in [s.id for s in self.sessions.values() if s.user_id == user_id]:
            del self.sessions[sid]
        return user

    # ------------------------------------------------------------------ clients
    @_locked
    def add_client(self, client_id: str, *, secret: Optional[str] = None, public: bool = False,
                   service_accounts: bool = False, device_grant: bool = False,
                   direct_access: bool = False, standard_flow: bool = True,
                   mappers: Iterable[dict] = (), claims: Optional[dict] = None,
                   name: Optional[str] = None, attributes: Optional[dict] = None,
                   enabled: bool = True, id: Optional[str] = None) -> Client:
        """A client. ``claims`` is shorthand for hardcoded-claim mappers into access tokens,
        e.g. ``add_client("n1-node-client", service_accounts=True,
        claims={"vantage6_client_type": "node"})``; a confidential client without a ``secret``
        gets a generated one; service accounts come with a ``service-account-<clientId>`` user."""
        if not client_id:
            raise FieldError("clientId", "error-invalid-value")
        if client_id in self._client_ids:
            raise Conflict(f"Client {client_id} already exists")
        attrs = {k: str(v).lower() if isinstance(v, bool) else str(v)
                 for k, v in (attributes or {}).items()}
        if device_grant:
            attrs[DEVICE_GRANT] = "true"
        maps = [dict(m, id=m.get("id") or self.new_uuid(),
                     config={k: str(v).lower() if isinstance(v, bool) else str(v)
                             for k, v in (m.get("config") or {}).items()})
                for m in mappers]
        maps += [dict(mapper(claim, claim, value), id=self.new_uuid())
                 for claim, value in (claims or {}).items()]
        client = Client(id=id or self.new_uuid(), client_id=client_id,
                        secret=None if public else (secret or self.new_secret()), public=public,
                        enabled=enabled, service_accounts=service_accounts,
                        standard_flow=standard_flow, direct_access=direct_access, name=name,
                        attributes=attrs, mappers=maps)
        if service_accounts:
            account = self.add_user(SERVICE_ACCOUNT_PREFIX + client_id)
            account.service_account_client_id = client_id
            client.service_account_user_id = account.id
        self._clients[client.id] = client
        self._client_ids[client_id] = client.id
        return client

    @property
    def clients(self) -> dict[str, Client]:
        """Every client by clientId (a copy)."""
        return {cid: self._clients[uid] for cid, uid in self._client_ids.items()}

    def client(self, client_id: str) -> Client:
        return self._known(self.find_client(client_id), "client", client_id, self._client_ids)

    def find_client(self, client_id: str) -> Optional[Client]:
        uid = self._client_ids.get(client_id)
        return self._clients.get(uid) if uid else None

    def client_by_uuid(self, uuid_: str) -> Optional[Client]:
        return self._clients.get(uuid_)

    def service_account(self, client: Client) -> Optional[User]:
        return self._users.get(client.service_account_user_id or "")

    @_locked
    def remove_client(self, client_id: str) -> Client:
        """Delete a client (by clientId) and its service-account user."""
        client = self._clients.pop(self._client_ids.pop(client_id))
        if client.service_account_user_id in self._users:
            self.remove_user(client.service_account_user_id)
        return client

    @_locked
    def regenerate_secret(self, client_id: str) -> str:
        client = self.client(client_id)
        client.secret = self.new_secret()
        return client.secret

    # ------------------------------------------------------------------ keys and documents
    @property
    def public_key(self) -> str:
        """Base64 DER SubjectPublicKeyInfo, as ``GET /realms/{realm}`` gives it (HQ's key)."""
        return self.keys.public_key_b64()

    @property
    def public_key_pem(self) -> str:
        return self.keys.public_key_pem()

    def jwks(self) -> dict:
        return self.keys.jwks()

    # ------------------------------------------------------------------ tokens
    def mint(self, user: "User | str", *, client: Optional[str] = None,
             expires_in: Optional[float] = None, audience: Any = None,
             issuer: Optional[str] = None, roles: Optional[Iterable[str]] = None,
             drop: Iterable[str] = (), claims: Optional[dict] = None, typ: str = "Bearer",
             scope: str = "openid profile email") -> str:
        """An access token for ``user`` (a name or a :class:`User`) as Keycloak issues it for
        ``client`` (default: the realm's ``default_client``; its protocol mappers apply).
        Keywords make broken ones: ``expires_in=-1``, another ``audience`` or ``issuer``, other
        ``roles``, without some claims (``drop=["email"]``) or with extra ``claims``."""
        user = self.user(user) if isinstance(user, str) else user
        client_id = client or self.default_client
        found = self.find_client(client_id) if client_id else None
        if client is not None and found is None:
            self.client(client)  # raises, naming the known clients
        payload = tokens.access_payload(
            self, user, found, now=int(self.now()), issuer=issuer or self.home_issuer,
            lifetime=self.token_seconds if expires_in is None else expires_in, scope=scope,
            audience=audience, roles=roles, typ=typ)
        for key in drop:
            payload.pop(key, None)
        payload.update(claims or {})
        return tokens.sign(payload, self.keys)

    def client_token(self, client_id: str, **overrides: Any) -> str:
        """The access token a client_credentials grant gives ``client_id``: its service
        account's, with the client's mapper claims (a node's, in vantage6 5.x)."""
        client = self.client(client_id)
        account = self.service_account(client)
        if account is None:
            raise KeyError(f"client {client_id!r} has no service account")
        return self.mint(account, client=client_id, **overrides)

    def decode(self, token: str, *, leeway: float = 0.0,
               algorithms: Iterable[str] = tokens.RS_ALGORITHMS) -> dict:
        """The claims of an access token signed with this realm's key, its time claims checked
        on the network's clock (``leeway`` as PyJWT's); no audience, issuer or ``kid`` check,
        as HQ 5.x does with ``leeway=10``. Raises :class:`~simulator.keycloak.errors.TokenError`
        (its ``cause`` is PyJWT's exception, e.g. ``jwt.ExpiredSignatureError``)."""
        return tokens.decode(token, self.keys, self.now(), algorithms=algorithms,
                             leeway=leeway)

    def verify(self, token: str) -> dict:
        """Keycloak's own check of one of its access tokens (admin API, userinfo): its key
        (``kid``), RS256, times, ``typ: Bearer`` and an issuer of this realm."""
        claims = tokens.decode(token, self.keys, self.now(), algorithms=("RS256",),
                               kid=self.keys.kid)
        if claims.get("typ") != "Bearer" or not self.owns_issuer(claims.get("iss")):
            raise TokenError("Invalid token issuer")
        return claims

    def grant(self, form: dict, base: Optional[str] = None) -> tuple[int, dict]:
        """The token endpoint as a call: ``(status, body)`` for a form such as
        ``{"grant_type": "password", "client_id": ..., "username": ..., "password": ...}``."""
        try:
            with self.lock:
                return 200, grants.token(self, form, {}, base)
        except OAuthError as exc:
            return exc.status, exc.body()

    # ------------------------------------------------------------------ sessions
    def new_session(self, user: User, client: Client, scope: str) -> Session:
        now = self.now()
        for old in list(self.sessions):  # expired sessions are forgotten, as Keycloak does
            self.live_session(old)
        session = Session(self.new_uuid(), user.id, client.client_id, now, now, scope)
        self.sessions[session.id] = session
        return session

    def live_session(self, session_id: str) -> Optional[Session]:
        session = self.sessions.get(session_id or "")
        now = self.now()
        if session and (session.last_refresh + self.sso_idle < now
                        or session.started + self.sso_max < now):
            del self.sessions[session.id]
            return None
        return session

    # ------------------------------------------------------------------ device login
    @_locked
    def approve_device(self, user_code: str, username: str) -> DeviceCode:
        """Sign ``username`` in on the device showing ``user_code`` (any case, dash optional)."""
        code = self._pending(user_code)
        code.status, code.user_id = "approved", self.user(username).id
        return code

    @_locked
    def deny_device(self, user_code: str) -> DeviceCode:
        code = self._pending(user_code)
        code.status = "denied"
        return code

    @_locked
    def approve_next_device(self, username: str) -> Optional[DeviceCode]:
        """Approve the oldest pending device login as ``username``, or, if none is waiting, the
        next one to start (returns the code approved now, or None)."""
        self.user(username)
        pending = [c for c in self.device_codes.values()
                   if c.status == "pending" and c.expires_at > self.now()]
        if pending:
            return self.approve_device(pending[0].user_code, username)
        self._next_device_users.append(username)
        return None

    def take_next_device_user(self) -> Optional[str]:
        if self.device_user is not None:
            return self.device_user
        return self._next_device_users.pop(0) if self._next_device_users else None

    def device_by_user_code(self, user_code: str) -> Optional[DeviceCode]:
        wanted = "".join((user_code or "").split("-")).upper()
        return next((c for c in self.device_codes.values()
                     if c.user_code.replace("-", "") == wanted), None)

    def _pending(self, user_code: str) -> DeviceCode:
        code = self.device_by_user_code(user_code)
        if code is None:
            raise KeyError(f"no device login with user code {user_code!r} in realm "
                           f"{self.name!r}")
        if code.status != "pending" or code.expires_at <= self.now():
            raise ValueError(f"the device login {code.user_code} is "
                             f"{'expired' if code.status == 'pending' else code.status}")
        return code


__all__ = ["GRANT_TYPES", "Realm", "TokenError"]

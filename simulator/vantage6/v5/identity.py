"""Who is calling HQ 5.0.3, decided as its ``only_for`` decorator decides it
(hq/resource/__init__.py; contract: docs/v5/contract-auth.md §3).

Users and nodes carry Keycloak access tokens: RS256/384/512 signed with the realm's key, checked
by flask-jwt-extended with 10 s leeway and no audience or issuer; ``sub`` is the Keycloak id HQ
stored for the user or node, ``vantage6_client_type`` says which. Containers carry HQ's own HS256
token (no expiry) whose ``sub`` is a dict. Where an endpoint also admits containers, a failed
user/node check falls through to the container check, so every user/node token problem there
ends as the generic 500.

Container tokens are minted here too (``POST /token/container``).
"""
from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any, Callable, Optional

import jwt

from simulator.core.clock import Clock
from simulator.core.http import HttpError, Request
from simulator.vantage6.errors import UnexpectedDetail, UnexpectedError
from simulator.vantage6.permissions import CONTAINER_ROLE, NODE_ROLE, Caller, RuleCollection
from simulator.vantage6.routing import Endpoint

ALGORITHMS = ["RS256", "RS384", "RS512"]
LEEWAY = 10  # jwt_decode_leeway
_CACHE_SIZE = 4096


class StrictRules(RuleCollection):
    """5.x's helpers call ``int()`` on every id they are given: ``None`` fails (a 500)."""

    @staticmethod
    def _int(value):
        return int(value)

    def allowed_for_org(self, operation: str, subject_org_id) -> bool:
        return super().allowed_for_org(operation, self._int(subject_org_id))

    def allowed_for_org_in_col(self, operation: str, subject_org_id, collaboration_id) -> bool:
        return super().allowed_for_org_in_col(operation, self._int(subject_org_id),
                                              self._int(collaboration_id))

    def can_for_col(self, operation: str, collaboration_id) -> bool:
        return super().can_for_col(operation, self._int(collaboration_id))


class V5Caller(Caller):
    def rules(self, resource: str) -> RuleCollection:
        coll = self._collections.get(resource)
        if coll is None:
            coll = self._collections[resource] = StrictRules(resource, self)
        return coll


def _fje(status: int, msg: str) -> HttpError:
    """flask-jwt-extended's own answers (compact ``jsonify`` bodies, key ``msg``)."""
    return HttpError(status, {"msg": msg})


class KeycloakIdentity:
    def __init__(self, server, public_key: Callable[[], Any], secret: str, clock: Clock) -> None:
        self.server = server
        self._public_key = public_key  # the realm's key, fetched when HQ starts
        self.secret = secret  # jwt_secret_key: container tokens
        self.clock = clock
        self._cache: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    # ------------------------------------------------------------------ container tokens
    def container_token(self, sub: dict) -> str:
        return jwt.encode({"sub": sub}, self.secret, algorithm="HS256")

    # ------------------------------------------------------------------ checking a request
    def caller(self, request: Request, endpoint: Endpoint) -> Optional[Caller]:
        if endpoint.who is None:
            return None
        if not endpoint.handles_exceptions:
            return self._caller(request, endpoint)
        # @handle_exceptions around the check: its errors are 500s that show their text
        try:
            return self._caller(request, endpoint)
        except HttpError as exc:
            if exc.status == 401 and endpoint.who and "not allowed to access" in str(exc.body):
                raise
            raise UnexpectedDetail(exc.body.get("msg", "") if isinstance(exc.body, dict)
                                   else str(exc.body))
        except KeyError as exc:
            raise UnexpectedDetail(str(exc))

    def _caller(self, request: Request, endpoint: Endpoint) -> Optional[Caller]:
        types = endpoint.who
        try:
            return self._user_or_node(request, types, endpoint)
        except Exception:
            if "container" not in types:
                raise
        try:
            return self._container(request)
        except HttpError:
            raise
        except Exception:  # AuthenticationException: the generic 500
            raise UnexpectedError()

    def _user_or_node(self, request: Request, types, endpoint: Endpoint) -> Caller:
        claims = self._decode(_bearer_token(request))
        if claims.get("type", "access") == "refresh":
            raise _fje(422, "Only non-refresh tokens are allowed")
        if "sub" not in claims:
            raise _fje(422, "Missing claim: sub")
        state = self.server.state
        auth = state.by_keycloak_id(claims["sub"])
        if auth is None:
            raise _fje(401, f"Error loading the user {claims['sub']}")
        kind = claims["vantage6_client_type"]  # missing: KeyError, the generic 500
        if kind not in types:
            if endpoint.handles_exceptions:  # @handle_exceptions outside the check
                what = f"{_full_url(request)} ({request.method})"
                raise _unauthorized(f"{kind}s are not allowed to access {what}")
            raise UnexpectedError()
        if kind not in ("user", "node") or auth.type != kind:
            raise UnexpectedError()  # UnauthorizedError("Unknown entity") / the type assert
        auth.last_seen = self.clock.now()
        org = auth.organization
        cols = list(org.collaborations) if org else []
        if kind == "node":
            rules = frozenset(r.key for r in state.role_by_name(NODE_ROLE).rules)
            return V5Caller("node", rules, org, cols, node=auth)
        rules = frozenset([r.key for role in auth.roles for r in role.rules]
                          + [r.key for r in auth.rules])
        return V5Caller("user", rules, org, cols, user=auth)

    def _decode(self, token: str) -> dict:
        with self._lock:
            claims = self._cache.get(token)
            if claims is not None:
                self._cache.move_to_end(token)
        if claims is None:
            try:
                claims = jwt.decode(token, self._public_key(), algorithms=ALGORITHMS,
                                    options={"verify_exp": False, "verify_nbf": False,
                                             "verify_iat": False, "verify_aud": False,
                                             "verify_iss": False, "verify_sub": False})
            except jwt.InvalidAlgorithmError:
                raise _fje(422, "The specified alg value is not allowed")
            except jwt.PyJWTError as exc:
                raise _fje(422, str(exc))
            with self._lock:
                self._cache[token] = claims
                if len(self._cache) > _CACHE_SIZE:
                    self._cache.popitem(last=False)
        self._check_times(claims)
        return claims

    def _check_times(self, claims: dict) -> None:
        """PyJWT's time checks, with the leeway, against the network's clock."""
        now = self.clock.timestamp()
        if "exp" in claims and int(claims["exp"]) <= now - LEEWAY:
            raise _fje(401, "Token has expired")
        if "nbf" in claims and int(claims["nbf"]) > now + LEEWAY:
            raise _fje(422, "The token is not yet valid (nbf)")
        if "iat" in claims and int(claims["iat"]) > now + LEEWAY:
            raise _fje(422, "The token is not yet valid (iat)")

    def _container(self, request: Request) -> Caller:
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            raise ValueError("Missing or invalid Authorization header")
        sub = jwt.decode(header[len("Bearer "):], self.secret, algorithms=["HS256"],
                         options={"verify_sub": False})["sub"]
        if not isinstance(sub, dict) or sub.get("vantage6_client_type") != "container":
            raise ValueError("Not a container token")
        state = self.server.state
        rules = frozenset(r.key for r in state.role_by_name(CONTAINER_ROLE).rules)
        return V5Caller("container", rules, state.organizations.get(sub.get("organization_id")),
                        [state.collaborations.get(sub.get("collaboration_id"))], container=sub)

    def caller_from_token(self, token: str) -> Caller:
        """The user or node a bearer token stands for (the socket layer)."""
        request = Request.build("GET", "/", "", {"Authorization": f"Bearer {token}"})
        return self._user_or_node(request, ("user", "node"), Endpoint("", "GET", None,
                                                                       ("user", "node")))


def _bearer_token(request: Request) -> str:
    """flask-jwt-extended's ``_decode_jwt_from_headers``: one ``Bearer <JWT>`` among the
    header's comma-separated values."""
    header = (request.headers.get("Authorization") or "").strip().strip(",")
    if not header:
        raise _fje(401, "Missing Authorization Header")
    found = [v for v in re.split(r",\s*", header) if v.split()[0] == "Bearer"]
    if len(found) != 1:
        raise _fje(401, "Missing 'Bearer' type in 'Authorization' header. Expected "
                        "'Authorization: Bearer <JWT>'")
    parts = found[0].split()
    if len(parts) != 2:
        raise _fje(422, "Bad Authorization header. Expected 'Authorization: Bearer <JWT>'")
    return parts[1]


def _full_url(request: Request) -> str:
    """``request.url`` as Flask shows it in messages."""
    host = request.headers.get("Host") or "localhost"
    query = f"?{request.query_string}" if request.query_string else ""
    return f"http://{host}{request.path}{query}"


def _unauthorized(msg: str) -> HttpError:
    return HttpError(401, {"msg": msg})

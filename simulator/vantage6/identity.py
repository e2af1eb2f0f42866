"""Who is calling a 4.x (and 3.x) server: the server's own HS256 tokens, checked as
flask-jwt-extended and the real ``user_lookup_loader``/``only_for`` check them."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

from simulator.core.http import HttpError, Request
from simulator.vantage6.errors import UnexpectedError
from simulator.vantage6.filters import by_id
from simulator.vantage6.permissions import CONTAINER_ROLE, NODE_ROLE, Caller
from simulator.vantage6.routing import Endpoint

if TYPE_CHECKING:
    from simulator.vantage6.server import Vantage6Server


class TokenIdentity:
    def __init__(self, server: "Vantage6Server") -> None:
        self.server = server

    def caller(self, request: Request, endpoint: Endpoint) -> Optional[Caller]:
        if endpoint.who is None:
            return None
        token = self.server.tokens.token_from_header(request.headers.get("Authorization"))
        claims = self.server.tokens.decode(token, refresh=endpoint.who == "refresh")
        rules, auth = self._lookup(claims["sub"])
        if endpoint.who == "refresh":
            return self._refresh_caller(claims["sub"], auth)
        kind = claims.get("client_type")
        if kind not in endpoint.who:
            # only_for() raises a bare Exception: the client gets the generic 500
            raise UnexpectedError()
        caller = self._caller(kind, claims["sub"], auth, rules)
        seen = caller.user or caller.node
        if seen is not None:
            seen.last_seen = self.server.clock.now()
        return caller

    def _lookup(self, sub) -> tuple[frozenset, Any]:
        """user_lookup_loader: an int ``sub`` is a user or node (unknown: 401) with its own rules;
        any other ``sub`` is taken for a container and gets the container role's rules."""
        state = self.server.state
        if not isinstance(sub, int):
            return frozenset(r.key for r in state.role_by_name(CONTAINER_ROLE).rules), None
        auth = state.authenticatable(sub)
        if auth is None:
            raise HttpError(401, {"msg": f"Error loading the user {sub}"})
        if auth.type == "node":
            return frozenset(r.key for r in state.role_by_name(NODE_ROLE).rules), auth
        return frozenset([r.key for role in auth.roles for r in role.rules]
                         + [r.key for r in auth.rules]), auth

    def _refresh_caller(self, sub, auth) -> Caller:
        # RefreshToken.post: Authenticatable.get(sub); anything it cannot find fails later (500)
        auth = auth or by_id(self.server.state.users, sub) or by_id(self.server.state.nodes, sub)
        if auth is None:
            raise UnexpectedError()
        return Caller(auth.type, frozenset(), auth.organization, [],
                      user=auth if auth.type == "user" else None,
                      node=auth if auth.type == "node" else None)

    def _caller(self, kind: str, sub, auth, rules: frozenset) -> Caller:
        """only_for(): containers must carry a dict ``sub``; users and nodes are looked up by
        ``sub`` (a numeric string finds them too) and must be of the claimed type."""
        state = self.server.state
        if kind == "container":
            if not isinstance(sub, dict) or "node_id" not in sub or "task_id" not in sub:
                raise UnexpectedError()  # the debug log line indexes sub['node_id']
            return Caller("container", rules, state.organizations.get(sub.get("organization_id")),
                          [state.collaborations.get(sub.get("collaboration_id"))], container=sub)
        if auth is None:
            auth = by_id(state.users, sub) or by_id(state.nodes, sub)
        if auth is None or auth.type != kind:
            raise UnexpectedError()  # None.last_seen / assert g.user.type == g.type
        org = auth.organization
        cols = list(org.collaborations) if org else []
        if kind == "node":
            return Caller("node", rules, org, cols, node=auth)
        return Caller("user", rules, org, cols, user=auth)

    def caller_from_claims(self, claims: dict) -> Caller:
        """The caller a decoded token stands for (used by harnesses and the socket layer)."""
        rules, auth = self._lookup(claims["sub"])
        return self._caller(claims.get("client_type"), claims["sub"], auth, rules)

"""Shared by tests/v5/test_admin_*.py: a 5.x network with the real 5.0.3 UserClient signed in
as HQ's root user (Keycloak's ``admin``), raw calls for the error cases, and a fingerprint of
every administrative record (HQ's and the realm's) to show that refused input changed nothing.

The expected bodies are HQ 5.0.3's, as the contract (docs/v5/contract-hq-admin.md) and the real
HQ run beside the simulator (tools/oracle_v5) answer them.
"""
from __future__ import annotations

import contextlib
import io
from typing import Any, Iterator

import pytest

from simulator import Network
from simulator.core.http import Request
from tests.v5.helpers import signed_in

PASSWORD = "Secret-pass1"
UNKNOWN = ["Unknown field."]
NOT_JSON = {"msg": "Request body is incorrect", "errors": {"_schema": ["Invalid input type."]}}


def incorrect(**errors) -> dict:
    return {"msg": "Request body is incorrect", "errors": errors}


@pytest.fixture
def net() -> Iterator[Network]:
    with Network(profile="5.x", seed=5) as network:
        yield network


@pytest.fixture
def demo() -> Iterator[Network]:
    """The demo world: organizations 2-4 in collaboration 1, a node each, john-doe."""
    with Network.from_scenario("demo", profile="5.x") as network:
        yield network


def root_client(network: Network):
    """The real UserClient signed in through the device flow as ``admin`` (call inside
    ``network.intercept()``)."""
    network.keycloak.realm("vantage6").device_user = "admin"
    return signed_in(network.url + "/api", network.url)


@pytest.fixture
def client(net):
    with net.intercept():
        yield root_client(net)


def quiet(fn, *args, **kwargs):
    """A client call without the client's printing."""
    with contextlib.redirect_stdout(io.StringIO()):
        return fn(*args, **kwargs)


def token(network: Network, username: str = "admin") -> str:
    return network.keycloak.realm("vantage6").mint(username)


def node_token(network: Network, node_name: str) -> str:
    return network.keycloak.realm("vantage6").client_token(f"{node_name}-node-client")


def call(network: Network, tok: str | None, method: str, path: str, body: Any = None, *,
         raw: bytes | None = None, content_type: str = "application/json",
         **params) -> tuple[int, Any]:
    """(status, JSON body) of one request; ``raw`` sends those bytes as the body."""
    if raw is not None:
        headers = {"Content-Type": content_type} if content_type else {}
        if tok:
            headers["Authorization"] = f"Bearer {tok}"
        from urllib.parse import urlencode

        response = network.handle(Request.build(method, f"/api{path}", urlencode(params),
                                                headers, raw))
    else:
        response = network.request(method, f"/api{path}", json=body, token=tok,
                                   params=params or None)
    return response.status, response.get_json()


def root_call(network: Network, method: str, path: str, body: Any = None, **kw):
    return call(network, token(network), method, path, body, **kw)


def add_user(network: Network, username: str, organization: int, roles=(), rules=()) -> dict:
    status, body = root_call(network, "POST", "/user", {
        "username": username, "password": PASSWORD, "organization_id": organization,
        "roles": list(roles), "rules": list(rules)})
    assert status == 201, body
    return body


def build(network: Network, organizations=(), collaborations=()) -> Network:
    """Organizations by name (ids from 2) and collaborations as (name, organization ids)."""
    for name in organizations:
        assert root_call(network, "POST", "/organization", {"name": name})[0] == 201
    for name, members in collaborations:
        assert root_call(network, "POST", "/collaboration", {
            "name": name, "organization_ids": list(members), "encrypted": False})[0] == 200
    return network


def fingerprint(network: Network) -> tuple:
    """Every administrative record HQ keeps, and the realm's accounts and secrets."""
    state = network.vantage6.state
    ids = lambda records: tuple(x.id for x in records)  # noqa: E731
    realm = network.keycloak.realm("vantage6")
    return (
        {o.id: (o.name, o.address1, o.address2, o.zipcode, o.country, o.domain, o.public_key,
                ids(o.collaborations), ids(o.studies)) for o in state.organizations.values()},
        {c.id: (c.name, c.encrypted, c.session_restrict_to_same_image, ids(c.organizations),
                ids(c.nodes), ids(c.studies)) for c in state.collaborations.values()},
        {s.id: (s.name, s.collaboration.id, ids(s.organizations))
         for s in state.studies.values()},
        {u.id: (u.username, u.organization.id, ids(u.roles), ids(u.rules), u.keycloak_id,
                u.keycloak_client_id, u.is_service_account) for u in state.users.values()},
        {n.id: (n.name, n.organization.id, n.collaboration and n.collaboration.id,
                n.keycloak_id, n.keycloak_client_id) for n in state.nodes.values()},
        {r.id: (r.name, r.description, r.organization and r.organization.id, ids(r.rules))
         for r in state.roles.values()},
        (len(state.tasks), len(state.runs), len(state.sessions), len(state.dataframes)),
        sorted(realm.users), sorted((c.client_id, c.secret) for c in realm.clients.values()),
    )


@contextlib.contextmanager
def unchanged(network: Network):
    """Asserts that the block changed no administrative record (nor the realm)."""
    before = fingerprint(network)
    yield
    assert fingerprint(network) == before

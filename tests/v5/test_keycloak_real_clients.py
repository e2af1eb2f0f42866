"""The REAL python-keycloak 5.5.0 and vantage6 5.0.3 UserClient against the simulated Keycloak,
in process (interception) and in server mode. Python 3.13 only: run in the 5.x virtualenv,

    PYTHONPATH=. /work/main/.venv-v5/bin/python -m pytest tests/v5/test_keycloak_real_clients.py

Skipped where python-keycloak is not installed (the default 3.11 suite). The UserClient part
stops where ``authenticate()`` would call HQ (``user/me``): the well-known document, the device
authorization and the token polling, with approval at once, by a person mid-poll (a timer on
the simulated clock, which the client's ``time.sleep`` moves), denial and expiry.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import logging
from typing import Iterator

import pytest

keycloak = pytest.importorskip("keycloak")
pytest.importorskip("vantage6.client")

from keycloak import KeycloakAdmin, KeycloakOpenID  # noqa: E402
from keycloak.exceptions import KeycloakAuthenticationError, KeycloakPostError  # noqa: E402

from simulator import Clock, Network  # noqa: E402
from simulator.core.virtual_time import sleeping_on  # noqa: E402

NODE_MAPPER = {"name": "vantage6_client_type", "protocol": "openid-connect",
               "protocolMapper": "oidc-hardcoded-claim-mapper",
               "config": {"claim.name": "vantage6_client_type", "claim.value": "node",
                          "access.token.claim": True}}


@contextlib.contextmanager
def _way_in(net: Network, mode: str) -> Iterator[str]:
    """The Keycloak URL a client is given: the network's own, intercepted, or a loopback
    server's."""
    if mode == "in process":
        with net.intercept():
            yield net.url
    else:
        server = net.serve(port=0)
        try:
            yield server.url
        finally:
            server.stop()


@pytest.fixture(params=["in process", "server mode"])
def world(request) -> Iterator[tuple[Network, str]]:
    """A network on the wall clock (jwcrypto checks ``exp`` against it)."""
    net = Network()
    with _way_in(net, request.param) as url:
        yield net, url


def _admin(url: str) -> KeycloakAdmin:
    """As HQ 5.0.3 does it (backend/common/auth.py): a client_credentials token, then an
    admin connection built from it."""
    token = KeycloakOpenID(server_url=url, realm_name="vantage6",
                           client_id="backend-admin-client",
                           client_secret_key="myadminclientsecret").token(
        grant_type="client_credentials")
    return KeycloakAdmin(server_url=url, realm_name="vantage6", token=token, verify=True)


def test_openid_well_known_token_refresh_decode_and_public_key(world):
    net, url = world
    realm = net.keycloak.realm("vantage6")
    oidc = KeycloakOpenID(server_url=url, realm_name="vantage6", client_id="public_client")
    assert oidc.well_known()["device_authorization_endpoint"] == \
        f"{url}/realms/vantage6/protocol/openid-connect/auth/device"
    assert oidc.public_key() == realm.public_key
    token = oidc.token("admin", "admin")
    claims = oidc.decode_token(token["access_token"], validate=True)
    assert (claims["preferred_username"], claims["vantage6_client_type"]) == ("admin", "user")
    again = oidc.refresh_token(token["refresh_token"])
    assert again["access_token"] and again["refresh_token"]


def test_node_client_credentials_and_decode_as_the_node_client_does(world):
    net, url = world
    client = net.keycloak.realm("vantage6").add_client(
        "n1-node-client", service_accounts=True, claims={"vantage6_client_type": "node"})
    oidc = KeycloakOpenID(server_url=url, realm_name="vantage6", client_id="n1-node-client",
                          client_secret_key=client.secret)
    token = oidc.token(grant_type="client_credentials")
    claims = oidc.decode_token(token["access_token"], validate=True)
    assert claims["vantage6_client_type"] == "node"
    assert claims["sub"] == client.service_account_user_id
    wrong = KeycloakOpenID(server_url=url, realm_name="vantage6", client_id="n1-node-client",
                           client_secret_key="wrong")
    with pytest.raises(KeycloakAuthenticationError):  # the node exits instead of retrying
        wrong.token(grant_type="client_credentials")


def test_admin_calls_hq_makes(world):
    net, url = world
    realm = net.keycloak.realm("vantage6")
    admin = _admin(url)  # HQ makes one per operation; each costs python-keycloak ~0.2 s
    # start-up: link the root user and set its organization
    admin_id = admin.get_user_id("admin")
    assert admin_id == realm.user("admin").id
    rep = admin.get_user(admin_id)
    rep["attributes"] = {**rep.get("attributes", {}), "organization_id": ["1"]}
    admin.update_user(admin_id, rep)
    assert realm.user("admin").attributes == {"organization_id": ["1"]}
    # POST /user
    user_id = admin.create_user({
        "username": "MixedCase", "enabled": True,
        "credentials": [{"type": "password", "value": "Password123!", "temporary": True}],
        "attributes": {"organization_id": ["2"]}})
    assert admin.get_user(user_id)["username"] == "mixedcase"
    assert admin.get_user_id("MixedCase") == user_id
    # POST /node: client, its service account's id, its secret; POST /recover/node: a new one
    client_uuid = admin.create_client({
        "clientId": "n2-node-client", "publicClient": False, "enabled": True,
        "serviceAccountsEnabled": True, "standardFlowEnabled": False,
        "protocolMappers": [NODE_MAPPER]})
    assert admin.get_client_id("n2-node-client") == client_uuid
    assert admin.get_user_id("service-account-n2-node-client") == \
        realm.client("n2-node-client").service_account_user_id
    secret = admin.get_client_secrets(client_uuid)["value"]
    assert secret == realm.client("n2-node-client").secret
    new = admin.generate_client_secrets(client_uuid)["value"]
    assert new != secret and new == realm.client("n2-node-client").secret
    with pytest.raises(KeycloakPostError) as exc:  # HQ: "Could not create service account"
        admin.create_client({"clientId": "n2-node-client"})
    assert exc.value.response_code == 409
    # DELETE /user, DELETE /node
    admin.delete_user(user_id)
    admin.delete_client(client_uuid)
    assert realm.find_user("mixedcase") is None and realm.find_client("n2-node-client") is None
    assert admin.get_user_id("service-account-n2-node-client") is None


# ---------------------------------------------------------------------- the UserClient
def _user_client(url: str):
    from vantage6.client import UserClient

    with contextlib.redirect_stdout(io.StringIO()):
        client = UserClient(hq_url=f"{url}/hq", auth_url=url, log_level="critical")
    logging.getLogger().setLevel(logging.WARNING)
    return client


def _device_login(client) -> tuple[str, dict]:
    device_endpoint, token_endpoint = client._get_device_flow_endpoints()
    assert device_endpoint and token_endpoint
    device_data = client._start_device_authorization(device_endpoint)
    assert device_data and device_data["user_code"]
    return token_endpoint, device_data


def test_user_client_device_flow_approved_at_once(world):
    net, url = world
    realm = net.keycloak.realm("vantage6")
    realm.add_user("john-doe", password="pw", attributes={"organization_id": ["2"]})
    realm.device_user = "john-doe"
    client = _user_client(url)
    token_endpoint, device_data = _device_login(client)
    token = client._poll_device_token(token_endpoint, device_data)  # no sleep at all
    claims = realm.decode(token["access_token"])
    assert (claims["preferred_username"], claims["vantage6_client_type"]) == \
        ("john-doe", "user")
    assert token["refresh_token"]


@pytest.fixture(params=["in process", "server mode"])
def simulated(request) -> Iterator[tuple[Network, str]]:
    """A network on a simulated clock; the client's ``time.sleep`` moves it."""
    clock = Clock(start=dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
    net = Network(clock=clock)
    with sleeping_on(clock), _way_in(net, request.param) as url:
        yield net, url


def test_user_client_waits_for_a_person_to_approve(simulated):
    net, url = simulated
    realm = net.keycloak.realm("vantage6")
    client = _user_client(url)
    token_endpoint, device_data = _device_login(client)
    # someone signs in 12 s later; the client polls every 5 s (authorization_pending)
    net.clock.call_later(12, lambda: realm.approve_device(device_data["user_code"], "admin"))
    token = client._poll_device_token(token_endpoint, device_data)
    assert realm.decode(token["access_token"], leeway=60)["preferred_username"] == "admin"


def test_user_client_gives_up_on_denial_and_expiry(simulated):
    net, url = simulated
    realm = net.keycloak.realm("vantage6")
    client = _user_client(url)
    token_endpoint, device_data = _device_login(client)
    net.clock.call_later(7, lambda: realm.deny_device(device_data["user_code"]))
    assert client._poll_device_token(token_endpoint, device_data) is None   # access_denied
    token_endpoint, device_data = _device_login(client)
    net.clock.call_later(1, lambda: net.clock.advance(600))
    assert client._poll_device_token(token_endpoint, device_data) is None   # expired_token

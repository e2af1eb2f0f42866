"""The Keycloak as a part of a network: built on first use, one realm object shared with PAPI,
deterministic under a seed, rebuilt by reset(), its URLs built from the URL the client used in
server mode, and tokens that verify across networks at the same URL (not at another)."""
from __future__ import annotations

import jwt
import pytest
import requests

from simulator import Network
from simulator.keycloak import Keycloak, vantage6_realm


def test_built_on_first_use_with_the_vantage6_and_papi_realms():
    net = Network()
    assert net._keycloak is None
    assert sorted(net.keycloak.realms) == ["ai4eosc", "vantage6"]
    assert net.keycloak.realm("ai4eosc") is net.papi.realm
    realm = net.keycloak.realm("vantage6")
    assert sorted(realm.clients) == ["backend-admin-client", "public_client"]
    assert sorted(realm.users) == ["admin", "service-account-backend-admin-client"]
    with pytest.raises(KeyError, match="no realm 'x' \\(known: ai4eosc, vantage6\\)"):
        net.keycloak.realm("x")


def test_papis_realm_is_one_realm_at_both_paths():
    net = Network.from_scenario("papi")
    with net.intercept():
        root = requests.get(f"{net.url}/realms/ai4eosc/.well-known/openid-configuration").json()
        under = requests.get(f"{net.papi_url}/oidc/realms/ai4eosc/.well-known/"
                             "openid-configuration").json()
        assert root["issuer"] == under["issuer"] == net.papi.issuer  # PAPI's fixed issuer
        assert root["token_endpoint"] == f"{net.url}/realms/ai4eosc/protocol/openid-connect/token"
        assert requests.get(root["jwks_uri"]).json() == requests.get(under["jwks_uri"]).json()
        # a password login at the root is a token PAPI accepts
        token = requests.post(root["token_endpoint"], data={
            "grant_type": "password", "client_id": "ai4eosc-dashboard", "username": "alice",
            "password": "alice-password"}).json()["access_token"]
        r = requests.get(f"{net.papi_url}/v1/deployments/modules",
                         params={"vos": "vo.ai4eosc.eu"},
                         headers={"Authorization": f"Bearer {token}"})
        assert (r.status_code, r.json()) == (200, [])


def test_deterministic_under_a_seed():
    def world():
        realm = Network(seed=11).keycloak.realm("vantage6")
        client = realm.add_client("n1-node-client", service_accounts=True)
        return realm.user("admin").id, client.id, client.secret, client.service_account_user_id

    assert world() == world()
    other = Network(seed=12).keycloak.realm("vantage6")
    assert other.user("admin").id != world()[0]


def test_reset_rebuilds_the_realms(clock):
    net = Network(clock=clock)
    net.keycloak.realm("vantage6").add_user("eve")
    net.reset()
    assert "eve" not in net.keycloak.realm("vantage6").users
    assert net.keycloak.realm("ai4eosc") is net.papi.realm


def test_tokens_verify_across_networks_at_one_url_only():
    token = Network().keycloak.realm("vantage6").mint("admin")
    same = Network().keycloak.realm("vantage6")
    assert same.decode(token)["preferred_username"] == "admin"
    assert jwt.get_unverified_header(token)["kid"] == same.keys.kid
    elsewhere = Network(url="http://other.test:7601").keycloak.realm("vantage6")
    assert elsewhere.keys.kid != same.keys.kid


def test_a_keycloak_of_its_own(clock):
    keycloak = Keycloak(clock, "http://kc.test:7680")
    realm = vantage6_realm(keycloak, "demo", admin_username="root", admin_password="pw")
    assert realm.home_issuer == "http://kc.test:7680/realms/demo"
    with pytest.raises(ValueError, match="already exists"):
        keycloak.adopt(realm)


def test_server_mode_builds_every_url_from_the_servers_address():
    net = Network()
    realm = net.keycloak.realm("vantage6")
    realm.device_user = "admin"
    server = net.serve(port=0)
    try:
        base = server.url
        doc = requests.get(f"{base}/realms/vantage6/.well-known/openid-configuration").json()
        assert doc["issuer"] == f"{base}/realms/vantage6"
        assert doc["device_authorization_endpoint"].startswith(base)
        info = requests.get(f"{base}/realms/vantage6").json()
        assert info["token-service"] == f"{base}/realms/vantage6/protocol/openid-connect"
        data = requests.post(doc["device_authorization_endpoint"],
                             data={"client_id": "public_client", "scope": "openid"}).json()
        assert data["verification_uri"] == f"{base}/realms/vantage6/device"
        body = requests.post(doc["token_endpoint"], data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": data["device_code"], "client_id": "public_client"}).json()
        assert realm.decode(body["access_token"])["iss"] == f"{base}/realms/vantage6"
        admin = requests.post(doc["token_endpoint"], data={
            "grant_type": "client_credentials", "client_id": "backend-admin-client",
            "client_secret": "myadminclientsecret"}).json()["access_token"]
        r = requests.post(f"{base}/admin/realms/vantage6/users", json={"username": "bea"},
                          headers={"Authorization": f"Bearer {admin}"})
        assert r.status_code == 201
        assert r.headers["Location"].startswith(f"{base}/admin/realms/vantage6/users/")
        # a person in a browser: the verification form against the loopback server
        realm.device_user = None
        data = requests.post(doc["device_authorization_endpoint"],
                             data={"client_id": "public_client"}).json()
        page = requests.post(data["verification_uri"], data={
            "device_user_code": data["user_code"], "username": "admin", "password": "admin"})
        assert "Device Login Successful" in page.text
        assert requests.post(doc["token_endpoint"], data={
            "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
            "device_code": data["device_code"], "client_id": "public_client"}
        ).status_code == 200
    finally:
        server.stop()

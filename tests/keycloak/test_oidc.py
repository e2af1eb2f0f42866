"""The OIDC side of the simulated Keycloak over raw HTTP (interception): realm info, discovery,
JWKS, userinfo and the token endpoint's grants with Keycloak's error bodies."""
from __future__ import annotations

import base64

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.serialization import load_der_public_key

from tests.keycloak.conftest import ADMIN

BAD_CLIENT = "Invalid client or Invalid client credentials"


def test_realm_info_is_what_hq_reads_its_key_from(kc, realm):
    r = requests.get(f"{kc.base}/realms/vantage6")
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
    info = r.json()
    assert info == {"realm": "vantage6", "public_key": realm.public_key,
                    "token-service": f"{kc.base}/realms/vantage6/protocol/openid-connect",
                    "account-service": f"{kc.base}/realms/vantage6/account",
                    "tokens-not-before": 0}
    # base64 DER SubjectPublicKeyInfo without armour, and the key tokens are signed with
    key = load_der_public_key(base64.b64decode(info["public_key"]))
    pem = f"-----BEGIN PUBLIC KEY-----\n{info['public_key']}\n-----END PUBLIC KEY-----"
    token = realm.mint("admin")
    assert jwt.decode(token, key, algorithms=["RS256"], options={"verify_aud": False,
                                                                 "verify_exp": False})
    assert jwt.decode(token, pem, algorithms=["RS256"], options={"verify_aud": False,
                                                                 "verify_exp": False})


def test_discovery_has_absolute_urls_and_the_device_endpoint(kc):
    doc = requests.get(f"{kc.base}/realms/vantage6/.well-known/openid-configuration").json()
    assert doc["issuer"] == f"{kc.base}/realms/vantage6"
    assert doc["token_endpoint"] == f"{kc.oidc}/token"
    assert doc["device_authorization_endpoint"] == f"{kc.oidc}/auth/device"
    assert doc["jwks_uri"] == f"{kc.oidc}/certs"
    assert "urn:ietf:params:oauth:grant-type:device_code" in doc["grant_types_supported"]


def test_jwks_verifies_the_tokens(kc, realm):
    jwks = requests.get(f"{kc.oidc}/certs").json()
    token = realm.mint("admin")
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    assert jwt.decode(token, key.key, algorithms=["RS256"], audience="account",
                      options={"verify_exp": False, "verify_iat": False})["sub"] == \
        realm.user("admin").id


@pytest.mark.parametrize("path,status,body", [
    ("/realms/nope", 404, {"error": "Realm does not exist"}),
    ("/realms/nope/.well-known/openid-configuration", 404, {"error": "Realm does not exist"}),
    ("/realms", 404, {"error": "HTTP 404 Not Found"}),
])
def test_unknown_realms(kc, path, status, body):
    r = requests.get(kc.base + path)
    assert (r.status_code, r.json()) == (status, body)


def test_wrong_method_and_paths_not_served(kc):
    r = requests.get(f"{kc.oidc}/token")
    assert (r.status_code, r.json()) == (405, {"error": "HTTP 405 Method Not Allowed"})
    r = requests.get(f"{kc.oidc}/auth", params={"response_type": "code"})
    assert r.status_code == 501 and "not served by the simulated Keycloak" in \
        r.json()["error_description"]


# ---------------------------------------------------------------------- password grant
def test_password_grant_gives_keycloaks_token_response(kc, realm):
    r = kc.token(grant_type="password", client_id="public_client", username="ADMIN",
                 password="admin", scope="openid")
    assert r.status_code == 200 and r.headers["Cache-Control"] == "no-store"
    body = r.json()
    assert list(body) == ["access_token", "expires_in", "refresh_expires_in", "refresh_token",
                          "token_type", "id_token", "not-before-policy", "session_state",
                          "scope"]
    assert (body["expires_in"], body["refresh_expires_in"], body["token_type"]) == \
        (300, 1800, "Bearer")
    claims = realm.decode(body["access_token"])
    assert claims["sub"] == realm.user("admin").id and claims["azp"] == "public_client"
    assert claims["vantage6_client_type"] == "user"  # public_client's hardcoded mapper
    assert claims["sid"] == body["session_state"] and claims["scope"] == "openid profile email"
    assert claims["exp"] - claims["iat"] == 300
    id_token = realm.decode(body["id_token"])
    assert (id_token["typ"], id_token["aud"]) == ("ID", "public_client")
    assert "vantage6_client_type" not in id_token  # the mapper targets access tokens only


def test_no_id_token_without_openid(kc):
    body = kc.token(grant_type="password", client_id="public_client", username="admin",
                    password="admin").json()
    assert "id_token" not in body and body["scope"] == "profile email"


@pytest.mark.parametrize("form,status,error,description", [
    ({"client_id": "public_client", "username": "admin", "password": "x"}, 401,
     "invalid_grant", "Invalid user credentials"),
    ({"client_id": "public_client", "username": "nobody", "password": "x"}, 401,
     "invalid_grant", "Invalid user credentials"),
    ({"client_id": "backend-admin-client", "client_secret": "myadminclientsecret",
      "username": "admin", "password": "admin"}, 400, "unauthorized_client",
     "Client not allowed for direct access grants"),
    ({"username": "admin", "password": "admin"}, 400, "invalid_client",
     "Missing client_id parameter"),
])
def test_password_grant_errors(kc, form, status, error, description):
    r = kc.token(grant_type="password", **form)
    assert (r.status_code, r.json()) == (status, {"error": error,
                                                  "error_description": description})


def test_disabled_and_not_fully_set_up_accounts(kc, realm):
    realm.add_user("off", password="pw", enabled=False)
    realm.add_user("temp", password="pw", temporary_password=True)
    for name, description in (("off", "Account disabled"),
                              ("temp", "Account is not fully set up")):
        r = kc.token(grant_type="password", client_id="public_client", username=name,
                     password="pw")
        assert (r.status_code, r.json()["error_description"]) == (400, description)


def test_grant_type_checks_come_first(kc):
    r = kc.token(client_id="public_client")
    assert (r.status_code, r.json()) == (400, {
        "error": "invalid_request", "error_description": "Missing form parameter: grant_type"})
    r = kc.token(grant_type="magic", client_id="nobody")
    assert (r.status_code, r.json()["error"]) == (400, "unsupported_grant_type")


# ---------------------------------------------------------------------- client credentials
def test_client_credentials_as_a_node_logs_in(kc, realm):
    client = realm.add_client("n1-node-client", service_accounts=True,
                              claims={"vantage6_client_type": "node"})
    # python-keycloak's token(grant_type="client_credentials") sends these empty fields
    r = kc.token(username="", password="", client_id="n1-node-client",
                 grant_type="client_credentials", code="", redirect_uri="", scope="openid",
                 client_secret=client.secret)
    assert r.status_code == 200
    body = r.json()
    assert "refresh_token" not in body and "session_state" not in body
    assert body["refresh_expires_in"] == 0 and "id_token" in body
    claims = realm.decode(body["access_token"])
    account = realm.user("service-account-n1-node-client")
    assert claims["sub"] == account.id == client.service_account_user_id
    assert claims["vantage6_client_type"] == "node" and "sid" not in claims
    assert claims["preferred_username"] == "service-account-n1-node-client"
    assert account.service_account_client_id == "n1-node-client"


def test_client_credentials_errors(kc, realm):
    cases = [
        ({"client_id": "nobody", "client_secret": "x"}, 401, "invalid_client", BAD_CLIENT),
        ({"client_id": "backend-admin-client", "client_secret": "wrong"}, 401,
         "unauthorized_client", BAD_CLIENT),
        ({"client_id": "backend-admin-client"}, 401, "unauthorized_client", BAD_CLIENT),
        ({"client_id": "public_client"}, 401, "unauthorized_client",
         "Public client not allowed to retrieve service account"),
    ]
    realm.add_client("no-sa", secret="s")
    cases.append(({"client_id": "no-sa", "client_secret": "s"}, 401, "unauthorized_client",
                  "Client not enabled to retrieve service account"))
    for form, status, error, description in cases:
        r = kc.token(grant_type="client_credentials", **form)
        assert (r.status_code, r.json()) == (status, {"error": error,
                                                      "error_description": description}), form


def test_client_secret_in_a_basic_header(kc):
    r = requests.post(f"{kc.oidc}/token", data={"grant_type": "client_credentials"},
                      auth=(ADMIN["client_id"], ADMIN["client_secret"]))
    assert r.status_code == 200


# ---------------------------------------------------------------------- refresh
def _login(kc) -> dict:
    r = kc.token(grant_type="password", client_id="public_client", username="admin",
                 password="admin")
    assert r.status_code == 200
    return r.json()


def test_refresh_gives_both_tokens_and_refresh_tokens_are_hs512(kc, realm, clock):
    first = _login(kc)
    header = jwt.get_unverified_header(first["refresh_token"])
    assert header["alg"] == "HS512" and header["kid"] == realm.keys.hmac_kid
    # a resource server that allows only RS* (HQ 5.x) refuses a refresh token
    with pytest.raises(Exception, match="The specified alg value is not allowed"):
        realm.decode(first["refresh_token"])
    clock.advance(60)
    # python-keycloak's refresh_token(): client_id, grant_type, refresh_token, nothing else
    r = kc.token(client_id="public_client", grant_type="refresh_token",
                 refresh_token=first["refresh_token"])
    assert r.status_code == 200
    again = r.json()
    assert again["access_token"] != first["access_token"] and again["refresh_token"]
    assert again["session_state"] == first["session_state"]
    assert realm.decode(again["access_token"])["iat"] == realm.decode(
        first["access_token"])["iat"] + 60


def test_refresh_errors(kc, realm, clock):
    first = _login(kc)
    realm.add_client("other", public=True)
    cases = [("garbage", "public_client", "Invalid refresh token"),
             (first["access_token"], "public_client", "Invalid refresh token"),
             (first["refresh_token"], "other",
              "Invalid refresh token. Token client and authorized client don't match")]
    for token, client_id, description in cases:
        r = kc.token(client_id=client_id, grant_type="refresh_token", refresh_token=token)
        assert (r.status_code, r.json()) == (400, {"error": "invalid_grant",
                                                   "error_description": description})
    clock.advance(1801)  # past the SSO idle timeout: the refresh token has expired
    r = kc.token(client_id="public_client", grant_type="refresh_token",
                 refresh_token=first["refresh_token"])
    assert (r.status_code, r.json()["error_description"]) == (400, "Token is not active")


def test_a_deleted_users_session_is_gone(kc, realm):
    first = _login(kc)
    realm.remove_user(realm.user("admin").id)
    r = kc.token(client_id="public_client", grant_type="refresh_token",
                 refresh_token=first["refresh_token"])
    assert (r.status_code, r.json()["error_description"]) == (400, "Session not active")


# ---------------------------------------------------------------------- userinfo
def test_userinfo(kc, realm):
    access = _login(kc)["access_token"]
    r = requests.get(f"{kc.oidc}/userinfo", headers={"Authorization": f"Bearer {access}"})
    assert r.status_code == 200
    assert r.json() == {"sub": realm.user("admin").id, "email_verified": False,
                        "name": "Admin Admin", "preferred_username": "admin",
                        "given_name": "Admin", "family_name": "Admin",
                        "email": "admin@vantage6.org"}
    r = requests.get(f"{kc.oidc}/userinfo")
    assert (r.status_code, r.json()) == (400, {"error": "invalid_request",
                                               "error_description": "Token not provided"})
    r = requests.get(f"{kc.oidc}/userinfo", headers={"Authorization": "Bearer x.y"})
    assert r.status_code == 401 and r.json()["error"] == "invalid_token"


def test_decode_checks_times_on_the_network_clock(realm, clock):
    token = realm.mint("admin")
    clock.advance(300)
    with pytest.raises(Exception, match="Signature has expired"):
        realm.decode(token)
    assert realm.decode(token, leeway=10)["preferred_username"] == "admin"  # as HQ does

"""Tokens and authorization: HTTPBearer, PyJWT's checks (on the network's clock), the VO and
level check with its 500 quirk, and the simulated Keycloak realm (discovery, JWKS, token
endpoint)."""
from __future__ import annotations

import jwt
import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from simulator import Network
from tests.papi.helpers import VO

LIST = "/v1/deployments/modules"


def test_missing_or_malformed_authorization_header(papi):
    for headers, detail in [({}, "Not authenticated"),
                            ({"Authorization": "Bearer"}, "Not authenticated"),
                            ({"Authorization": "Basic dXNlcjpwdw=="},
                             "Invalid authentication credentials")]:
        r = papi.call("GET", LIST, headers=headers, params={"vos": VO})
        assert r.status_code == 401
        assert r.json() == {"detail": detail}
        assert r.headers["WWW-Authenticate"] == "Bearer"


def test_fastapi_before_0_122_answers_403():
    net = Network({"papi": {"bearer_error_status": 403}})
    with net.intercept():
        r = requests.get(f"{net.papi_url}{LIST}", params={"vos": VO})
    assert r.status_code == 403 and r.json() == {"detail": "Not authenticated"}
    assert "WWW-Authenticate" not in r.headers


def _detail(papi, token):
    r = papi.call("GET", LIST, token=token, params={"vos": VO})
    assert r.status_code == 401, r.text
    return r.json()["detail"]


def test_garbage_token(papi):
    assert _detail(papi, "not-a-jwt") == "Not enough segments"


def test_expired_token_on_the_simulated_clock(papi, net, clock):
    token = net.papi.token_for("alice")  # valid for an hour
    assert papi.call("GET", LIST, token=token, params={"vos": VO}).status_code == 200
    clock.advance(3599)
    assert papi.call("GET", LIST, token=token, params={"vos": VO}).status_code == 200
    clock.advance(1)
    assert _detail(papi, token) == "Signature has expired"
    assert _detail(papi, net.papi.token_for("alice", expires_in=-1)) == "Signature has expired"


def test_token_from_the_future(papi, net, clock):
    token = net.papi.token_for("alice")
    clock.advance(-60)
    assert _detail(papi, token) == "The token is not yet valid (iat)"


def test_wrong_audience_issuer_and_missing_claims(papi, net):
    assert _detail(papi, net.papi.token_for("alice", audience="broker")) == \
        "Audience doesn't match"
    assert _detail(papi, net.papi.token_for("alice", issuer="https://elsewhere.example/realms/x")
                   ) == "Invalid issuer"
    assert _detail(papi, net.papi.token_for("alice", drop=["email"])) == \
        'Token is missing the "email" claim'
    assert _detail(papi, net.papi.token_for("alice", drop=["name"])) == \
        'Token is missing the "name" claim'


def test_token_signed_by_another_key(papi, net):
    good = net.papi.token_for("alice")
    claims = jwt.decode(good, options={"verify_signature": False})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = jwt.encode(claims, other, algorithm="RS256",
                        headers={"kid": jwt.get_unverified_header(good)["kid"]})
    assert _detail(papi, forged) == "Signature verification failed"


def test_token_of_another_network_is_refused(papi):
    other = Network.from_scenario("papi", url="http://other-papi.test")
    kid = jwt.get_unverified_header(other.papi.token_for("alice"))["kid"]
    assert _detail(papi, other.papi.token_for("alice")) == \
        f'Unable to find a signing key that matches: "{kid}"'


def test_wrong_vo_is_the_real_500(papi):
    """A user with no level in the VO: ``AI4OS_LEVELS.index(None)`` raises, FastAPI answers a
    plain-text 500 (not a 401)."""
    r = papi.get(f"{LIST}/some-uuid", "carol", params={"vo": VO})
    assert r.status_code == 500
    assert r.text == "Internal Server Error"
    assert r.headers["content-type"] == "text/plain; charset=utf-8"
    r = papi.create("carol", {})  # creation in a VO carol is not in
    assert (r.status_code, r.text) == (500, "Internal Server Error")
    r = papi.get("/v1/deployments/stats/user", "alice", params={"vo": "vo.unknown.eu"})
    assert (r.status_code, r.text) == (500, "Internal Server Error")


def test_too_low_a_level(papi, net):
    r = papi.create("dave", {})  # dave holds ap-a in vo.ai4eosc.eu; ap-u is needed
    assert r.status_code == 401
    assert r.json() == {"detail": "Your user has not the required access level to use this "
                                  "resource:\n* Current level: ap-a\n* Required level: ap-u"}
    # the highest level held in the VO counts; other VOs and foreign roles do not
    net.papi.add_user("frank", vos={"vo.ai4eosc.eu": "ap-a"},
                      roles=["access:vo.ai4eosc.eu:ap-d", "access:vo.imagine-ai.eu:ap-u",
                             "offline_access", "platform-access:vo.ai4eosc.eu"])
    assert papi.get(LIST + "/x", "frank", params={"vo": VO}).json() == \
        {"detail": "No deployment exists with this uuid."}
    assert len(net.papi.nomad.jobs) == 0


def test_lists_do_not_check_the_level(papi):
    """The list routes only intersect ``vos`` with the platform's VOs."""
    assert papi.listing("dave") == []
    assert papi.listing("carol", vos=[VO, "tutorials"]) == []


def test_refresh_token_is_not_an_access_token(papi, net):
    status, body = net.papi.realm.grant({"grant_type": "password", "username": "alice",
                                         "password": "alice-password"})
    assert status == 200
    assert _detail(papi, body["refresh_token"]) == "Audience doesn't match"


def test_realm_discovery_jwks_and_token_endpoint(papi, net):
    realm = f"{net.papi_url}/oidc/realms/ai4eosc"
    discovery = requests.get(f"{realm}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == net.papi.issuer == realm
    jwks = requests.get(discovery["jwks_uri"]).json()
    # a client verifying on its own, with the JWKS the realm publishes
    r = requests.post(discovery["token_endpoint"],
                      data={"grant_type": "password", "client_id": "ai4eosc-dashboard",
                            "username": "alice", "password": "alice-password"})
    assert r.status_code == 200 and r.json()["token_type"] == "Bearer"
    access = r.json()["access_token"]
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(access)["kid"]]
    claims = jwt.decode(access, key.key, algorithms=["RS256"], audience="account",
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["realm_access"]["roles"] == ["access:vo.ai4eosc.eu:ap-u",
                                               "access:vo.imagine-ai.eu:ap-a"]
    assert claims["preferred_username"] == "alice" and claims["email"] == "alice@ai4eosc.example"
    assert papi.call("GET", LIST, token=access, params={"vos": VO}).status_code == 200
    refreshed = requests.post(discovery["token_endpoint"],
                              data={"grant_type": "refresh_token",
                                    "refresh_token": r.json()["refresh_token"]})
    assert refreshed.status_code == 200
    userinfo = requests.get(discovery["userinfo_endpoint"],
                            headers={"Authorization": f"Bearer {access}"}).json()
    assert userinfo["sub"] == net.papi.users["alice"].sub


@pytest.mark.parametrize("form,status,error", [
    ({"grant_type": "password", "username": "alice", "password": "wrong"}, 401,
     "invalid_grant"),
    ({"grant_type": "password", "username": "nobody", "password": "x"}, 401, "invalid_grant"),
    ({"grant_type": "client_credentials"}, 400, "unsupported_grant_type"),
    ({}, 400, "invalid_request"),
    ({"grant_type": "refresh_token", "refresh_token": "nope"}, 400, "invalid_grant"),
])
def test_token_endpoint_errors(papi, net, form, status, error):
    r = requests.post(f"{net.papi.issuer}/protocol/openid-connect/token", data=form)
    assert r.status_code == status and r.json()["error"] == error


def test_unknown_realm(papi, net):
    r = requests.get(f"{net.papi_url}/oidc/realms/master/.well-known/openid-configuration")
    assert (r.status_code, r.json()) == (404, {"error": "Realm does not exist"})

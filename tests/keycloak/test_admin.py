"""The admin REST API HQ 5.x calls, over raw HTTP with an admin client's token: users and
clients CRUD (201 + Location, 204, Keycloak's 404/409 bodies), client secrets, the auth rules,
and the JSON 501 for what is not served."""
from __future__ import annotations

import requests

from simulator import Network

NODE_CLIENT = {"clientId": "org-a-collab-1-node-node-client", "publicClient": False,
               "enabled": True, "serviceAccountsEnabled": True, "standardFlowEnabled": False,
               "protocolMappers": [{"name": "vantage6_client_type", "protocol": "openid-connect",
                                    "protocolMapper": "oidc-hardcoded-claim-mapper",
                                    "config": {"claim.name": "vantage6_client_type",
                                               "claim.value": "node",
                                               "access.token.claim": True}}]}


def test_no_or_a_bad_token_is_401_and_a_non_admin_token_403(kc, realm):
    r = requests.get(f"{kc.admin_base}/users")
    assert (r.status_code, r.json()) == (401, {"error": "HTTP 401 Unauthorized"})
    assert r.headers["WWW-Authenticate"] == "Bearer"
    for token in ("garbage", realm.mint("admin", expires_in=-1)):
        assert kc.admin("GET", "/users", token).status_code == 401
    other = Network(url="http://other.test:7680").keycloak.realm("vantage6")
    assert kc.admin("GET", "/users", other.client_token("backend-admin-client")
                    ).status_code == 401  # another server's key id
    user_token = realm.mint("admin")  # a user's token, not the admin client's
    r = kc.admin("GET", "/users", user_token)
    assert (r.status_code, r.json()) == (403, {"error": "HTTP 403 Forbidden"})


def test_hq_start_up_sequence(kc, realm):
    """Find the root user, read it, write its organization_id back (oracle-hq.md §2.2)."""
    r = kc.admin("GET", "/users", params={"username": "admin", "max": 1, "exact": "True"})
    assert r.status_code == 200 and [u["username"] for u in r.json()] == ["admin"]
    user_id = r.json()[0]["id"]
    rep = kc.admin("GET", f"/users/{user_id}", params={"userProfileMetadata": "False"}).json()
    assert rep["id"] == user_id and rep["email"] == "admin@vantage6.org"
    rep["attributes"] = {"organization_id": ["1"]}
    r = kc.admin("PUT", f"/users/{user_id}", json=rep)
    assert (r.status_code, r.content) == (204, b"")
    assert realm.user("admin").attributes == {"organization_id": ["1"]}
    r = kc.admin("GET", "/users/None", params={"userProfileMetadata": "False"})
    assert (r.status_code, r.json()) == (404, {"error": "User not found"})


def test_user_create_lowercases_and_answers_201_with_location(kc, realm):
    body = {"username": "MixedCase", "enabled": True,
            "credentials": [{"type": "password", "value": "Password123!", "temporary": True}],
            "attributes": {"organization_id": ["2"]}}
    r = kc.admin("POST", "/users", json=body)
    assert (r.status_code, r.content) == (201, b"")
    user_id = r.headers["Location"].rsplit("/", 1)[1]
    assert r.headers["Location"] == f"{kc.admin_base}/users/{user_id}"
    user = realm.user_by_id(user_id)
    assert (user.username, user.attributes, user.password) == \
        ("mixedcase", {"organization_id": ["2"]}, "Password123!")
    assert user.required_actions == ["UPDATE_PASSWORD"]  # a temporary password
    r = kc.admin("POST", "/users", json=body)
    assert (r.status_code, r.json()) == (409, {"errorMessage": "User exists with same username"})
    r = kc.admin("POST", "/users", json={"username": "other", "email": "admin@vantage6.org"})
    assert (r.status_code, r.json()) == (409, {"errorMessage": "User exists with same email"})
    r = kc.admin("POST", "/users", json={"enabled": True})
    assert r.status_code == 400 and r.json()["field"] == "username"


def test_user_search_filters(kc, realm):
    for name in ("bob", "bobby", "alice"):
        realm.add_user(name, email=f"{name}@x.org")
    users = lambda **params: [u["username"] for u in kc.admin("GET", "/users",
                                                                 params=params).json()]
    assert users(username="bob") == ["bob", "bobby"]          # substring unless exact
    assert users(username="BOB", exact="true") == ["bob"]
    assert users(username="bob", max=1) == ["bob"]
    assert users(username="bob", first=1) == ["bobby"]
    assert users(search="x.org") == ["alice", "bob", "bobby"]
    assert "service-account-backend-admin-client" in users()


def test_user_update_and_delete(kc, realm):
    user = realm.add_user("carol", attributes={"a": ["1"], "b": ["2"]})
    r = kc.admin("PUT", f"/users/{user.id}", json={"firstName": "Carol", "enabled": False,
                                                   "attributes": {"a": ["3"]}})
    assert r.status_code == 204
    assert (user.first_name, user.enabled, user.attributes) == ("Carol", False, {"a": ["3"]})
    r = kc.admin("PUT", f"/users/{user.id}", json={"username": "caroline"})
    assert r.status_code == 400 and r.json()["errorMessage"] == "error-user-attribute-read-only"
    assert kc.admin("DELETE", f"/users/{user.id}").status_code == 204
    assert realm.find_user("carol") is None
    r = kc.admin("DELETE", f"/users/{user.id}")
    assert (r.status_code, r.json()) == (404, {"error": "User not found"})
    assert kc.admin("PUT", f"/users/{user.id}", json={}).status_code == 404


def test_hq_creates_a_node_client_and_the_node_logs_in(kc, realm):
    """POST /node in HQ: create the client, find its service account, read the secret."""
    r = kc.admin("POST", "/clients", json=NODE_CLIENT)
    assert (r.status_code, r.content) == (201, b"")
    client_uuid = r.headers["Location"].rsplit("/", 1)[1]
    assert r.headers["Location"] == f"{kc.admin_base}/clients/{client_uuid}"
    r = kc.admin("GET", "/users", params={
        "username": "service-account-org-a-collab-1-node-node-client", "max": 1,
        "exact": "True"})
    (account,) = r.json()
    assert account["serviceAccountClientId"] == NODE_CLIENT["clientId"]
    secret = kc.admin("GET", f"/clients/{client_uuid}/client-secret").json()
    assert list(secret) == ["type", "value"] and secret["type"] == "secret"
    token = kc.token(grant_type="client_credentials", client_id=NODE_CLIENT["clientId"],
                     client_secret=secret["value"]).json()["access_token"]
    claims = realm.decode(token)
    assert (claims["sub"], claims["vantage6_client_type"]) == (account["id"], "node")
    stored = kc.admin("GET", f"/clients/{client_uuid}").json()
    assert stored["protocolMappers"][0]["config"]["access.token.claim"] == "true"
    assert [c["id"] for c in kc.admin("GET", "/clients", params={
        "clientId": NODE_CLIENT["clientId"]}).json()] == [client_uuid]
    assert kc.admin("GET", "/clients", params={"clientId": "org-a"}).json() == []
    r = kc.admin("POST", "/clients", json=NODE_CLIENT)
    assert (r.status_code, r.json()) == (409, {
        "errorMessage": f"Client {NODE_CLIENT['clientId']} already exists"})


def test_recover_node_rotates_the_secret(kc, realm):
    client = realm.add_client("n-node-client", service_accounts=True)
    old = client.secret
    r = kc.admin("POST", f"/clients/{client.id}/client-secret")
    assert r.status_code == 200 and r.json()["value"] == client.secret != old
    assert kc.admin("GET", f"/clients/{client.id}/client-secret").json()["value"] == \
        client.secret
    assert kc.token(grant_type="client_credentials", client_id="n-node-client",
                    client_secret=old).status_code == 401
    assert kc.token(grant_type="client_credentials", client_id="n-node-client",
                    client_secret=client.secret).status_code == 200


def test_deleting_a_client_deletes_its_service_account(kc, realm):
    client = realm.add_client("svc1-user-client", service_accounts=True)
    r = kc.admin("DELETE", f"/clients/{client.id}")
    assert (r.status_code, r.content) == (204, b"")
    assert realm.find_client("svc1-user-client") is None
    assert realm.find_user("service-account-svc1-user-client") is None
    for method, path in (("DELETE", ""), ("GET", ""), ("GET", "/client-secret")):
        r = kc.admin(method, f"/clients/{client.id}{path}")
        assert (r.status_code, r.json()) == (404, {"error": "Could not find client"})


def test_what_is_not_served_says_so(kc):
    for method, path in (("GET", "/groups"), ("PUT", "/clients/x"),
                         ("PUT", "/users/x/reset-password")):
        r = kc.admin(method, path)
        assert r.status_code == 501 and "not served by the simulated Keycloak" in \
            r.json()["error_description"]
    token = kc.admin_token()
    r = requests.get(f"{kc.base}/admin/realms/nope/users",
                     headers={"Authorization": f"Bearer {token}"})
    assert (r.status_code, r.json()) == (404, {"error": "Realm not found."})
    r = requests.get(f"{kc.base}/admin/serverinfo", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 501

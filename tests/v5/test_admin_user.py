"""/user and /user/me in the 5.x profile: users live in Keycloak (a user with a temporary
password and an ``organization_id`` attribute, or a service-account client), HQ keeps only
their roles and rules."""
from __future__ import annotations

import contextlib
import io

import pytest

from tests.v5.admin_helpers import (  # noqa: F401  (fixtures)
    NOT_JSON, PASSWORD, UNKNOWN, add_user, build, call, client, demo, incorrect, net, quiet,
    root_call, token, unchanged)

GENERIC_500 = (500, {"msg": "An unexpected error occurred!"})


@pytest.fixture
def world(net):
    build(net, ["OrgA", "OrgB"], [("C1", [2, 3])])
    return net


def test_the_real_client_creates_a_keycloak_user_and_deletes_it(world, client):
    net, realm = world, world.keycloak.realm("vantage6")
    alice = quiet(client.user.create, "alice", PASSWORD, organization=2, roles=[5], rules=[1])
    account = realm.find_user("alice")
    assert alice == {
        "roles": "/api/role?user_id=2", "rules": "/api/rule?user_id=2",
        "organization": {"id": 2, "link": "/api/organization/2",
                         "methods": ["DELETE", "GET", "PATCH"]},
        "type": "user", "keycloak_id": account.id, "last_seen": None, "status": None,
        "keycloak_client_id": None, "id": 2, "username": "alice", "is_service_account": False}
    # the password is temporary: Keycloak asks for a new one at the first login
    assert (account.password, account.required_actions) == (PASSWORD, ["UPDATE_PASSWORD"])
    assert account.attributes == {"organization_id": ["2"]}
    assert [r["id"] for r in client.role.list(user=2)["data"]] == [5]
    assert [u["username"] for u in client.user.list()["data"]] == ["admin", "alice"]
    updated = quiet(client.user.update, 2, roles=[4], rules=[])
    assert updated["id"] == 2 and [r.id for r in net.vantage6.state.users[2].roles] == [4]
    quiet(client.user.delete, 2)
    assert realm.find_user("alice") is None and 2 not in net.vantage6.state.users


def test_a_service_account_signs_in_with_its_secret(world, client):
    net, realm = world, world.keycloak.realm("vantage6")
    created = quiet(client.user.create, "robot", organization=3, roles=[4],
                    is_service_account=True)
    secret = created.pop("client_secret")
    kc_client = realm.client("robot-user-client")
    assert secret == kc_client.secret
    assert (created["is_service_account"], created["keycloak_client_id"],
            created["keycloak_id"]) == (True, kc_client.id, realm.service_account(kc_client).id)
    from vantage6.client import UserClient

    with contextlib.redirect_stdout(io.StringIO()):
        robot = UserClient(net.url + "/api", net.url, log_level="error")
        robot.initialize_service_account(secret, username="robot")
        robot.authenticate_service_account()
    # (this sign-in sets no whoami: the client asks HQ nothing until it is asked)
    me = robot.user.get_own_user()
    assert (me["username"], me["organization"]["id"]) == ("robot", 3)
    quiet(client.user.delete, created["id"])
    assert realm.find_client("robot-user-client") is None


def test_own_user_always_carries_its_permissions(world, client):
    # the client sends include_permissions=False, which the server reads as a non-empty string
    me = client.user.get_own_user(include_permissions=False)
    assert list(me)[-2:] == ["permissions", "id"]
    assert me["permissions"] == {"roles": [1], "rules": list(range(1, 97)),
                                 "orgs_in_collabs": []}
    assert "permissions" not in root_call(world, "GET", "/user/me")[1]


POST_REFUSALS = [  # in HQ's check order; the two 500s are raised outside the schema's load()
    ({"username": "bo"}, 400, incorrect(username=["Length must be between 3 and 128."])),
    ({"username": "1abc", "password": PASSWORD}, 400, incorrect(username=[
        "Username 1abc is invalid. Only letters, numbers, hyphens and underscores are "
        "allowed, and it should start with a letter."])),
    ({"username": "bob", "password": "short"}, 400, incorrect(password=[
        "Password too short: use at least 8 characters with mixed lowercase, uppercase, "
        "numbers and special characters"])),
    ({"username": "bob", "email": "b@x.org", "firstname": "B"}, 400,
     incorrect(email=UNKNOWN, firstname=UNKNOWN)),
    ({"username": "bob", "password": PASSWORD, "organization_id": None}, 400,
     incorrect(organization_id=["Field may not be null."])),
    ({"username": "alice", "password": PASSWORD}, 400, {"msg": "username already exists."}),
    ({"username": "bob", "organization_id": 2}, 500, {
        "msg": "An unexpected error occurred: Password is required if the user has to be "
               "created in Keycloak"}),
    ({"username": "bob", "password": PASSWORD, "is_service_account": True}, 500, {
        "msg": "An unexpected error occurred: Password should not be provided if the user is "
               "a service account"}),
    ({"username": "bob", "password": PASSWORD, "organization_id": 99}, 404,
     {"msg": "Organization does not exist."}),
    # a role of OrgB for a user of organization 1
    ({"username": "bob", "password": PASSWORD, "roles": [8]}, 401, {
        "msg": "You can't assign that role as the role belongs to a different organization "
               "than the user."}),
    # Keycloak stores usernames lowercase: HQ's check passes, Keycloak's 409 does not
    ({"username": "Alice", "password": PASSWORD, "organization_id": 2}, 400,
     {"msg": "User could not be created in Keycloak"}),
]


@pytest.mark.parametrize("body, status, answer", POST_REFUSALS)
def test_post_refusals(world, body, status, answer):
    net = world
    add_user(net, "alice", 2, roles=[5])
    root_call(net, "POST", "/role", {"name": "r", "rules": [1], "organization_id": 3})
    with unchanged(net):
        assert root_call(net, "POST", "/user", body) == (status, answer)


def test_post_without_a_body_and_unknown_roles_or_rules(world):
    with unchanged(world):
        assert root_call(world, "POST", "/user", raw=b"") == (400, NOT_JSON)
    # roles and rules that do not exist are dropped without a word
    status, body = root_call(world, "POST", "/user", {
        "username": "bob", "password": PASSWORD, "roles": [99], "rules": [999]})
    assert status == 201 and world.vantage6.state.users[body["id"]].roles == []


def test_an_organization_admin_hands_out_only_what_it_has(world):
    net = world
    add_user(net, "admin-a", 2, roles=[6])
    admin_a = token(net, "admin-a")
    with unchanged(net):
        assert call(net, admin_a, "POST", "/user", {"username": "carl", "password": PASSWORD,
                                                    "roles": [1]}) == (
            401, {"msg": "You don't have the rule (node, global, view)"})
        assert call(net, admin_a, "POST", "/user", {"username": "carl", "password": PASSWORD,
                                                    "organization_id": 3}) == (
            401, {"msg": "You lack the permission to do that!"})
        assert call(net, admin_a, "POST", "/user", {"username": "carl", "password": PASSWORD,
                                                    "roles": [4], "rules": [1]}) == (
            401, {"msg": "You don't have the rule (node, global, view)"})
    status, carl = call(net, admin_a, "POST", "/user", {"username": "carl",
                                                        "password": PASSWORD, "roles": [4]})
    assert (status, carl["organization"]["id"]) == (201, 2)


def test_patch_in_hqs_order(world):
    net = world
    add_user(net, "alice", 2, roles=[5])
    add_user(net, "admin-a", 2, roles=[6])
    with unchanged(net):
        assert root_call(net, "PATCH", "/user/99", {}) == (404, {"msg": "user id=99 not found"})
        assert root_call(net, "PATCH", "/user/2", raw=b"") == (500, {
            "msg": "An unexpected error occurred: 'NoneType' object has no attribute 'get'"})
        assert root_call(net, "PATCH", "/user/2", {"password": "x"}) == (
            400, {"msg": "You cannot change your password here!"})
        assert root_call(net, "PATCH", "/user/2", {"username": "z", "password": ""}) == (
            400, incorrect(username=UNKNOWN, password=UNKNOWN))
        assert root_call(net, "PATCH", "/user/2", {"roles": [99]}) == (
            404, {"msg": "Role=99 can not be found!"})
        assert root_call(net, "PATCH", "/user/1", {"roles": [4]}) == (
            401, {"msg": "You can't changes your own roles!"})
        assert call(net, token(net, "admin-a"), "PATCH", "/user/2", {"roles": [1]}) == (
            401, {"msg": "You don't have the rule (node, global, view)"})
        assert call(net, token(net, "admin-a"), "PATCH", "/user/2", {"rules": []}) == (
            200, root_call(net, "GET", "/user/2")[1])
        # 5.x has no 'edit own user' rule: a Researcher may not even patch itself
        assert call(net, token(net, "alice"), "PATCH", "/user/2", {}) == (
            401, {"msg": "You lack the permission to do that!"})


def test_patch_keeps_new_roles_when_the_rules_are_refused(world):
    """HQ assigns the roles, then looks the rules up: that Rule.get() commits the roles."""
    net = world
    add_user(net, "alice", 2, roles=[5], rules=[1])
    add_user(net, "admin-a", 2, roles=[6])
    assert root_call(net, "PATCH", "/user/2", {"roles": [4], "rules": [999]}) == (
        404, {"msg": "Rule=999 can not be found!"})
    assert [r.id for r in net.vantage6.state.users[2].roles] == [4]
    assert call(net, token(net, "admin-a"), "PATCH", "/user/2", {"rules": []}) == (
        401, {"msg": "You cannot delete rules you do not have! You don't have the rule (node, "
                     "global, view)"})


def test_list_filters_of_5x(world):
    net = world
    for name, roles in [("zed", [5]), ("bea", [5]), ("mia", [4])]:
        add_user(net, name, 2, roles=roles)
    names = lambda body: [u["username"] for u in body["data"]]  # noqa: E731
    status, body = root_call(net, "GET", "/user")
    assert (status, names(body)) == (200, ["admin", "bea", "mia", "zed"])  # username order
    assert names(root_call(net, "GET", "/user", firstname="x", email="y", sort="id")[1]) == [
        "admin", "zed", "bea", "mia"]  # the name and e-mail filters are gone
    assert root_call(net, "GET", "/user", role_id=5) == GENERIC_500  # a default role
    assert root_call(net, "GET", "/user", role_id=99) == (
        400, {"msg": "Role with id=99 does not exist!"})
    assert root_call(net, "GET", "/user", rule_id=999) == (
        400, {"msg": "Rule with id=999 does not exist!"})
    assert root_call(net, "GET", "/user", collaboration_id=1)[1]["data"] == []
    assert call(net, token(net, "zed"), "GET", "/user", organization_id=1) == (
        401, {"msg": "You lack the permission view users from the organization with id 1!"})
    assert root_call(net, "GET", "/user/99") == (404, {"msg": "user id=99 is not found"})


def test_delete_in_hqs_order_and_its_keycloak_side(world):
    net, realm = world, world.keycloak.realm("vantage6")
    add_user(net, "alice", 2, roles=[5])
    add_user(net, "vic", 3, roles=[4])
    with unchanged(net):
        assert root_call(net, "DELETE", "/user/2", delete_dependents="abc") == (
            400, incorrect(delete_dependents=["Not a valid boolean."]))
        assert root_call(net, "DELETE", "/user/2", foo="1") == (400, incorrect(foo=UNKNOWN))
        assert root_call(net, "DELETE", "/user/99") == (404, {"msg": "user id=99 not found"})
        assert call(net, token(net, "vic"), "DELETE", "/user/2") == (
            401, {"msg": "You lack the permission to do that!"})
    # a Viewer may delete itself ('delete own user')
    assert call(net, token(net, "vic"), "DELETE", "/user/3") == (
        200, {"msg": "user id=3 is removed from the database"})
    assert realm.find_user("vic") is None
    # a user owning a session: Keycloak's account goes first, then HQ's delete fails
    call(net, token(net, "alice"), "POST", "/session", {"collaboration_id": 1, "scope": "own"})
    assert root_call(net, "DELETE", "/user/2", delete_dependents="false") == (500, {
        "msg": "An unexpected error occurred: (sqlite3.IntegrityError) NOT NULL constraint "
               "failed: session.user_id\n[SQL: UPDATE session SET user_id=? WHERE session.id "
               "= ?]\n[parameters: (None, 1)]\n(Background on this error at: "
               "https://sqlalche.me/e/20/gkpj)"})
    assert realm.find_user("alice") is None and 2 in net.vantage6.state.users
    assert root_call(net, "DELETE", "/user/2") == (
        400, {"msg": "User could not be deleted from Keycloak"})


def test_delete_a_user_with_tasks(demo):
    net = demo
    john = token(net, "john-doe")
    call(net, john, "POST", "/session", {"collaboration_id": 1, "scope": "own"})
    call(net, john, "POST", "/session/1/dataframe", {"label": "default", "task": {
        "image": "harbor2.vantage6.ai/demo/average", "method": "read_csv",
        "organizations": [{"id": 2, "arguments": "e30="}]}})
    with unchanged(net):
        assert root_call(net, "DELETE", "/user/2") == (400, {"msg": (
            "User has created 1 tasks. Please delete those first, or set the "
            "`delete_dependents` parameter to true to delete them automatically together with "
            "this user.")})
    call(net, john, "DELETE", "/session/1", delete_dependents="true")
    assert root_call(net, "DELETE", "/user/2", delete_dependents="true") == (
        200, {"msg": "user id=2 is removed from the database"})

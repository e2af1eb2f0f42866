"""/organization in the 5.x profile: HQ 5.0.3's bodies, check order and quirks, with the real
5.0.3 UserClient for what it can do and raw calls for refusals (which change nothing)."""
from __future__ import annotations

import pytest

from tests.v5.admin_helpers import (  # noqa: F401  (fixtures)
    NOT_JSON, UNKNOWN, add_user, call, client, incorrect, net, node_token, quiet, root_call,
    token, unchanged)
from tests.v5.admin_helpers import demo  # noqa: F401


def org_body(id_: int, name: str, **fields) -> dict:
    out = {f"{k}": f"/api/{v}={id_}" for k, v in [
        ("collaborations", "collaboration?organization_id"), ("nodes", "node?organization_id"),
        ("users", "user?organization_id"), ("tasks", "task?init_org_id"),
        ("runs", "run?organization_id"), ("studies", "study?organization_id")]}
    out.update({"public_key": "", "name": name, "domain": "", "address1": "", "address2": "",
                "zipcode": "", "country": ""})
    out.update(fields)
    out["id"] = id_
    return out


def test_the_real_client_creates_updates_gets_lists_and_deletes(net, client):
    created = quiet(client.organization.create, name="OrgA", address1="a", address2="",
                    zipcode="1234", country="NL", domain="a.org")
    assert created == org_body(2, "OrgA", address1="a", zipcode="1234", country="NL",
                               domain="a.org")
    assert quiet(client.organization.update, 2, country="BE")["country"] == "BE"
    assert client.organization.get(2) == org_body(2, "OrgA", address1="a", zipcode="1234",
                                                  country="BE", domain="a.org")
    # the root organization HQ makes at start-up has no address at all
    assert client.organization.get(1) == org_body(1, "root", domain=None, address1=None,
                                                  address2=None, zipcode=None, country=None)
    assert [o["name"] for o in client.organization.list()["data"]] == ["root", "OrgA"]
    quiet(client.organization.delete, 2)
    assert 2 not in net.vantage6.state.organizations
    # SQLite hands the highest id out again once its row is gone
    assert quiet(client.organization.create, name="OrgB", address1="", address2="",
                 zipcode="", country="", domain="")["id"] == 2


def test_post_fills_omitted_address_fields_and_keeps_the_public_key(net):
    assert root_call(net, "POST", "/organization", {"name": "OrgA", "public_key": "aGk="}) == (
        201, org_body(2, "OrgA", public_key="aGk="))


POST_REFUSALS = [
    ({"name": "root"}, 400, {"msg": "Organization with name 'root' already exists!"}),
    ({"name": "5"}, 400, incorrect(name=["Name cannot a number"])),
    ({"name": ""}, 400, incorrect(name=["Name cannot be empty"])),
    ({"name": "X", "email": "x@y.z"}, 400, incorrect(email=UNKNOWN)),
    ({"address1": "a"}, 400, incorrect(name=["Missing data for required field."])),
    ({"name": "X", "country": "x" * 129}, 400, incorrect(country=["Longer than maximum length 128."])),
]


@pytest.mark.parametrize("body, status, answer", POST_REFUSALS)
def test_post_refusals(net, body, status, answer):
    with unchanged(net):
        assert root_call(net, "POST", "/organization", body) == (status, answer)


def test_post_without_a_json_body_and_without_the_permission(net):
    with unchanged(net):
        assert root_call(net, "POST", "/organization", raw=b"", content_type="") == (
            400, NOT_JSON)
        assert root_call(net, "POST", "/organization", raw=b"{nope") == (400, NOT_JSON)
    add_user(net, "viewer", 1, roles=[4])
    with unchanged(net):  # the permission comes first, before the body is even read
        assert call(net, token(net, "viewer"), "POST", "/organization", raw=b"") == (
            401, {"msg": "You lack the permissions to do that!"})


def test_patch_refusals_in_hqs_order(net):
    root_call(net, "POST", "/organization", {"name": "OrgA"})
    add_user(net, "viewer", 2, roles=[4])
    viewer = token(net, "viewer")
    with unchanged(net):
        # the body is checked before the organization is looked up
        assert root_call(net, "PATCH", "/organization/99", {"nam": "x"}) == (
            400, incorrect(nam=UNKNOWN))
        assert root_call(net, "PATCH", "/organization/99", {}) == (
            404, {"msg": "Organization with id=99 not found"})
        assert root_call(net, "PATCH", "/organization/2", raw=b"") == (400, NOT_JSON)
        assert root_call(net, "PATCH", "/organization/2", {"address1": None}) == (
            400, incorrect(address1=["Field may not be null."]))
        assert root_call(net, "PATCH", "/organization/2", {"name": "root"}) == (
            400, {"msg": "Organization with name 'root' already exists!"})
        # root may edit any organization, but only a member may set its public key
        assert root_call(net, "PATCH", "/organization/2", {"name": "OrgA2",
                                                           "public_key": "aGk="}) == (
            401, {"msg": "Only members of an organization can update its public key!"})
        assert call(net, viewer, "PATCH", "/organization/2", {"country": "NL"}) == (
            401, {"msg": "You lack the permission to do that!"})
    assert root_call(net, "PATCH", "/organization/2", {"name": "OrgA2", "domain": "a.org"}) == (
        200, org_body(2, "OrgA2", domain="a.org"))


def test_a_node_edits_its_own_organization_only(demo):
    node = node_token(demo, "example_org1-example_collab1-node")
    status, body = call(demo, node, "PATCH", "/organization/2", {"address1": "Main st"})
    assert (status, body["address1"]) == (200, "Main st")
    with unchanged(demo):
        assert call(demo, node, "PATCH", "/organization/3", {"address1": "x"}) == (
            401, {"msg": "You lack the permission to do that!"})
        assert call(demo, node, "DELETE", "/organization/3") == (
            500, {"msg": "An unexpected error occurred!"})  # nodes may not: only_for


def test_delete_refusals_and_the_cascade_that_leaves_keycloak_alone(demo):
    realm = demo.keycloak.realm("vantage6")
    with unchanged(demo):
        assert root_call(demo, "DELETE", "/organization/99") == (
            404, {"msg": "Organization with id=99 not found"})
        assert root_call(demo, "DELETE", "/organization/1") == (
            400, {"msg": "You cannot delete your own organization!"})
        assert root_call(demo, "DELETE", "/organization/2") == (400, {"msg": (
            "Organization has dependents: 0 runs, 0 tasks, 1 nodes, 1 users, and 0 roles. "
            "Please specify 'delete_dependents=true' to delete them.")})
        assert call(demo, token(demo, "john-doe"), "DELETE", "/organization/3") == (
            401, {"msg": "You lack the permission to do that!"})
    # any value is truthy here, "0" included
    assert root_call(demo, "DELETE", "/organization/2", delete_dependents="0") == (
        200, {"msg": "Organization id=2 was removed from the database"})
    state = demo.vantage6.state
    assert state.user_by_username("john-doe") is None and len(state.nodes) == 2
    # HQ made no Keycloak call: the user's account and the node's client are orphaned...
    assert realm.find_user("john-doe") is not None
    assert realm.find_client("example_org1-example_collab1-node-node-client") is not None
    # ...so the same username cannot be created again
    root_call(demo, "POST", "/organization", {"name": "Org9"})
    with unchanged(demo):
        assert root_call(demo, "POST", "/user", {"username": "john-doe",
                                                 "password": "Secret-pass1"}) == (
            400, {"msg": "User could not be created in Keycloak"})

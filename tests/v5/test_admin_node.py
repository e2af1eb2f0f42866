"""/node, /node/me and /recover/node in the 5.x profile: a node's account is the Keycloak
client ``<name>-node-client``, whose secret is its api key."""
from __future__ import annotations

import base64

import pytest

from tests.v5.admin_helpers import (  # noqa: F401  (fixtures)
    NOT_JSON, UNKNOWN, add_user, build, call, client, demo, incorrect, net, node_token, quiet,
    root_call, token, unchanged)

GENERIC_500 = (500, {"msg": "An unexpected error occurred!"})
EMPTY = base64.b64encode(b"{}").decode()  # the algorithm's arguments, as the client encodes


def sign_in(network, name: str, api_key: str) -> tuple[int, dict]:
    return network.keycloak.realm("vantage6").grant({
        "grant_type": "client_credentials", "client_id": f"{name}-node-client",
        "client_secret": api_key})


@pytest.fixture
def world(net):
    """Organizations 2 (OrgA) and 3 (OrgB) in C1, 2 alone in 'Col Two'."""
    return build(net, ["OrgA", "OrgB"], [("C1", [2, 3]), ("Col Two", [2])])


def test_a_created_nodes_api_key_signs_it_in_and_delete_removes_its_client(world, client):
    net, realm = world, world.keycloak.realm("vantage6")
    node = quiet(client.node.create, collaboration=1, organization=2)
    api_key = node.pop("api_key")
    kc_client = realm.client("OrgA-C1-node-node-client")
    assert node == {
        "organization": {"id": 2, "link": "/api/organization/2",
                         "methods": ["DELETE", "GET", "PATCH"]},
        "collaboration": {"id": 1, "link": "/api/collaboration/1",
                          "methods": ["DELETE", "GET", "PATCH"]},
        "config": [], "type": "node", "keycloak_id": realm.service_account(kc_client).id,
        "last_seen": None, "status": "offline", "keycloak_client_id": kc_client.id, "id": 2,
        "name": "OrgA-C1-node"}
    status, tokens = sign_in(net, "OrgA-C1-node", api_key)
    assert status == 200
    assert call(net, tokens["access_token"], "GET", "/node/me")[1]["id"] == 2
    # renaming the node leaves its client's name (and a space is fine here)
    assert quiet(client.node.update, 2, name="Org A node")["name"] == "Org A node"
    assert realm.find_client("OrgA-C1-node-node-client") is kc_client
    assert client.node.get(2)["name"] == "Org A node"
    quiet(client.node.delete, 2)
    assert realm.find_client("OrgA-C1-node-node-client") is None
    assert realm.find_user("service-account-orga-c1-node-node-client") is None
    assert sign_in(net, "OrgA-C1-node", api_key)[0] == 401
    assert call(net, tokens["access_token"], "GET", "/node/me") == (
        401, {"msg": f"Error loading the user {node['keycloak_id']}"})


def test_recover_makes_a_new_secret(world):
    net = world
    status, node = root_call(net, "POST", "/node", {"collaboration_id": 1,
                                                    "organization_id": 3, "name": "nb"})
    status, body = root_call(net, "POST", "/recover/node", {"id": node["id"]})
    assert status == 200 and set(body) == {"api_key"} and body["api_key"] != node["api_key"]
    assert sign_in(net, "nb", node["api_key"])[0] == 401
    assert sign_in(net, "nb", body["api_key"])[0] == 200
    add_user(net, "admin-b", 2, roles=[6])  # an organization admin of OrgA
    with unchanged(net):
        assert root_call(net, "POST", "/recover/node", {"id": 99}) == (
            404, {"msg": "Node id=99 is not found!"})
        assert root_call(net, "POST", "/recover/node", raw=b"") == (400, NOT_JSON)
        assert root_call(net, "POST", "/recover/node", {"id": 0}) == (
            400, incorrect(id=["Must be greater than or equal to 1."]))
        assert call(net, token(net, "admin-b"), "POST", "/recover/node",
                    {"id": node["id"]}) == (401, {"msg": "You lack the permission to do that!"})


POST_REFUSALS = [  # in HQ's check order
    ({"collaboration_id": 1, "ip": "1.2.3.4"}, 400, incorrect(ip=UNKNOWN)),
    ({"organization_id": 2}, 400, incorrect(collaboration_id=[
        "Missing data for required field."])),
    ({"collaboration_id": 9}, 404, {"msg": "collaboration id=9 does not exist"}),
    ({"collaboration_id": 1, "organization_id": 99}, 404,
     {"msg": "organization id=99 does not exist"}),
    ({"collaboration_id": 1}, 400,  # root's own organization (sic: "collabotation")
     {"msg": "The organization id=1 is not part of collabotation id=1. Add it first!"}),
    ({"collaboration_id": 1, "organization_id": 2}, 400,
     {"msg": "Organization id=2 already has a node for collaboration id=1"}),
    # the default name "{org}-{collab}-node" has the collaboration's space in it
    ({"collaboration_id": 2, "organization_id": 2}, 400,
     {"msg": "Node name cannot contain spaces!"}),
    ({"collaboration_id": 1, "organization_id": 3, "name": "a b"}, 400,
     {"msg": "Node name cannot contain spaces!"}),
    ({"collaboration_id": 1, "organization_id": 3, "name": "OrgA-C1-node"}, 400,
     {"msg": "Node with name 'OrgA-C1-node' already exists!"}),
]


@pytest.mark.parametrize("body, status, answer", POST_REFUSALS)
def test_post_refusals(world, body, status, answer):
    net = world
    root_call(net, "POST", "/node", {"collaboration_id": 1, "organization_id": 2})
    with unchanged(net):
        assert root_call(net, "POST", "/node", body) == (status, answer)


def test_post_permissions_and_keycloak_refusing_the_client(world):
    net = world
    add_user(net, "admin-a", 2, roles=[6])
    add_user(net, "res-b", 3, roles=[5])
    with unchanged(net):
        assert call(net, token(net, "admin-a"), "POST", "/node",
                    {"collaboration_id": 1, "organization_id": 3}) == (
            401, {"msg": "You lack the permission to do that!"})
        assert call(net, token(net, "res-b"), "POST", "/node", {"collaboration_id": 1}) == (
            401, {"msg": "You lack the permission to do that!"})
    # an organization admin makes its own organization's node, by default name
    status, node = call(net, token(net, "admin-a"), "POST", "/node", {"collaboration_id": 1})
    assert (status, node["name"]) == (201, "OrgA-C1-node")
    # a client of that name left in the realm (HQ's cascades never delete them)
    net.vantage6.keycloak.create_service_account("nb-node-client", "node")
    with unchanged(net):
        assert root_call(net, "POST", "/node", {"collaboration_id": 1, "organization_id": 3,
                                                "name": "nb"}) == (
            400, {"msg": "Could not create service account 'nb-node-client' in Keycloak"})


def test_patch_refusals(world):
    net = world
    root_call(net, "POST", "/node", {"collaboration_id": 1, "organization_id": 2})
    root_call(net, "POST", "/node", {"collaboration_id": 1, "organization_id": 3,
                                     "name": "nb"})
    add_user(net, "admin-a", 2, roles=[6])
    with unchanged(net):
        assert root_call(net, "PATCH", "/node/2", {"ip": "1.1.1.1"}) == (
            400, incorrect(ip=UNKNOWN))
        assert root_call(net, "PATCH", "/node/2", {"clear_ip": True}) == (
            400, incorrect(clear_ip=UNKNOWN))
        assert root_call(net, "PATCH", "/node/99", {"organization_id": 2}) == (
            400, {"msg": "Organization id cannot be updated!"})
        assert root_call(net, "PATCH", "/node/2", {"collaboration_id": 2}) == (
            400, {"msg": "Collaboration id cannot be updated!"})
        assert root_call(net, "PATCH", "/node/99", {}) == (404, {"msg": "Node id=99 not found!"})
        assert root_call(net, "PATCH", "/node/2", {"name": "nb"}) == (
            400, {"msg": "Node name 'nb' already exists!"})
        assert call(net, token(net, "admin-a"), "PATCH", "/node/3", {"name": "x"}) == (
            401, {"msg": "You lack the permission to do that!"})
    # a node may rename itself (its organization's node edit rule)
    status, body = call(net, node_token(net, "OrgA-C1-node"), "PATCH", "/node/2",
                        {"name": "mine"})
    assert (status, body["name"]) == (200, "mine")


def test_delete_has_handle_exceptions_outside_the_identity_check(world):
    net = world
    root_call(net, "POST", "/node", {"collaboration_id": 1, "organization_id": 2})
    node = node_token(net, "OrgA-C1-node")
    with unchanged(net):
        assert call(net, node, "DELETE", "/node/2") == (401, {
            "msg": "nodes are not allowed to access http://localhost/api/node/2 (DELETE)"})
        assert call(net, None, "DELETE", "/node/2") == (
            500, {"msg": "An unexpected error occurred: Missing Authorization Header"})
        assert call(net, "garbage", "DELETE", "/node/2") == (
            500, {"msg": "An unexpected error occurred: Not enough segments"})
        # elsewhere a wrong client type is the generic 500
        assert call(net, node, "POST", "/node", {"collaboration_id": 1}) == GENERIC_500
        assert call(net, token(net), "GET", "/node/me") == GENERIC_500
        assert root_call(net, "DELETE", "/node/2", delete_dependents="abc") == (
            400, incorrect(delete_dependents=["Not a valid boolean."]))
        assert root_call(net, "DELETE", "/node/2", force="1") == (400, incorrect(force=UNKNOWN))
        assert root_call(net, "DELETE", "/node/99") == (404, {"msg": "Node id=99 not found"})


def test_delete_removes_the_client_before_it_looks_at_the_columns(demo):
    net, realm = demo, demo.keycloak.realm("vantage6")
    john = token(net, "john-doe")
    call(net, john, "POST", "/session", {"collaboration_id": 1, "scope": "own"})
    status, _ = call(net, john, "POST", "/session/1/dataframe", {
        "label": "default", "name": "df1", "task": {
            "image": "harbor2.vantage6.ai/demo/average", "method": "read_csv",
            "organizations": [{"id": o, "arguments": EMPTY} for o in (2, 3, 4)]}})
    assert status == 201
    node = net.vantage6.state.nodes[3]
    columns = net.vantage6.state.node_columns(node)
    assert columns > 0  # the simulated node reported its columns
    assert root_call(net, "DELETE", "/node/3") == (400, {"msg": (
        f"Node has {columns} columns. Please delete those first, or set the `delete_dependents` "
        "parameter to true to delete them automatically together with this node.")})
    # the node is still there, without its Keycloak client: no delete gets past that now
    assert realm.find_client(f"{node.name}-node-client") is None
    assert root_call(net, "DELETE", "/node/3", delete_dependents="true") == (400, {
        "msg": f"Service account '{node.keycloak_client_id}' could not be deleted from "
               "Keycloak"})
    assert root_call(net, "GET", "/node/3")[0] == 200
    # another node goes, with its columns
    assert root_call(net, "DELETE", "/node/4", delete_dependents="1") == (
        200, {"msg": "Successfully deleted node id=4"})
    status, df = root_call(net, "GET", "/session/dataframe/1")
    assert {c["node_id"] for c in df["columns"]} == {3, 5}


def test_list_filters_of_5x(demo):
    net = demo
    john = token(net, "john-doe")
    call(net, john, "POST", "/session", {"collaboration_id": 1, "scope": "own"})
    names = lambda body: [n["name"] for n in body["data"]]  # noqa: E731
    # a global viewer without filters gets them in name order; ip is no filter any more
    status, body = root_call(net, "GET", "/node", ip="10.0.0.1")
    assert (status, names(body)) == (200, ["example_org1-example_collab1-node",
                                           "example_org2-example_collab1-node",
                                           "example_org3-example_collab1-node"])
    assert len(root_call(net, "GET", "/node", session_id=1)[1]["data"]) == 3
    assert root_call(net, "GET", "/node", session_id=9) == (
        404, {"msg": "Session id=9 does not exist"})
    assert root_call(net, "GET", "/node", study_id=9) == GENERIC_500
    assert call(net, john, "GET", "/node", organization_id=1) == (
        401, {"msg": "You lack the permission view nodes from the organization with id 1!"})

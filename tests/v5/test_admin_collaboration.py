"""/collaboration and its /organization and /node sub-routes in the 5.x profile."""
from __future__ import annotations

import pytest

from tests.v5.admin_helpers import (  # noqa: F401  (fixtures)
    NOT_JSON, UNKNOWN, add_user, build, call, client, demo, incorrect, net, quiet, root_call,
    token, unchanged)

GENERIC_500 = (500, {"msg": "An unexpected error occurred!"})


def col_body(id_: int, name: str, encrypted: bool = False, restrict: bool = False) -> dict:
    links = {k: f"/api/{v}?collaboration_id={id_}" for k, v in [
        ("organizations", "organization"), ("nodes", "node"), ("tasks", "task"),
        ("algorithm_stores", "algorithmstore"), ("studies", "study")]}
    return {**links, "name": name, "encrypted": encrypted,
            "session_restrict_to_same_image": restrict, "id": id_}


@pytest.fixture
def orgs(net):
    return build(net, ["OrgA", "OrgB", "OrgC"])


def test_the_real_client_creates_updates_and_deletes(orgs, client):
    net = orgs
    # unknown organization ids are dropped without a word; 200, not 201
    created = quiet(client.collaboration.create, "C1", [2, 3, 99],
                    session_restrict_to_same_image=True)
    assert created == col_body(1, "C1", restrict=True)
    assert [o.id for o in net.vantage6.state.collaborations[1].organizations] == [2, 3]
    updated = quiet(client.collaboration.update, 1, name="C1b", encrypted=True)
    assert updated == col_body(1, "C1b", encrypted=True, restrict=True)
    assert [o["id"] for o in quiet(client.collaboration.add_organization, 4, 1)] == [2, 3, 4]
    assert [o["id"] for o in quiet(client.collaboration.remove_organization, 2, 1)] == [3, 4]
    assert client.collaboration.get(1)["name"] == "C1b"
    quiet(client.collaboration.delete, 1)
    assert net.vantage6.state.collaborations == {}


def test_get_by_id_404_is_capitalised_in_5x(net):
    assert root_call(net, "GET", "/collaboration/9") == (
        404, {"msg": "Collaboration with id=9 not found"})


def test_post_refusals_duplicate_name_before_permission(orgs):
    net = build(orgs, collaborations=[("C1", [2])])
    add_user(net, "viewer", 2, roles=[4])
    viewer = token(net, "viewer")
    with unchanged(net):
        assert call(net, viewer, "POST", "/collaboration", {
            "name": "C1", "organization_ids": [2], "encrypted": False}) == (
            400, {"msg": "Collaboration name 'C1' already exists!"})
        assert call(net, viewer, "POST", "/collaboration", {
            "name": "C2", "organization_ids": [2], "encrypted": False}) == (
            401, {"msg": "You lack the permission to do that!"})
        for ids, message in [([], "At least one organization id is required"),
                             ([2, 2], "Organization ids must be unique"),
                             ([0], "Organization ids must be greater than 0")]:
            assert root_call(net, "POST", "/collaboration", {
                "name": "C2", "organization_ids": ids, "encrypted": False}) == (
                400, incorrect(organization_ids=[message]))
        assert root_call(net, "POST", "/collaboration", {"name": "C2",
                                                         "organization_ids": [2]}) == (
            400, incorrect(encrypted=["Missing data for required field."]))
        assert root_call(net, "POST", "/collaboration", {
            "name": "C2", "organization_ids": [2], "encrypted": False, "ip": "x"}) == (
            400, incorrect(ip=UNKNOWN))
        assert root_call(net, "POST", "/collaboration", raw=b"") == (400, NOT_JSON)


def test_patch_in_hqs_order_and_the_flag_it_ignores(orgs):
    net = build(orgs, collaborations=[("C1", [2, 3]), ("C2", [2])])
    add_user(net, "coladmin", 2, roles=[7])  # edit collaboration, not global
    with unchanged(net):
        assert root_call(net, "PATCH", "/collaboration/9", {"x": 1}) == (
            404, {"msg": "collaboration having collaboration_id=9 can not be found"})
        assert root_call(net, "PATCH", "/collaboration/1", raw=b"") == (400, NOT_JSON)
        assert root_call(net, "PATCH", "/collaboration/1", {"name": "C2"}) == (
            400, {"msg": "Collaboration name 'C2' already exists!"})
        # a new name is not kept when the organizations are refused: nothing was committed
        assert call(net, token(net, "coladmin"), "PATCH", "/collaboration/1", {
            "name": "C1b", "organization_ids": [2]}) == (
            401, {"msg": "You lack the permission to change the organizations of a "
                         "collaboration!"})
    # session_restrict_to_same_image is accepted and ignored; encrypted is loaded as a boolean
    assert root_call(net, "PATCH", "/collaboration/1", {
        "session_restrict_to_same_image": True, "encrypted": "true"}) == (
        200, col_body(1, "C1", encrypted=True))
    assert call(net, token(net, "coladmin"), "PATCH", "/collaboration/1", {"name": "C1c"}) == (
        200, col_body(1, "C1c", encrypted=True))


def test_adding_a_member_twice_writes_a_second_row_that_no_delete_gets_past(orgs):
    net = build(orgs, collaborations=[("C1", [2, 3])])
    status, body = root_call(net, "POST", "/collaboration/1/organization", {"id": 3})
    assert (status, [o["id"] for o in body]) == (200, [2, 3])  # shown once
    with unchanged(net):
        # two Member rows where SQLAlchemy expects one: each of these fails its flush
        assert root_call(net, "DELETE", "/collaboration/1/organization", {"id": 3}) == (
            GENERIC_500)
        assert root_call(net, "PATCH", "/collaboration/1", {"organization_ids": [2]}) == (
            GENERIC_500)
        assert root_call(net, "DELETE", "/collaboration/1") == GENERIC_500
        assert root_call(net, "DELETE", "/organization/3") == GENERIC_500


def test_organization_sub_route_refusals(orgs):
    net = build(orgs, collaborations=[("C1", [2])])
    add_user(net, "viewer", 2, roles=[4])
    viewer = token(net, "viewer")
    with unchanged(net):
        assert root_call(net, "POST", "/collaboration/9/organization", {"id": 3}) == (
            404, {"msg": "collaboration having collaboration_id=9 can not be found"})
        # the 404 names the collaboration's id, not the organization's
        assert root_call(net, "POST", "/collaboration/1/organization", {"id": 99}) == (
            404, {"msg": "organization with id=1 is not found"})
        assert root_call(net, "POST", "/collaboration/1/organization", raw=b"") == (
            400, NOT_JSON)
        assert call(net, viewer, "POST", "/collaboration/1/organization", {"id": 3}) == (
            401, {"msg": "You lack the permission to do that!"})
        # DELETE checks the permission only after the body and the organization
        assert call(net, viewer, "DELETE", "/collaboration/1/organization", {"id": 99}) == (
            404, {"msg": "Organization with id=99 is not found"})
        assert call(net, viewer, "DELETE", "/collaboration/1/organization", {"id": 3}) == (
            401, {"msg": "You lack the permission to do that!"})
        assert root_call(net, "DELETE", "/collaboration/1/organization", {"id": 3}) == (
            GENERIC_500)  # not a member: list.remove() raises


def test_node_sub_routes(demo):
    net = build(demo, collaborations=[("C2", [2])])
    node = net.vantage6.state.nodes[4]  # example_org2's node: organization 3 is not in C2
    with unchanged(net):
        assert root_call(net, "POST", "/collaboration/2/node", {"id": 99}) == (
            404, {"msg": "node id=99 not found"})
        assert root_call(net, "POST", "/collaboration/1/node", {"id": node.id}) == (
            400, {"msg": f"node id={node.id} is already in collaboration id=1"})
        assert root_call(net, "POST", "/collaboration/2/node", {"id": node.id}) == (400, {
            "msg": f"Node id={node.id} belongs to an organization that is not part of "
                   "collaboration id=2. Please add the organization to the collaboration "
                   "first"})
        # a plain request.get_json(): Flask's own 415, key "message"
        assert root_call(net, "DELETE", "/collaboration/1/node", raw=b"", content_type="") == (
            415, {"message": "Did not attempt to load JSON data because the request "
                             "Content-Type was not 'application/json'."})
        assert root_call(net, "DELETE", "/collaboration/1/node", {"idx": 2}) == GENERIC_500
        assert root_call(net, "DELETE", "/collaboration/1/node", {"id": 99}) == (
            404, {"msg": "node id=1 not found"})  # the collaboration's id again
        assert root_call(net, "DELETE", "/collaboration/2/node", {"id": node.id}) == (
            400, {"msg": f"node id={node.id} is not part of collaboration id=2"})
    assert root_call(net, "DELETE", "/collaboration/1/node", {"id": node.id}) == (
        200, {"msg": f"node id={node.id} removed from collaboration id=1"})
    status, body = root_call(net, "POST", "/collaboration/1/node", {"id": node.id})
    assert (status, [n["id"] for n in body]) == (201, [3, 5, 4])
    # NodeSchemaSimple, key order as the real HQ answers it (tests/v5/oracle)
    assert list(body[0]) == ["organization", "keycloak_id", "last_seen", "status",
                             "keycloak_client_id", "id", "name"]


def test_delete_with_dependents_and_sessions(demo):
    net = demo
    john = token(net, "john-doe")
    call(net, john, "POST", "/session", {"collaboration_id": 1, "scope": "own", "name": "s"})
    with unchanged(net):
        assert root_call(net, "DELETE", "/collaboration/9") == (
            404, {"msg": "collaboration id=9 is not found"})
        assert call(net, john, "DELETE", "/collaboration/1") == (
            401, {"msg": "You lack the permission to do that!"})
        assert root_call(net, "DELETE", "/collaboration/1") == (400, {"msg": (
            "Collaboration id=1 has 0 tasks, 3 nodes, 1 sessions, and 0 studies. Please "
            "delete them separately or set delete_dependents=True")})
    realm = net.keycloak.realm("vantage6")
    clients = sorted(realm.clients)
    # any value deletes the dependents ("False" too, which is what the client sends)
    assert root_call(net, "DELETE", "/collaboration/1", delete_dependents="False") == (
        200, {"msg": "Collaboration id=1 successfully deleted"})
    state = net.vantage6.state
    assert (state.nodes, state.sessions, state.collaborations) == ({}, {}, {})
    assert sorted(realm.clients) == clients  # the nodes' Keycloak clients stay


def test_a_collaboration_whose_only_dependents_are_sessions_cannot_be_deleted(net, orgs):
    build(net, collaborations=[("C1", [2])])
    add_user(net, "res", 2, roles=[5])
    call(net, token(net, "res"), "POST", "/session", {"collaboration_id": 1, "scope": "own"})
    with unchanged(net):  # sessions are no dependents, but their NOT NULL key fails the delete
        assert root_call(net, "DELETE", "/collaboration/1", delete_dependents="1") == (
            GENERIC_500)

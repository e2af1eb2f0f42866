"""/role and /rule in the 5.x profile: every role method runs in ``handle_exceptions``, whose
schema errors are ``{"msg": {field: [...]}}``; messages print ``Operation.CREATE``; rules show
and filter by lowercase words."""
from __future__ import annotations

import pytest

from tests.v5.admin_helpers import (  # noqa: F401  (fixtures)
    PASSWORD, UNKNOWN, add_user, build, call, client, incorrect, net, quiet, root_call, token,
    unchanged)

NONE_INT = ("An unexpected error occurred: int() argument must be a string, a bytes-like "
            "object or a real number, not 'NoneType'")


@pytest.fixture
def world(net):
    build(net, ["OrgA", "OrgB"], [("C1", [2, 3])])
    add_user(net, "admin-a", 2, roles=[6])
    return net


def role_body(id_: int, name: str, description, organization: int | None) -> dict:
    org = ({"id": organization, "link": f"/api/organization/{organization}",
            "methods": ["DELETE", "GET", "PATCH"]} if organization else None)
    return {"rules": f"/api/rule?role_id={id_}", "users": f"/api/user?role_id={id_}",
            "organization": org, "name": name, "description": description,
            "is_default_role": False, "id": id_}


def test_the_real_client_with_roles_and_rules(world, client):
    role = quiet(client.role.create, "analysts", "they analyse", [1, 2], organization=2)
    assert role == role_body(8, "analysts", "they analyse", 2)
    assert client.role.get(8)["name"] == "analysts"
    # GET of a default role fails for everyone, root included (allowed_for_org(None))
    assert quiet(client.role.get, 4) == {"msg": NONE_INT}
    updated = quiet(client.role.update, 8, name="analysts2", description="d", rules=[3])
    assert updated == role_body(8, "analysts2", "d", 2)
    # the client sends the arguments it was not given as null: a {"msg": {...}} 400, which
    # the client itself then trips over
    with pytest.raises(AttributeError):
        quiet(client.role.update, 8, name="x")
    assert [r["id"] for r in client.role.list(include_root=True, organization=2)["data"]] == [
        1, 2, 3, 4, 5, 6, 7, 8]
    quiet(client.role.delete, 8)
    assert 8 not in world.vantage6.state.roles
    # rules filter on the stored words: the 4.x codes match nothing
    words = client.rule.list(operation="view", scope="global", per_page=50)["data"]
    assert [r["id"] for r in words] == [1, 13, 20, 28, 38, 42, 55, 73, 84]
    assert words[0] == {"scope": "global", "operation": "view", "users": "/api/user?rule_id=1",
                        "name": "node", "description": "view any node", "id": 1}
    assert client.rule.list(operation="v", scope="glo")["data"] == []
    assert client.rule.get(96)["name"] == "session"


POST_REFUSALS = [
    ({"name": "Viewer", "rules": [1]}, 400,
     {"msg": {"name": ["Role name cannot be one of the default roles"]}}),
    ({"name": "r"}, 400, {"msg": {"rules": ["Missing data for required field."]}}),
    ({"name": "r", "rules": [1], "extra": 1}, 400, {"msg": {"extra": UNKNOWN}}),
    ({"name": "r", "rules": [999]}, 404, {"msg": "Rule with id 999 not found"}),
    ({"name": "r", "rules": [1], "organization_id": 99}, 404,
     {"msg": 'Organization "99" does not exist!'}),
]


@pytest.mark.parametrize("body, status, answer", POST_REFUSALS)
def test_post_refusals(world, body, status, answer):
    with unchanged(world):
        assert root_call(world, "POST", "/role", body) == (status, answer)


def test_post_body_problems_and_permissions(world):
    net = world
    admin_a = token(net, "admin-a")
    with unchanged(net):
        # a plain request.get_json() inside handle_exceptions: werkzeug's 415 as a 500
        assert root_call(net, "POST", "/role", raw=b"", content_type="") == (500, {
            "msg": "An unexpected error occurred: 415 Unsupported Media Type: Did not attempt "
                   "to load JSON data because the request Content-Type was not "
                   "'application/json'."})
        assert root_call(net, "POST", "/role", raw=b"[1]") == (
            400, {"msg": {"_schema": ["Invalid input type."]}})
        assert call(net, admin_a, "POST", "/role", {"name": "r", "rules": [1]}) == (
            401, {"msg": "You don't have the rule (node, global, view)"})
        assert call(net, admin_a, "POST", "/role", {"name": "r", "rules": [3],
                                                    "organization_id": 3}) == (
            401, {"msg": "You lack the permission to Operation.CREATE roles for organization 3!"})
    status, body = call(net, admin_a, "POST", "/role", {"name": "r", "rules": [3]})
    assert (status, body) == (201, role_body(8, "r", None, 2))  # its own organization


def test_get_and_list(world):
    net = world
    root_call(net, "POST", "/role", {"name": "r", "rules": [1], "organization_id": 3})
    add_user(net, "viewer-a", 2, roles=[4])
    viewer = token(net, "viewer-a")
    assert root_call(net, "GET", "/role/99") == (404, {"msg": "Role with id=99 not found."})
    assert root_call(net, "GET", "/role/1") == (500, {"msg": NONE_INT})
    assert root_call(net, "GET", "/role/8") == (200, role_body(8, "r", None, 3))
    assert call(net, viewer, "GET", "/role/8") == (
        401, {"msg": "You do not have permission to view this role."})
    # the default roles are in every Viewer's list
    assert [r["id"] for r in call(net, viewer, "GET", "/role")[1]["data"]] == [
        1, 2, 3, 4, 5, 6, 7]
    assert call(net, viewer, "GET", "/role", organization_id=3) == (
        401, {"msg": "You lack the permission to view roles from organization 3!"})
    assert root_call(net, "GET", "/role", organization_id="x") == (500, {
        "msg": "An unexpected error occurred: invalid literal for int() with base 10: 'x'"})
    assert root_call(net, "GET", "/role", rule_id=999) == (
        404, {"msg": "Rule with id=999 not found."})


def test_patch_in_hqs_order_keeping_the_name_when_a_rule_is_refused(world):
    net = world
    root_call(net, "POST", "/role", {"name": "r", "description": "d", "rules": [1]})
    status, mine = call(net, token(net, "admin-a"), "POST", "/role", {"name": "m",
                                                                      "rules": [3]})
    with unchanged(net):
        assert root_call(net, "PATCH", "/role/8", {"name": "x", "description": None,
                                                   "rules": None}) == (400, {"msg": {
            "description": ["Field may not be null."], "rules": ["Field may not be null."]}})
        assert root_call(net, "PATCH", "/role/99", {"organization_id": 2}) == (
            400, {"msg": "Cannot change role's organization"})
        assert root_call(net, "PATCH", "/role/99", {}) == (
            404, {"msg": "Role with id=99 not found."})
        assert root_call(net, "PATCH", "/role/4", {"name": "z"}) == (
            400, {"msg": "Role Viewer is a default role and cannot be edited or deleted."})
        assert call(net, token(net, "admin-a"), "PATCH", "/role/8", {"name": "z"}) == (
            401, {"msg": "You lack the permission to Operation.EDIT roles for organization 1!"})
    # the new name and description are committed by the rules' lookups, whatever they find
    assert root_call(net, "PATCH", "/role/8", {"name": "r2", "rules": [999]}) == (
        404, {"msg": "Rule with id=999 not found."})
    assert call(net, token(net, "admin-a"), "PATCH", f"/role/{mine['id']}", {
        "description": "new", "rules": [1]}) == (
        401, {"msg": "You don't have the rule (node, global, view)"})
    roles = net.vantage6.state.roles
    assert (roles[8].name, roles[mine["id"]].description) == ("r2", "new")
    assert root_call(net, "PATCH", "/role/8", {"rules": [3, 1]}) == (
        200, role_body(8, "r2", "d", 1))
    assert [r["id"] for r in root_call(net, "GET", "/rule", role_id=8)[1]["data"]] == [1, 3]


def test_delete(world):
    net = world
    root_call(net, "POST", "/role", {"name": "r", "rules": [3], "organization_id": 2})
    add_user(net, "holder", 2, roles=[8])
    with unchanged(net):
        assert root_call(net, "DELETE", "/role/99") == (
            404, {"msg": "Role with id=99 not found."})
        assert root_call(net, "DELETE", "/role/6") == (400, {
            "msg": "Role Organization Admin is a default role and cannot be edited or "
                   "deleted."})
        assert call(net, token(net, "holder"), "DELETE", "/role/8") == (
            401, {"msg": "You lack the permission to Operation.DELETE roles for organization 2!"})
        assert root_call(net, "DELETE", "/role/8") == (
            400, {"msg": "Role r is assigned to users and cannot be deleted."})
    assert root_call(net, "DELETE", "/role/8", delete_dependents="0") == (  # truthy
        200, {"msg": "Role removed from the database."})
    assert net.vantage6.state.user_by_username("holder").roles == []
    assert root_call(net, "POST", "/role/8/rule/1") == (
        404, {"msg": "The requested URL /api/role/8/rule/1 was not found on the server (no such "
                     "vantage6 endpoint)."})  # gone in 5.x


def test_rule_lists_of_a_user(world):
    net = world
    add_user(net, "vic", 2, roles=[4], rules=[1])
    viewer_rules = [54, 44, 21, 22, 14, 57, 3, 2, 29, 39, 67, 68, 74, 86, 85]
    assert [r["id"] for r in root_call(net, "GET", "/rule", role_id=4,
                                       per_page=50)[1]["data"]] == viewer_rules
    # a user's rules: its roles' and its own, in id order
    assert [r["id"] for r in call(net, token(net, "vic"), "GET", "/rule", current_user=1,
                                  per_page=50)[1]["data"]] == sorted(viewer_rules + [1])
    status, body = root_call(net, "GET", "/rule", user_id=3, per_page=50)
    assert len(body["data"]) == 16
    assert root_call(net, "GET", "/rule", user_id=99) == (
        400, {"msg": "User with id=99 does not exist!"})
    assert root_call(net, "GET", "/rule", user_id=3, role_id=4) == (
        500, {"msg": "An unexpected error occurred!"})
    status, body, *_ = root_call(net, "GET", "/rule", no_pagination="1")
    assert len(body["data"]) == 96

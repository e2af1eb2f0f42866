"""/study and /study/{id}/organization in the 5.x profile (4.15.2's logic, 5.x body loading,
one commit quirk, and repeated membership rows)."""
from __future__ import annotations

import pytest

from tests.v5.admin_helpers import (  # noqa: F401  (fixtures)
    NOT_JSON, UNKNOWN, add_user, build, call, client, incorrect, net, quiet, root_call, token,
    unchanged)

GENERIC_500 = (500, {"msg": "An unexpected error occurred!"})


@pytest.fixture
def world(net):
    return build(net, ["OrgA", "OrgB", "OrgC"], [("C1", [2, 3])])


def org_ids(body) -> list[int]:
    return [o["id"] for o in (body["organizations"] if isinstance(body, dict) else body)]


def test_the_real_client_runs_a_studys_life(world, client):
    study = quiet(client.study.create, "S1", [2, 3], collaboration=1)
    assert {k: v for k, v in study.items() if k != "organizations"} == {
        "collaboration": {"id": 1, "link": "/api/collaboration/1",
                          "methods": ["DELETE", "GET", "PATCH"]},
        "tasks": "/api/task?study_id=1", "name": "S1", "id": 1}
    assert org_ids(study) == [2, 3]
    assert org_ids(quiet(client.study.update, 1, name="S1b", organizations=[2])) == [2]
    assert org_ids(quiet(client.study.add_organization, 3, 1)) == [2, 3]
    assert org_ids(quiet(client.study.remove_organization, 2, 1)) == [3]
    listed = client.study.list(include_organizations=True)["data"]
    assert [(s["name"], org_ids(s)) for s in listed] == [("S1b", [3])]
    quiet(client.study.delete, 1)
    assert world.vantage6.state.studies == {}


def test_post_refusals(world):
    net = world
    root_call(net, "POST", "/study", {"name": "S1", "collaboration_id": 1,
                                      "organization_ids": [2]})
    add_user(net, "vic", 2, roles=[4])
    with unchanged(net):
        assert root_call(net, "POST", "/study", raw=b"") == (400, NOT_JSON)
        assert root_call(net, "POST", "/study", {"name": "S2", "collaboration_id": 1}) == (
            400, incorrect(organization_ids=["Missing data for required field."]))
        assert root_call(net, "POST", "/study", {"name": "S1", "collaboration_id": 1,
                                                 "organization_ids": [2]}) == (
            400, {"msg": "Study with name 'S1' already exists!"})
        assert call(net, token(net, "vic"), "POST", "/study", {
            "name": "S2", "collaboration_id": 1, "organization_ids": [2]}) == (
            401, {"msg": "You lack the permission to do that!"})
        assert root_call(net, "POST", "/study", {"name": "S2", "collaboration_id": 1,
                                                 "organization_ids": [4]}) == (
            400, {"msg": "Not all organizations are part of the collaboration!"})
        assert root_call(net, "POST", "/study", {"name": "S2", "collaboration_id": 9,
                                                 "organization_ids": [2]}) == GENERIC_500


def test_patch_renames_even_when_the_organizations_are_refused(world):
    net = world
    root_call(net, "POST", "/study", {"name": "S1", "collaboration_id": 1,
                                      "organization_ids": [2]})
    with unchanged(net):
        assert root_call(net, "PATCH", "/study/9", {}) == (
            404, {"msg": "Study with id=9 can not be found"})
        assert root_call(net, "PATCH", "/study/1", {"nam": "x"}) == (400, incorrect(nam=UNKNOWN))
    # HQ sets the name, then its membership check's Collaboration.get() commits it
    assert root_call(net, "PATCH", "/study/1", {"name": "S1b", "organization_ids": [4]}) == (
        400, {"msg": "Not all organizations are part of the collaboration!"})
    assert net.vantage6.state.studies[1].name == "S1b"
    assert [o.id for o in net.vantage6.state.studies[1].organizations] == [2]


def test_organization_sub_routes_and_a_repeated_member(world):
    net = world
    root_call(net, "POST", "/study", {"name": "S1", "collaboration_id": 1,
                                      "organization_ids": [2]})
    with unchanged(net):
        assert root_call(net, "POST", "/study/9/organization", {"id": 3}) == (
            404, {"msg": "Study with id=9 can not be found"})
        assert root_call(net, "POST", "/study/1/organization", {"id": 99}) == (
            404, {"msg": "organization with id=1 is not found"})
        assert root_call(net, "POST", "/study/1/organization", {"id": 4}) == (
            400, {"msg": "Organization is not a member of the collaboration!"})
        assert root_call(net, "DELETE", "/study/1/organization", {"id": 99}) == (
            404, {"msg": "Organization with id=99 is not found"})
        assert root_call(net, "DELETE", "/study/1/organization", {"id": 3}) == GENERIC_500
    # adding a member again writes a second StudyMember row: shown once, never deleted
    status, body = root_call(net, "POST", "/study/1/organization", {"id": 2})
    assert (status, org_ids(body)) == (200, [2])
    with unchanged(net):
        assert root_call(net, "DELETE", "/study/1/organization", {"id": 2}) == GENERIC_500
        assert root_call(net, "DELETE", "/study/1") == GENERIC_500


def test_delete_leaves_its_sessions_without_a_study(world):
    net = world
    root_call(net, "POST", "/study", {"name": "S1", "collaboration_id": 1,
                                      "organization_ids": [2]})
    add_user(net, "res", 2, roles=[5])
    res = token(net, "res")
    call(net, res, "POST", "/session", {"collaboration_id": 1, "scope": "own", "study_id": 1})
    with unchanged(net):
        assert root_call(net, "DELETE", "/study/9") == (404, {"msg": "Study with id=9 not found"})
        assert call(net, res, "DELETE", "/study/1") == (
            401, {"msg": "You lack the permission to do that!"})
    assert root_call(net, "DELETE", "/study/1") == (200, {"msg": "Study id=1 successfully deleted"})
    assert call(net, res, "GET", "/session/1")[1]["study"] is None

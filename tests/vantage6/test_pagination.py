"""List pages as the real server builds them: data + links, total-count and Link headers,
per_page default 10, sort, the real errors for bad values."""
from __future__ import annotations

from hypothesis import given, settings, strategies as st

from simulator.network import Network
from tests.helpers import JOHN, make_client

MANY = {"organizations": [{"name": f"org{i:02d}"} for i in range(23)]}


def get(net, path, **params):
    return net.request("GET", path, token=net.login("root", "root"), params=params)


def test_default_page_and_links():
    net = Network(MANY)
    r = get(net, "/api/organization")
    body = r.get_json()
    assert len(body["data"]) == 10 and body["data"][0]["id"] == 1
    assert body["links"] == {"first": "/api/organization?page=1",
                             "self": "/api/organization?page=1",
                             "next": "/api/organization?page=2",
                             "last": "/api/organization?page=3"}
    assert r.header("total-count") == "24"
    assert r.header("Link") == ("</api/organization?page=1>; rel=first,"
                                "</api/organization?page=1>; rel=self,"
                                "</api/organization?page=2>; rel=next,"
                                "</api/organization?page=3>; rel=last")
    assert r.header("access-control-expose-headers") == "total-count, Link"


def test_links_keep_the_query_in_its_order():
    net = Network(MANY)
    body = get(net, "/api/organization", name="org%", per_page=5, page=2).get_json()
    assert body["links"] == {
        "first": "/api/organization?name=org%25&per_page=5&page=1",
        "previous": "/api/organization?name=org%25&per_page=5&page=1",
        "self": "/api/organization?name=org%25&per_page=5&page=2",
        "next": "/api/organization?name=org%25&per_page=5&page=3",
        "last": "/api/organization?name=org%25&per_page=5&page=5"}
    assert [o["name"] for o in body["data"]] == [f"org{i:02d}" for i in range(5, 10)]


def test_empty_list_has_no_last_link(net):
    body = get(net, "/api/study").get_json()
    assert body == {"data": [], "links": {"first": "/api/study?page=1",
                                          "self": "/api/study?page=1"}}


def test_sort_and_its_errors():
    net = Network(MANY)
    body = get(net, "/api/organization", sort="-name", per_page=3).get_json()
    assert [o["name"] for o in body["data"]] == ["root", "org22", "org21"]
    r = get(net, "/api/organization", sort="bogus")
    assert (r.status, r.get_json()) == (500, {
        "msg": "Cannot sort a 'Organization' by 'bogus' because it does not exist"})
    assert get(net, "/api/organization", page=0).get_json() == {"msg": "page needs to be >= 1"}
    assert get(net, "/api/organization", per_page="x").get_json() == {
        "msg": "invalid literal for int() with base 10: 'x'"}


def test_rule_no_pagination(net):
    body = get(net, "/api/rule", no_pagination=1).get_json()
    assert len(body["data"]) == 86
    assert body["links"]["last"] == "/api/rule?no_pagination=1&page=1"


def test_the_client_sees_only_the_first_page_of_results(intercepted):
    """organization.list() sends no page params: the server's default of 10 applies."""
    for i in range(12):
        intercepted.vantage6.state.add_organization(f"extra{i}")
    root = make_client("root", "root")
    assert len(root.organization.list()["data"]) == 10
    assert len(root.organization.list(per_page=100)["data"]) == 16
    john = make_client(*JOHN)
    assert len(john.organization.list()["data"]) == 3


@settings(max_examples=40, deadline=None)
@given(total=st.integers(0, 35), per_page=st.integers(1, 12))
def test_pages_cover_every_item_once(total, per_page):
    net = Network({"organizations": [{"name": f"o{i}"} for i in range(total)]})
    token = net.login("root", "root")
    seen, page = [], 1
    while True:
        body = net.request("GET", "/api/organization", token=token,
                           params={"per_page": per_page, "page": page}).get_json()
        seen += [o["id"] for o in body["data"]]
        if "next" not in body["links"]:
            break
        page += 1
    assert seen == list(range(1, total + 2))
    pages = -(-(total + 1) // per_page)
    assert page == pages and body["links"].get("last") == (
        f"/api/organization?per_page={per_page}&page={pages}")

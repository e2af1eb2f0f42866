"""The HTTP surface as FastAPI/Starlette shape it: root links, 404/405/307, no automatic HEAD,
CORS, route families the simulator does not serve, and the mount under /papi."""
from __future__ import annotations

import requests

from simulator import Network


def test_root_and_version(papi):
    base = papi.base
    assert papi.get("/").json() == {
        "versions": [{"version": "stable", "id": "v1", "links": [
            {"rel": "self", "type": "application/json", "href": f"{base}/v1/"}]}],
        "links": [{"rel": "help", "type": "text/html", "href": f"{base}/docs"},
                  {"rel": "help", "type": "text/html", "href": f"{base}/redoc"},
                  {"rel": "describedby", "type": "application/json",
                   "href": f"{base}/openapi.json"}]}
    assert papi.get("/v1/").json()["id"] == "v1"
    r = papi.get("/docs")
    assert r.status_code == 501


def test_compact_json_like_starlette(papi):
    r = papi.get("/v1/catalog/tools")
    assert r.headers["content-type"] == "application/json"
    assert r.content.startswith(b'["ai4os-dev-env","ai4os-federated-server"')


def test_unknown_route_and_wrong_method(papi):
    r = papi.get("/v1/nothing")
    assert (r.status_code, r.json()) == (404, {"detail": "Not Found"})
    r = papi.call("PUT", "/v1/deployments/modules")
    assert (r.status_code, r.json()) == (405, {"detail": "Method Not Allowed"})
    assert r.headers["allow"] == "GET"
    r = papi.call("GET", "/v1/catalog/modules/refresh")
    assert r.status_code == 405 and r.headers["allow"] == "PUT"
    r = papi.call("HEAD", "/v1/catalog/modules")  # FastAPI routes have no automatic HEAD
    assert r.status_code == 405


def test_trailing_slash_redirects(papi):
    r = papi.get("/v1", allow_redirects=False)
    assert r.status_code == 307 and r.headers["location"] == f"{papi.base}/v1/"
    r = papi.get("/v1/catalog/modules/", params={"tags": "x"}, allow_redirects=False)
    assert r.status_code == 307
    assert r.headers["location"] == f"{papi.base}/v1/catalog/modules?tags=x"
    assert papi.get("/v1/catalog/modules/").json()[0] == "ai4os-demo-app"  # followed


def test_route_families_not_served_yet(papi):
    for method, path in [("GET", "/v1/batch"), ("POST", "/v1/try_me/nomad"),
                         ("GET", "/v1/snapshots"), ("GET", "/v1/storage/share/ls"),
                         ("GET", "/v1/inference/oscar/services"), ("POST", "/v1/llm/chat"),
                         ("POST", "/v1/proxies/zenodo")]:
        r = papi.call(method, path, "alice")
        assert r.status_code == 501, path
        family = path.split("/")[2]
        assert r.json() == {"detail": f"The PAPI route family /v1/{family} is not implemented "
                                      "in the simulator (see COVERAGE.md)"}


def test_cors(papi):
    origin = "https://dashboard.cloud.ai4eosc.eu"
    r = papi.call("OPTIONS", "/v1/deployments/modules",
                  headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                           "Access-Control-Request-Headers": "authorization"})
    assert r.status_code == 200 and r.text == "OK"
    assert r.headers["access-control-allow-origin"] == origin
    assert r.headers["access-control-allow-headers"] == "authorization"
    r = papi.call("OPTIONS", "/v1/deployments/modules",
                  headers={"Origin": "https://evil.example",
                           "Access-Control-Request-Method": "POST"})
    assert (r.status_code, r.text) == (400, "Disallowed CORS origin")
    r = papi.get("/v1/catalog/modules", headers={"Origin": origin})
    assert r.headers["access-control-allow-origin"] == origin
    assert r.headers["access-control-allow-credentials"] == "true"
    assert "access-control-allow-origin" not in papi.get(
        "/v1/catalog/modules", headers={"Origin": "https://evil.example"}).headers


def test_papi_lives_under_its_prefix_only(net):
    with net.intercept():
        r = requests.get(f"{net.url}/v1/catalog/modules")
        assert r.status_code == 404 and "no simulated platform" in r.json()["msg"]
        assert requests.get(f"{net.url}/papi").json() == requests.get(f"{net.url}/papi/").json()
        assert requests.get(f"{net.api_url}/version").json() == {"version": "4.15.2"}


def test_server_mode_builds_urls_for_the_host_used(net):
    server = net.serve(port=0)
    try:
        base = f"{server.url}/papi"
        assert requests.get(f"{base}/v1/").json()["links"][0]["href"] == f"{base}/v1/"
        meta = requests.get(f"{base}/v1/catalog/tools/ai4os-cvat/metadata",
                            headers={"Accept": "application/json"}).json()
        assert meta["links"]["self"] == f"{base}/v1/catalog/tools/ai4os-cvat/metadata"
        r = requests.get(f"{base}/v1", allow_redirects=False)
        assert r.status_code == 307 and r.headers["location"] == f"{base}/v1/"
        realm = requests.get(f"{base}/oidc/realms/ai4eosc/.well-known/openid-configuration"
                             ).json()
        assert realm["issuer"] == net.papi.issuer  # what the tokens carry, whatever the host
        assert realm["jwks_uri"].startswith(base)
        # PyJWT's own JWKS client, over real HTTP
        import jwt

        key = jwt.PyJWKClient(realm["jwks_uri"]).get_signing_key_from_jwt(
            net.papi.token_for("alice"))
        assert key.key_id == jwt.get_unverified_header(net.papi.token_for("bob"))["kid"]
    finally:
        server.stop()


def test_construction_is_lazy():
    net = Network.from_scenario("papi")
    assert net.papi._app is None and net.papi._catalogs == {}
    assert len(net.papi.nomad.nodes) == 4 and set(net.papi.users) == {
        "alice", "bob", "carol", "dave", "erin"}

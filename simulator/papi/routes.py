"""PAPI's route table: thin handlers from HTTP parameters to the model and back.

Paths are relative to the app root (``/papi`` on a network). Order matters as in FastAPI: the
first route whose path matches decides a 405's ``Allow``.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from simulator.keycloak import routes as keycloak_routes
from simulator.papi import auth
from simulator.papi.errors import BadRequest, NotImplementedInSimulator, Unauthorized
from simulator.papi.stats import user_stats
from simulator.papi.web import Call, Query, Route

if TYPE_CHECKING:
    from simulator.papi.platform import PapiPlatform

NOT_YET = ("batch", "try_me", "snapshots", "storage", "inference", "llm", "proxies")
TAGS = [Query(name, list) for name in ("tags", "tags_any", "not_tags", "not_tags_any")]


def build_routes(p: "PapiPlatform") -> list[Route]:
    def user(call: Call) -> dict:
        return auth.get_user_info(p.realm, call.token)

    # ------------------------------------------------------------------ versions
    def v1_version(call: Call) -> dict:
        return {"version": "stable", "id": "v1",
                "links": [{"rel": "self", "type": "application/json",
                           "href": f"{call.root}/v1/"}]}

    def root(call: Call) -> dict:
        base = f"{call.root}/"
        return {"versions": [v1_version(call)],
                "links": [{"rel": "help", "type": "text/html", "href": base + "docs"},
                          {"rel": "help", "type": "text/html", "href": base + "redoc"},
                          {"rel": "describedby", "type": "application/json",
                           "href": base + "openapi.json"}]}

    # ------------------------------------------------------------------ catalog
    def catalog_routes(kind: str) -> list[Route]:
        plural = f"{kind}s"
        prefix = f"/v1/catalog/{plural}"

        def names(call: Call, **_tags) -> list:
            return p.catalog(kind).names()  # the tag filters are accepted and ignored

        def detail(call: Call, **_tags) -> list:
            return p.catalog(kind).detail(call.root)

        def metadata(call: Call, item_name: str, profile) -> dict:
            meta = p.catalog(kind).metadata(item_name, call.root)
            if profile is None:
                if call.request.headers.get("Accept") != "application/json":
                    raise BadRequest("Please specify the profile to use to perform the mapping: "
                                     "['mldcatap']")
                return meta
            raise NotImplementedInSimulator(f"The {profile!r} metadata profile")

        def config(call: Call, item_name: str, vo: str) -> dict:
            return p.catalog(kind).config(item_name, vo, call.root, p.config, p.gpu_models)

        def refresh(call: Call, item_name) -> dict:
            if p.config.jenkins_token is None or call.token != p.config.jenkins_token:
                raise Unauthorized("Invalid authorization token.")
            if item_name is None:
                p.reload_catalog()
                return {"message": "Catalog refreshed successfully"}
            if item_name not in p.catalog(kind):
                raise BadRequest(f"{item_name} is not an available {kind}.")
            return {"message": "Cache refreshed successfully"}

        return [Route("GET", prefix, names, TAGS),
                Route("GET", f"{prefix}/detail", detail, TAGS),
                Route("GET", f"{prefix}/{{item_name}}/metadata", metadata, [Query("profile")]),
                Route("GET", f"{prefix}/{{item_name}}/config", config,
                      [Query("vo", required=True)]),
                Route("PUT", f"{prefix}/refresh", refresh, [Query("item_name")], bearer=True)]

    # ------------------------------------------------------------------ deployments
    def deployment_routes(kind: str) -> list[Route]:
        prefix = f"/v1/deployments/{kind}s"

        def listing(call: Call, vos, full_info: bool) -> list:
            return p.deployments.list(user(call), vos, full_info, kind)

        def one(call: Call, deployment_uuid: str, vo: str, full_info: bool) -> dict:
            return p.deployments.get(user(call), vo, deployment_uuid, full_info, kind)

        def create_module(call: Call, vo: str, body) -> dict:
            return p.deployments.create_module(user(call), vo, body)

        def create_tool(call: Call, vo: str, tool_name: str, body) -> dict:
            return p.deployments.create_tool(user(call), vo, tool_name, body)

        def delete(call: Call, deployment_uuid: str, vo: str) -> dict:
            return p.deployments.delete(user(call), vo, deployment_uuid, kind)

        create = (Route("POST", prefix, create_tool,
                        [Query("vo", required=True), Query("tool_name", required=True)],
                        bearer=True, body="optional") if kind == "tool" else
                  Route("POST", prefix, create_module, [Query("vo", required=True)],
                        bearer=True, body="optional"))
        return [Route("GET", prefix, listing,
                      [Query("vos", list), Query("full_info", bool, default=False)], bearer=True),
                Route("GET", f"{prefix}/{{deployment_uuid}}", one,
                      [Query("vo", required=True), Query("full_info", bool, default=True)],
                      bearer=True),
                create,
                Route("DELETE", f"{prefix}/{{deployment_uuid}}", delete,
                      [Query("vo", required=True)], bearer=True)]

    # ------------------------------------------------------------------ stats
    def stats_user(call: Call, vo: str) -> dict:
        info = user(call)
        auth.check_authorization(info, vo)
        return user_stats(p.config.accounting, p.config.namespace(vo), info["id"],
                          p.clock.now().date())

    def stats_cluster(call: Call, vo) -> dict:
        return p.cluster_stats.for_vo(vo)

    # ------------------------------------------------------------------ secrets
    def secrets_get(call: Call, vo: str, subpath: str) -> dict:
        info = user(call)
        auth.check_authorization(info, vo)
        return p.vault.list(info["id"], vo, subpath)

    def secrets_post(call: Call, vo: str, secret_path: str, body) -> dict:
        info = user(call)
        auth.check_authorization(info, vo)
        p.vault.put(info["id"], vo, secret_path, body)
        return {"status": "success"}

    def secrets_delete(call: Call, vo: str, secret_path: str) -> dict:
        info = user(call)
        auth.check_authorization(info, vo)
        p.vault.delete(info["id"], vo, secret_path)
        return {"status": "success"}

    # ------------------------------------------------------------------ what is not served
    def not_yet(call: Call) -> dict:
        path = call.request.path[len(p.prefix):]
        family = path.split("/")[2] if path.startswith("/v1/") else path.strip("/")
        raise NotImplementedInSimulator(f"The PAPI route family /v1/{family}"
                                        if path.startswith("/v1/") else f"/{family}")

    # ------------------------------------------------------------------ the simulated Keycloak
    def keycloak(call: Call, rest: str):
        """PAPI's realm as the network's Keycloak serves it, here under ``/oidc``."""
        return keycloak_routes.serve(lambda name: p.realm if name == p.realm_name else None,
                                     call.request, rest, f"{call.root}/oidc")

    return [
        Route("GET", "/", root),
        Route("GET", "/v1/", v1_version),
        *catalog_routes("module"), *catalog_routes("tool"),
        *deployment_routes("module"), *deployment_routes("tool"),
        Route("GET", "/v1/deployments/stats/user", stats_user, [Query("vo", required=True)],
              bearer=True),
        Route("GET", "/v1/deployments/stats/cluster", stats_cluster, [Query("vo")]),
        Route("GET", "/v1/secrets", secrets_get,
              [Query("vo", required=True), Query("subpath", default="")], bearer=True),
        Route("POST", "/v1/secrets", secrets_post,
              [Query("vo", required=True), Query("secret_path", required=True)], bearer=True,
              body="required"),
        Route("DELETE", "/v1/secrets", secrets_delete,
              [Query("vo", required=True), Query("secret_path", required=True)], bearer=True),
        Route("*", rf"^/v1/({'|'.join(NOT_YET)})(/.*)?$", not_yet),
        Route("*", r"^/(docs|redoc|openapi\.json)$", not_yet),
        Route("*", r"^/oidc(?P<rest>/realms/.*)$", keycloak),
    ]

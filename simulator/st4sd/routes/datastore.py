"""The datastore services: mongo-proxy (/ds-mongodb-proxy), gateway registry (/ds-registry) and
the cluster gateway (/ds-gateway)."""
from __future__ import annotations

import os
from urllib.parse import unquote

from simulator.core.http import Response
from simulator.st4sd.datastore import partition_uri, with_properties, zip_directory, zip_files
from simulator.st4sd.errors import InternalError, NotImplementedInSimulator
from simulator.st4sd.routes import Ctx, RouteTable

mongo = RouteTable("ds-mongodb-proxy")
registry = RouteTable("ds-registry")
gateway = RouteTable("ds-gateway")


def _hello(ctx: Ctx):
    return "hello", 200


for table in (mongo, registry, gateway):
    table.route("/hello/", "GET")(_hello)


# ------------------------------------------------------------------ mongo-proxy
@mongo.route("/documents/api/v1.0/query", "POST")
def query(ctx: Ctx):
    data = ctx.json(force=True)
    if not isinstance(data, dict):
        raise InternalError()  # MongoDB refuses a filter that is not a document
    docs = ctx.platform.datastore.query(data)
    names = ctx.arg("includeProperties")
    if names is not None:
        nan = (ctx.arg("stringifyNaN") or "false").lower() in ("true", "1", "yes", "y")
        docs = [with_properties(d, (names or "*").lower(), nan) for d in docs]
    return {"document-descriptors": docs}, 200


@mongo.route("/documents/api/v1.0/upsert", "POST")
def upsert(ctx: Ctx):
    data = ctx.json(force=True)
    try:
        documents = list(data["documents"])
    except (KeyError, TypeError):
        raise InternalError()
    ctx.platform.datastore.upsert(documents)
    return "OK", 200


@mongo.route("/documents/api/v1.0/may-insert", "POST")
def may_insert(ctx: Ctx):
    data = ctx.json(force=True)
    try:
        updated = ctx.platform.datastore.may_insert(data["doc"], data["query"], data["update"])
    except (KeyError, TypeError):
        raise InternalError()
    return {"updated": updated}, 200


# ------------------------------------------------------------------ gateway registry
def _gateway_entry(ctx: Ctx, unique_id: str):
    entry = ctx.platform.datastore.gateway(unique_id)
    if entry is not None and entry.get("host") is None:  # the built-in gateway: the caller's origin
        entry["host"] = ctx.url("ds-gateway")
    return entry


@registry.route("/gateway/api/v1.0/unique_id/<string:unique_id>", "GET")
def gateway_get(ctx: Ctx, unique_id: str):
    entry = _gateway_entry(ctx, unique_id)
    if entry is None:
        raise InternalError()  # GatewayRegistry.get() of an unknown id raises
    return entry, 200


@registry.route("/gateway/api/v1.0/unique_id/<string:unique_id>/host/<path:host>"
                "/label/<string:label>", "POST")
def gateway_put(ctx: Ctx, unique_id: str, host: str, label: str):
    ctx.platform.datastore.register_gateway(unique_id, unquote(host), label)
    return "", 200


@registry.route("/gateways/api/v1.0/unique_ids", "POST")
def gateways(ctx: Ctx):
    ids = ctx.json(force=True)
    if not isinstance(ids, list):
        raise InternalError()
    out = {}
    for uid in ids:
        entry = _gateway_entry(ctx, uid) if isinstance(uid, str) else None
        if entry is not None:
            out[uid] = entry
    return out, 200


# ------------------------------------------------------------------ cluster gateway
@gateway.route("/files/api/v1.1", "POST")
def files_zip(ctx: Ctx):
    data = ctx.json(force=True)
    if not isinstance(data, dict):
        raise InternalError()
    body = zip_files(ctx.platform.datastore.bundle(data))
    return Response(200, body, [("Content-Type", "application/zip"),
                                ("Content-Disposition", "attachment; filename=files.zip")])


@gateway.route("/files/api/v1.0", "POST")
def files_json(ctx: Ctx):
    data = ctx.json(force=True)
    if not isinstance(data, dict):
        raise InternalError()
    out = {}
    for path, real in ctx.platform.datastore.bundle(data).items():
        with open(real, "rb") as f:
            out[path] = f.read().decode("utf-8", "replace")
    return out, 200


@gateway.route("/experiment/api/v1.0/location/<path:location>", "GET")
def location_get(ctx: Ctx, location: str):
    location = unquote(location)
    if not location.startswith("file://"):
        raise InternalError()
    return ctx.platform.datastore.has_instance(partition_uri(location)[1]), 200


@gateway.route("/experiment/api/v1.0/location/<path:location>", "POST")
def location_post(ctx: Ctx, location: str):
    location = unquote(location)
    if not location.startswith("file://"):
        raise InternalError()
    path = partition_uri(location)[1]
    if not os.path.isdir(path) or not ctx.platform.runtime_owns(path):
        return {"error": f"{location} is not an experiment instance of this gateway",
                "result": False}, 200
    from pathlib import Path
    ctx.platform.datastore.register_instance(Path(path))
    return {"result": True, "error": None}, 200


def _component_dir(ctx: Ctx):
    experiment = unquote(ctx.arg("experiment") or "")
    if not experiment.startswith("/"):
        experiment = "/" + experiment
    if not ctx.platform.datastore.has_instance(experiment):
        return None
    location = os.path.join(experiment, "stages", f"stage{ctx.arg('stage')}",
                            unquote(ctx.arg("component") or ""))
    # the gateway serves its instances' folders only: an absolute component, "..", or a link
    # leading out of the instance is a folder the gateway does not have (its not-found answer)
    inside = os.path.realpath(experiment)
    if os.path.commonpath([inside, os.path.realpath(location)]) != inside:
        return ""  # os.path.isdir("") is False
    return location


@gateway.route("/experiment/", "GET")
def component_exists(ctx: Ctx):
    location = _component_dir(ctx)
    if location is None:
        return False, 200
    # the real resource returns str(bool), which flask-restx JSON-encodes: "True" / "False"
    return str(os.path.isdir(location)), 200


@gateway.route("/experiment/download", "GET")
def component_download(ctx: Ctx):
    location = _component_dir(ctx)
    if location is None:
        return False, 200
    if not os.path.isdir(location):
        return "", 200
    return Response(200, zip_directory(location), [
        ("Content-Type", "application/zip"),
        ("Content-Disposition", "attachment; filename=files.zip")])


@gateway.route("/file/api/v1.0/<path:experiment>/location/<path:location>", "GET")
def single_file(ctx: Ctx, experiment: str, location: str):
    raise NotImplementedInSimulator("GET /ds-gateway/file/api/v1.0/<experiment>/location/<path>")


TABLES = [mongo, registry, gateway]

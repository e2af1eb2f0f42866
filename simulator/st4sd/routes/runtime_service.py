"""The runtime service (/rs): url-map, experiments registry, start, instances."""
from __future__ import annotations

import os
from typing import Any

import pydantic

from simulator.core.http import HttpError, Response
from simulator.st4sd import models
from simulator.st4sd.auth import COOKIE
from simulator.st4sd.datastore import property_table, zip_directory
from simulator.st4sd.identifiers import PackageIdentifier
from simulator.st4sd.errors import (ApiError, BadRequest, InternalError, InvalidInputsError,
                                    NotFound, NotImplementedInSimulator, PackageNotFoundError,
                                    ST4SDError, Unauthorized)
from simulator.st4sd.parameterisation import PayloadConversionError, plan_start
from simulator.st4sd.registry import format_package, start_skeleton
from simulator.st4sd.routes import Ctx, RouteTable, text

rs = RouteTable("rs")
SWAGGER_PAGE = ("<!DOCTYPE html><html><head><title>Consumable Computing REST API</title></head>"
                "<body><h1>ST4SD Runtime Service</h1><p>Simulated by research-compute-simulator: "
                "see COVERAGE.md for the routes it serves.</p></body></html>")


@rs.route("/", "GET")
def index(ctx: Ctx):
    """The real service answers its Swagger UI here; the client only needs a 200."""
    return text(SWAGGER_PAGE)


# ------------------------------------------------------------------ url map, authorisation
def _url_map(ctx: Ctx) -> dict[str, str]:
    return {"consumable-computing": ctx.url("rs"), "cdb-rest": ctx.url("ds-mongodb-proxy"),
            "cdb-gateway-registry": ctx.url("ds-registry")}


@rs.route("/url-map/", "GET")
def url_map(ctx: Ctx):
    return _url_map(ctx), 200


@rs.route("/url-map/<service>", "GET")
def url_map_one(ctx: Ctx, service: str):
    urls = _url_map(ctx)
    if service not in urls:
        raise NotFound(f"Unknown service {service}", unknownService=service)
    return urls[service], 200


@rs.route("/authorisation/token", "GET")
def token(ctx: Ctx):
    from werkzeug.http import parse_cookie

    value = parse_cookie(ctx.request.headers.get("Cookie", "")).get(COOKIE)
    if value is None:
        raise Unauthorized("There is no oauth-proxy cookie in the request")
    return value, 200


# ------------------------------------------------------------------ experiments
def _format_options(ctx: Ctx) -> dict[str, Any]:
    return {"hide_none": (ctx.arg("hideNone") or "y") == "y",
            "hide_beta": (ctx.arg("hideBeta") or "y") == "y",
            "hide_registry": (ctx.arg("hideMetadataRegistry") or "n") == "y",
            "output_format": ctx.arg("outputFormat") or "json"}


@rs.route("/experiments/", "GET")
def experiments_list(ctx: Ctx):
    options = _format_options(ctx)
    entries = [format_package(d, **options) for d in ctx.platform.registry.list()]
    return {"entries": entries, "problems": []}, 200


@rs.route("/experiments/", "POST")
def experiments_push(ctx: Ctx):
    body = ctx.json()
    try:
        doc = ctx.platform.registry.push(body)
    except pydantic.ValidationError as exc:
        raise BadRequest("Invalid parameterised package", invalidVirtualExperimentDefinition=str(exc))
    except ApiError as exc:
        raise BadRequest(f"Invalid payload, reason: {exc}", problem=str(exc))
    except ST4SDError:
        raise
    except Exception:
        raise InternalError("Internal error pushing new parameterised package")
    return {"result": doc}, 200


@rs.route("/experiments/<identifier>", "GET")
@rs.route("/experiments/<identifier>/", "GET")
def experiment_get(ctx: Ctx, identifier: str):
    try:
        doc = ctx.platform.registry.get(identifier)
    except PackageNotFoundError as exc:
        raise NotFound(exc.message, packageNotFound=identifier)
    except ValueError:
        raise InternalError(f"Run into internal error while querying for {identifier}")
    return {"entry": format_package(doc, **_format_options(ctx)), "problems": []}, 200


@rs.route("/experiments/<identifier>", "DELETE")
@rs.route("/experiments/<identifier>/", "DELETE")
def experiment_delete(ctx: Ctx, identifier: str):
    try:
        deleted = ctx.platform.registry.delete(identifier)
    except ValueError:
        raise InternalError("Could not delete experiment due to internal error")
    if deleted > 0:
        return {"deleted": deleted}, 200
    raise NotFound(f"Experiment {identifier} is unknown", unknownExperiment=identifier)


@rs.route("/experiments/<identifier>/tag", "PUT")
def experiment_tag(ctx: Ctx, identifier: str):
    tags = ctx.arg("newTags")
    if tags is None:
        raise BadRequest("Input payload validation failed", errors={
            "newTags": "Comma separated tags to replace those associated with the $identifier. "
                       "Missing required parameter in the query string or the post body"})
    ctx.platform.registry.retag(identifier, tags.split(","))
    return "OK", 200


def _one_package(ctx: Ctx, identifier: str) -> dict:
    identifier = PackageIdentifier(identifier).identifier
    docs = ctx.platform.registry.query_identifier(identifier)
    if not docs:
        raise NotFound(f"No parameterised package {identifier}", unknownExperiment=identifier)
    if len(docs) > 1:
        raise BadRequest(f"Found too many parameterised packages {len(docs)} for your query "
                         f"{identifier}")
    return docs[0]


@rs.route("/experiments/<identifier>/start", "POST")
def experiment_start(ctx: Ctx, identifier: str):
    try:
        doc = _one_package(ctx, identifier)
        ve = models.ParameterisedPackage.model_validate(doc)
        body = ctx.json()
        try:
            plan = plan_start(ve, body, ctx.platform.runtime.settings.default_arguments)
        except pydantic.ValidationError as exc:
            raise BadRequest("Invalid start payload", invalidStartPayload=str(exc))
        except PayloadConversionError as exc:
            raise BadRequest(f"Invalid payload: {exc}", reason=str(exc))
        except (ApiError, ST4SDError, HttpError):
            raise
        except Exception as exc:  # NamedPackage's "anonymous" errors (ValueError and friends)
            raise BadRequest(f"{exc} - experiment start payload is invalid", reason=str(exc))
        definition = ctx.platform.registry.definition_for(doc)
        name, digest = ve.metadata.package.name, ve.metadata.registry.digest
        instance = ctx.platform.runtime.start(plan, definition, doc)
        ctx.platform.registry.record_execution(name, digest)
        return instance.rest_uid, 200
    except InvalidInputsError as exc:
        extra = {}
        if exc.missing_inputs:
            extra["missingInputs"] = exc.missing_inputs
        if exc.extra_inputs:
            extra["extraInputs"] = exc.extra_inputs
        raise BadRequest(str(exc), **extra)
    except ApiError as exc:
        raise BadRequest(f"Invalid request. {exc}")
    except (ST4SDError, HttpError):
        raise
    except Exception as exc:
        raise InternalError(f"Exception when creating instance {identifier} - {exc}")


@rs.route("/experiments/<identifier>/start/payload/", "GET")
def experiment_skeleton(ctx: Ctx, identifier: str):
    try:
        doc = _one_package(ctx, identifier)
        return start_skeleton(models.ParameterisedPackage.model_validate(doc)), 200
    except ST4SDError:
        raise
    except Exception as exc:
        raise InternalError(f"Internal error while generating the skeleton payload of "
                            f"{identifier} - {exc}")


def _not_implemented(what: str):
    def handler(ctx: Ctx, **params):
        raise NotImplementedInSimulator(what)

    return handler


for _path, _methods, _what in [
    ("/experiments/lambda/start", ("POST",), "POST /rs/experiments/lambda/start (lambda experiments)"),
    ("/experiments/<identifier>/dsl", ("GET",), "GET /rs/experiments/<identifier>/dsl"),
    ("/experiments/<identifier>/dsl/", ("GET",), "GET /rs/experiments/<identifier>/dsl"),
    ("/experiments/<identifier>/package-inheritance", ("GET",),
     "GET /rs/experiments/<identifier>/package-inheritance"),
    ("/experiments/<identifier>/package-inheritance/", ("GET",),
     "GET /rs/experiments/<identifier>/package-inheritance"),
    ("/experiments/<package_name>/history", ("GET",), "GET /rs/experiments/<name>/history"),
    ("/experiments/<package_name>/history/", ("GET",), "GET /rs/experiments/<name>/history"),
    ("/datasets/", ("GET",), "GET /rs/datasets/"),
    ("/datasets/s3/<name>", ("POST",), "POST /rs/datasets/s3/<name>"),
    ("/image-pull-secrets/", ("GET",), "GET /rs/image-pull-secrets/"),
    ("/image-pull-secrets/<name>", ("GET", "POST", "PUT"), "/rs/image-pull-secrets/<name>"),
    ("/internal-experiments/", ("POST",), "POST /rs/internal-experiments/"),
    ("/relationships/", ("GET", "POST"), "/rs/relationships/"),
    ("/relationships/<path:rest>", ("GET", "POST", "DELETE"), "/rs/relationships/..."),
    ("/library/", ("GET", "POST"), "/rs/library/"),
    ("/library/<path:rest>", ("GET", "DELETE"), "/rs/library/<name>/"),
    ("/query/experiments/", ("POST",), "POST /rs/query/experiments/"),
    ("/query/relationships/", ("POST",), "POST /rs/query/relationships/"),
    ("/utilities/dsl/", ("POST",), "POST /rs/utilities/dsl/"),
    ("/utilities/pvep/", ("POST",), "POST /rs/utilities/pvep/"),
]:
    rs.route(_path, *_methods)(_not_implemented(_what))


# ------------------------------------------------------------------ instances
def _instance_body(ctx: Ctx, inst) -> dict:
    platform = ctx.platform
    experiment = platform.registry.find_by_digest(inst.labels["st4sd-package-name"],
                                                  inst.labels["st4sd-package-digest"]) or {}
    return {"id": inst.rest_uid, "name": inst.rest_uid, "status": inst.status(),
            "outputs": inst.outputs(), "k8s-labels": dict(inst.labels),
            "experiment": experiment}


def _properties(inst, names: str, stringify_nan: bool) -> dict:
    return property_table(inst.directory / "output" / "properties.csv", names, stringify_nan)


def _boolean(value: str | None) -> bool:
    return (value or "false").lower() in ("true", "1", "yes", "y", "on")


@rs.route("/instances/", "GET")
def instances_list(ctx: Ctx):
    return [_instance_body(ctx, i) for i in ctx.platform.runtime.list()], 200


@rs.route("/instances/<id>", "GET")
@rs.route("/instances/<id>/", "GET")
def instance_get(ctx: Ctx, id: str):
    try:
        inst = ctx.platform.runtime.get(id)
        if inst is None:
            raise NotFound(f"Instance {id} is not found", unknownRestUID=id)
        body = _instance_body(ctx, inst)
        names = ctx.arg("includeProperties")
        if names is not None:
            names = (names or "*").lower()
            if body["status"]["meta"] is None:
                raise RuntimeError("no meta yet")
            try:
                properties = _properties(inst, names, _boolean(ctx.arg("stringifyNaN")))
            except FileNotFoundError:
                if (body["status"].get("experiment-state") or "").lower() in ("finished", "failed"):
                    raise NotFound(f"Instance {id} has no properties",
                                   unknownProperties=names.split(","))
                raise BadRequest(f"Instance {id} has no properties but has not completed yet, try "
                                 "again later", propertiesNotAvailableYet=True)
            registry = body["experiment"].setdefault("metadata", {}).setdefault("registry", {})
            registry.setdefault("interface", {})["propertyTable"] = properties
        return body, 200
    except ST4SDError:
        raise
    except Exception:
        raise InternalError(f"Run into an error while returning instances/{id}")


@rs.route("/instances/<id>", "DELETE")
@rs.route("/instances/<id>/", "DELETE")
def instance_delete(ctx: Ctx, id: str):
    if not ctx.platform.runtime.delete(id):
        # flask-restx api.abort(400) with no message
        raise BadRequest("The browser (or proxy) sent a request that this server could not "
                         "understand.")
    return "OK", 200


@rs.route("/instances/<id>/status", "GET")
@rs.route("/instances/<id>/status/", "GET")
def instance_status(ctx: Ctx, id: str):
    inst = ctx.platform.runtime.get(id)
    if inst is None:
        raise NotFound(f"Workflow instance {id} not found")
    return inst.status(), 200


@rs.route("/instances/<id>/outputs", "GET")
@rs.route("/instances/<id>/outputs/", "GET")
def instance_outputs(ctx: Ctx, id: str):
    inst = ctx.platform.runtime.get(id)
    if inst is None:
        raise NotFound(f"Workflow instance {id} not found")
    return inst.outputs(), 200


@rs.route("/instances/<id>/properties", "GET")
@rs.route("/instances/<id>/properties/", "GET")
def instance_properties(ctx: Ctx, id: str):
    inst = ctx.platform.runtime.get(id)
    if inst is None:
        raise NotFound(f"Instance {id} not found")
    names = (ctx.arg("includeProperties") or "*").lower()
    try:
        return _properties(inst, names, _boolean(ctx.arg("stringifyNaN"))), 200
    except FileNotFoundError:
        if (inst.status().get("experiment-state") or "").lower() in ("finished", "failed"):
            raise NotFound(f"Instance {id} has no properties", unknownProperties=names.split(","))
        raise BadRequest(f"Instance {id} has no properties but has not completed yet, try again "
                         "later", propertiesNotAvailableYet=True)
    except Exception:
        raise InternalError(f"Run into an error while extracting the properties of {id}")


@rs.route("/instances/<id>/outputs/<path:key>", "GET")
def instance_output(ctx: Ctx, id: str, key: str):
    try:
        inst = ctx.platform.runtime.get(id)
        if inst is None:
            raise NotFound(f"unknown workflow instance {id}", unknownInstanceId=id)
        key = key.rstrip("/")
        key, _, key_path = key.partition("/")
        outputs = inst.outputs()
        if key not in outputs:
            raise NotFound(f"Workflow instance {id} has not produced key-output {key} yet",
                           unknownOutput=key)
        output = outputs[key]
        output_path = os.path.realpath(inst.directory / output["filepath"].rstrip("/"))
        path = output_path
        if key_path:
            if not os.path.isdir(output_path):
                raise BadRequest(f"Key-output {output} of workflow instance {id} is not a folder "
                                 f"and cannot be used to retrieve child path {key_path}",
                                 isFolder=False)
            path = os.path.realpath(os.path.join(output_path, key_path))
            if not (path == output_path or path.startswith(output_path + os.sep)):
                raise BadRequest(f"Key-output {output} of workflow instance {id} is a folder, but "
                                 f"child path {key_path} does notbelong to file tree of key-output",
                                 fileInFolder=False)
        filename = os.path.basename(path)
        if os.path.isfile(path):
            mimetype = "application/.zip" if path.lower().endswith(".zip") else \
                "application/octet-stream"
            with open(path, "rb") as f:
                body = f.read()
            return Response(200, body, [("Content-Type", mimetype),
                                        ("Content-Disposition", f'attachment; filename="{filename}"')])
        if os.path.isdir(path):
            return Response(200, zip_directory(path), [
                ("Content-Type", "application/zip"),
                ("Content-Disposition", f'attachment; filename="{filename}.zip"')])
        raise NotFound(f"Output {key} of workflow instance {id} references non-existing file {path}",
                       missingPath=path)
    except ST4SDError:
        raise
    except Exception:
        raise InternalError(f"Exception when getting output {key} for workflow instance {id}")


TABLES = [rs]

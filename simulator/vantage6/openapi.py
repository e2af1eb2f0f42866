"""The OpenAPI 3 document of the simulated vantage6 4.15.2 API.

Generated from what the server itself is made of: the route tables (paths, methods, path
parameters, who may call), the marshmallow request schemas (``schemas.py``), and a hand-written
``Doc`` each route declares beside its handler (query parameters, response shapes, status codes)
read from the real server's resources. ``tools/gen_openapi.py`` writes it to ``data/openapi.json``, which the package ships
and ``GET /api/openapi.json`` serves; a test checks that the file is current.
"""
from __future__ import annotations

import re
from typing import Any

from simulator.vantage6.api_doc import BOOL, ID, NDT, NSTR, STR, Doc, body_schema, obj, ref

# ---------------------------------------------------------------------------------- responses
_LINK = {"type": "object", "nullable": True, "required": ["id", "link", "methods"],
         "properties": {"id": {"type": "integer"}, "link": STR,
                        "methods": {"type": "array", "items": STR}}}
_ENTITIES: dict[str, dict] = {
    "Organization": {
        "collaborations": STR, "nodes": STR, "users": STR, "tasks": STR, "runs": STR,
        "studies": STR, "public_key": STR, "id": {"type": "integer"}, "name": STR,
        "domain": NSTR, "address1": NSTR, "address2": NSTR, "zipcode": NSTR,
        "country": NSTR},
    "Collaboration": {
        "organizations": {"oneOf": [STR, {"type": "array", "items": ref("Organization")}]},
        "nodes": STR, "tasks": STR, "algorithm_stores": STR, "studies": STR,
        "id": {"type": "integer"}, "name": STR, "encrypted": BOOL},
    "Study": {
        "collaboration": ref("Link"),
        "organizations": {"oneOf": [STR, {"type": "array", "items": ref("Organization")}]},
        "tasks": STR, "id": {"type": "integer"}, "name": STR},
    "Node": {
        "organization": ref("Link"), "collaboration": ref("Link"),
        "config": {"type": "array", "items": {"type": "object"}}, "id": {"type": "integer"},
        "type": {"type": "string", "enum": ["node"]}, "ip": NSTR, "last_seen": NDT,
        "status": NSTR, "name": STR},
    "User": {
        "roles": STR, "rules": STR, "organization": ref("Link"), "id": {"type": "integer"},
        "type": {"type": "string", "enum": ["user"]}, "ip": NSTR, "last_seen": NDT,
        "status": NSTR, "username": STR, "firstname": NSTR, "lastname": NSTR,
        "email": STR, "otp_secret": NSTR, "last_email_failed_login_sent": NDT,
        "last_email_recover_password_sent": NDT},
    "Role": {
        "rules": STR, "users": STR, "organization": ref("Link"), "id": {"type": "integer"},
        "name": STR, "description": NSTR, "is_default_role": BOOL},
    "Rule": {
        "scope": {"type": "string", "enum": ["OWN", "ORGANIZATION", "COLLABORATION", "GLOBAL"]},
        "operation": {"type": "string",
                      "enum": ["VIEW", "EDIT", "CREATE", "DELETE", "SEND", "RECEIVE"]},
        "users": STR, "id": {"type": "integer"}, "name": STR, "description": NSTR},
    "Task": {
        "status": STR, "finished_at": NDT, "collaboration": ref("Link"),
        "runs": {"oneOf": [STR, {"type": "array", "items": ref("Run")}]},
        "results": {"oneOf": [STR, {"type": "array", "items": ref("Result")}]},
        "parent": ref("Link"), "children": STR, "init_org": ref("Link"),
        "init_user": ref("Link"),
        "databases": {"type": "array", "items": {
            "type": "object", "required": ["label", "parameters"],
            "properties": {"label": STR, "parameters": NSTR}}},
        "study": ref("Link"), "algorithm_store": ref("Link"), "id": {"type": "integer"},
        "name": NSTR, "description": NSTR, "image": STR, "job_id": {"type": "integer"},
        "created_at": NDT},
    "Run": {
        "organization": ref("Link"),
        "task": {"oneOf": [ref("Link"), ref("TaskInRun")]},
        "results": ref("Link"), "node": {"type": "object"},
        "ports": {"type": "array", "items": {"type": "object"}}, "id": {"type": "integer"},
        "input": NSTR, "assigned_at": NDT, "started_at": NDT, "finished_at": NDT,
        "status": STR, "log": NSTR, "cleanup_at": NDT,
        "blob_storage_used": {"type": "boolean", "nullable": True}},
    "Result": {
        "run": ref("Link"), "task": ref("Link"), "id": {"type": "integer"},
        "result": NSTR, "cleanup_at": NDT,
        "blob_storage_used": {"type": "boolean", "nullable": True}},
}


def _component_schemas() -> dict:
    out: dict[str, Any] = {"Link": _LINK}
    for name, props in _ENTITIES.items():
        out[name] = obj(props)
    task_in_run = {k: v for k, v in _ENTITIES["Task"].items() if k != "runs"}
    out["TaskInRun"] = obj(task_in_run)
    out["UserWithPermissions"] = {"allOf": [ref("User"), obj({"permissions": obj({
        "roles": {"type": "array", "items": {"type": "integer"}},
        "rules": {"type": "array", "items": {"type": "integer"}},
        "orgs_in_collabs": {"type": "array", "items": {"type": "integer"}}})})]}
    out["Links"] = {"type": "object", "properties": {
        k: STR for k in ("first", "previous", "self", "next", "last")},
        "additionalProperties": False}
    for name in _ENTITIES:
        out[f"{name}Page"] = obj({"data": {"type": "array", "items": ref(name)},
                                      "links": ref("Links")})
    # the real error bodies: {"msg": ...} from the resources (a dict of field errors inside
    # /role's handle_exceptions), {"message": ...} from Flask (405, 415, malformed JSON)
    out["Error"] = {"type": "object", "properties": {
        "msg": {"oneOf": [STR, {"type": "object"}]}, "errors": {"type": "object"},
        "message": STR}, "minProperties": 1}
    out["Tokens"] = obj({"access_token": STR, "refresh_token": STR, "refresh_url": STR},
                            ["access_token", "refresh_token", "refresh_url"])
    return out


# error statuses every authenticated endpoint can give (401 denial or token problems, 422
# malformed token, 500 wrong client type / the real server's quirks); plus what bodies give
_AUTH_ERRORS = ["401", "422", "500"]
_BODY_ERRORS = ["400", "415"]


def _openapi_path(path: str) -> tuple[str, list[dict]]:
    params = []
    for conv, name in re.findall(r"<(\w+):(\w+)>", path):
        params.append({"name": name, "in": "path", "required": True,
                       "schema": dict(ID) if conv == "int" else {"type": "string"}})
    return re.sub(r"<\w+:(\w+)>", r"{\1}", path), params


def _security(who) -> list:
    if who is None:
        return []
    return [{"bearer": []}]


def build_document(api_path: str = "/api") -> dict:
    """The whole document, from the route tables and the ``Doc`` of each route."""
    from simulator.vantage6.resources import ROUTE_TABLES
    from simulator.vantage6.server import VERSION

    paths: dict[str, dict] = {}
    for table in ROUTE_TABLES:
        for ep in table.endpoints:
            path, path_params = _openapi_path(ep.path)
            not_served = not ep.served
            spec = ep.doc or Doc()
            who = ep.who if isinstance(ep.who, (tuple, type(None))) else (ep.who,)
            op: dict[str, Any] = {
                "operationId": f"{ep.method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', path)}",
                "summary": spec.summary or f"{ep.method} {path}",
                "description": (spec.description + (
                    f" Callers: {', '.join(who)}." if who else " No token needed.")).strip(),
                "security": _security(ep.who),
                "parameters": path_params + list(spec.query),
                "responses": {},
            }
            if not_served:
                op["description"] = ("Not implemented in the simulator: answers 501 (see "
                                     "COVERAGE.md). " + op["description"])
            body = spec.body
            if body is not None:
                js = (body_schema(body, spec.partial, **spec.body_overrides)
                      if isinstance(body, type) else body)
                op["requestBody"] = {"required": True,
                                     "content": {"application/json": {"schema": js}}}
            responses = op["responses"]
            if not_served:
                responses["501"] = _error("not implemented in the simulator")
            else:
                ok = str(spec.ok)
                content = {"application/json": {"schema": spec.schema or {"type": "object"}}}
                responses[ok] = {"description": "success", "content": content}
            # 404: the record in the path, or one a body or filter names, does not exist
            errors = ["404"] if path_params or ep.method != "GET" or spec.query else []
            if ep.who is not None or ep.path.startswith("/token/"):
                errors += _AUTH_ERRORS
            if body is not None:
                errors += _BODY_ERRORS + ["400"]
            if ep.method in ("POST", "PATCH", "DELETE") or spec.query:
                errors += ["400", "500"]  # validation; the real server's 500s on odd input
            for code in sorted(set(errors)):
                responses.setdefault(code, _error(_REASONS[code]))
            paths.setdefault(path, {})[ep.method.lower()] = op
    return {
        "openapi": "3.0.3",
        "info": {"title": "vantage6 server API (simulated)", "version": VERSION,
                 "description": "The REST API of the vantage6 4.15.2 server as the simulator "
                                "serves it. Denials are 401 (not 403), as on the real server; "
                                "errors are JSON {\"msg\": ...}. Generated by "
                                "simulator/vantage6/openapi.py."},
        "servers": [{"url": api_path}],
        "paths": dict(sorted(paths.items())),
        "components": {"schemas": _component_schemas(),
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "bearerFormat": "JWT"}}},
    }


_REASONS = {"400": "bad request (validation, unknown keys, malformed JSON)",
            "401": "no or bad token, or permission denied (the real server uses 401)",
            "404": "not found", "415": "body is not application/json",
            "422": "malformed token or wrong token type",
            "500": "the real server's generic error: a client type the endpoint is not for, "
                   "or input the real 4.15.2 fails on (reproduced)",
            "501": "not implemented in the simulator"}


def _error(description: str) -> dict:
    return {"description": description,
            "content": {"application/json": {"schema": ref("Error")}}}

"""The OpenAPI 3 document of the simulated vantage6 4.15.2 API.

Generated from what the server itself is made of: the route tables (paths, methods, path
parameters, who may call), the marshmallow request schemas (``schemas.py``), and a hand-written
part below (query parameters, response shapes, status codes) read from the real server's
resources. ``tools/gen_openapi.py`` writes it to ``data/openapi.json``, which the package ships
and ``GET /api/openapi.json`` serves; a test checks that the file is current.
"""
from __future__ import annotations

import re
from typing import Any, Optional

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

from simulator.vantage6 import schemas as request_schemas

INT32 = 2147483647  # ids are SQL integers
_ID = {"type": "integer", "minimum": 1, "maximum": INT32}
_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_NDT = {"type": "string", "nullable": True, "description": "naive ISO-8601 UTC datetime"}
_BOOL = {"type": "boolean"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


# ---------------------------------------------------------------------------------- responses
_LINK = {"type": "object", "nullable": True, "required": ["id", "link", "methods"],
         "properties": {"id": {"type": "integer"}, "link": _STR,
                        "methods": {"type": "array", "items": _STR}}}
_ENTITIES: dict[str, dict] = {
    "Organization": {
        "collaborations": _STR, "nodes": _STR, "users": _STR, "tasks": _STR, "runs": _STR,
        "studies": _STR, "public_key": _STR, "id": {"type": "integer"}, "name": _STR,
        "domain": _NSTR, "address1": _NSTR, "address2": _NSTR, "zipcode": _NSTR,
        "country": _NSTR},
    "Collaboration": {
        "organizations": {"oneOf": [_STR, {"type": "array", "items": _ref("Organization")}]},
        "nodes": _STR, "tasks": _STR, "algorithm_stores": _STR, "studies": _STR,
        "id": {"type": "integer"}, "name": _STR, "encrypted": _BOOL},
    "Study": {
        "collaboration": _ref("Link"),
        "organizations": {"oneOf": [_STR, {"type": "array", "items": _ref("Organization")}]},
        "tasks": _STR, "id": {"type": "integer"}, "name": _STR},
    "Node": {
        "organization": _ref("Link"), "collaboration": _ref("Link"),
        "config": {"type": "array", "items": {"type": "object"}}, "id": {"type": "integer"},
        "type": {"type": "string", "enum": ["node"]}, "ip": _NSTR, "last_seen": _NDT,
        "status": _NSTR, "name": _STR},
    "User": {
        "roles": _STR, "rules": _STR, "organization": _ref("Link"), "id": {"type": "integer"},
        "type": {"type": "string", "enum": ["user"]}, "ip": _NSTR, "last_seen": _NDT,
        "status": _NSTR, "username": _STR, "firstname": _NSTR, "lastname": _NSTR,
        "email": _STR, "otp_secret": _NSTR, "last_email_failed_login_sent": _NDT,
        "last_email_recover_password_sent": _NDT},
    "Role": {
        "rules": _STR, "users": _STR, "organization": _ref("Link"), "id": {"type": "integer"},
        "name": _STR, "description": _NSTR, "is_default_role": _BOOL},
    "Rule": {
        "scope": {"type": "string", "enum": ["OWN", "ORGANIZATION", "COLLABORATION", "GLOBAL"]},
        "operation": {"type": "string",
                      "enum": ["VIEW", "EDIT", "CREATE", "DELETE", "SEND", "RECEIVE"]},
        "users": _STR, "id": {"type": "integer"}, "name": _STR, "description": _NSTR},
    "Task": {
        "status": _STR, "finished_at": _NDT, "collaboration": _ref("Link"),
        "runs": {"oneOf": [_STR, {"type": "array", "items": _ref("Run")}]},
        "results": {"oneOf": [_STR, {"type": "array", "items": _ref("Result")}]},
        "parent": _ref("Link"), "children": _STR, "init_org": _ref("Link"),
        "init_user": _ref("Link"),
        "databases": {"type": "array", "items": {
            "type": "object", "required": ["label", "parameters"],
            "properties": {"label": _STR, "parameters": _NSTR}}},
        "study": _ref("Link"), "algorithm_store": _ref("Link"), "id": {"type": "integer"},
        "name": _NSTR, "description": _NSTR, "image": _STR, "job_id": {"type": "integer"},
        "created_at": _NDT},
    "Run": {
        "organization": _ref("Link"),
        "task": {"oneOf": [_ref("Link"), _ref("TaskInRun")]},
        "results": _ref("Link"), "node": {"type": "object"},
        "ports": {"type": "array", "items": {"type": "object"}}, "id": {"type": "integer"},
        "input": _NSTR, "assigned_at": _NDT, "started_at": _NDT, "finished_at": _NDT,
        "status": _STR, "log": _NSTR, "cleanup_at": _NDT,
        "blob_storage_used": {"type": "boolean", "nullable": True}},
    "Result": {
        "run": _ref("Link"), "task": _ref("Link"), "id": {"type": "integer"},
        "result": _NSTR, "cleanup_at": _NDT,
        "blob_storage_used": {"type": "boolean", "nullable": True}},
}


def _object(properties: dict, required: Optional[list] = None) -> dict:
    return {"type": "object", "required": list(required if required is not None else properties),
            "properties": properties}


def _component_schemas() -> dict:
    out: dict[str, Any] = {"Link": _LINK}
    for name, props in _ENTITIES.items():
        out[name] = _object(props)
    task_in_run = {k: v for k, v in _ENTITIES["Task"].items() if k != "runs"}
    out["TaskInRun"] = _object(task_in_run)
    out["UserWithPermissions"] = {"allOf": [_ref("User"), _object({"permissions": _object({
        "roles": {"type": "array", "items": {"type": "integer"}},
        "rules": {"type": "array", "items": {"type": "integer"}},
        "orgs_in_collabs": {"type": "array", "items": {"type": "integer"}}})})]}
    out["Links"] = {"type": "object", "properties": {
        k: _STR for k in ("first", "previous", "self", "next", "last")},
        "additionalProperties": False}
    for name in _ENTITIES:
        out[f"{name}Page"] = _object({"data": {"type": "array", "items": _ref(name)},
                                      "links": _ref("Links")})
    # the real error bodies: {"msg": ...} from the resources (a dict of field errors inside
    # /role's handle_exceptions), {"message": ...} from Flask (405, 415, malformed JSON)
    out["Error"] = {"type": "object", "properties": {
        "msg": {"oneOf": [_STR, {"type": "object"}]}, "errors": {"type": "object"},
        "message": _STR}, "minProperties": 1}
    out["Tokens"] = _object({"access_token": _STR, "refresh_token": _STR, "refresh_url": _STR},
                            ["access_token", "refresh_token", "refresh_url"])
    return out


# ---------------------------------------------------------------------------------- marshmallow
def _field(f: fields.Field) -> dict:
    if isinstance(f, fields.Email):
        out: dict[str, Any] = {"type": "string", "format": "email"}
    elif isinstance(f, fields.Url):
        out = {"type": "string", "format": "uri"}
    elif isinstance(f, fields.DateTime):
        out = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}"
                                            r"(\+00:00)?$"}
    elif isinstance(f, fields.String):
        out = {"type": "string"}
    elif isinstance(f, fields.Integer):
        out = {"type": "integer", "maximum": INT32}
    elif isinstance(f, fields.Boolean):
        out = {"type": "boolean"}
    elif isinstance(f, fields.List):
        out = {"type": "array", "items": _field(f.inner)}
    elif isinstance(f, fields.Dict):
        out = {"type": "object"}
    else:
        out = {}
    validators = f.validators if isinstance(f.validators, list) else [f.validate]
    for v in validators:
        if isinstance(v, Length):
            if v.min is not None:
                out["minLength"] = v.min
            if v.max is not None:
                out["maxLength"] = v.max
        elif isinstance(v, Range):
            if v.min is not None:
                out["minimum"] = v.min
            if v.max is not None:
                out["maximum"] = v.max
        elif isinstance(v, OneOf):
            out["enum"] = list(v.choices)
    if f.allow_none:
        out["nullable"] = True
    return out


def body_schema(schema: type[Schema], partial: bool = False, **overrides: dict) -> dict:
    """A request body from a marshmallow schema; unknown keys are refused (marshmallow RAISE)."""
    props = {name: _field(f) for name, f in schema().fields.items()}
    props.update(overrides)
    required = [] if partial else [name for name, f in schema().fields.items() if f.required]
    out: dict[str, Any] = {"type": "object", "properties": props, "additionalProperties": False}
    if required:
        out["required"] = required
    return out


# ---------------------------------------------------------------------------------- endpoints
def _q(name: str, schema: dict, description: str = "") -> dict:
    p = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        p["description"] = description
    return p


def _paging(*sortable: str) -> list[dict]:
    sorts = [s for col in sortable for s in (col, f"-{col}")]
    return [_q("page", {"type": "integer", "minimum": 1, "maximum": 10000}),
            _q("per_page", {"type": "integer", "minimum": 1, "maximum": 1000}),
            _q("sort", {"type": "string", "enum": sorts},
               "a column, '-' for descending (unknown names: the real 500)")]


_LIKE = {"type": "string", "maxLength": 64, "description": "SQL LIKE pattern"}
_DATE = {"type": "string", "format": "date"}
_ID_Q = _ID
_name = _q("name", _LIKE)
# stored base64-decoded: anything else is the real 500
_PUBLIC_KEY = {"public_key": {"type": "string", "format": "byte"}}

# (path, method) -> hand-written part. "body": a marshmallow schema class (or a JSON schema);
# "partial": PATCH semantics; "ok": success status; "schema": success body; "query": parameters.
SPEC: dict[tuple[str, str], dict] = {
    ("/version", "GET"): {"ok": 200, "schema": _object({"version": _STR})},
    ("/health", "GET"): {"ok": 200, "schema": _object({"database": _BOOL})},
    ("/openapi.json", "GET"): {"ok": 200, "schema": {"type": "object"},
                               "summary": "This document (simulator only)"},
    ("/blobstream/status", "GET"): {"ok": 200, "schema": _object({"blob_store_enabled": _BOOL})},
    ("/token/user", "POST"): {"body": request_schemas.TokenUserInputSchema, "ok": 200,
                              "schema": {"allOf": [_ref("Tokens"), _object({"user_url": _STR})]}},
    ("/token/node", "POST"): {"body": request_schemas.TokenNodeInputSchema, "ok": 200,
                              "schema": {"allOf": [_ref("Tokens"), _object({"node_url": _STR})]}},
    ("/token/container", "POST"): {"body": request_schemas.TokenAlgorithmInputSchema, "ok": 200,
                                   "schema": _object({"container_token": _STR})},
    ("/token/refresh", "POST"): {"ok": 200, "schema": _ref("Tokens")},
    ("/token/user/validate", "POST"): {"ok": 200, "schema": {"type": "object"}},
    ("/token/node/validate", "POST"): {"ok": 200, "schema": {"type": "object"}},
    ("/organization", "GET"): {"query": [_name, _q("country", {"type": "string", "maxLength": 8}),
                                         _q("collaboration_id", _ID_Q), _q("ids", _ID_Q),
                                         *_paging("id", "name", "country")],
                               "ok": 200, "schema": _ref("OrganizationPage")},
    ("/organization", "POST"): {"body": request_schemas.OrganizationInputSchema, "ok": 201,
                                "schema": _ref("Organization"), "body_overrides": _PUBLIC_KEY},
    ("/organization/<int:id>", "GET"): {"ok": 200, "schema": _ref("Organization")},
    ("/organization/<int:id>", "PATCH"): {"body": request_schemas.OrganizationInputSchema,
                                          "partial": True, "ok": 200,
                                          "schema": _ref("Organization"),
                                          "body_overrides": _PUBLIC_KEY},
    ("/organization/<int:id>", "DELETE"): {"query": [_q("delete_dependents", _BOOL)], "ok": 200},
    ("/collaboration", "GET"): {"query": [_name,
                                          _q("encrypted", {"type": "integer", "enum": [0, 1]}),
                                          _q("organization_id", _ID_Q),
                                          _q("include", {"type": "string",
                                                         "enum": ["organizations"]}),
                                          *_paging("id", "name")],
                                "ok": 200, "schema": _ref("CollaborationPage")},
    ("/collaboration", "POST"): {"body": request_schemas.CollaborationInputSchema, "ok": 200,
                                 "schema": _ref("Collaboration")},
    ("/collaboration/<int:id>", "GET"): {"query": [_q("include", {"type": "string",
                                                                  "enum": ["organizations"]})],
                                         "ok": 200, "schema": _ref("Collaboration")},
    ("/collaboration/<int:id>", "PATCH"): {"body": request_schemas.CollaborationInputSchema,
                                           "partial": True, "ok": 200,
                                           "schema": _ref("Collaboration")},
    ("/collaboration/<int:id>", "DELETE"): {"query": [_q("delete_dependents", _BOOL)], "ok": 200},
    ("/collaboration/<int:id>/organization", "POST"): {
        "body": request_schemas.OnlyIdSchema, "ok": 200,
        "schema": {"type": "array", "items": _ref("Organization")}},
    ("/collaboration/<int:id>/organization", "DELETE"): {
        "body": request_schemas.OnlyIdSchema, "ok": 200,
        "schema": {"type": "array", "items": _ref("Organization")}},
    ("/collaboration/<int:id>/node", "POST"): {"body": request_schemas.OnlyIdSchema, "ok": 201,
                                               "schema": {"type": "array",
                                                          "items": {"type": "object"}}},
    ("/collaboration/<int:id>/node", "DELETE"): {"body": request_schemas.OnlyIdSchema, "ok": 200},
    ("/node", "GET"): {"query": [_name, _q("organization_id", _ID_Q),
                                 _q("collaboration_id", _ID_Q),
                                 _q("status", {"type": "string", "enum": ["online", "offline"]}),
                                 _q("ip", {"type": "string", "maxLength": 40}),
                                 _q("last_seen_from", _DATE), _q("last_seen_till", _DATE),
                                 *_paging("id", "name", "ip")],
                       "ok": 200, "schema": _ref("NodePage")},
    ("/node", "POST"): {"body": request_schemas.NodeInputSchema, "ok": 201,
                        "schema": {"allOf": [_ref("Node"), _object({"api_key": _STR})]}},
    ("/node/<int:id>", "GET"): {"ok": 200, "schema": _ref("Node")},
    ("/node/<int:id>", "PATCH"): {"body": request_schemas.NodeInputSchema, "partial": True,
                                  "ok": 200, "schema": _ref("Node")},
    ("/node/<int:id>", "DELETE"): {"ok": 200},
    ("/user", "GET"): {"query": [_q("username", _LIKE), _q("firstname", _LIKE),
                                 _q("lastname", _LIKE), _q("email", _LIKE),
                                 _q("organization_id", _ID_Q), _q("role_id", _ID_Q),
                                 _q("rule_id", _ID_Q), _q("last_seen_from", _DATE),
                                 _q("last_seen_till", _DATE),
                                 *_paging("id", "username", "email")],
                       "ok": 200, "schema": _ref("UserPage")},
    ("/user", "POST"): {"body": request_schemas.UserInputSchema, "ok": 201,
                        "schema": _ref("User")},
    ("/user/<int:id>", "GET"): {"query": [_q("include_permissions", _BOOL)], "ok": 200,
                                "schema": {"oneOf": [_ref("User"), _ref("UserWithPermissions")]}},
    ("/user/<int:id>", "PATCH"): {"body": request_schemas.UserInputSchema, "partial": True,
                                  "ok": 200, "schema": _ref("User")},
    ("/user/<int:id>", "DELETE"): {"query": [_q("delete_dependents", _BOOL)], "ok": 200},
    ("/password/change", "PATCH"): {"body": request_schemas.ChangePasswordInputSchema, "ok": 200},
    ("/recover/node", "POST"): {"body": request_schemas.OnlyIdSchema, "ok": 200},
    ("/role", "GET"): {"query": [_name, _q("description", _LIKE), _q("organization_id", _ID_Q),
                                 _q("rule_id", _ID_Q), _q("user_id", _ID_Q),
                                 _q("include_root", _BOOL), *_paging("id", "name")],
                       "ok": 200, "schema": _ref("RolePage")},
    ("/role", "POST"): {"body": request_schemas.RoleInputSchema, "ok": 201,
                        "schema": _ref("Role")},
    ("/role/<int:id>", "GET"): {"ok": 200, "schema": _ref("Role")},
    ("/role/<int:id>", "PATCH"): {"body": request_schemas.RoleInputSchema, "partial": True,
                                  "ok": 200, "schema": _ref("Role")},
    ("/role/<int:id>", "DELETE"): {"query": [_q("delete_dependents", _BOOL)], "ok": 200},
    ("/role/<int:id>/rule/<int:rule_id>", "POST"): {"ok": 201,
                                                    "schema": {"type": "array",
                                                               "items": _ref("Rule")}},
    ("/role/<int:id>/rule/<int:rule_id>", "DELETE"): {"ok": 200,
                                                      "schema": {"type": "array",
                                                                 "items": _ref("Rule")}},
    ("/rule", "GET"): {"query": [_name,
                                 _q("operation", {"type": "string",
                                                  "enum": ["v", "e", "c", "d", "s", "r"]}),
                                 _q("scope", {"type": "string",
                                              "enum": ["own", "org", "col", "glo"]}),
                                 _q("role_id", _ID_Q), _q("user_id", _ID_Q),
                                 _q("no_pagination", {"type": "integer", "enum": [0, 1]}),
                                 *_paging("id", "name")],
                       "ok": 200, "schema": _ref("RulePage")},
    ("/rule/<int:id>", "GET"): {"ok": 200, "schema": _ref("Rule")},
    ("/study", "GET"): {"query": [_name, _q("organization_id", _ID_Q),
                                  _q("collaboration_id", _ID_Q),
                                  _q("include", {"type": "string", "enum": ["organizations"]}),
                                  *_paging("id", "name")],
                        "ok": 200, "schema": _ref("StudyPage")},
    ("/study", "POST"): {"body": request_schemas.StudyInputSchema, "ok": 201,
                         "schema": _ref("Study")},
    ("/study/<int:id>", "GET"): {"query": [_q("include", {"type": "string",
                                                          "enum": ["organizations"]})],
                                 "ok": 200, "schema": _ref("Study")},
    ("/study/<int:id>", "PATCH"): {"body": request_schemas.StudyInputSchema, "partial": True,
                                   "ok": 200, "schema": _ref("Study")},
    ("/study/<int:id>", "DELETE"): {"query": [_q("delete_dependents", _BOOL)], "ok": 200},
    ("/study/<int:id>/organization", "POST"): {"body": request_schemas.OnlyIdSchema, "ok": 200,
                                               "schema": {"type": "array",
                                                          "items": _ref("Organization")}},
    ("/study/<int:id>/organization", "DELETE"): {"body": request_schemas.OnlyIdSchema, "ok": 200,
                                                 "schema": {"type": "array",
                                                            "items": _ref("Organization")}},
    ("/task", "GET"): {"query": [_name, _q("image", _LIKE), _q("description", _LIKE),
                                 _q("init_org_id", _ID_Q), _q("init_user_id", _ID_Q),
                                 _q("collaboration_id", _ID_Q), _q("parent_id", _ID_Q),
                                 _q("job_id", _ID_Q), _q("database", _LIKE),
                                 _q("is_user_created", {"type": "integer", "enum": [0, 1]}),
                                 _q("include", {"type": "string", "enum": ["results", "runs"]}),
                                 *_paging("id", "name")],
                       "description": "The real filters `status` and `run_id` answer 500 in "
                                      "4.15.2 (as the simulator does); they are left out here.",
                       # (and study_id of /organization and /node: 500 for a missing study)
                       "ok": 200, "schema": _ref("TaskPage")},
    ("/task", "POST"): {"body": request_schemas.TaskInputSchema, "ok": 201,
                        "schema": _ref("Task")},
    ("/task/<int:id>", "GET"): {"query": [_q("include", {"type": "string",
                                                         "enum": ["results", "runs"]})],
                                "ok": 200, "schema": _ref("Task")},
    ("/task/<int:id>", "DELETE"): {"ok": 200},
    ("/task/<int:task_id>/status", "GET"): {"ok": 200, "schema": _object({"status": _STR})},
    ("/kill/task", "POST"): {"body": request_schemas.OnlyIdSchema, "ok": 200},
    ("/kill/node/tasks", "POST"): {"body": request_schemas.OnlyIdSchema, "ok": 200},
    ("/run", "GET"): {"query": [_q("task_id", _ID_Q), _q("organization_id", _ID_Q),
                                _q("collaboration_id", _ID_Q), _q("node_id", _ID_Q),
                                _q("state", {"type": "string", "enum": ["open"]}),
                                _q("include", {"type": "string", "enum": ["task"]}),
                                _q("assigned_from", _DATE), _q("assigned_till", _DATE),
                                _q("started_from", _DATE), _q("started_till", _DATE),
                                _q("finished_from", _DATE), _q("finished_till", _DATE),
                                *_paging("id", "status")],
                      "ok": 200, "schema": _ref("RunPage")},
    ("/run/<int:id>", "GET"): {"query": [_q("include", {"type": "string", "enum": ["task"]})],
                               "ok": 200, "schema": _ref("Run")},
    ("/run/<int:id>", "PATCH"): {"body": request_schemas.RunInputSchema, "partial": True,
                                 "ok": 200, "schema": _ref("Run")},
    ("/result", "GET"): {"query": [_q("task_id", _ID_Q), _q("organization_id", _ID_Q),
                                   *_paging("id")],
                         "ok": 200, "schema": _ref("ResultPage")},
    ("/result/<int:id>", "GET"): {"ok": 200, "schema": _ref("Result")},
}

# error statuses every authenticated endpoint can give (401 denial or token problems, 422
# malformed token, 500 wrong client type / the real server's quirks); plus what bodies give
_AUTH_ERRORS = ["401", "422", "500"]
_BODY_ERRORS = ["400", "415"]


def _openapi_path(path: str) -> tuple[str, list[dict]]:
    params = []
    for conv, name in re.findall(r"<(\w+):(\w+)>", path):
        params.append({"name": name, "in": "path", "required": True,
                       "schema": dict(_ID) if conv == "int" else {"type": "string"}})
    return re.sub(r"<\w+:(\w+)>", r"{\1}", path), params


def _security(who) -> list:
    if who is None:
        return []
    return [{"bearer": []}]


def build_document(api_path: str = "/api") -> dict:
    """The whole document, from the route tables and ``SPEC``."""
    from simulator.vantage6.resources import ROUTE_TABLES
    from simulator.vantage6.server import VERSION

    paths: dict[str, dict] = {}
    for table in ROUTE_TABLES:
        for ep in table.endpoints:
            path, path_params = _openapi_path(ep.path)
            not_served = ep.handler.__qualname__.startswith("not_served.")
            spec = SPEC.get((ep.path, ep.method), {})
            who = ep.who if isinstance(ep.who, (tuple, type(None))) else (ep.who,)
            op: dict[str, Any] = {
                "operationId": f"{ep.method.lower()}{re.sub(r'[^A-Za-z0-9]+', '_', path)}",
                "summary": spec.get("summary", f"{ep.method} {path}"),
                "description": (spec.get("description", "") + (
                    f" Callers: {', '.join(who)}." if who else " No token needed.")).strip(),
                "security": _security(ep.who),
                "parameters": path_params + list(spec.get("query", [])),
                "responses": {},
            }
            if not_served:
                op["description"] = ("Not implemented in the simulator: answers 501 (see "
                                     "COVERAGE.md). " + op["description"])
            body = spec.get("body")
            if body is not None:
                js = (body_schema(body, spec.get("partial", False),
                                  **spec.get("body_overrides", {}))
                      if isinstance(body, type) else body)
                op["requestBody"] = {"required": True,
                                     "content": {"application/json": {"schema": js}}}
            responses = op["responses"]
            if not_served:
                responses["501"] = _error("not implemented in the simulator")
            else:
                ok = str(spec.get("ok", 200))
                content = {"application/json": {"schema": spec.get("schema",
                                                                   {"type": "object"})}}
                responses[ok] = {"description": "success", "content": content}
            # 404: the record in the path, or one a body or filter names, does not exist
            errors = ["404"] if path_params or ep.method != "GET" or spec.get("query") else []
            if ep.who is not None or ep.path.startswith("/token/"):
                errors += _AUTH_ERRORS
            if body is not None:
                errors += _BODY_ERRORS + ["400"]
            if ep.method in ("POST", "PATCH", "DELETE") or spec.get("query"):
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
            "content": {"application/json": {"schema": _ref("Error")}}}

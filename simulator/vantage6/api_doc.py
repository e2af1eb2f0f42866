"""The vocabulary of an endpoint's OpenAPI part, declared beside its route:

    @routes.route("/node/<int:id>", "GET", who=USER_NODE_CONTAINER,
                  doc=Doc(ok=200, schema=ref("Node")))

``Doc`` holds what the route table cannot say (query parameters, the success status and body, the
request body's marshmallow schema); ``openapi.py`` adds the rest (paths, path parameters, who may
call, the error statuses) when it builds the document.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from marshmallow import Schema, fields
from marshmallow.validate import Length, OneOf, Range

INT32 = 2147483647  # ids are SQL integers
ID = {"type": "integer", "minimum": 1, "maximum": INT32}
STR = {"type": "string"}
NSTR = {"type": "string", "nullable": True}
NDT = {"type": "string", "nullable": True, "description": "naive ISO-8601 UTC datetime"}
BOOL = {"type": "boolean"}
LIKE = {"type": "string", "maxLength": 64, "description": "SQL LIKE pattern"}
DATE = {"type": "string", "format": "date"}
# stored base64-decoded: anything else is the real 500
PUBLIC_KEY = {"public_key": {"type": "string", "format": "byte"}}


@dataclass(frozen=True)
class Doc:
    """An endpoint's hand-written OpenAPI part, read from the real server's resource.

    ``body``: a marshmallow schema class (or a JSON schema); ``partial``: PATCH semantics;
    ``body_overrides``: properties that differ from the schema's; ``ok``: the success status;
    ``schema``: the success body; ``query``: the query parameters."""

    ok: int = 200
    schema: Optional[dict] = None
    query: list = field(default_factory=list)
    body: Any = None
    partial: bool = False
    body_overrides: dict = field(default_factory=dict)
    summary: Optional[str] = None
    description: str = ""


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: Optional[list] = None) -> dict:
    return {"type": "object", "required": list(required if required is not None else properties),
            "properties": properties}


def q(name: str, schema: dict, description: str = "") -> dict:
    p = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        p["description"] = description
    return p


def paging(*sortable: str) -> list[dict]:
    sorts = [s for col in sortable for s in (col, f"-{col}")]
    return [q("page", {"type": "integer", "minimum": 1, "maximum": 10000}),
            q("per_page", {"type": "integer", "minimum": 1, "maximum": 1000}),
            q("sort", {"type": "string", "enum": sorts},
              "a column, '-' for descending (unknown names: the real 500)")]


NAME = q("name", LIKE)


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

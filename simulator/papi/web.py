"""The HTTP layer in front of the PAPI model, behaving as FastAPI/Starlette do for this app.

What it reproduces: Starlette routing (404 ``{"detail":"Not Found"}``, 405 with ``Allow`` for the
first route whose path matches, a 307 redirect when only the other trailing slash matches, no
automatic HEAD), FastAPI's order of work (JSON body decoding, then the ``HTTPBearer``
dependency, then query and body validation with pydantic v2's error objects, then the handler),
``HTTPException`` bodies, the plain-text 500 of unhandled exceptions, CORSMiddleware, and
Starlette's compact JSON rendering.
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Optional
from urllib.parse import unquote

from simulator.core.http import Request, Response
from simulator.papi.errors import Crash, PapiError, ValidationFailed, missing

log = logging.getLogger(__name__)
_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}
_CORS_METHODS = "DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT"


@dataclass
class Query:
    name: str
    type: type = str          # str | bool | list (a repeatable ``Tuple`` parameter)
    required: bool = False
    default: Any = None


@dataclass
class Route:
    method: str
    path: str
    handler: Callable[..., Any]
    query: list[Query] = field(default_factory=list)
    bearer: bool = False
    body: Optional[str] = None  # None | "optional" (``dict | None = None``) | "required" (``dict``)

    def __post_init__(self) -> None:
        # a path starting with "^" is a raw pattern (families of routes served alike)
        pattern = self.path if self.path.startswith("^") else (
            "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$")
        self.regex = re.compile(pattern)


@dataclass
class Call:
    """What a handler gets besides its parameters."""

    request: Request
    root: str                    # URL of the app root, e.g. http://vantage6.test:7601/papi
    token: Optional[str] = None  # the bearer credentials, when the route needs them


def json_response(payload: Any, status: int = 200,
                  headers: Optional[dict[str, str]] = None) -> Response:
    # Starlette's JSONResponse.render: compact separators, UTF-8, no ASCII escaping
    body = json.dumps(payload, ensure_ascii=False, allow_nan=False, indent=None,
                      separators=(",", ":")).encode("utf-8")
    return Response(status, body, [("content-type", "application/json"),
                                   *((headers or {}).items())])


def text_response(text: str, status: int, headers: Optional[dict[str, str]] = None) -> Response:
    return Response(status, text.encode("utf-8"),
                    [("content-type", "text/plain; charset=utf-8"), *((headers or {}).items())])


class App:
    def __init__(self, routes: list[Route], *, bearer_status: Callable[[], int],
                 cors_origins: Callable[[], tuple[str, ...]]) -> None:
        self.routes = routes
        self._bearer_status = bearer_status
        self._cors_origins = cors_origins

    # ------------------------------------------------------------------ entry point
    def handle(self, request: Request, prefix: str, root: str) -> Response:
        origin = request.headers.get("Origin")
        if (request.method == "OPTIONS" and origin is not None
                and "Access-Control-Request-Method" in request.headers):
            return self._preflight(request, origin)
        try:
            response = self._dispatch(request, prefix, root)
        except Crash as exc:
            # ServerErrorMiddleware sits outside CORSMiddleware: no CORS headers on a 500
            log.info("PAPI crash (as the real one would) on %s %s: %s", request.method,
                     request.path, exc.reason)
            return text_response("Internal Server Error", 500)
        except Exception:
            log.exception("unexpected error answering %s %s", request.method, request.path)
            return text_response("Internal Server Error", 500)
        if origin is not None and origin in self._cors_origins():
            response.headers += [("access-control-allow-origin", origin),
                                 ("access-control-allow-credentials", "true"),
                                 ("vary", "Origin")]
        return response

    def _preflight(self, request: Request, origin: str) -> Response:
        headers = {"vary": "Origin", "access-control-allow-methods": _CORS_METHODS,
                   "access-control-max-age": "600", "access-control-allow-credentials": "true"}
        requested = request.headers.get("Access-Control-Request-Headers")
        if requested:
            headers["access-control-allow-headers"] = requested
        if origin not in self._cors_origins():
            return text_response("Disallowed CORS origin", 400, headers)
        headers["access-control-allow-origin"] = origin
        return text_response("OK", 200, headers)

    # ------------------------------------------------------------------ routing
    def _match(self, path: str, method: str):
        partial = None
        for route in self.routes:
            found = route.regex.match(path)
            if found:
                if route.method in (method, "*"):
                    return route, found.groupdict(), None
                partial = partial or route
        return None, None, partial

    def _dispatch(self, request: Request, prefix: str, root: str) -> Response:
        path = unquote(request.path[len(prefix):]) or "/"
        route, params, partial = self._match(path, request.method)
        if route is None:
            if partial is not None:
                return json_response({"detail": "Method Not Allowed"}, 405,
                                     {"allow": partial.method})
            if path != "/":
                other = path[:-1] if path.endswith("/") else path + "/"
                if any(r.regex.match(other) for r in self.routes):
                    location = root + other + (f"?{request.query_string}"
                                               if request.query_string else "")
                    return Response(307, b"", [("location", location)])
            return json_response({"detail": "Not Found"}, 404)
        try:
            return self._run(route, params, request, root)
        except PapiError as exc:
            return json_response({"detail": exc.detail}, exc.status, exc.headers)
        except ValidationFailed as exc:
            return json_response({"detail": exc.errors}, 422)

    def _run(self, route: Route, params: dict, request: Request, root: str) -> Response:
        body: Any = None
        if route.body is not None:
            body = self._read_body(request)          # a JSON syntax error comes first
        call = Call(request, root)
        if route.bearer:
            call.token = self._bearer(request)       # then the HTTPBearer dependency
        errors: list[dict] = []
        kwargs: dict[str, Any] = dict(params)
        for q in route.query:
            kwargs[q.name] = self._query(request, q, errors)
        if route.body is not None:
            kwargs["body"] = self._validate_body(body, route.body, errors)
        if errors:
            raise ValidationFailed(errors)
        result = route.handler(call, **kwargs)
        return result if isinstance(result, Response) else json_response(result)

    # ------------------------------------------------------------------ pieces of FastAPI
    def _bearer(self, request: Request) -> str:
        """fastapi.security.HTTPBearer: 401 (+ WWW-Authenticate) from FastAPI 0.122, else 403."""
        status = self._bearer_status()
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        authorization = request.headers.get("Authorization")
        scheme, _, credentials = (authorization or "").partition(" ")
        if not (authorization and scheme and credentials):
            raise PapiError(status, "Not authenticated", headers)
        if scheme.lower() != "bearer":
            raise PapiError(status, "Invalid authentication credentials", headers)
        return credentials

    @staticmethod
    def _query(request: Request, q: Query, errors: list[dict]) -> Any:
        values = request.args.getlist(q.name)
        if q.type is list:
            return list(values) if values else q.default
        if not values:
            if q.required:
                errors.append(missing(["query", q.name]))
            return q.default
        value = values[-1]
        if q.type is bool:
            if value.lower() in _TRUE:
                return True
            if value.lower() in _FALSE:
                return False
            errors.append({"type": "bool_parsing", "loc": ["query", q.name],
                           "msg": "Input should be a valid boolean, unable to interpret input",
                           "input": value})
            return None
        return value

    @staticmethod
    def _read_body(request: Request) -> Any:
        """FastAPI decodes JSON when the content type is JSON or missing; other bodies stay
        bytes (and fail validation)."""
        raw = request.body
        if not raw:
            return None
        content_type = request.headers.get("Content-Type")
        main = (content_type or "").split(";")[0].strip().lower()
        if content_type and not (main == "application/json" or
                                 (main.startswith("application/") and main.endswith("+json"))):
            return raw
        try:
            return json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ValidationFailed([{"type": "json_invalid", "loc": ["body", exc.pos],
                                     "msg": "JSON decode error", "input": {},
                                     "ctx": {"error": exc.msg}}])
        except Exception:
            # FastAPI's _get_body: anything else json.loads raises (invalid UTF-8, nesting
            # past the recursion limit, an integer over 4,300 digits) is its plain 400
            raise PapiError(400, "There was an error parsing the body")

    @staticmethod
    def _validate_body(body: Any, mode: str, errors: list[dict]) -> Optional[dict]:
        if body is None:
            if mode == "required":
                errors.append(missing(["body"]))
            return None
        if not isinstance(body, dict):
            shown = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
            errors.append({"type": "dict_type", "loc": ["body"],
                           "msg": "Input should be a valid dictionary", "input": shown})
            return None
        return body

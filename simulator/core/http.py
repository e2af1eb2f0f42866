"""The one request/response pair every way in (interception or server mode) ends in.

Transports translate their own request objects into :class:`Request`, call ``app.handle(request)``
and translate the :class:`Response` back. Nothing below the transports sees requests, httpx or WSGI.
"""
from __future__ import annotations

import json
import json as _json  # ``json`` is also a parameter name below
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable, Iterable
from urllib.parse import parse_qsl, urlencode

from werkzeug.datastructures import Headers, MultiDict

JSON_TYPE = "application/json"
_NOT_GIVEN: Any = object()


class ConnectionDropped(Exception):
    """Raised through a transport: it answers with its client library's connection error."""


class HttpError(Exception):
    """Raised anywhere below a transport to answer with this status and JSON body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None,
                 text: str = "") -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.text = text  # str() of the matching werkzeug exception, where code shows it


@dataclass
class Request:
    method: str
    path: str
    query_string: str = ""
    headers: Headers = field(default_factory=Headers)
    body: bytes = b""
    # a JSON body an in-process caller hands over as it is, instead of serialising it for a
    # server in the same process to parse again (the simulated nodes' own calls)
    parsed_json: Any = field(default=_NOT_GIVEN, repr=False)

    @classmethod
    def build(
        cls,
        method: str,
        path: str,
        query_string: str = "",
        headers: Iterable[tuple[str, str]] | dict[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> "Request":
        if isinstance(body, str):
            body = body.encode("utf-8")
        return cls(method.upper(), path, query_string, Headers(headers or {}), body or b"")

    @classmethod
    def from_client(cls, method: str, path: str, *, json: Any = None, token: str | None = None,
                    params: dict | None = None) -> "Request":
        """A request as a client would send it: bearer token, JSON body, query parameters."""
        headers = {}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        body = b""
        if json is not None:
            headers["Content-Type"] = "application/json"
            body = _json.dumps(json).encode()
        return cls.build(method, path, urlencode(params or {}, doseq=True), headers, body)

    @cached_property
    def args(self) -> MultiDict:
        # Werkzeug's MultiDict, as Flask gives the real server: same getlist/get and the same
        # urlencode() behaviour when pagination links are rebuilt from it.
        return MultiDict(parse_qsl(self.query_string, keep_blank_values=True))

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";")[0].strip().lower()

    @property
    def is_json(self) -> bool:
        mt = self.content_type
        return mt == JSON_TYPE or (mt.startswith("application/") and mt.endswith("+json"))

    def json(self) -> Any:
        """Parse the body the way Flask's ``request.get_json()`` does, with Flask's errors."""
        if not self.is_json:
            msg = ("Did not attempt to load JSON data because the request Content-Type was not "
                   "'application/json'.")
            raise HttpError(415, {"message": msg}, text=f"415 Unsupported Media Type: {msg}")
        if self.parsed_json is not _NOT_GIVEN:
            return self.parsed_json
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            msg = "The browser (or proxy) sent a request that this server could not understand."
            raise HttpError(400, {"message": msg}, text=f"400 Bad Request: {msg}")

    def json_or_none(self) -> Any:
        """Flask's ``request.get_json(silent=True)``: None unless the body is JSON."""
        if not self.is_json:
            return None
        if self.parsed_json is not _NOT_GIVEN:
            return self.parsed_json
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            return None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)

    @classmethod
    def json(cls, payload: Any, status: int = 200, headers: dict[str, Any] | None = None) -> "Response":
        hdrs = [("Content-Type", JSON_TYPE)]
        hdrs += [(k, str(v)) for k, v in (headers or {}).items()]
        return cls(status, json.dumps(payload).encode("utf-8"), hdrs)

    def header(self, name: str) -> str | None:
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    def get_json(self) -> Any:
        return json.loads(self.body)


Handler = Callable[[Request], Response]

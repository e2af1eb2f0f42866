"""Server mode: a network over real HTTP on loopback, for clients in other processes or languages.

A threaded werkzeug server (one thread per connection) in front of the same ``network.handle()``
the in-process transports call, so all three ways in share one state.
"""
from __future__ import annotations

import logging
import socket
import threading
from http import HTTPStatus
from typing import Callable, Iterable, Optional

from werkzeug.serving import BaseWSGIServer, make_server

from simulator.core.http import ConnectionDropped, Handler, Request

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_REASONS = {200: "OK", 201: "CREATED", 204: "NO CONTENT", 400: "BAD REQUEST",
            401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT FOUND", 405: "METHOD NOT ALLOWED",
            415: "UNSUPPORTED MEDIA TYPE", 422: "UNPROCESSABLE ENTITY",
            500: "INTERNAL SERVER ERROR", 501: "NOT IMPLEMENTED"}


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase.upper()
    except ValueError:
        return "UNKNOWN"


def _closed_websocket_noise(record: logging.LogRecord) -> bool:
    """After a websocket closes, werkzeug reads its last frame as a request and logs a 400."""
    message = record.getMessage()
    return not ("code 400" in message and any(
        kind in message for kind in ("Bad request syntax", "Bad HTTP/0.9 request type",
                                     "Bad request version")))


def wsgi_app(handler: Handler):
    def app(environ: dict, start_response) -> Iterable[bytes]:
        headers = [(key[5:].replace("_", "-").title(), value) for key, value in environ.items()
                   if key.startswith("HTTP_")]
        if environ.get("CONTENT_TYPE"):
            headers.append(("Content-Type", environ["CONTENT_TYPE"]))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        # PATH_INFO arrives latin-1 decoded (PEP 3333); restore the UTF-8 the client sent
        path = environ.get("PATH_INFO", "/").encode("latin-1").decode("utf-8", "replace")
        request = Request.build(environ["REQUEST_METHOD"], path, environ.get("QUERY_STRING", ""),
                                headers, body)
        try:
            response = handler(request)
        except ConnectionDropped:  # hang up without a response; werkzeug sees a dropped client
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)
            start_response("500 INTERNAL SERVER ERROR", [("Content-Length", "0")])
            return [b""]
        reason = _REASONS.get(response.status) or _phrase(response.status)
        out_headers = response.headers + [("Content-Length", str(len(response.body)))]
        start_response(f"{response.status} {reason}", out_headers)
        return [response.body] if request.method != "HEAD" else [b""]

    return app


class ServerMode:
    """A running loopback server; ``url`` is its origin, e.g. ``http://127.0.0.1:7601``."""

    def __init__(self, handler: Handler, host: str = "127.0.0.1", port: int = 0,
                 quiet: bool = True,
                 middleware: Optional[Callable[[Callable], Callable]] = None) -> None:
        """``middleware`` wraps the WSGI app (the vantage6 Socket.IO endpoint, say)."""
        if host not in LOOPBACK:
            raise ValueError(f"refusing to bind {host!r}: server mode only binds loopback "
                             f"({', '.join(sorted(LOOPBACK))})")
        if quiet:
            logging.getLogger("werkzeug").setLevel(logging.WARNING)
            logging.getLogger("werkzeug").addFilter(_closed_websocket_noise)
        app = wsgi_app(handler)
        if middleware is not None:
            app = middleware(app)
        self._server: BaseWSGIServer = make_server(host, port, app, threaded=True)
        self._server.daemon_threads = True
        self.host = host
        self.port = self._server.server_port
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self) -> "ServerMode":
        # a short poll interval: stop() waits for it (the default 0.5 s adds up in test suites)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        name="simulator-http", daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> "ServerMode":
        return self.start() if self._thread is None else self

    def __exit__(self, *exc) -> None:
        self.stop()

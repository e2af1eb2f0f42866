"""In-process ways in: ``requests`` (through responses) and ``httpx`` (through respx).

No socket is opened: requests sent to an active network's origin are answered by
``network.handle()``; every other request passes through to the real network untouched.
Patching ``requests``/``httpx`` is process-wide by nature, so one registry of active origins is
shared; each network still keeps its own state.
"""
from __future__ import annotations

import contextlib
import re
import threading
from typing import TYPE_CHECKING, Any, Callable, Optional
from urllib.parse import urlsplit

import http.client

import httpx
import requests
import respx
from responses import CallbackResponse, CallList, RequestsMock

from simulator.core import confinement
from simulator.core.http import ConnectionDropped, Handler, Request
from simulator.core.virtual_time import sleeping_on

if TYPE_CHECKING:
    from simulator.core.clock import Clock

_DEFAULT_PORTS = {"http": 80, "https": 443}
_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")


def origin_of(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    scheme = parts.scheme or "http"
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 80)


def _origin_regex(origin: tuple[str, str, int]) -> re.Pattern:
    scheme, host, port = origin
    port_part = f"(?::{port})?" if port == _DEFAULT_PORTS.get(scheme) else f":{port}"
    return re.compile(rf"^{scheme}://{re.escape(host)}{port_part}(?:[/?#].*)?$", re.IGNORECASE)


class _NoCalls(CallList):
    """responses records every call forever; the simulator answers millions, so it keeps none."""

    def add(self, request: Any, response: Any) -> None:
        return None

    def add_call(self, call: Any) -> None:
        return None


class _QuietRouter(respx.MockRouter):
    """A respx router that records no calls (same reason as _NoCalls)."""

    def record(self, request, *, response=None, route=None) -> None:
        return None


class _Interceptor:
    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._handlers: dict[tuple[str, str, int], list[Handler]] = {}
        self._requests_mock: RequestsMock | None = None
        self._respx_router: respx.MockRouter | None = None
        self._routes: dict[tuple[str, str, int], list[CallbackResponse]] = {}

    # ------------------------------------------------------------------ registry
    def activate(self, origin: tuple[str, str, int], handler: Handler) -> None:
        with self._lock:
            known = origin in self._handlers
            self._handlers.setdefault(origin, []).append(handler)
            if not known:  # the routes only depend on which origins are active
                self._rebuild()

    def deactivate(self, origin: tuple[str, str, int], handler: Handler) -> None:
        with self._lock:
            stack = self._handlers.get(origin, [])
            if handler in stack:
                # the innermost activation ends first (stack order), whatever the handler
                del stack[len(stack) - 1 - stack[::-1].index(handler)]
            if not stack:
                self._handlers.pop(origin, None)
                self._rebuild()

    def _handler_for(self, url: str) -> Handler | None:
        stack = self._handlers.get(origin_of(url))
        return stack[-1] if stack else None  # the innermost activation wins

    def _rebuild(self) -> None:
        """Make the registered routes match the active origins, one route at a time: requests
        of other threads keep finding their routes and the passthrough while this runs."""
        if not self._handlers:
            self._stop()
            return
        self._start()
        mock = self._requests_mock
        for origin in [o for o in self._routes if o not in self._handlers]:
            for route in self._routes.pop(origin):
                mock.remove(route)
        for origin in [o for o in self._handlers if o not in self._routes]:
            routes = []
            for method in _METHODS:
                route = CallbackResponse(method, _origin_regex(origin),
                                         callback=self._answer_requests, content_type=None)
                route._calls = _NoCalls()
                mock.add(route)
                routes.append(route)
            self._routes[origin] = routes

    def _start(self) -> None:
        _browser.patch(self)
        _environment.patch(self)
        if self._requests_mock is None:
            mock = RequestsMock(assert_all_requests_are_fired=False)
            mock._calls = _NoCalls()
            mock.add_passthru(re.compile(".*"))  # every other request goes out untouched
            mock.start()
            self._requests_mock = mock
        if self._respx_router is None:
            router = _QuietRouter(assert_all_called=False, assert_all_mocked=False)
            router.route(name="simulator").mock(side_effect=self._answer_httpx)
            self._respx_router = router
            router.start()

    def _stop(self) -> None:
        _browser.unpatch()
        _environment.unpatch()
        if self._requests_mock is not None:
            self._requests_mock.stop(allow_assert=False)
            self._requests_mock = None
            self._routes.clear()
        if self._respx_router is not None:
            self._respx_router.stop(quiet=True)
            self._respx_router = None

    # ------------------------------------------------------------------ translation
    def _answer_requests(self, prepared) -> tuple[int, list[tuple[str, str]], bytes]:
        handler = self._handler_for(prepared.url)
        if handler is None:  # the interception ended while this request was on its way
            raise requests.exceptions.ConnectionError(
                f"the simulated network at {prepared.url} is no longer intercepted",
                request=prepared)
        parts = urlsplit(prepared.url)
        body = prepared.body
        headers = dict(prepared.headers)
        headers.setdefault("Host", parts.netloc)  # what urllib3 would send
        request = Request.build(prepared.method, parts.path or "/", parts.query, headers, body)
        simulator_side = confinement.lifted()  # a run's call is answered by the node and server
        try:
            response = handler(request)
        except ConnectionDropped:  # what requests raises when a server hangs up on it
            raise requests.exceptions.ConnectionError(
                ("Connection aborted.", http.client.RemoteDisconnected(
                    "Remote end closed connection without response")), request=prepared)
        finally:
            confinement.restore(simulator_side)
        body = b"" if request.method == "HEAD" else response.body  # as a server sends it
        return response.status, response.headers, body

    def _answer_httpx(self, request: httpx.Request) -> httpx.Response | httpx.Request:
        url = str(request.url)
        handler = self._handler_for(url)
        if handler is None:
            return request  # respx passes a returned request through to the real network
        parts = urlsplit(url)
        sim_request = Request.build(request.method, parts.path or "/", parts.query,
                                    list(request.headers.multi_items()), request.read())
        simulator_side = confinement.lifted()
        try:
            response = handler(sim_request)
        except ConnectionDropped:  # what httpx raises when a server hangs up on it
            raise httpx.RemoteProtocolError("Server disconnected without sending a response.",
                                            request=request)
        finally:
            confinement.restore(simulator_side)
        content = b"" if sim_request.method == "HEAD" else response.body
        return httpx.Response(response.status, headers=response.headers, content=content)


class _EnvironmentShortcut:
    """``requests.Session.merge_environment_settings`` without the environment for an intercepted
    origin. With ``trust_env`` requests looks up proxy and CA-bundle variables for every call
    (``get_environ_proxies`` walks the whole environment, twice): about a third of the client's
    own time per call here. An intercepted request never reaches a proxy or a TLS handshake, so
    what the lookup finds cannot change its answer; every other request keeps the lookup."""

    def __init__(self) -> None:
        self._original = None

    def patch(self, interceptor: "_Interceptor") -> None:
        from requests.sessions import Session, merge_setting

        if self._original is not None:
            return
        original = self._original = Session.merge_environment_settings

        def merge_environment_settings(session, url, proxies, stream, verify, cert):
            if interceptor._handler_for(url) is None:
                return original(session, url, proxies, stream, verify, cert)
            return {"proxies": merge_setting(proxies, session.proxies),
                    "stream": merge_setting(stream, session.stream),
                    "verify": merge_setting(verify, session.verify),
                    "cert": merge_setting(cert, session.cert)}

        Session.merge_environment_settings = merge_environment_settings

    def unpatch(self) -> None:
        from requests.sessions import Session

        if self._original is not None:
            Session.merge_environment_settings = self._original
            self._original = None


class _Browser:
    """``webbrowser.open`` of a page of an intercepted network (the Keycloak verification page
    vantage6 5.x's ``UserClient.authenticate()`` opens) visits nothing: no browser could reach
    a simulated origin, and a test's desktop should not get a window for it. Other pages open
    as usual."""

    def __init__(self) -> None:
        self._original = None

    def patch(self, interceptor: "_Interceptor") -> None:
        import webbrowser

        if self._original is not None:
            return
        original = self._original = webbrowser.open

        def open_(url: str, *args: Any, **kwargs: Any) -> bool:
            if interceptor._handler_for(str(url)) is not None:
                return True  # "opened": sign-in is approved by the realm, not by a person
            return original(url, *args, **kwargs)

        webbrowser.open = open_

    def unpatch(self) -> None:
        import webbrowser

        if self._original is not None:
            webbrowser.open, self._original = self._original, None


_browser = _Browser()
_environment = _EnvironmentShortcut()
INTERCEPTOR = _Interceptor()


class Interception:
    """Context manager and decorator activating in-process access to a network (as mock_aws):
    calls to ``url``'s origin are answered by ``handle``; ``__enter__`` gives ``value`` (the
    network). ``sleep_clock()`` names a simulated clock that ``time.sleep`` in this thread
    should move while active (a realistic lifecycle: polling advances it), or None."""

    def __init__(self, url: str, handle: Handler, *, value: Any = None,
                 sleep_clock: Callable[[], Optional["Clock"]] = lambda: None) -> None:
        self._handle = handle
        self._value = value
        self._sleep_clock = sleep_clock
        self._origin = origin_of(url)
        self._sleeping: Optional[contextlib.ExitStack] = None

    def start(self) -> Any:
        INTERCEPTOR.activate(self._origin, self._handle)
        clock = self._sleep_clock()
        if clock is not None:  # polling in this thread moves the clock
            self._sleeping = contextlib.ExitStack()
            self._sleeping.enter_context(sleeping_on(clock))
        return self._value

    def stop(self) -> None:
        if self._sleeping is not None:
            self._sleeping.close()
            self._sleeping = None
        INTERCEPTOR.deactivate(self._origin, self._handle)

    def __enter__(self) -> Any:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def __call__(self, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self:
                return fn(*args, **kwargs)

        return wrapper

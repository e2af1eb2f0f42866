"""Typed errors of the PAPI model, and the exact bodies FastAPI gives them.

The real PAPI raises ``HTTPException(status, detail)`` (body ``{"detail": "..."}``), FastAPI answers
``422 {"detail": [...]}`` for request validation, and Starlette answers a plain-text
``Internal Server Error`` for any unhandled exception. The model raises these types; only
``web.py`` turns them into responses.
"""
from __future__ import annotations

from typing import Any, Optional

from simulator.core.errors import PlatformError


class PapiError(PlatformError):
    """An ``HTTPException`` the real PAPI raises on purpose: ``{"detail": <detail>}``."""

    def __init__(self, status: int, detail: Any, headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(status, detail)
        self.status = status
        self.detail = detail
        self.headers = headers or {}

    def body(self) -> dict[str, Any]:
        return {"detail": self.detail}


class BadRequest(PapiError):
    def __init__(self, detail: str) -> None:
        super().__init__(400, detail)


class Unauthorized(PapiError):
    def __init__(self, detail: str, headers: Optional[dict[str, str]] = None) -> None:
        super().__init__(401, detail, headers)


class ValidationFailed(Exception):
    """FastAPI's ``RequestValidationError``: 422 with pydantic's error list."""

    def __init__(self, errors: list[dict]) -> None:
        super().__init__(errors)
        self.errors = errors


class Crash(Exception):
    """Where the real PAPI dies on an unhandled Python exception (500, plain text).

    ``reason`` names the exception the real code raises, for logs and the event trace."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class NotImplementedInSimulator(PapiError):
    """A route family of the real PAPI the simulator does not serve (see COVERAGE.md)."""

    def __init__(self, what: str) -> None:
        super().__init__(501, f"{what} is not implemented in the simulator (see COVERAGE.md)")


def missing(loc: list) -> dict:
    return {"type": "missing", "loc": loc, "msg": "Field required", "input": None}

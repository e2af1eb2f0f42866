"""What the realm model raises; the HTTP side turns each into Keycloak's own body.

Keycloak has three error shapes: the OIDC endpoints' ``OAuthErrorException`` /
``CorsErrorResponseException`` (``{"error", "error_description"}``), the admin API's
``ErrorResponse.exists`` (``{"errorMessage"}``, ``ErrorRepresentation``) and JAX-RS exceptions
rendered by ``KeycloakErrorHandler`` (``{"error": <the exception's message>}``, e.g.
``NotFoundException("User not found")``), all read in keycloak/keycloak ``services/``.
"""
from __future__ import annotations

from typing import Optional

from simulator.core.errors import PlatformError


class KeycloakError(PlatformError):
    status = 400

    def body(self) -> dict:  # pragma: no cover - every subclass says
        raise NotImplementedError


class OAuthError(KeycloakError):
    """``{"error": ..., "error_description": ...}`` from an OIDC endpoint."""

    def __init__(self, error: str, description: Optional[str] = None, status: int = 400) -> None:
        super().__init__(f"{error}: {description}")
        self.error, self.description, self.status = error, description, status

    def body(self) -> dict:
        out = {"error": self.error}
        if self.description is not None:
            out["error_description"] = self.description
        return out


class JaxRsError(KeycloakError):
    """A JAX-RS exception through ``KeycloakErrorHandler``: ``{"error": message}``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message

    def body(self) -> dict:
        return {"error": self.message}


class NotFound(JaxRsError):
    def __init__(self, message: str) -> None:
        super().__init__(404, message)


class Conflict(KeycloakError):
    """``ErrorResponse.exists(message)``: 409 ``{"errorMessage": message}``."""

    status = 409

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def body(self) -> dict:
        return {"errorMessage": self.message}


class FieldError(KeycloakError):
    """A user-profile validation failure (Keycloak 24+): 400
    ``{"field", "errorMessage", "params"}``."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message

    def body(self) -> dict:
        return {"field": self.field, "errorMessage": self.message, "params": [self.field]}


class TokenError(Exception):
    """A token that does not verify. ``str()`` is PyJWT's message; ``cause`` the PyJWT exception
    (e.g. ``jwt.ExpiredSignatureError``), for callers that word errors their own way."""

    def __init__(self, message: str, cause: Optional[Exception] = None) -> None:
        super().__init__(message)
        self.cause = cause

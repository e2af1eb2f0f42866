"""The one base of every error a platform answers on purpose.

Each platform keeps its own subclass tree (``V6Error``, ``ST4SDError``, ``PapiError``,
``NomadError``, ``KeycloakError``) because each real service has its own body shape; what they
share is this: an HTTP ``status`` and the exact ``body()`` the real service gives.
"""
from __future__ import annotations

from typing import Any


class PlatformError(Exception):
    """An answer the real platform gives on purpose: ``status`` and ``body()``."""

    status: int = 500

    def body(self) -> Any:  # pragma: no cover - every platform's base says
        raise NotImplementedError

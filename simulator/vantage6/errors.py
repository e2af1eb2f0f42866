"""Typed errors the vantage6 resources raise; the app turns each into the real ``{"msg"}`` body."""
from __future__ import annotations

from typing import Any, Optional

from simulator.core.errors import PlatformError

# what the real resources answer when a rule is missing (vantage6/server/resource/*.py)
NO_PERMISSION = "You lack the permission to do that!"


class V6Error(PlatformError):
    status = 500

    def __init__(self, msg: str, errors: Optional[Any] = None) -> None:
        super().__init__(msg)
        self.msg = msg
        self.errors = errors

    def body(self) -> dict:
        body: dict[str, Any] = {"msg": self.msg}
        if self.errors is not None:
            body["errors"] = self.errors
        return body


class BadRequest(V6Error):
    status = 400


class Unauthorized(V6Error):
    """The real server answers 401 (not 403) when a permission is missing."""

    status = 401


class Forbidden(V6Error):
    status = 403


class NotFound(V6Error):
    status = 404


class ServerError(V6Error):
    """A 500 whose message the real server passes through (e.g. pagination errors)."""

    status = 500


class UnexpectedError(ServerError):
    """What the real server answers for any unhandled exception."""

    def __init__(self) -> None:
        super().__init__("An unexpected error occurred on the server!")


class InternalError(UnexpectedError):
    """A Python or SQL exception inside a handler: the app answers the generic 500, but inside
    ``handle_exceptions`` its text shows (``detail``)."""

    def __init__(self, detail: str) -> None:
        super().__init__()
        self.detail = detail


class UnexpectedDetail(ServerError):
    """``handle_exceptions`` (backend error_handling.py) turns other exceptions into this 500."""

    def __init__(self, detail: str) -> None:
        super().__init__("An unexpected error occurred: " + detail)


class NotImplementedInSimulator(V6Error):
    """A route of the real server the simulator does not serve (listed in COVERAGE.md)."""

    status = 501

    def __init__(self, what: str) -> None:
        super().__init__(f"{what} is not implemented in the simulator (see COVERAGE.md)")


def invalid_body(errors: Any) -> BadRequest:
    return BadRequest("Request body is incorrect", errors)


def handle_exceptions(handler):
    """backend/common/resource/error_handling.py: the handler's own 400/401/404 errors pass;
    anything else becomes 500 ``{"msg": "An unexpected error occurred: <str(exception)>"}``."""
    from functools import wraps

    from simulator.core.http import HttpError

    @wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except InternalError as exc:
            raise UnexpectedDetail(exc.detail)
        except (BadRequest, Unauthorized, NotFound, UnexpectedError, UnexpectedDetail):
            raise
        except HttpError as exc:  # werkzeug exceptions raised by request.get_json()
            raise UnexpectedDetail(exc.text)
        except V6Error as exc:
            raise UnexpectedDetail(exc.msg)
        except Exception as exc:
            raise UnexpectedDetail(str(exc))

    return wrapper

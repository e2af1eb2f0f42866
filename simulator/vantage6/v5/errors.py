"""HQ 5.0.3's ``handle_exceptions`` (backend/common/resource/error_handling.py): the resource's
own 400/401/403/404 errors keep their status; any other exception becomes 500
``{"msg": "An unexpected error occurred: <str(exception)>"}``, its text included."""
from __future__ import annotations

from functools import wraps

from simulator.core.http import HttpError
from simulator.vantage6.errors import (
    BadRequest,
    Forbidden,
    NotFound,
    Unauthorized,
    UnexpectedDetail,
    UnexpectedError,
    V6Error,
)

PASSED = (BadRequest, Forbidden, NotFound, Unauthorized, UnexpectedDetail, UnexpectedError)


def handle_exceptions(handler):
    @wraps(handler)
    def wrapper(*args, **kwargs):
        try:
            return handler(*args, **kwargs)
        except PASSED:
            raise
        except HttpError as exc:  # werkzeug's errors of request.get_json()
            raise UnexpectedDetail(exc.text)
        except V6Error as exc:
            raise UnexpectedDetail(exc.msg)
        except Exception as exc:
            raise UnexpectedDetail(str(exc))

    return wrapper

"""Time as a network sees it: the wall clock by default, or a simulated clock that only moves when told.

Every timestamp the simulator writes (JWT iat/exp, created_at, assigned/started/finished_at) comes from
a network's clock, so a simulated clock makes runs deterministic and lets tests expire tokens at will.
"""
from __future__ import annotations

import datetime as dt
import threading
import time


class Clock:
    """Wall clock (``start=None``) or simulated clock starting at ``start`` (UTC)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._lock = threading.Lock()
        self.simulated = start is not None
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=dt.timezone.utc)
        self._now = start

    def now(self) -> dt.datetime:
        """Current time, timezone-aware UTC."""
        if not self.simulated:
            return dt.datetime.now(dt.timezone.utc)
        with self._lock:
            return self._now  # type: ignore[return-value]

    def timestamp(self) -> float:
        return time.time() if not self.simulated else self.now().timestamp()

    def advance(self, seconds: float) -> dt.datetime:
        """Move a simulated clock forward; a wall clock cannot be moved."""
        if not self.simulated:
            raise RuntimeError("advance() needs a simulated clock: Clock(start=...)")
        with self._lock:
            self._now = self._now + dt.timedelta(seconds=seconds)  # type: ignore[operator]
            return self._now


def iso_naive(value: dt.datetime | None) -> str | None:
    """The real server's datetime output (marshmallow's ``isoformat()``): naive UTC, or None.

    Like the real server, microseconds are omitted when they are zero."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat()

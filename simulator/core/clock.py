"""Time as a network sees it: the wall clock by default, or a simulated clock that only moves when
told, with timers that fire as it moves.

Every timestamp the simulator writes (JWT iat/exp, created_at, assigned/started/finished_at) comes from
a network's clock, so a simulated clock makes runs deterministic and lets tests expire tokens at will.
On a simulated clock, ``call_later`` schedules work at a simulated time and ``advance`` fires it in
time order, setting the clock to each timer's time first: a discrete-event simulation, with no real
waiting anywhere.
"""
from __future__ import annotations

import datetime as dt
import heapq
import itertools
import threading
import time
from typing import Callable, Optional

from simulator.core import confinement


class Clock:
    """Wall clock (``start=None``) or simulated clock starting at ``start`` (UTC)."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self._lock = threading.Lock()
        self.simulated = start is not None
        if start is not None and start.tzinfo is None:
            start = start.replace(tzinfo=dt.timezone.utc)
        self._now = start
        self._timers: list[tuple[dt.datetime, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._firing = threading.RLock()  # one thread fires timers at a time (re-entrant)

    def now(self) -> dt.datetime:
        """Current time, timezone-aware UTC."""
        if not self.simulated:
            return dt.datetime.now(dt.timezone.utc)
        with self._lock:
            return self._now  # type: ignore[return-value]

    def timestamp(self) -> float:
        return time.time() if not self.simulated else self.now().timestamp()

    # ------------------------------------------------------------------ timers
    def call_later(self, seconds: float, action: Callable[[], None]) -> None:
        """Run ``action`` once the clock has moved ``seconds`` on (simulated clocks only)."""
        if not self.simulated:
            raise RuntimeError("timers need a simulated clock: Clock(start=...)")
        with self._lock:
            due = self._now + dt.timedelta(seconds=max(0.0, seconds))  # type: ignore[operator]
            heapq.heappush(self._timers, (due, next(self._order), action))

    def clear_timers(self) -> None:
        """Forget every timer (a world being rebuilt must not be touched by the old one's)."""
        with self._lock:
            self._timers.clear()

    def pending(self) -> int:
        """How many timers wait to fire."""
        with self._lock:
            return len(self._timers)

    def next_due(self) -> Optional[dt.datetime]:
        with self._lock:
            return self._timers[0][0] if self._timers else None

    def advance(self, seconds: float) -> dt.datetime:
        """Move a simulated clock forward, firing every timer that falls due on the way, each at
        its own time and in order (a timer may schedule more timers, or advance further).
        A negative ``seconds`` turns the clock back without firing anything."""
        if not self.simulated:
            raise RuntimeError("advance() needs a simulated clock: Clock(start=...)")
        with self._lock:
            target = self._now + dt.timedelta(seconds=seconds)  # type: ignore[operator]
            if seconds < 0:  # turning the clock back (skew, tokens from the future): no timers
                self._now = target
                return target
        with self._firing:
            while True:
                with self._lock:
                    if not self._timers or self._timers[0][0] > target:
                        self._now = max(self._now, target)  # type: ignore[type-var]
                        return self._now  # type: ignore[return-value]
                    due, _, action = heapq.heappop(self._timers)
                    self._now = max(self._now, due)  # type: ignore[type-var]
                # a timer is the simulator's work, even when a run's sleep fires it
                simulator_side = confinement.lifted()
                try:
                    action()
                finally:
                    confinement.restore(simulator_side)

    def run_until_idle(self, limit: float = 86_400.0) -> dt.datetime:
        """Advance until no timer is left (at most ``limit`` simulated seconds)."""
        end = self.now() + dt.timedelta(seconds=limit)
        while True:
            due = self.next_due()
            if due is None or due > end:
                return self.now()
            self.advance((due - self.now()).total_seconds())


def iso_naive(value: dt.datetime | None) -> str | None:
    """The real server's datetime output (marshmallow's ``isoformat()``): naive UTC, or None.

    Like the real server, microseconds are omitted when they are zero."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat()

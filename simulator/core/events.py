"""A network's event trace: what happened, when (on the network's clock), for tests to assert on,
and a hook for parts of the simulator that react to events (simulated nodes, socket rooms)."""
from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from simulator.core.clock import Clock


@dataclass(frozen=True)
class Event:
    at: dt.datetime
    name: str
    data: dict = field(default_factory=dict)
    room: str | None = None


Listener = Callable[[Event], None]


class EventTrace:
    def __init__(self, clock: Clock, keep: int = 100_000) -> None:
        self.clock = clock
        self.keep = keep
        self._events: list[Event] = []
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()

    def emit(self, name: str, data: dict[str, Any] | None = None, room: str | None = None) -> Event:
        event = Event(self.clock.now(), name, dict(data or {}), room)
        with self._lock:
            self._events.append(event)
            if len(self._events) > self.keep:  # bounded: a long soak must not grow without end
                del self._events[: len(self._events) - self.keep]
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)
        return event

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def events(self, name: str | None = None) -> list[Event]:
        with self._lock:
            return [e for e in self._events if name is None or e.name == name]

    def clear(self) -> None:
        with self._lock:
            self._events.clear()

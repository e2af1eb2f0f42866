"""When the phases of a run happen.

``instant`` (the default): a node picks up, starts and finishes a run at once, within the request
that created the task. ``realistic``: each phase takes simulated time on the network's clock —
the node picks the run up (``pickup_seconds``: the socket event and its queue), starts the
container (``startup_seconds``: the run is ``initializing`` inside the node, still ``pending`` with a
``started_at`` on the server, as on a real node), and the algorithm runs (``run_seconds``) before
the result is reported. A node's ``speed`` divides the times (2.0 is twice as fast). Nothing sleeps:
tests advance the clock, or poll with a ``time.sleep`` that advances it (see ``virtual_time``).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable

if TYPE_CHECKING:
    from simulator.core.clock import Clock
    from simulator.core.events import EventTrace

log = logging.getLogger(__name__)
INSTANT, REALISTIC = "instant", "realistic"
LIFECYCLES = (INSTANT, REALISTIC)


@dataclass
class Lifecycle:
    mode: str = INSTANT
    pickup_seconds: float = 1.0
    startup_seconds: float = 2.0
    run_seconds: float = 5.0

    def __post_init__(self) -> None:
        if self.mode not in LIFECYCLES:
            raise ValueError(f"lifecycle must be one of {LIFECYCLES}, not {self.mode!r}")

    @property
    def realistic(self) -> bool:
        return self.mode == REALISTIC

    @classmethod
    def from_config(cls, mode: str | None, config: dict) -> "Lifecycle":
        known = {"pickup_seconds", "startup_seconds", "run_seconds"}
        return cls(mode or config.get("lifecycle", INSTANT),
                   **{k: float(v) for k, v in config.items() if k in known})

    def later(self, clock: "Clock", events: "EventTrace", phase: str, speed: float,
              action: Callable[[], None]) -> None:
        """Do ``action`` after ``phase`` (pickup, startup, run) at this node's speed."""
        if not self.realistic:
            action()
            return
        seconds = getattr(self, f"{phase}_seconds") / max(speed, 1e-9)
        clock.call_later(seconds, lambda: _guard(action, events))


def _guard(action: Callable[[], None], events: "EventTrace") -> None:
    """A timer fires inside whoever advanced the clock: never let a node's fault escape there."""
    try:
        action()
    except Exception:
        log.exception("a simulated node failed")
        events.emit("simulator_error", {"where": "node"})

"""``time.sleep`` that moves a simulated clock instead of waiting, in the threads that ask for it.

Polling code (``UserClient.wait_for_results``, ``AlgorithmClient.wait_for_results``, a user's own
loop) sleeps between polls. Inside ``sleeping_on(clock)`` a sleep in *this thread* advances that
clock — firing the timers that make runs progress — and returns at once; other threads, and code
outside the block, sleep for real. Code that bound ``from time import sleep`` before is unaffected.
"""
from __future__ import annotations

import contextlib
import threading
import time
from typing import Iterator

from simulator.core.clock import Clock

_real_sleep = time.sleep
_local = threading.local()
_lock = threading.Lock()
_users = 0


def _sleep(seconds: float) -> None:
    clocks = getattr(_local, "clocks", None)
    if clocks:
        clocks[-1].advance(seconds)
    else:
        _real_sleep(seconds)


@contextlib.contextmanager
def sleeping_on(clock: Clock) -> Iterator[None]:
    global _users
    with _lock:
        _users += 1
        time.sleep = _sleep
    stack = getattr(_local, "clocks", None)
    if stack is None:
        stack = _local.clocks = []
    stack.append(clock)
    try:
        yield
    finally:
        stack.pop()
        with _lock:
            _users -= 1
            if _users == 0:
                time.sleep = _real_sleep


def real_sleep(seconds: float) -> None:
    """A real pause, whatever the block around it says."""
    _real_sleep(seconds)

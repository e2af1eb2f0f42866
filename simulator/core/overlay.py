"""Something put up while at least one user needs it, and taken down after the last one: how the
in-process runs' overlays live (``os.environ`` and the output streams, the file guards), so that
nothing of them stays in the process between runs."""
from __future__ import annotations

import threading
from typing import Callable, Optional


class WhileInUse:
    def __init__(self, put_up: Callable[[], None], take_down: Callable[[], None],
                 lock: Optional[threading.Lock] = None) -> None:
        self._put_up, self._take_down = put_up, take_down
        self.lock = lock or threading.Lock()  # also held by whoever reads what is put up
        self._users = 0

    def enter(self) -> None:
        with self.lock:
            self._users += 1
            if self._users == 1:
                self._put_up()

    def leave(self) -> None:
        with self.lock:
            self._users -= 1
            if self._users == 0:
                self._take_down()

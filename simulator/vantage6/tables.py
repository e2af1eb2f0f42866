"""How the real server's database numbers and orders rows: autoincrement ids that are never
reused, association tables scanned in insertion order, collections assigned in place."""
from __future__ import annotations

from typing import Optional


class Sequence:
    """An autoincrement id: the next id is one above the highest id ever handed out, so ids of
    deleted records are not reused. An explicit id (from a scenario) moves the sequence past it."""

    def __init__(self) -> None:
        self.last = 0

    def take(self, wanted: Optional[int] = None) -> int:
        if wanted is not None:
            if not isinstance(wanted, int) or isinstance(wanted, bool) or wanted < 0:
                # 0 too: a database stores an explicit 0 (vantage6's mock numbers from 0)
                raise ValueError(f"an id must be an integer >= 0, not {wanted!r}")
            self.last = max(self.last, wanted)
            return wanted
        self.last += 1
        return self.last


class Links:
    """A many-to-many table without a primary key (Member, StudyMember, Permission, ...).

    SQLite numbers its rows in insertion order and the real server's queries scan them in that
    order, so several lists come back in the order the links were made, not by id."""

    def __init__(self) -> None:
        self._rowid: dict[tuple[int, int], int] = {}
        self._last = 0

    def add(self, left: int, right: int) -> None:
        self._last += 1
        self._rowid.setdefault((left, right), self._last)

    def remove(self, left: int, right: int) -> None:
        self._rowid.pop((left, right), None)

    def rowid(self, left: int, right: int) -> float:
        return self._rowid.get((left, right), float("inf"))

    def ordered(self) -> list[tuple[int, int]]:
        return sorted(self._rowid, key=self._rowid.__getitem__)


def replace_in_place(current: list, wanted: list) -> tuple[list, list]:
    """Assigning a list to a SQLAlchemy collection: links that stay keep their rows (and so their
    place), dropped ones are deleted and new ones are inserted after them, in the given order."""
    removed = [x for x in current if x not in wanted]
    added = []
    for x in wanted:
        if x not in current and x not in added:
            added.append(x)
    return removed, added

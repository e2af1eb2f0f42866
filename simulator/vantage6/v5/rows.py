"""Ways HQ 5.0.3's SQLite tables behave that the 4.x state does not model.

* Ids are SQLite rowids without AUTOINCREMENT: a new row gets one above the highest id in the
  table now, so deleting the newest organization and creating another gives the same id again
  (users and nodes share the ``authenticatable`` table).
* ``Member`` and ``StudyMember`` rows have no unique key: adding an organization to a
  collaboration (or study) it is already in appends a second row. Lists show it once (DISTINCT
  and SQLAlchemy's identity map), but any later delete of that pair, by a request or a cascade,
  finds two rows where SQLAlchemy expects one and fails the flush (``StaleDataError``, a 500),
  rolling the flush back.
* A session's owner and collaboration are NOT NULL foreign keys without a cascade: deleting a
  user who owns sessions, or a collaboration whose sessions were not deleted first, fails.
"""
from __future__ import annotations

from collections import Counter
from typing import Iterable, Optional

from simulator.vantage6.tables import Sequence

MEMBER, STUDY_MEMBER = "Member", "StudyMember"


class RowidSequence(Sequence):
    def __init__(self, *tables: dict) -> None:
        super().__init__()
        self.tables = tables

    def take(self, wanted: Optional[int] = None) -> int:
        if wanted is not None:
            return super().take(wanted)
        return max((max(t, default=0) for t in self.tables), default=0) + 1


class NotNullFailure(Exception):
    """sqlite3's IntegrityError as SQLAlchemy words it: deleting a row would set a NOT NULL
    foreign key of the rows pointing at it (e.g. a user's sessions) to NULL."""

    def __init__(self, table: str, column: str, ids: list[int]) -> None:
        rows = [f"(None, {i})" for i in ids]
        params = rows[0] if len(rows) == 1 else "[" + ", ".join(rows) + "]"
        super().__init__(f"(sqlite3.IntegrityError) NOT NULL constraint failed: {table}.{column}"
                         f"\n[SQL: UPDATE {table} SET {column}=? WHERE {table}.id = ?]\n"
                         f"[parameters: {params}]\n"
                         "(Background on this error at: https://sqlalche.me/e/20/gkpj)")


class StaleRows(Exception):
    """SQLAlchemy's StaleDataError: a delete matched more rows than it expected."""


class RepeatedLinks:
    """How many extra rows each (table, organization, collaboration or study) pair has."""

    def __init__(self) -> None:
        self._extra: Counter = Counter()

    def add(self, table: str, org_id: int, other_id: int) -> None:
        self._extra[(table, org_id, other_id)] += 1

    def refuse(self, table: str, pairs: Iterable[tuple[int, int]]) -> None:
        """Raise as the flush that deletes these pairs would, if one of them is repeated."""
        for org_id, other_id in pairs:
            extra = self._extra[(table, org_id, other_id)]
            if extra:
                raise StaleRows(f"DELETE statement on table '{table}' expected to delete 1 "
                                f"row(s); Only {extra + 1} were matched.")

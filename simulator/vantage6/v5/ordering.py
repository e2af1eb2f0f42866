"""The order of HQ 5.0.3's user and node lists when no ``sort`` is given (observed on 5.0.3
over SQLite, no ORDER BY; see simulator/vantage6/ordering.py for how plans decide it).

Users: as 4.15.2's, except that a plain list by a global viewer comes in username order (the
UNIQUE index on ``username``; 4.15.2 scanned the e-mail index). Nodes: in name order only for
a global viewer without filters, or filtering on the name (and last seen) alone; otherwise in
id order: 4.15.2's study and collaboration-scope name scans are gone.
"""
from __future__ import annotations

from simulator.vantage6 import ordering as ordering4
from simulator.vantage6.permissions import GLO


def users(items, filters: set, scoped: bool, state, role=None, rule=None,
          sorting: bool = False) -> list:
    if not (filters or scoped or sorting) and role is None and rule is None:
        return ordering4.by_text(items, "username")
    return ordering4.users(items, filters, scoped, state, role=role, rule=rule,
                           sorting=sorting)


def nodes(items, filters: set, scope: str, sorting: bool = False) -> list:
    f = {"last_seen" if x.startswith("last_seen") else x for x in filters}
    name_scan = scope == GLO and f in (set(), {"name"}, {"name", "last_seen"})
    return ordering4.by_text(items, "name") if name_scan and not sorting else ordering4.by_id(items)

"""The order in which the real server's list queries return rows when no ``sort`` is given.

None of those queries has an ORDER BY, so SQLite returns rows in the order of the plan it picks:
a scan of the primary key (id order), of a UNIQUE index (e.g. user email, node name), or of an
association table (the order the links were made). Without ANALYZE the planner's choice depends
only on the query's shape, so each list maps the filters it applied to the plan SQLite chooses
(found with EXPLAIN QUERY PLAN on the real queries with bound parameters, as the server runs
them; see tools/DIFF_NOTES.md). Single filters are exact; some combinations of several filters
are approximations.
"""
from __future__ import annotations

from typing import Callable, Iterable

INF = float("inf")


def by_id(items: Iterable) -> list:
    return sorted(items, key=lambda x: x.id)


def by_text(items: Iterable, attr: str) -> list:
    # a UNIQUE index: NULLs first, then SQLite's BINARY collation (code point order)
    return sorted(items, key=lambda x: (getattr(x, attr) is not None, getattr(x, attr) or ""))


def by_rowid(items: Iterable, rowid: Callable) -> list:
    return sorted(items, key=rowid)


# ------------------------------------------------------------------------------ per list
def users(items, filters: set, scoped: bool, state, role=None, rule=None,
          sorting: bool = False) -> list:
    """GET /user. ``filters`` holds the query arguments applied; ``scoped`` is True when a
    collaboration or organization permission filter was added. With a ``sort`` the plan scans
    the table itself (ties in id order) unless an association table drives it."""
    if role is not None and (rule is None or not scoped and "organization_id" not in filters):
        return by_rowid(items, lambda u: state.permission.rowid(role.id, u.id))  # SCAN Permission
    if rule is not None:  # SCAN UserPermission
        return by_rowid(items, lambda u: state.user_permission.rowid(rule.id, u.id))
    if sorting:
        return by_id(items)
    seen = {"last_seen_from", "last_seen_till"}
    if not scoped and filters <= {"email"} | seen and (not filters or "email" in filters):
        return by_text(items, "email")  # SCAN user USING INDEX (email)
    if not scoped and "username" in filters and filters <= {"username"} | seen:
        return by_text(items, "username")  # SCAN user USING INDEX (username)
    return by_id(items)


def nodes(items, filters: set, scope: str, sorting: bool = False) -> list:
    """GET /node. ``scope`` is the caller's view scope: glo, col or org. With a ``sort`` the
    plan scans the table itself: ties in id order."""
    if sorting:
        return by_id(items)
    f = {"last_seen" if x.startswith("last_seen") else x for x in filters}
    name_scan = False
    if scope == "glo":
        name_scan = f in ({"name"}, {"name", "last_seen"}, set()) or (
            "study_id" in f and f <= {"study_id", "name"})
    elif scope == "col":
        name_scan = f in ({"study_id"}, {"study_id", "name"}, {"study_id", "name", "last_seen"})
    elif scope == "org" and not f & {"organization_id", "collaboration_id"}:
        name_scan = "study_id" in f or (bool(f & {"status", "ip"})
                                        and f <= {"status", "ip", "name", "last_seen"})
    return by_text(items, "name") if name_scan else by_id(items)


def organizations(items, filters: set, scope: str, collaboration=None, study=None) -> list:
    """GET /organization: a glo caller filtering on a collaboration or study gets the rows of
    Member / StudyMember in link order; an ``ids`` or scope filter (IN list) gives id order."""
    if scope == "glo" and "ids" not in filters:
        if collaboration is not None:
            return _in_list_order(items, collaboration.organizations)
        if study is not None:
            return _in_list_order(items, study.organizations)
    return by_id(items)


def collaborations(items, state, scope: str, organization=None) -> list:
    """GET /collaboration: glo with organization_id scans that org's Member rows; a v_org
    caller's join scans all Member rows, so each collaboration comes at its first link."""
    if scope == "glo" and organization is not None:
        return _in_list_order(items, organization.collaborations)
    if scope == "org":
        first = _first_rowids(state.member.ordered(), 1)
        return by_rowid(items, lambda c: first.get(c.id, INF))
    return by_id(items)


def studies(items, state, scope: str, organization=None) -> list:
    """GET /study: like /collaboration, with StudyMember."""
    if organization is not None and scope in ("glo", "col"):
        return _in_list_order(items, organization.studies)
    if scope == "org":
        first = _first_rowids(state.study_member.ordered(), 1)
        return by_rowid(items, lambda s: first.get(s.id, INF))
    return by_id(items)


def roles(items, scope: str, rule=None, user=None, by_organization: bool = False) -> list:
    """GET /role: rule_id scans role_rule_association, user_id scans Permission, unless the
    caller only sees its own roles (an IN list on the role id comes first). With both, an
    organization_id filter (without include_root) makes SQLite scan the roles themselves."""
    if scope == "own" or (rule is not None and user is not None and by_organization):
        return by_id(items)
    if rule is not None:
        return _in_list_order(items, rule.roles)
    if user is not None:
        return _in_list_order(items, user.roles)
    return by_id(items)


def _in_list_order(items, ordered: list) -> list:
    pos = {id(x): i for i, x in enumerate(ordered)}
    return sorted(items, key=lambda x: pos.get(id(x), INF))


def _first_rowids(rows: list[tuple[int, int]], index: int) -> dict[int, int]:
    first: dict[int, int] = {}
    for n, row in enumerate(rows):
        first.setdefault(row[index], n)
    return first

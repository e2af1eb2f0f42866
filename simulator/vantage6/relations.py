"""What ``?sort=<relationship>`` does on the real server.

``Pagination._add_sorting`` accepts any model attribute. A relationship becomes its join condition
in the ORDER BY (e.g. ``organization.id = node.organization_id``), which adds the related table to
the FROM list without a join: every record is paired with every row of that table. After DISTINCT
each record appears once per value the condition takes over those rows (NULL, 0 or 1), the rows
are sorted on it, the page is cut from the rows, and the ORM then drops repeated records. A
record whose related table is empty has no row at all.

Each entry below says, for one relationship, which values a record gets: a ``prepare(state)``
returns ``values(record) -> set``.
"""
from __future__ import annotations

from collections import Counter
from typing import Callable, Iterable, Optional


def _id(obj) -> Optional[int]:
    return obj.id if obj is not None else None


def one_to_many(rows_of: Callable, fk: Callable):
    """The related rows point at the record (``organization.id = node.organization_id``)."""
    def prepare(state):
        fks = [fk(row) for row in rows_of(state)]
        nulls = any(f is None for f in fks)
        counts = Counter(f for f in fks if f is not None)
        total = sum(counts.values())

        def values(record) -> set:
            mine = counts[record.id]
            return ({None} if nulls else set()) | ({1} if mine else set()) | (
                {0} if total - mine else set())
        return values
    return prepare


def many_to_one(targets_of: Callable, fk: Callable):
    """The record points at a related row (``organization.id = node.organization_id``)."""
    def prepare(state):
        ids = {t.id for t in targets_of(state)}

        def values(record) -> set:
            if not ids:
                return set()
            ref = fk(record)
            if ref is None:
                return {None}
            hit = ref in ids
            return ({1} if hit else set()) | ({0} if len(ids) - hit else set())
        return values
    return prepare


def many_to_many(pairs_of: Callable, targets_of: Callable):
    """Through an association table: record side first in each (record id, target id) pair."""
    def prepare(state):
        pairs = pairs_of(state)
        ids = {t.id for t in targets_of(state)}
        hits = Counter(left for left, right in pairs if right in ids)
        combos = len(pairs) * len(ids)

        def values(record) -> set:
            mine = hits[record.id]
            return ({1} if mine else set()) | ({0} if combos - mine else set())
        return values
    return prepare


def _flip(pairs: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    return [(b, a) for a, b in pairs]


def _nothing(state) -> list:
    return []  # algorithm stores and VPN ports do not exist in the simulator


_orgs = lambda s: s.organizations.values()  # noqa: E731
_cols = lambda s: s.collaborations.values()  # noqa: E731
_nodes = lambda s: s.nodes.values()  # noqa: E731
_users = lambda s: s.users.values()  # noqa: E731
_roles = lambda s: s.roles.values()  # noqa: E731
_rules = lambda s: s.rules.values()  # noqa: E731
_studies = lambda s: s.studies.values()  # noqa: E731
_tasks = lambda s: s.tasks.values()  # noqa: E731
_runs = lambda s: [*s.runs.values(), *s.orphan_runs.values()]  # noqa: E731

RELATIONSHIPS: dict[str, dict[str, Callable]] = {
    "Organization": {
        "collaborations": many_to_many(lambda s: s.member.ordered(), _cols),
        "runs": one_to_many(_runs, lambda r: r.organization.id),
        "nodes": one_to_many(_nodes, lambda n: _id(n.organization)),
        "users": one_to_many(_users, lambda u: _id(u.organization)),
        "tasks": one_to_many(_tasks, lambda t: t.init_org.id),
        "roles": one_to_many(_roles, lambda r: _id(r.organization)),
        "studies": many_to_many(lambda s: s.study_member.ordered(), _studies),
    },
    "Collaboration": {
        "organizations": many_to_many(lambda s: _flip(s.member.ordered()), _orgs),
        "nodes": one_to_many(_nodes, lambda n: _id(n.collaboration)),
        "tasks": one_to_many(_tasks, lambda t: t.collaboration.id),
        "studies": one_to_many(_studies, lambda st: st.collaboration.id),
        "algorithm_stores": one_to_many(_nothing, lambda x: None),
    },
    "Node": {
        "collaboration": many_to_one(_cols, lambda n: _id(n.collaboration)),
        "organization": many_to_one(_orgs, lambda n: _id(n.organization)),
        "config": one_to_many(lambda s: [n.id for n in s.nodes.values() for _ in n.config]
                              + [None] * s.orphan_node_configs, lambda node_id: node_id),
    },
    "User": {
        "organization": many_to_one(_orgs, lambda u: _id(u.organization)),
        "roles": many_to_many(lambda s: _flip(s.permission.ordered()), _roles),
        "rules": many_to_many(lambda s: _flip(s.user_permission.ordered()), _rules),
        "created_tasks": one_to_many(_tasks, lambda t: _id(t.init_user)),
    },
    "Role": {
        "rules": many_to_many(lambda s: s.role_rule.ordered(), _rules),
        "organization": many_to_one(_orgs, lambda r: _id(r.organization)),
        "users": many_to_many(lambda s: s.permission.ordered(), _users),
    },
    "Rule": {
        "roles": many_to_many(lambda s: _flip(s.role_rule.ordered()), _roles),
        "users": many_to_many(lambda s: s.user_permission.ordered(), _users),
    },
    "Study": {
        "collaboration": many_to_one(_cols, lambda st: st.collaboration.id),
        "organizations": many_to_many(lambda s: _flip(s.study_member.ordered()), _orgs),
        "tasks": one_to_many(_tasks, lambda t: _id(t.study)),
    },
    "Task": {
        "collaboration": many_to_one(_cols, lambda t: t.collaboration.id),
        "parent": many_to_one(_tasks, lambda t: _id(t.parent)),
        "runs": one_to_many(_runs, lambda r: _id(r.task)),
        "results": one_to_many(_runs, lambda r: _id(r.task)),
        "init_org": many_to_one(_orgs, lambda t: t.init_org.id),
        "init_user": many_to_one(_users, lambda t: _id(t.init_user)),
        "databases": one_to_many(lambda s: [t.id for t in s.tasks.values() for _ in t.databases]
                                 + [None] * s.orphan_task_databases, lambda task_id: task_id),
        "study": many_to_one(_studies, lambda t: _id(t.study)),
        "algorithm_store": many_to_one(_nothing, lambda t: None),
        "children": one_to_many(_tasks, lambda t: _id(t.parent)),
    },
    "Run": {
        "task": many_to_one(_tasks, lambda r: _id(r.task)),
        "organization": many_to_one(_orgs, lambda r: r.organization.id),
        "ports": one_to_many(_nothing, lambda x: None),
    },
}

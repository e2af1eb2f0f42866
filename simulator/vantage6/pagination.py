"""List pages as backend/common/resource/pagination.py builds them: ``page``/``per_page``/``sort``
parsing with the real errors, the ``links`` dict, and the ``total-count``/``Link`` headers."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from simulator.vantage6.errors import ServerError, UnexpectedError

DEFAULT_PER_PAGE = 10

# Sortable columns per model (the real server sorts by any model attribute that exists; names
# that exist but are not columns, such as relationships, make the SQL fail: a generic 500).
_id = lambda o: o.id  # noqa: E731
_ref = lambda attr: (lambda o: getattr(getattr(o, attr), "id", None))  # noqa: E731
COLUMNS: dict[str, dict[str, Callable[[Any], Any]]] = {
    "Organization": {k: (lambda o, k=k: getattr(o, k)) for k in
                     ("id", "name", "domain", "address1", "address2", "zipcode", "country")}
    | {"_public_key": lambda o: o.public_key},
    "Collaboration": {"id": _id, "name": lambda o: o.name, "encrypted": lambda o: o.encrypted},
    "Node": {k: (lambda o, k=k: getattr(o, k)) for k in ("id", "ip", "last_seen", "status", "name")}
    | {"type": lambda o: "node", "api_key": lambda o: o.api_key_hash,
       "collaboration_id": _ref("collaboration"), "organization_id": _ref("organization")},
    "User": {k: (lambda o, k=k: getattr(o, k)) for k in
             ("id", "ip", "last_seen", "status", "username", "firstname", "lastname", "email",
              "failed_login_attempts", "last_login_attempt", "otp_secret",
              "last_email_failed_login_sent", "last_email_recover_password_sent")}
    | {"type": lambda o: "user", "password": lambda o: o.password_hash,
       "organization_id": _ref("organization")},
    "Role": {"id": _id, "name": lambda o: o.name, "description": lambda o: o.description,
             "is_default_role": lambda o: o.is_default_role, "organization_id": _ref("organization")},
    "Rule": {"id": _id, "name": lambda o: o.name, "operation": lambda o: o.operation,
             "scope": lambda o: o.scope, "description": lambda o: o.description},
    "Study": {"id": _id, "name": lambda o: o.name, "collaboration_id": _ref("collaboration")},
    "Task": {k: (lambda o, k=k: getattr(o, k)) for k in
             ("id", "name", "description", "image", "job_id", "created_at")}
    | {"collaboration_id": _ref("collaboration"), "study_id": _ref("study"),
       "parent_id": _ref("parent"), "init_org_id": _ref("init_org"),
       "init_user_id": _ref("init_user"), "algorithm_store_id": lambda o: None},
    "Run": {k: (lambda o, k=k: getattr(o, k)) for k in
            ("id", "input", "result", "assigned_at", "started_at", "finished_at", "status", "log",
             "cleanup_at", "blob_storage_used")}
    | {"task_id": _ref("task"), "organization_id": _ref("organization")},
}
# attributes the real models have that are not sortable columns
OTHER_ATTRIBUTES = {"collaborations", "runs", "nodes", "users", "tasks", "roles", "studies",
                    "organizations", "algorithm_stores", "organization", "collaboration", "config",
                    "rules", "created_tasks", "task", "ports", "parent", "children", "init_org",
                    "init_user", "databases", "study", "algorithm_store", "results", "status",
                    "finished_at", "public_key", "node", "save", "delete", "get", "exists"}


@dataclass
class Page:
    items: list
    links: dict[str, str]
    headers: dict[str, Any]


def _sort(items: list, sort: str, model: str) -> list:
    columns = COLUMNS[model]
    keys = []
    for sorter in sort.split(","):
        sorter = sorter.strip()
        ascending = not sorter.startswith("-")
        if sorter.startswith(("+", "-")):
            sorter = sorter[1:]
        if sorter not in columns:
            if sorter in OTHER_ATTRIBUTES:
                raise UnexpectedError()
            raise ServerError(f"Cannot sort a '{model}' by '{sorter}' because it does not exist")
        keys.append((columns[sorter], ascending))
    # stable sorts, least significant key first; NULLs first ascending (SQLite), last descending
    for getter, ascending in reversed(keys):
        items = sorted(items, key=lambda o, g=getter: (g(o) is not None, g(o) if g(o) is not None
                                                       else 0), reverse=not ascending)
    return items


def paginate(items: Sequence, args: MultiDict, path: str, model: str,
             sort_is_primary: bool = True, paginate_: bool = True) -> Page:
    """``items`` are the filtered records in the real server's default order.

    ``sort_is_primary`` is False for lists the real server already orders (tasks, runs): there a
    ``sort`` argument only adds a secondary ORDER BY and changes nothing but is still validated.
    """
    total = len(items)
    if paginate_:
        try:
            page = int(args.get("page", 1))
            per_page = int(args.get("per_page", DEFAULT_PER_PAGE))
        except ValueError as exc:
            raise ServerError(str(exc))
        if page <= 0:
            raise ServerError("page needs to be >= 1")
        if per_page <= 0:
            raise ServerError("per_page needs to be >= 1")
    else:
        page, per_page = 1, total or 1
    if args.get("sort"):
        sorted_items = _sort(list(items), args["sort"], model)
        if sort_is_primary:
            items = sorted_items
    start = (page - 1) * per_page
    page_items = list(items[start:start + per_page])
    pages = int(math.ceil(total / float(per_page)))
    nav = {"first": 1, "previous": page - 1 if page > 1 else None, "self": page,
           "next": page + 1 if start + len(page_items) < total else None, "last": pages}
    query = args.copy()
    links = {}
    for rel, number in nav.items():
        if number:
            query["page"] = number
            links[rel] = f"{path}?{urlencode(query)}"
    headers = {"total-count": total,
               "Link": ",".join(f"<{url}>; rel={rel}" for rel, url in links.items()),
               "access-control-expose-headers": "total-count, Link"}
    return Page(page_items, links, headers)

"""List pages as backend/common/resource/pagination.py builds them: ``page``/``per_page``/``sort``
parsing with the real errors, the ``links`` dict, and the ``total-count``/``Link`` headers."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from simulator.vantage6.errors import InternalError, ServerError
from simulator.vantage6.relations import RELATIONSHIPS

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
# Attributes of the real models that are neither columns nor relationships (methods, properties,
# SQLAlchemy internals): ORDER BY rejects them, a 500 (see ``_not_an_expression``).
_MODEL_ATTRIBUTES = {"_delete", "_exists", "_get", "_hidden_attributes", "_sa_class_manager",
                     "_sa_registry", "_save", "delete", "exists", "get", "help", "metadata",
                     "registry", "save"}
OTHER_ATTRIBUTES: dict[str, set[str]] = {
    "Organization": _MODEL_ATTRIBUTES | {"get_by_name", "public_key"},
    "Collaboration": _MODEL_ATTRIBUTES | {"find_by_name", "get_node_from_organization",
                                          "get_nodes_from_organizations", "get_organization_ids",
                                          "get_task_ids"},
    "Node": _MODEL_ATTRIBUTES | {"_validate_api_key", "check_key", "exists_by_id",
                                 "get_by_api_key", "get_online_nodes", "hash"},
    "User": _MODEL_ATTRIBUTES | {"_validate_password", "can", "check_password", "get_by_email",
                                 "get_by_username", "get_first_user", "hash", "is_blocked",
                                 "set_password", "username_exists"},
    "Role": _MODEL_ATTRIBUTES | {"get_by_name"},
    "Rule": _MODEL_ATTRIBUTES | {"get_by_"},
    "Study": set(_MODEL_ATTRIBUTES),
    "Task": _MODEL_ATTRIBUTES | {"finished_at", "next_job_id", "status"},
    "Run": _MODEL_ATTRIBUTES | {"node"},
}
# where each classmethod / function comes from, for the messages handle_exceptions shows
_DEFINED_IN = {"_exists": "BaseModelBase", "_get": "BaseModelBase", "help": "BaseModelBase",
               "exists": "ModelBase", "get": "ModelBase"}
_FUNCTIONS = {"_delete": "BaseModelBase._delete() missing 2 required positional arguments: "
                         "'self' and 'db_session_mgr'",
              "_save": "BaseModelBase._save() missing 2 required positional arguments: 'self' "
                       "and 'db_session_mgr'",
              "delete": "ModelBase.delete() missing 1 required positional argument: 'self'",
              "save": "ModelBase.save() missing 1 required positional argument: 'self'"}


def _not_an_expression(model: str, name: str) -> InternalError:
    """The exception ORDER BY raises for a model attribute that is no SQL expression."""
    if name in _FUNCTIONS:
        return InternalError(_FUNCTIONS[name])
    if name == "_hidden_attributes":
        return InternalError("ORDER BY expression expected, got [].")
    if name == "metadata":
        return InternalError("ORDER BY expression expected, got MetaData().")
    owner = _DEFINED_IN.get(name, model)
    module = model.lower()
    return InternalError(f"Method <bound method {owner}.{name} of <class "
                         f"'vantage6.server.model.{module}.{model}'>> may not be passed as a SQL "
                         "expression")


@dataclass
class Page:
    items: list
    links: dict[str, str]
    headers: dict[str, Any]


def _sort_keys(sort: str, model: str, state, joined: tuple = ()) -> list[tuple[Callable, bool]]:
    """``_add_sorting``: one (values of a record, ascending) per comma-separated sorter.

    A relationship to a table the list's query already joins compares with that joined row, so
    it is always true (e.g. ``/run?sort=task``)."""
    columns = COLUMNS[model]
    relationships = RELATIONSHIPS.get(model, {})
    keys = []
    for sorter in sort.split(","):
        sorter = sorter.strip()
        ascending = not sorter.startswith("-")
        if sorter.startswith(("+", "-")):
            sorter = sorter[1:]
        if sorter in columns:
            keys.append((lambda o, g=columns[sorter]: [g(o)], ascending))
        elif sorter in joined:
            keys.append((lambda o: [1], ascending))
        elif sorter in relationships:
            values = relationships[sorter](state)
            keys.append((lambda o, v=values: sorted(v(o), key=_sql_order), ascending))
        elif sorter in OTHER_ATTRIBUTES.get(model, ()) or _is_python_attribute(sorter):
            raise _not_an_expression(model, sorter)
        else:
            raise ServerError(f"Cannot sort a '{model}' by '{sorter}' because it does not exist")
    return keys


def _is_python_attribute(name: str) -> bool:
    # every class has these (``__class__``, ``__init__``, ...): no SQL expression either
    return name.startswith("__") and (hasattr(_Model, name) or name in (
        "__table__", "__tablename__", "__mapper__", "__abstract__"))


class _Model:
    pass


def _sql_order(value):
    """SQLite's ORDER BY: NULLs first (ascending)."""
    return (value is not None, value if value is not None else 0)


def _rows(items: list, keys: list[tuple[Callable, bool]], primary_id_desc: bool) -> list:
    """The SQL rows: a record once per combination of its sort values (a relationship sort can
    give a record several values, or none), ordered by the sort keys, stable on ties."""
    rows = []
    for item in items:
        combos = [()]
        for values, _ in keys:
            combos = [c + (v,) for c in combos for v in values(item)]
        rows += [(item, combo) for combo in combos]
    for i in reversed(range(len(keys))):
        rows.sort(key=lambda row, i=i: _sql_order(row[1][i]), reverse=not keys[i][1])
    if primary_id_desc:  # the list's own ORDER BY id DESC comes before the sort keys
        rows.sort(key=lambda row: row[0].id, reverse=True)
    return [item for item, _ in rows]


def _unique(rows: list) -> list:
    """The ORM hands back each record once per page, however many rows it had."""
    seen, out = set(), []
    for item in rows:
        if id(item) not in seen:
            seen.add(id(item))
            out.append(item)
    return out


def paginate(items: Sequence, args: MultiDict, path: str, model: str, state=None,
             sort_is_primary: bool = True, paginate_: bool = True, joined: tuple = ()) -> Page:
    """``items`` are the filtered records in the real server's default order.

    ``sort_is_primary`` is False for lists the real server already orders (tasks, runs): there a
    ``sort`` argument only adds a secondary ORDER BY (which matters only when a relationship
    sort repeats records).
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
    rows = list(items)
    if args.get("sort"):
        rows = _rows(rows, _sort_keys(args["sort"], model, state, joined), not sort_is_primary)
    start = (page - 1) * per_page
    page_items = _unique(rows[start:start + per_page])
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

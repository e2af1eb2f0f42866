"""How the real server's SQL filters behave on query-string values (SQLite, as the oracle runs)."""
from __future__ import annotations

import re
from functools import lru_cache
from typing import Any, Optional



@lru_cache(maxsize=512)
def _like_regex(pattern: str) -> re.Pattern:
    out = []
    for ch in pattern:
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
    return re.compile("".join(out), re.DOTALL | re.IGNORECASE)


def like(value: Optional[str], pattern: str) -> bool:
    """SQL ``LIKE``: ``%`` any run, ``_`` one character, ASCII case-insensitive (SQLite)."""
    return value is not None and _like_regex(pattern).fullmatch(value) is not None


def int_arg(value: Any) -> int:
    """``int(args[...])`` in a resource: a non-integer raises ValueError, as in the real server,
    which the app answers with the generic 500 (or ``handle_exceptions`` with its message)."""
    return int(value)


def int_eq(column_value: Optional[int], arg: str) -> bool:
    """``Column == args[...]`` on an integer column: SQLite converts a numeric string first."""
    if column_value is None:
        return False
    try:
        return float(arg) == column_value
    except ValueError:
        return False


def bool_eq(column_value: bool, arg: str) -> bool:
    """``Boolean column == args[...]``: SQLAlchemy binds the string; SQLite compares 1/0 to it."""
    return int_eq(int(bool(column_value)), arg)


def sqlite_datetime(value) -> Optional[str]:
    """A datetime as SQLAlchemy stores it in SQLite; the real filters compare these as strings."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%d %H:%M:%S.%f")


def sqlite_text(value: Any) -> Any:
    """A JSON scalar stored in a String column: SQLite's TEXT affinity turns numbers (and the
    1/0 a bool is bound as) into text, so 5 comes back as '5'."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # 5.0 -> '5.0', as SQLite writes a REAL as text (up to 15 digits)
    return value


def by_id(table: dict, value: Any):
    """``Model.get(value)`` with a query-string or body value: SQLite matches '02' and 2.0 to 2."""
    if value is None or isinstance(value, (list, dict)):
        return None
    if isinstance(value, int):
        return table.get(int(value))
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return table.get(int(number)) if number.is_integer() else None


def last_seen_filters(args, records: list) -> list:
    """``last_seen <= last_seen_till`` / ``>= last_seen_from``, compared as SQLite text."""
    if "last_seen_till" in args:
        records = [x for x in records
                   if x.last_seen and sqlite_datetime(x.last_seen) <= args["last_seen_till"]]
    if "last_seen_from" in args:
        records = [x for x in records
                   if x.last_seen and sqlite_datetime(x.last_seen) >= args["last_seen_from"]]
    return records

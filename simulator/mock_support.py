"""What the two drop-in mocks (simulator.mock_client for vantage6 4.x, simulator.mock_network for
5.x) share: vantage6's mocks hand an algorithm the Python objects a test gave, a real client sends
them as JSON, and the difference is worth saying before the algorithm runs."""
from __future__ import annotations

import contextlib
import functools
import json
import warnings
from typing import Any, Iterator, Optional


def json_difference(value: Any, path: str) -> Optional[str]:
    """Where ``value`` is not what comes back from JSON (tuples, non-string keys)."""
    if isinstance(value, tuple):
        return f"{path} is a tuple (a list in JSON)"
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(key, str):
                return f"{path} has the key {key!r} (the string {json.dumps(str(key))} in JSON)"
            found = json_difference(inner, f"{path}[{key!r}]")
            if found:
                return found
    if isinstance(value, list):
        for index, inner in enumerate(value):
            found = json_difference(inner, f"{path}[{index}]")
            if found:
                return found
    return None


def sent_as_json(value: Any, noun: str, path: str, plural: bool = False,
                 stacklevel: int = 3) -> bytes:
    """``value`` as a real client sends it (JSON, UTF-8). What JSON cannot hold is refused with a
    TypeError before anything runs; what JSON changes (tuples, non-string keys) is warned about,
    naming the place. ``noun`` names the value in the messages ("the task input")."""
    be, changes, subject, it = (("are", "change", "they", "them") if plural
                                else ("is", "changes", "it", "it"))
    try:
        serialized = json.dumps(value).encode("utf-8")
    except TypeError as exc:  # vantage6's mocks call the function with the objects themselves
        raise TypeError(
            f"{noun} {be} not JSON-serializable ({exc}): a real client sends {it} as JSON, so a "
            f"node could never receive {it}; convert numpy values with int(), float() or "
            ".tolist()") from exc
    changed = json_difference(value, path)
    if changed:
        warnings.warn(f"{noun} {changes} when {subject} {be} sent as JSON, as a real client "
                      f"sends {it}: {changed}; the algorithm gets the JSON version, as on a node",
                      UserWarning, stacklevel=stacklevel)
    return serialized


@functools.lru_cache(maxsize=None)
def failure_like(failure: type, base: type) -> Optional[type]:
    """A subclass of ``failure`` that is also a ``base`` (the exception an algorithm raised), so
    that ``pytest.raises(InputError)`` keeps working; None when their layouts cannot be combined
    (e.g. OSError or AttributeError)."""
    try:
        return type(base.__name__, (failure, base), {
            "__module__": failure.__module__,
            "__qualname__": f"{failure.__qualname__}[{base.__module__}.{base.__qualname__}]"})
    except TypeError:
        return None


def failure_of(failure: type, error: Optional[BaseException], *args: Any) -> BaseException:
    """``failure(*args)``, made an instance of ``error``'s class too where the two combine."""
    cls = failure_like(failure, type(error)) if isinstance(error, Exception) else None
    if cls is None:
        return failure(*args)
    made = cls.__new__(cls)
    failure.__init__(made, *args)
    return made


@contextlib.contextmanager
def proxy_failures(events: Any) -> Iterator[list[dict]]:
    """What the node proxy refused the algorithms while the block runs (``node_proxy_failed``
    on the network's event trace), for the error a failed run raises."""
    refused: list[dict] = []

    def listen(event: Any) -> None:
        if event.name == "node_proxy_failed":
            refused.append(event.data)

    unsubscribe = events.subscribe(listen)
    try:
        yield refused
    finally:
        unsubscribe()

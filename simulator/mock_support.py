"""What the two drop-in mocks (simulator.mock_client for vantage6 4.x, simulator.mock_network for
5.x) share: vantage6's mocks hand an algorithm the Python objects a test gave, a real client sends
them as JSON, and the difference is worth saying before the algorithm runs."""
from __future__ import annotations

import json
from typing import Any, Optional


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

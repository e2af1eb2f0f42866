"""Nomad job and device constraints, evaluated against a node (and a GPU of it)."""
from __future__ import annotations

import re
from typing import Optional

from simulator.papi.nomad.records import Gpu, Node


def _resolve(target: str, node: Node, gpu: Optional[Gpu] = None) -> Optional[str]:
    """The value a constraint's ``LTarget`` interpolates to on a node (or a GPU of it)."""
    match = re.fullmatch(r"\$\{(.+)\}", target or "")
    if not match:
        return target
    key = match.group(1)
    if key.startswith("meta."):
        return node.meta.get(key[5:])
    if key == "node.datacenter":
        return node.datacenter
    if key == "node.unique.name":
        return node.name
    if key == "device.model":
        return gpu.model if gpu else None
    return None


def holds(rule: dict, node: Node, gpu: Optional[Gpu] = None) -> bool:
    left = _resolve(rule.get("LTarget", ""), node, gpu)
    right = rule.get("RTarget", "")
    op = rule.get("Operand", "=")
    if op in ("=", "==", "is"):
        return left == right
    if op == "!=":
        return left != right
    if op == "regexp":
        return left is not None and re.search(right, left) is not None
    if op == "is_set":
        return left is not None
    if op == "is_not_set":
        return left is None
    if op == "set_contains":
        return left is not None and all(
            v.strip() in [p.strip() for p in left.split(",")] for v in right.split(","))
    return False



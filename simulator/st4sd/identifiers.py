"""Package identifiers (``name``, ``name:tag``, ``name@digest``), the service's digest of a
package, and its timestamps (st4sd-runtime-service ``apis/models/common.py``, ``constants.py``)."""
from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any, Optional

TIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"  # apis/models/constants.py
_PRIMITIVES = (float, int, bool, str)


def digest_of(obj: Any) -> str:
    """``DigestableBase.to_digest()``: sha256 over a depth-first walk (dict keys sorted, each value
    typed), ``"sha256x" + hexdigest`` truncated to 63 characters so it fits a k8s label."""
    remaining = [obj or {"what": "empty"}]
    sha256 = hashlib.sha256()
    while remaining:
        item = remaining.pop(0)
        if isinstance(item, _PRIMITIVES) or item is None:
            sha256.update(f"{type(item)}_{item!r}".encode("utf-8"))
        elif isinstance(item, dict):
            for key in sorted(item, reverse=True):
                remaining.insert(0, key)
                remaining.insert(1, item[key])
        elif isinstance(item, (list, tuple)):
            for value in item:
                remaining.insert(0, value)
        else:
            raise ValueError(f"Cannot generate hash of {item}")
    return f"sha256x{sha256.hexdigest()}"[:63]


class PackageIdentifier:
    """``name`` (means ``name:latest``), ``name:tag`` or ``name@digest``."""

    def __init__(self, identifier: str) -> None:
        if ":" not in identifier and "@" not in identifier:
            identifier = f"{identifier}:latest"
        self.identifier = identifier
        if self.is_tag == self.is_digest:
            raise ValueError(f"{identifier} cannot contain both a Tag and a Digest")

    @property
    def is_tag(self) -> bool:
        return ":" in self.identifier

    @property
    def is_digest(self) -> bool:
        return "@" in self.identifier

    @property
    def name(self) -> str:
        return self.identifier.rsplit(":" if self.is_tag else "@", 1)[0]

    @property
    def tag(self) -> Optional[str]:
        return self.identifier.rsplit(":", 1)[1] if self.is_tag else None

    @property
    def digest(self) -> Optional[str]:
        return self.identifier.rsplit("@", 1)[1] if self.is_digest else None


def created_on(now: dt.datetime) -> str:
    return now.astimezone(dt.timezone.utc).strftime(TIME_FORMAT)

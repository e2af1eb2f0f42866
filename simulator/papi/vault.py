"""The slice of Vault PAPI uses: a KV store per user and VO (``/secrets/users/<sub>/<vo>/...``)."""
from __future__ import annotations

import copy


def _norm(path: str) -> str:
    return "/" + "/".join(p for p in str(path).split("/") if p)


class Vault:
    def __init__(self) -> None:
        self._store: dict[tuple[str, str], dict[str, dict]] = {}

    def put(self, sub: str, vo: str, path: str, data: dict) -> None:
        self._store.setdefault((sub, vo), {})[_norm(path)] = copy.deepcopy(data)

    def list(self, sub: str, vo: str, subpath: str = "") -> dict[str, dict]:
        """``{"/path": data}`` of every secret at or under ``subpath``."""
        prefix = _norm(subpath)
        found = self._store.get((sub, vo), {})
        return {path: copy.deepcopy(data) for path, data in sorted(found.items())
                if prefix == "/" or path == prefix or path.startswith(prefix + "/")}

    def delete(self, sub: str, vo: str, path: str) -> None:
        self._store.get((sub, vo), {}).pop(_norm(path), None)

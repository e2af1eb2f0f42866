"""Node databases parsed once: a later run gets a copy of the parsed frame instead of re-reading
the file, unless the file changed (modification time or size).

The real ``@data`` decorator calls ``load_data(uri, type, query=, sheet_name=)`` from its own module
namespace on every run. Inside a simulator run that name answers from the node's cache; outside one
(a user's own MockAlgorithmClient tests, say) it is the original function, untouched.
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Optional

import pandas as pd

Loader = Callable[..., pd.DataFrame]
_current: contextvars.ContextVar[Optional["DataCache"]] = contextvars.ContextVar(
    "simulator_data_cache", default=None)
_install_lock = threading.Lock()


def file_stamp(uri: str) -> Optional[tuple[int, int]]:
    """(mtime_ns, size) of a file database; None for anything that is not a local file."""
    path = uri[len("sqlite:///"):] if uri.startswith("sqlite:///") else uri
    try:
        stat = os.stat(path)
    except (OSError, ValueError):
        return None
    return (stat.st_mtime_ns, stat.st_size)


@dataclass
class _Entry:
    stamp: Optional[tuple[int, int]]
    frame: pd.DataFrame


class DataCache:
    """One node's parsed databases, keyed by what ``load_data`` was asked."""

    def __init__(self) -> None:
        self._entries: dict[tuple, _Entry] = {}
        self._lock = threading.Lock()
        self.parses = 0  # how many times a database was actually read
        self.hits = 0

    def load(self, loader: Loader, uri: str, db_type: Optional[str] = None,
             query: Optional[str] = None, sheet_name: Optional[str] = None) -> pd.DataFrame:
        key = (uri, db_type, query, sheet_name)
        stamp = file_stamp(uri)
        with self._lock:  # one parse per database even when runs of a node overlap
            entry = self._entries.get(key)
            if entry is not None and entry.stamp == stamp:
                self.hits += 1
            else:
                entry = _Entry(stamp, loader(uri, db_type, query=query, sheet_name=sheet_name))
                self._entries[key] = entry
                self.parses += 1
        # a copy, as a container reads a fresh frame: an algorithm may change its frame in place
        return entry.frame.copy()

    def put(self, uri: str, db_type: str, frame: pd.DataFrame) -> None:
        """Serve ``frame`` for ``uri`` as if it had been parsed (a database held in memory)."""
        with self._lock:
            self._entries[(uri, db_type, None, None)] = _Entry(file_stamp(uri), frame)

    def forget(self, uri: str) -> None:
        """Drop what was parsed from ``uri`` (its owner rewrote or deleted it: a file's time
        stamp may not tell within one clock tick)."""
        with self._lock:
            for key in [k for k in self._entries if k[0] == uri]:
                del self._entries[key]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    @property
    def frames(self) -> int:
        return len(self._entries)


class DiskCache(DataCache):
    """The same, shared by the subprocesses of one node: parsed frames pickled in a folder."""

    def __init__(self, folder: str | Path) -> None:
        super().__init__()
        self.folder = Path(folder)

    def load(self, loader: Loader, uri: str, db_type: Optional[str] = None,
             query: Optional[str] = None, sheet_name: Optional[str] = None) -> pd.DataFrame:
        stamp = file_stamp(uri)
        name = hashlib.sha256(json.dumps([uri, db_type, query, sheet_name, stamp]).encode()
                              ).hexdigest()[:32]
        path = self.folder / f"{name}.pkl"
        if path.exists():
            self.hits += 1
            return pd.read_pickle(path)
        frame = loader(uri, db_type, query=query, sheet_name=sheet_name)
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        frame.to_pickle(partial)
        os.replace(partial, path)  # atomic: a concurrent reader sees all of it or nothing
        self.parses += 1
        return frame

    @staticmethod
    def parsed_files(folder: str | Path) -> int:
        return len(list(Path(folder).glob("*.pkl")))


def current() -> Optional[DataCache]:
    """The cache of the run this code is part of (None outside a simulator run)."""
    return _current.get()


@contextlib.contextmanager
def using(cache: DataCache) -> Iterator[None]:
    """Runs started in this block load their data through ``cache`` (once the profile's
    loaders are hooked, e.g. by ``install``)."""
    token = _current.set(cache)
    try:
        yield
    finally:
        _current.reset(token)


def install() -> None:
    """Put the cache-aware ``load_data`` where the real ``@data`` decorator looks it up."""
    from vantage6.algorithm.tools import decorators

    with _install_lock:
        if getattr(decorators.load_data, "simulator_cache_aware", False):
            return
        original = decorators.load_data

        def load_data(database_uri: str, db_type: Any = None, query: Any = None,
                      sheet_name: Any = None) -> pd.DataFrame:
            cache = _current.get()
            if cache is None:
                return original(database_uri, db_type, query=query, sheet_name=sheet_name)
            return cache.load(original, database_uri, db_type, query=query,
                              sheet_name=sheet_name)

        load_data.simulator_cache_aware = True  # type: ignore[attr-defined]
        decorators.load_data = load_data

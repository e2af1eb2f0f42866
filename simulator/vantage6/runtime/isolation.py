"""What a container gives an algorithm, given to code running in this process: its own environment
variables and its own stdout/stderr, per run, without touching other threads.

The real decorators and ``wrap_algorithm`` read ``os.environ`` directly and print with
``sys.stdout.write``; ``wrap_algorithm`` even rewrites every environment variable in place. So that
several runs (and the test session around them) can share one process, ``os.environ`` and
``sys.stdout``/``sys.stderr`` are given context-local overlays while at least one run is active:
inside a run (a ``contextvars`` context) they are that run's dict and log buffer; everywhere else
they behave exactly as before. The overlays are removed when the last run ends.
"""
from __future__ import annotations

import collections
import contextlib
import contextvars
import io
import os
import sys
import threading
from typing import Any, Iterator, Optional

from simulator.core.overlay import WhileInUse

_run_environ: contextvars.ContextVar[Optional[dict]] = contextvars.ContextVar(
    "simulator_run_environ", default=None)
_run_log: contextvars.ContextVar[Optional[io.StringIO]] = contextvars.ContextVar(
    "simulator_run_log", default=None)

_lock = threading.Lock()
_saved: dict[str, Any] = {}


class _ContextEnviron(os._Environ):  # type: ignore[name-defined]  # isinstance checks keep working
    """``os.environ`` that answers from the current run's dict inside a run."""

    def __init__(self, real: "os._Environ") -> None:  # type: ignore[name-defined]
        super().__init__(real._data, real.encodekey, real.decodekey, real.encodevalue,
                         real.decodevalue)

    def __getitem__(self, key: str) -> str:
        env = _run_environ.get()
        return env[key] if env is not None else super().__getitem__(key)

    def __setitem__(self, key: str, value: str) -> None:
        env = _run_environ.get()
        if env is None:
            super().__setitem__(key, value)
        elif not isinstance(key, str) or not isinstance(value, str):
            raise TypeError(f"str expected, not {type(value).__name__}")
        else:
            env[key] = value

    def __delitem__(self, key: str) -> None:
        env = _run_environ.get()
        if env is None:
            super().__delitem__(key)
        else:
            del env[key]

    def __iter__(self) -> Iterator[str]:
        env = _run_environ.get()
        # a list: wrap_algorithm rewrites entries while it iterates
        return iter(list(env)) if env is not None else super().__iter__()

    def __len__(self) -> int:
        env = _run_environ.get()
        return len(env) if env is not None else super().__len__()

    def copy(self) -> dict:
        return dict(self)

    def __repr__(self) -> str:
        env = _run_environ.get()
        return f"environ({env!r})" if env is not None else super().__repr__()


class _ContextStream(io.TextIOBase):
    """``sys.stdout``/``sys.stderr`` that writes to the current run's log inside a run."""

    _fallback: Any = sys.__stdout__  # never without one (see _retired)

    def __init__(self, fallback: Any) -> None:
        self._fallback = fallback

    def write(self, text: str) -> int:
        log = _run_log.get()
        return log.write(text) if log is not None else self._fallback.write(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if _run_log.get() is None:
            self._fallback.flush()

    # what click (vantage6's own log lines) checks before it writes to a text stream: without
    # these it would write to the binary buffer underneath, past the run's log
    @property
    def encoding(self) -> str:
        return "utf-8" if _run_log.get() is not None else getattr(self._fallback, "encoding",
                                                                    "utf-8")

    @property
    def errors(self) -> str:
        return "strict" if _run_log.get() is not None else getattr(self._fallback, "errors",
                                                                     "strict")

    def isatty(self) -> bool:
        if _run_log.get() is not None:
            return False
        try:
            return self._fallback.isatty()
        except ValueError:  # the stream it stood in for is closed (colorama asks at exit)
            return False

    def __getattr__(self, name: str) -> Any:  # encoding, fileno, buffer...
        return getattr(self._fallback, name)


def _put_up() -> None:
    _saved.update(environ=os.environ, stdout=sys.stdout, stderr=sys.stderr)
    os.environ = _ContextEnviron(os.environ)  # os.getenv reads this module global too
    sys.stdout = _ContextStream(sys.stdout)
    sys.stderr = _ContextStream(sys.stderr)


# Overlays taken down, kept alive a while: Python 3.11's print() holds sys.stdout as a borrowed
# reference, so a thread printing while the last run ends can write to a freed stream (the likely
# cause of what was seen once: a `serve` process printing its banner while its first runs
# finished, every attribute lookup of the stream recursing through __getattr__)
_retired: collections.deque = collections.deque(maxlen=64)


def _take_down() -> None:
    _retired.extend((os.environ, sys.stdout, sys.stderr))
    os.environ = _saved["environ"]
    # restore only what is still ours: a test harness may have swapped the streams meanwhile
    if isinstance(sys.stdout, _ContextStream):
        sys.stdout = _saved["stdout"]
    if isinstance(sys.stderr, _ContextStream):
        sys.stderr = _saved["stderr"]
    _saved.clear()


_overlays = WhileInUse(_put_up, _take_down, _lock)


# What an algorithm image brings (a python base image sets PATH, LANG, HOME...); the rest of this
# process's environment stays outside, as the host's environment stays outside a container.
_IMAGE_VARIABLES = ("PATH", "HOME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TEMP", "TMP", "HOSTNAME",
                    "SYSTEMROOT", "PYTHONIOENCODING")
_IMAGE_PREFIXES = ("LC_", "COVERAGE_")  # locale; coverage measurement of subprocesses


def base_environment() -> dict[str, str]:
    """The environment a container starts with, before the node adds its variables. Also right
    when asked from inside a run (a central function's run starts its subtasks' runs)."""
    with _lock:  # while installed, the saved object is the real os.environ
        real = _saved.get("environ", os.environ)
        # keys first, values only for those kept: decoding every value of the host's
        # environment was most of what this cost, once per run
        return {key: real[key] for key in real
                if key in _IMAGE_VARIABLES or key.startswith(_IMAGE_PREFIXES)}


@contextlib.contextmanager
def run_context(environ: dict[str, str], log: io.StringIO) -> Iterator[None]:
    """Inside this block (in this thread/context only) the process looks like the container."""
    _overlays.enter()
    env_token = _run_environ.set(environ)
    log_token = _run_log.set(log)
    try:
        yield
    finally:
        _run_log.reset(log_token)
        _run_environ.reset(env_token)
        _overlays.leave()


def in_run() -> bool:
    return _run_environ.get() is not None

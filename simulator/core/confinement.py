"""What a container's mounts give a run: its own files, and none of its neighbours'.

A real node starts each algorithm in a container that sees its own run folder, its job's temporary
folder and its own databases; other organizations' files, run folders and tokens, and the host's
processes are simply not there. Runs of the simulator share one machine (and, in process, one
interpreter), so a run is confined instead: inside a confined run, opening, listing, creating,
moving or deleting what the run's container would not have fails with the error a missing path
gives (``FileNotFoundError``, ENOENT).

Where a confinement applies: in process, in the run's own context (``confined``: the file
functions of ``builtins``, ``io`` and ``os`` are guarded while a run is active), lifted again
while the simulator answers the run's HTTP calls or fires its timers (``lifted``: that code is
the node and the server, not the container); in an isolated run's interpreter, process-wide
(``confine_process``: a PEP 578 audit hook, so the algorithm's own threads and every way of
opening a file are confined too).

It catches an algorithm that reaches for what a real node would not give it; it is not a sandbox
against code that sets out to undo it (its state is reachable from the same interpreter). Not
guarded: ``os.stat`` (a run can learn that a path exists, not read it), and files opened by
native code (pyarrow's own file system); in process also functions bound before the run started
(``from os import listdir`` at import time).
"""
from __future__ import annotations

import contextlib
import contextvars
import errno
import json
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Optional

from simulator.core.overlay import WhileInUse

REFUSAL = "No such file or directory (not inside this run's container)"


@dataclass(frozen=True)
class Confinement:
    """What one run may not see, as real paths (``of`` resolves symlinks and ``..``)."""

    hidden: tuple[str, ...] = ()  # files and folders the run's container does not have
    allowed: tuple[str, ...] = ()  # the run's own, even inside a hidden folder
    # in process the run shares the simulator's interpreter: its /proc/self/environ is the host's
    shares_process: bool = False

    @classmethod
    def of(cls, hidden: Iterable[Any], allowed: Iterable[Any] = (),
           shares_process: bool = False) -> "Confinement":
        return cls(_reals(hidden), _reals(allowed), shares_process)

    def joined(self, other: "Confinement") -> "Confinement":
        """Both: what either hides, what either allows, its process shared if either says so."""
        return Confinement(tuple(sorted({*self.hidden, *other.hidden})),
                           tuple(sorted({*self.allowed, *other.allowed})),
                           self.shares_process or other.shares_process)

    def refuses(self, path: Any) -> bool:
        real = _real(path)
        if _within(real, self.allowed):
            return False
        return _within(real, self.hidden) or self._foreign_process(real)

    def _foreign_process(self, real: str) -> bool:
        """Another process's /proc entries (a container has its own process namespace); in
        process, also this process's environment, which is the host's."""
        if not real.startswith("/proc/"):
            return False
        pid = real.split("/")[2]
        if not pid.isdigit():
            return False
        if int(pid) != os.getpid():
            return True
        return self.shares_process and real.rsplit("/", 1)[-1] == "environ"

    def to_json(self) -> str:
        return json.dumps({"hidden": self.hidden, "allowed": self.allowed,
                           "shares_process": self.shares_process})

    @classmethod
    def from_json(cls, text: str) -> "Confinement":
        spec = json.loads(text)
        return cls(tuple(spec["hidden"]), tuple(spec["allowed"]), bool(spec["shares_process"]))


def _reals(paths: Iterable[Any]) -> tuple[str, ...]:
    return tuple(sorted({_real(path) for path in paths}))


def _real(path: Any) -> str:
    return os.path.realpath(os.fsdecode(path))


def _within(real: str, roots: tuple[str, ...]) -> bool:
    for root in roots:
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return True
    return False


_LIFTED = Confinement()  # a marker: simulator code answering inside a run
_current: contextvars.ContextVar[Optional[Confinement]] = contextvars.ContextVar(
    "simulator_confinement", default=None)
_process_wide: Optional[Confinement] = None
_hooked = False
_lock = threading.Lock()
_originals: dict[tuple[Any, str], Any] = {}


def _refuse(confinement: Confinement, paths: Iterable[Any]) -> None:
    for path in paths:
        if path is None or isinstance(path, int):  # a file descriptor: opened already
            continue
        try:
            refused = confinement.refuses(path)
        except (TypeError, ValueError):  # not a path: the call itself will say so
            continue
        if refused:
            raise FileNotFoundError(errno.ENOENT, REFUSAL, os.fsdecode(path))


# ---------------------------------------------------------------------- in process
# The file functions an algorithm reaches for, guarded while at least one confined run is active
# (as isolation.py overlays os.environ): a guard costs a context lookup on each call, and
# nothing once the last run ends. An audit hook would see more, but it can never be removed and
# Python calls it for every audited event in the process (``id()`` included: deepcopy calls it
# per object), which made vantage6's own mock twice as slow in the same test session.
_GUARDED = [  # (module, function name, positions of its path arguments)
    ("builtins", "open", (0,)), ("io", "open", (0,)), ("os", "open", (0,)),
    ("os", "listdir", (0,)), ("os", "scandir", (0,)), ("os", "chdir", (0,)),
    ("os", "remove", (0,)), ("os", "unlink", (0,)), ("os", "rmdir", (0,)),
    ("os", "mkdir", (0,)), ("os", "rename", (0, 1)), ("os", "replace", (0, 1)),
    ("os", "link", (0, 1)), ("os", "symlink", (1,)), ("os", "truncate", (0,)),
]


class _Guarded:
    """A file function that refuses, inside a confined run, what the run's container lacks. A
    callable object, not a function: like the builtin it replaces it is no descriptor, so a
    class that keeps ``open`` as an attribute still calls it without ``self``."""

    def __init__(self, original: Any, positions: tuple[int, ...], default_path: Any) -> None:
        self.__wrapped__ = original
        self.__name__ = getattr(original, "__name__", "guarded")
        self.__qualname__ = getattr(original, "__qualname__", self.__name__)
        self.__doc__ = getattr(original, "__doc__", None)
        self._positions, self._default = positions, default_path

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        confinement = _current.get()
        if confinement is not None and confinement is not _LIFTED:
            _refuse(confinement, [args[i] if i < len(args) else
                                  (self._default if i == 0 else None) for i in self._positions])
        return self.__wrapped__(*args, **kwargs)

    def __repr__(self) -> str:
        return f"<guarded {self.__wrapped__!r}>"


def _put_up() -> None:
    import builtins
    import io

    modules = {"builtins": builtins, "io": io, "os": os}
    for module_name, name, positions in _GUARDED:
        module = modules[module_name]
        original = getattr(module, name)
        _originals[(module, name)] = original
        default = "." if name in ("listdir", "scandir") else None
        setattr(module, name, _Guarded(original, positions, default))


def _take_down() -> None:
    for (module, name), original in _originals.items():
        setattr(module, name, original)
    _originals.clear()


_guards = WhileInUse(_put_up, _take_down)


@contextlib.contextmanager
def confined(confinement: Optional[Confinement]) -> Iterator[None]:
    """Inside this block (this context only) the run sees only what its container would."""
    if confinement is None:
        yield
        return
    _guards.enter()
    token = _current.set(confinement)
    try:
        yield
    finally:
        _current.reset(token)
        _guards.leave()


def lifted() -> contextvars.Token:
    """Simulator code from here on (answering a run's call): ``restore`` with the token after."""
    return _current.set(_LIFTED)


def restore(token: contextvars.Token) -> None:
    _current.reset(token)


# ---------------------------------------------------------------------- an isolated run's process
# event -> the positions of its path arguments (Python's audit events table)
_PATH_ARGUMENTS = {
    "open": (0,), "os.listdir": (0,), "os.scandir": (0,), "os.chdir": (0,),
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
    "os.link": (0, 1), "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,),
    "os.chown": (0,), "os.utime": (0,), "shutil.rmtree": (0,), "os.exec": (0,),
    "os.posix_spawn": (0,),
}


def _audit(event: str, args: tuple) -> None:
    positions = _PATH_ARGUMENTS.get(event)
    if positions is None or _process_wide is None:
        return
    _refuse(_process_wide, [args[i] if i < len(args) else None for i in positions])


def confine_process(confinement: Confinement) -> None:
    """Every thread of this interpreter, from now on, whatever function it opens a file with
    (an audit hook: this process is the run's alone, so its cost is the run's)."""
    global _process_wide, _hooked
    _process_wide = confinement
    with _lock:
        if not _hooked:
            sys.addaudithook(_audit)  # for good: audit hooks cannot be removed
            _hooked = True

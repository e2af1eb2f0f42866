"""What a container's mounts give a run: its own files, and none of its neighbours'.

A real node starts each algorithm in a container that sees its own run folder, its job's temporary
folder and its own databases; other organizations' files, run folders and tokens, and the host's
processes are simply not there. Runs of the simulator share one machine (and, in process, one
interpreter), so a run is confined instead: a PEP 578 audit hook refuses, inside a confined run,
to open, list, create, move or delete what the run's container would not have, with the error a
missing path gives (``FileNotFoundError``, ENOENT).

Where a confinement applies: in process, in the run's own context (``confined``), lifted again
while the simulator answers the run's HTTP calls (``lifted``: that code is the node and the server,
not the container); in an isolated run's interpreter, process-wide (``confine_process``), so the
algorithm's own threads are confined too.

It catches an algorithm that reaches for what a real node would not give it; it is not a sandbox
against code that sets out to undo it (the hook's state is reachable from the same interpreter).
``os.stat`` is not audited by Python: a confined run can learn that a path exists, not read it.
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

    def with_allowed(self, *paths: Any) -> "Confinement":
        return Confinement(self.hidden, _reals(self.allowed + paths), self.shares_process)

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
_installed = False
_install_lock = threading.Lock()

# event -> the positions of its path arguments (Python's audit events table)
_PATH_ARGUMENTS = {
    "open": (0,), "os.listdir": (0,), "os.scandir": (0,), "os.chdir": (0,),
    "os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
    "os.link": (0, 1), "os.symlink": (1,), "os.truncate": (0,), "os.chmod": (0,),
    "os.chown": (0,), "os.utime": (0,), "shutil.rmtree": (0,), "os.exec": (0,),
    "os.posix_spawn": (0,),
}


def _audit(event: str, args: tuple) -> None:
    confinement = _current.get()
    if confinement is None:
        confinement = _process_wide
    if confinement is None or confinement is _LIFTED:
        return
    positions = _PATH_ARGUMENTS.get(event)
    if positions is None:
        return
    for position in positions:
        path = args[position] if position < len(args) else None
        if path is None or isinstance(path, int):  # a file descriptor: opened already
            continue
        try:
            refused = confinement.refuses(path)
        except (TypeError, ValueError):  # not a path: the call itself will say so
            continue
        if refused:
            raise FileNotFoundError(errno.ENOENT, REFUSAL, os.fsdecode(path))


def _install() -> None:
    global _installed
    with _install_lock:
        if not _installed:
            sys.addaudithook(_audit)  # for good: audit hooks cannot be removed
            _installed = True


@contextlib.contextmanager
def confined(confinement: Optional[Confinement]) -> Iterator[None]:
    """Inside this block (this context only) the run sees only what its container would."""
    if confinement is None:
        yield
        return
    _install()
    token = _current.set(confinement)
    try:
        yield
    finally:
        _current.reset(token)


def lifted() -> contextvars.Token:
    """Simulator code from here on (answering a run's call): ``restore`` with the token after."""
    return _current.set(_LIFTED)


def restore(token: contextvars.Token) -> None:
    _current.reset(token)


def confine_process(confinement: Confinement) -> None:
    """Every thread of this interpreter, from now on (an isolated run's own process)."""
    global _process_wide
    _install()
    _process_wide = confinement
